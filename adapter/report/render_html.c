/* render_html.c -- see render.h. */
#include "config.h"

#include "report/render.h"

#include <stdlib.h>
#include <string.h>

#include "base/signature.h"
#include "report/chart.h"

void mamori_report_html_escape(struct mamori_buf *out, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': mamori_buf_puts(out, "&lt;"); break;
        case '>': mamori_buf_puts(out, "&gt;"); break;
        case '&': mamori_buf_puts(out, "&amp;"); break;
        case '"': mamori_buf_puts(out, "&quot;"); break;
        case '\'': mamori_buf_puts(out, "&#39;"); break;
        default: mamori_buf_putc(out, *s);
        }
    }
}

/* A chart as <img> with its PNG inline. */
static int chart(struct mamori_buf *out, const char *id, const char *title, const struct mamori_report_table *t,
                 const char *labels, int horizontal, int w, int h)
{
    struct mamori_buf png = MAMORI_BUF_INIT;
    char *b64;
    int rc = mamori_chart_png(title, t, labels, horizontal, w, h, &png);

    if (rc != 0) {
        mamori_buf_free(&png);
        return rc;
    }
    if ((b64 = malloc(4 * ((png.len + 2) / 3) + 1)) == NULL) {
        mamori_buf_free(&png);
        return MAMORI_ENOMEM;
    }
    mamori_base64_encode((const unsigned char *)png.data, png.len, b64);
    mamori_buf_printf(out, "<img class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\" alt=\"", id, w, h);
    mamori_report_html_escape(out, title);
    mamori_buf_printf(out, "\" src=\"data:image/png;base64,%s\">\n", b64);
    free(b64);
    mamori_buf_free(&png);
    return 0;
}

static void minutes(struct mamori_buf *out, double m)
{
    if (m < 0)
        mamori_buf_puts(out, "–");
    else
        mamori_buf_printf(out, "%.1f", m);
}

static void two_column(struct mamori_buf *out, const char *caption, const char *h1, const char *h2,
                       const struct mamori_report_table *t, const char *labels)
{
    mamori_buf_puts(out, "<table><caption>");
    mamori_report_html_escape(out, caption);
    mamori_buf_printf(out, "</caption><tr><th>%s</th><th>%s</th></tr>\n", h1, h2);
    for (size_t i = 0; i < t->count; i++) {
        mamori_buf_puts(out, "<tr><td>");
        mamori_report_html_escape(out, labels ? mamori_report_label(labels, t->rows[i].key) : t->rows[i].key);
        mamori_buf_printf(out, "</td><td class=\"n\">%lld</td></tr>\n", (long long)t->rows[i].n);
    }
    if (t->count == 0)
        mamori_buf_puts(out, "<tr><td colspan=\"2\">データなし / none</td></tr>\n");
    mamori_buf_puts(out, "</table>\n");
}

static void ratio_table(struct mamori_buf *out, const char *caption, const char *h_n, const char *h_m,
                        const char *h_min, const struct mamori_report_table *t)
{
    mamori_buf_puts(out, "<table><caption>");
    mamori_report_html_escape(out, caption);
    mamori_buf_printf(out, "</caption><tr><th></th><th>%s</th><th>%s</th><th>%s</th></tr>\n", h_n, h_m, h_min);
    for (size_t i = 0; i < t->count; i++) {
        mamori_buf_puts(out, "<tr><td>");
        mamori_report_html_escape(out, t->rows[i].key);
        mamori_buf_printf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
                          (long long)t->rows[i].n, (long long)t->rows[i].m);
        minutes(out, t->rows[i].minutes);
        mamori_buf_puts(out, "</td></tr>\n");
    }
    if (t->count == 0)
        mamori_buf_puts(out, "<tr><td colspan=\"4\">データなし / none</td></tr>\n");
    mamori_buf_puts(out, "</table>\n");
}

int mamori_report_render_html(const struct mamori_report *r, struct mamori_buf *out)
{
    int rc = 0;

    mamori_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n<title>");
    mamori_buf_puts(out, "カスタマーハラスメント対応報告 / Customer harassment report — ");
    mamori_report_html_escape(out, r->tenant);
    mamori_buf_puts(out,
                    "</title>\n<style>body{font-family:\"IPAGothic\",\"Noto Sans CJK JP\",sans-serif;margin:24px;"
                    "color:#1a1a1a}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #bbb;"
                    "padding:3px 8px}td.n{text-align:right}caption{text-align:left;font-weight:bold}"
                    "img.chart{display:block;margin:8px 0;border:1px solid #ddd}.note{color:#555}</style>\n"
                    "</head><body>\n<h1 id=\"title\">カスタマーハラスメント対応報告</h1>\n"
                    "<p>Customer harassment report — tenant <b>");
    mamori_report_html_escape(out, r->tenant);
    mamori_buf_printf(out, "</b>, 期間 period %s 〜 %s</p>\n", r->from_day, r->to_day);
    if (r->incidents == 0)
        mamori_buf_puts(out, "<p id=\"empty\"><b>この期間の対応記録はありません。</b> No incidents were recorded in "
                             "this period.</p>\n");
    mamori_buf_printf(out,
                      "<table id=\"summary\"><caption>概要 Summary</caption>\n"
                      "<tr><td>対応記録 incidents</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>カスタマーハラスメント harassment</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>正当なクレーム legitimate complaints</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>担当者が記録 marked by an agent</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>ケアの希望 worker asked for care</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>エスカレーション escalations</td><td class=\"n\">%lld</td></tr>\n"
                      "<tr><td>受任 retained by the lawyer</td><td class=\"n\">%lld</td></tr>\n</table>\n",
                      (long long)r->incidents, (long long)r->harassment, (long long)r->complaints,
                      (long long)r->agent_marked, (long long)r->care_requested, (long long)r->escalations,
                      (long long)r->retained);

    mamori_buf_puts(out, "<h2>件数 Incidents</h2>\n");
    rc = chart(out, "chart-month", "月別件数 per month", &r->months, NULL, 0, 720, 260);
    if (rc == 0)
        rc = chart(out, "chart-category", "類型別 per category", &r->categories, NULL, 1, 720,
                   60 + 22 * (int)(r->categories.count ? r->categories.count : 1));
    if (rc == 0)
        rc = chart(out, "chart-channel", "チャネル別 per channel", &r->channels, "channel", 1, 720,
                   60 + 22 * (int)(r->channels.count ? r->channels.count : 1));
    if (rc == 0)
        rc = chart(out, "chart-severity", "重大度別 per severity", &r->severities, "severity", 1, 720,
                   60 + 22 * (int)(r->severities.count ? r->severities.count : 1));
    if (rc != 0)
        return rc;
    two_column(out, "類型別 per category", "類型 category", "件数", &r->categories, NULL);
    two_column(out, "対応結果 outcomes (agents)", "結果 outcome", "件数", &r->outcomes, NULL);

    mamori_buf_puts(out, "<h2>繰り返しの顧客 Repeat customers</h2>\n<p class=\"note\">顧客は仮名（鍵付きハッシュの先頭）"
                         "で示します。Customers are shown by a pseudonym (the start of the keyed hash).</p>\n");
    two_column(out, "2件以上 two or more incidents", "顧客 customer", "件数", &r->repeaters, NULL);

    mamori_buf_printf(out, "<h2>エスカレーション Escalations</h2>\n<p>%lld 件、確認済み %lld 件、確認までの中央値 ",
                      (long long)r->escalations, (long long)r->acknowledged);
    minutes(out, r->ack_median_minutes);
    mamori_buf_printf(out, " 分。受任 %lld 件。 (%lld escalations, %lld acknowledged, median minutes to "
                           "acknowledgement as above; %lld retained by the lawyer.)</p>\n",
                      (long long)r->retained, (long long)r->escalations, (long long)r->acknowledged,
                      (long long)r->retained);
    ratio_table(out, "レベル別 per level", "件数 opened", "確認 acknowledged", "中央値(分) median min",
                &r->escalation_levels);

    mamori_buf_puts(out, "<h2>相談と警告 Consultations and warnings</h2>\n");
    for (int k = 0; k < MAMORI_REPORT_KINDS; k++) {
        mamori_buf_printf(out, "<p id=\"kind-%s\">%s: ", r->kinds[k].name,
                          k == 0 ? "相談 consultations" : k == 1 ? "警告 warnings" : "接触制限 restrictions");
        if (r->kinds[k].present)
            mamori_buf_printf(out, "%lld</p>\n", (long long)r->kinds[k].count);
        else
            mamori_buf_puts(out, "この版では記録されていません (not recorded by this version)</p>\n");
    }

    mamori_buf_printf(out, "<h2>研修の到達 Training reach</h2>\n<p>配信 %lld 件、開封 %lld 件 "
                           "(%lld links issued in notes, %lld opened)</p>\n",
                      (long long)r->training_issued, (long long)r->training_opened, (long long)r->training_issued,
                      (long long)r->training_opened);
    ratio_table(out, "類型別 per category", "配信 issued", "開封 opened", "初回開封までの中央値(分) median min",
                &r->training);
    mamori_buf_puts(out, "</body></html>\n");
    return out->failed ? MAMORI_ENOMEM : 0;
}
