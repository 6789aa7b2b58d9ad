/* render_csv.c -- see render.h. */
#include "config.h"

#include "report/render.h"

#include <string.h>

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void field(struct mamori_buf *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        mamori_buf_puts(out, s);
        return;
    }
    mamori_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            mamori_buf_putc(out, '"');
        mamori_buf_putc(out, *s);
    }
    mamori_buf_putc(out, '"');
}

static void line(struct mamori_buf *out, const char *section, const char *key, long long n, long long m,
                 int with_m, double minutes)
{
    field(out, section);
    mamori_buf_putc(out, ',');
    field(out, key);
    mamori_buf_printf(out, ",%lld,", n);
    if (with_m)
        mamori_buf_printf(out, "%lld", m);
    mamori_buf_putc(out, ',');
    if (minutes >= 0)
        mamori_buf_printf(out, "%.1f", minutes);
    mamori_buf_puts(out, "\r\n");
}

static void table(struct mamori_buf *out, const char *section, const struct mamori_report_table *t, int with_m)
{
    for (size_t i = 0; i < t->count; i++)
        line(out, section, t->rows[i].key, (long long)t->rows[i].n, (long long)t->rows[i].m, with_m,
             with_m ? t->rows[i].minutes : -1);
}

int mamori_report_render_csv(const struct mamori_report *r, struct mamori_buf *out)
{
    mamori_buf_puts(out, "\xef\xbb\xbf" "section,key,count,second,median_minutes\r\n");
    line(out, "period", r->from_day, 0, 0, 0, -1);
    line(out, "period", r->to_day, 0, 0, 0, -1);
    line(out, "total", "incidents", r->incidents, 0, 0, -1);
    line(out, "total", "harassment", r->harassment, 0, 0, -1);
    line(out, "total", "legitimate_complaints", r->complaints, 0, 0, -1);
    line(out, "total", "agent_marked", r->agent_marked, 0, 0, -1);
    line(out, "total", "care_requested", r->care_requested, 0, 0, -1);
    table(out, "month", &r->months, 0);
    table(out, "category", &r->categories, 0);
    table(out, "channel", &r->channels, 0);
    table(out, "severity", &r->severities, 0);
    table(out, "outcome", &r->outcomes, 0);
    table(out, "repeat_customer", &r->repeaters, 0);
    line(out, "escalations", "total", r->escalations, r->acknowledged, 1, r->ack_median_minutes);
    line(out, "escalations", "retained_by_lawyer", r->retained, 0, 0, -1);
    table(out, "escalation_level", &r->escalation_levels, 1);
    line(out, "training", "total", r->training_issued, r->training_opened, 1, -1);
    table(out, "training_category", &r->training, 1);
    for (int k = 0; k < MAMORI_REPORT_KINDS; k++)
        if (r->kinds[k].present)
            line(out, "records", r->kinds[k].name, r->kinds[k].count, 0, 0, -1);
    return out->failed ? MAMORI_ENOMEM : 0;
}
