/* render_pdf.c -- see render.h. A4 portrait, drawn with cairo's PDF
 * surface; the PDF embeds the subset of the font it uses. */
#include "config.h"

#include "report/render.h"

#include <stdio.h>

#include <cairo-pdf.h>

#include "report/chart.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0

struct page {
    cairo_t *cr;
    double y;
};

static void need(struct page *p, double h)
{
    if (p->y + h > PAGE_H - MARGIN) {
        cairo_show_page(p->cr);
        p->y = MARGIN;
    }
}

static void text(struct page *p, double size, int bold, const char *s)
{
    need(p, size + 6);
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    mamori_chart_font(p->cr, size, bold);
    cairo_move_to(p->cr, MARGIN, p->y + size);
    cairo_show_text(p->cr, s);
    p->y += size + 6;
}

static void chart(struct page *p, const char *title, const struct mamori_report_table *t, const char *labels,
                  int horizontal)
{
    double h = horizontal ? 50 + 18 * (double)(t->count ? t->count : 1) : 220;
    need(p, h + 8);
    mamori_chart_draw(p->cr, MARGIN, p->y, PAGE_W - 2 * MARGIN, h, title, t, labels, horizontal);
    p->y += h + 8;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return mamori_buf_append(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_NO_MEMORY;
}

int mamori_report_render_pdf(const struct mamori_report *r, struct mamori_buf *out)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    struct page p = {cairo_create(s), MARGIN};
    cairo_status_t status;
    char line[512];

    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "カスタマーハラスメント対応報告");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "mamori");
    text(&p, 18, 1, "カスタマーハラスメント対応報告");
    snprintf(line, sizeof line, "Customer harassment report — %s, %s 〜 %s", r->tenant, r->from_day, r->to_day);
    text(&p, 11, 0, line);
    p.y += 6;
    if (r->incidents == 0)
        text(&p, 12, 1, "この期間の対応記録はありません。 No incidents were recorded in this period.");
    snprintf(line, sizeof line, "対応記録 incidents: %lld   ハラスメント harassment: %lld   正当なクレーム complaints: %lld",
             (long long)r->incidents, (long long)r->harassment, (long long)r->complaints);
    text(&p, 10, 0, line);
    snprintf(line, sizeof line, "担当者が記録 agent-marked: %lld   ケアの希望 care asked: %lld   対応結果あり with outcome: %lld",
             (long long)r->agent_marked, (long long)r->care_requested, (long long)r->with_outcome);
    text(&p, 10, 0, line);
    p.y += 8;
    chart(&p, "月別件数 per month", &r->months, NULL, 0);
    chart(&p, "類型別 per category", &r->categories, NULL, 1);
    chart(&p, "チャネル別 per channel", &r->channels, "channel", 1);
    chart(&p, "重大度別 per severity", &r->severities, "severity", 1);

    text(&p, 13, 1, "繰り返しの顧客 Repeat customers (pseudonymous)");
    for (size_t i = 0; i < r->repeaters.count; i++) {
        snprintf(line, sizeof line, "  %s   %lld", r->repeaters.rows[i].key, (long long)r->repeaters.rows[i].n);
        text(&p, 10, 0, line);
    }
    if (r->repeaters.count == 0)
        text(&p, 10, 0, "  なし none");
    p.y += 6;
    text(&p, 13, 1, "エスカレーション Escalations");
    if (r->ack_median_minutes >= 0)
        snprintf(line, sizeof line, "  %lld 件 opened, 確認 acknowledged %lld, 中央値 median %.1f 分 min, 受任 retained %lld",
                 (long long)r->escalations, (long long)r->acknowledged, r->ack_median_minutes,
                 (long long)r->retained);
    else
        snprintf(line, sizeof line, "  %lld 件 opened, 確認 acknowledged %lld, 受任 retained %lld",
                 (long long)r->escalations, (long long)r->acknowledged, (long long)r->retained);
    text(&p, 10, 0, line);
    p.y += 6;
    text(&p, 13, 1, "相談と警告 Consultations and warnings");
    for (int k = 0; k < MAMORI_REPORT_KINDS; k++) {
        if (r->kinds[k].present)
            snprintf(line, sizeof line, "  %s: %lld", r->kinds[k].name, (long long)r->kinds[k].count);
        else
            snprintf(line, sizeof line, "  %s: この版では記録されていません (not recorded by this version)",
                     r->kinds[k].name);
        text(&p, 10, 0, line);
    }
    p.y += 6;
    text(&p, 13, 1, "研修の到達 Training reach");
    snprintf(line, sizeof line, "  配信 issued %lld, 開封 opened %lld", (long long)r->training_issued,
             (long long)r->training_opened);
    text(&p, 10, 0, line);
    for (size_t i = 0; i < r->training.count; i++) {
        const struct mamori_report_row *t = &r->training.rows[i];
        if (t->minutes >= 0)
            snprintf(line, sizeof line, "  %s: %lld / %lld, 中央値 median %.1f 分 min", t->key, (long long)t->m,
                     (long long)t->n, t->minutes);
        else
            snprintf(line, sizeof line, "  %s: %lld / %lld", t->key, (long long)t->m, (long long)t->n);
        text(&p, 10, 0, line);
    }
    cairo_show_page(p.cr);
    status = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (status == CAIRO_STATUS_NO_MEMORY || out->failed)
        return MAMORI_ENOMEM;
    return status == CAIRO_STATUS_SUCCESS ? 0 : MAMORI_EIO;
}
