/* report_data.c -- see report_data.h. One pass over the period's incident
 * rows (without their detail) plus the period's escalations and training
 * links: a 100,000-incident report reads each row once. */
#include "config.h"

#include "report/report_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "escalation/consult.h"
#include "plugin/annotation.h"
#include "store/escalations.h"
#include "store/incidents.h"
#include "store/training_links.h"

#define MAX_DAYS (3660LL) /* ten years */
#define REPEATER_PREFIX 12 /* hex digits of the keyed hash shown: enough to tell customers apart */
#define MAX_REPEATERS 20

/* Samples for medians, parallel to a table's rows. */
struct samples {
    double *v;
    size_t n, cap;
};

struct builder {
    struct mamori_report *r;
    struct mamori_strv requesters;
    struct samples *level_samples, *training_samples, ack;
    size_t level_cap, training_cap;
    int oom;
};

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm):
 * no timegm, no time zone. */
static long long day_number(int y, int m, int d)
{
    int yy = m <= 2 ? y - 1 : y;
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

int mamori_report_parse_day(const char *s, long long *out, struct mamori_error *err)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, n = 0;
    long long days;

    if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[4] != '-' ||
        s[7] != '-')
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a day: write YYYY-MM-DD (e.g. 2026-10-01)",
                                s ? s : "");
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a day of the calendar", s);
    days = day_number(y, m, d);
    *out = days * 86400;
    return 0;
}

static void month_key(long long t, char out[8])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, 8, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
}

/* The row of key (added at the end when new); NULL on allocation failure. */
static struct mamori_report_row *row_of(struct mamori_report_table *t, const char *key, size_t *index)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->rows[i].key, key) == 0) {
            if (index)
                *index = i;
            return &t->rows[i];
        }
    if (mamori_grow((void **)&t->rows, &t->cap, t->count + 1, sizeof *t->rows) != 0)
        return NULL;
    struct mamori_report_row *r = &t->rows[t->count];
    memset(r, 0, sizeof *r);
    r->minutes = -1;
    if ((r->key = mamori_strdup(key)) == NULL)
        return NULL;
    if (index)
        *index = t->count;
    t->count++;
    return r;
}

static int count(struct mamori_report_table *t, const char *key)
{
    struct mamori_report_row *r = row_of(t, key, NULL);
    if (r == NULL)
        return MAMORI_ENOMEM;
    r->n++;
    return 0;
}

static int add_sample(struct samples *s, double v)
{
    if (mamori_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
        return MAMORI_ENOMEM;
    s->v[s->n++] = v;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(struct samples *s)
{
    if (s->n == 0)
        return -1;
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    return s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

/* The samples of row index i of a table, grown with the table. */
static struct samples *samples_at(struct samples **arr, size_t *cap, size_t i)
{
    size_t old = *cap;
    if (mamori_grow((void **)arr, cap, i + 1, sizeof **arr) != 0)
        return NULL;
    memset(*arr + old, 0, (*cap - old) * sizeof **arr);
    return &(*arr)[i];
}

static int on_incident(void *ctx, const struct mamori_incident_row *row)
{
    struct builder *b = ctx;
    struct mamori_report *r = b->r;
    char month[8];
    int bad = 0;

    r->incidents++;
    if (row->is_harassment)
        r->harassment++;
    else
        r->complaints++;
    r->agent_marked += row->marked_by != NULL && strcmp(row->marked_by, "agent") == 0;
    r->care_requested += row->care_requested != 0;
    month_key(row->first_at, month);
    bad |= count(&r->months, month);
    bad |= count(&r->channels, row->channel ? row->channel : "other");
    bad |= count(&r->severities, row->severity ? row->severity : "none");
    if (row->outcome != NULL) {
        r->with_outcome++;
        bad |= count(&r->outcomes, row->outcome);
    }
    for (const char *p = row->categories; p != NULL && *p && !bad;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char key[128];
        if (n > 0 && n < sizeof key) {
            memcpy(key, p, n);
            key[n] = '\0';
            bad |= count(&r->categories, key);
        }
        p = c ? c + 1 : NULL;
    }
    if (row->requester != NULL && !bad)
        bad |= mamori_strv_push(&b->requesters, row->requester, REPEATER_PREFIX) != 0;
    if (bad) {
        b->oom = 1;
        return MAMORI_ENOMEM;
    }
    return 0;
}

static int on_escalation(void *ctx, const struct mamori_escalation_row *e)
{
    struct builder *b = ctx;
    struct mamori_report *r = b->r;
    struct mamori_report_row *row;
    struct samples *s;
    size_t i;

    if (e->created_at < r->from || e->created_at >= r->to)
        return 0;
    r->escalations++;
    r->retained += e->retained_at > 0;
    /* A consultation is an escalation row of level "consult-N" (its
     * number, so a quoted LINE reply finds it): one row "consult" for all
     * of them, not one per consultation. */
    if ((row = row_of(&r->escalation_levels, mamori_consult_level_number(e->level) > 0 ? "consult" : e->level, &i)) ==
            NULL ||
        (s = samples_at(&b->level_samples, &b->level_cap, i)) == NULL)
        goto oom;
    row->n++;
    if (e->acked_at > 0) {
        double minutes = (double)(e->acked_at - e->created_at) / 60.0;
        r->acknowledged++;
        row->m++;
        if (add_sample(s, minutes) != 0 || add_sample(&b->ack, minutes) != 0)
            goto oom;
    }
    return 0;
oom:
    b->oom = 1;
    return MAMORI_ENOMEM;
}

static int on_link(void *ctx, const char *ticket_id, const char *url, const char *category, const char *title,
                   long long issued_at, long long opened_at)
{
    struct builder *b = ctx;
    struct mamori_report_row *row;
    struct samples *s;
    size_t i;

    (void)ticket_id;
    (void)url;
    (void)title;
    b->r->training_issued++;
    if ((row = row_of(&b->r->training, category && *category ? category : "-", &i)) == NULL ||
        (s = samples_at(&b->training_samples, &b->training_cap, i)) == NULL)
        goto oom;
    row->n++;
    if (opened_at > 0) {
        b->r->training_opened++;
        row->m++;
        if (add_sample(s, (double)(opened_at - issued_at) / 60.0) != 0)
            goto oom;
    }
    return 0;
oom:
    b->oom = 1;
    return MAMORI_ENOMEM;
}

static int count_kind(void *ctx, int ncol, const char *const *names, const char *const *values)
{
    (void)ncol;
    (void)names;
    (void)values;
    ((struct mamori_report_kind *)ctx)->count++;
    return 0;
}

/* Severities in their own order, lowest first. */
static int cmp_severity(const void *a, const void *b)
{
    const struct mamori_report_row *x = a, *y = b;
    return mamori_severity_parse(x->key) - mamori_severity_parse(y->key);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_rows_desc(const void *a, const void *b)
{
    const struct mamori_report_row *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Requesters with two or more incidents in the period, most first. */
static int find_repeaters(struct builder *b)
{
    struct mamori_strv *v = &b->requesters;
    struct mamori_report_table *t = &b->r->repeaters;

    if (v->count > 1) /* items is NULL when nothing was added */
        qsort(v->items, v->count, sizeof *v->items, cmp_str);
    for (size_t i = 0; i < v->count;) {
        size_t j = i;
        while (j < v->count && strcmp(v->items[j], v->items[i]) == 0)
            j++;
        if (j - i >= 2) {
            struct mamori_report_row *row = row_of(t, v->items[i], NULL);
            if (row == NULL)
                return MAMORI_ENOMEM;
            row->n = (int64_t)(j - i);
        }
        i = j;
    }
    if (t->count)
        qsort(t->rows, t->count, sizeof *t->rows, cmp_rows_desc);
    while (t->count > MAX_REPEATERS)
        free(t->rows[--t->count].key);
    return 0;
}

int mamori_report_build(struct mamori_store *st, const char *tenant, const char *from, const char *to, time_t now,
                        struct mamori_report *out, struct mamori_error *err)
{
    struct builder b;
    long long f, t;
    int rc;

    memset(out, 0, sizeof *out);
    out->ack_median_minutes = -1;
    out->kinds[0].name = "consultations";
    out->kinds[1].name = "warnings";
    out->kinds[2].name = "restrictions";
    if ((rc = mamori_report_parse_day(from, &f, err)) != 0)
        return mamori_error_prefix(err, "--from");
    if ((rc = mamori_report_parse_day(to, &t, err)) != 0)
        return mamori_error_prefix(err, "--to");
    if (t < f)
        return mamori_error_set(err, MAMORI_EINVAL, "the period is broken: --to %s is before --from %s", to, from);
    if ((t - f) / 86400 >= MAX_DAYS)
        return mamori_error_set(err, MAMORI_EINVAL, "the period %s..%s is longer than ten years: ask for less", from,
                                to);
    if ((out->tenant = mamori_strdup(tenant)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    out->from = f;
    out->to = t + 86400; /* to is inclusive */
    snprintf(out->from_day, sizeof out->from_day, "%s", from);
    snprintf(out->to_day, sizeof out->to_day, "%s", to);
    out->generated_at = (long long)now;

    memset(&b, 0, sizeof b);
    b.r = out;
    /* Every month of the period, so a chart shows the empty ones too. */
    {
        int y = atoi(from), mo = atoi(from + 5);
        for (long long m = day_number(y, mo, 1) * 86400; m < out->to; m = day_number(y, mo, 1) * 86400) {
            char key[8];
            snprintf(key, sizeof key, "%04d-%02d", y, mo);
            if (row_of(&out->months, key, NULL) == NULL) {
                rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
                goto out;
            }
            if (++mo > 12) {
                mo = 1;
                y++;
            }
        }
    }
    if ((rc = mamori_store_read_begin(st, err)) != 0)
        goto out;
    rc = mamori_incident_each(st, tenant, out->from, out->to, 0, on_incident, &b, err);
    if (rc == 0)
        rc = mamori_escalation_list(st, tenant, 0, (size_t)-1, on_escalation, &b, err);
    if (rc == 0)
        rc = mamori_training_link_each(st, tenant, NULL, out->from, out->to, on_link, &b, err);
    for (int k = 0; rc == 0 && k < MAMORI_REPORT_KINDS; k++)
        rc = mamori_incident_kind_each(st, out->kinds[k].name, tenant, NULL, out->from, out->to,
                                       &out->kinds[k].present, count_kind, &out->kinds[k], err);
    mamori_store_read_end(st);
    if (rc == 0 && find_repeaters(&b) != 0)
        rc = MAMORI_ENOMEM;
    if (rc == 0) {
        out->ack_median_minutes = median(&b.ack);
        for (size_t i = 0; i < out->escalation_levels.count && i < b.level_cap; i++)
            out->escalation_levels.rows[i].minutes = median(&b.level_samples[i]);
        for (size_t i = 0; i < out->training.count && i < b.training_cap; i++)
            out->training.rows[i].minutes = median(&b.training_samples[i]);
        if (out->categories.count)
            qsort(out->categories.rows, out->categories.count, sizeof *out->categories.rows, cmp_rows_desc);
        if (out->channels.count)
            qsort(out->channels.rows, out->channels.count, sizeof *out->channels.rows, cmp_rows_desc);
        if (out->outcomes.count)
            qsort(out->outcomes.rows, out->outcomes.count, sizeof *out->outcomes.rows, cmp_rows_desc);
        if (out->severities.count)
            qsort(out->severities.rows, out->severities.count, sizeof *out->severities.rows, cmp_severity);
    }
    if (b.oom || rc == MAMORI_ENOMEM)
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory building the report");
out:
    for (size_t i = 0; i < b.level_cap; i++)
        free(b.level_samples[i].v);
    for (size_t i = 0; i < b.training_cap; i++)
        free(b.training_samples[i].v);
    free(b.level_samples);
    free(b.training_samples);
    free(b.ack.v);
    mamori_strv_free(&b.requesters);
    if (rc != 0)
        mamori_report_free(out);
    return rc;
}

static void table_free(struct mamori_report_table *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->rows[i].key);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

void mamori_report_free(struct mamori_report *r)
{
    free(r->tenant);
    r->tenant = NULL;
    table_free(&r->months);
    table_free(&r->categories);
    table_free(&r->channels);
    table_free(&r->severities);
    table_free(&r->outcomes);
    table_free(&r->repeaters);
    table_free(&r->escalation_levels);
    table_free(&r->training);
}

static json_t *minutes_json(double m)
{
    return m < 0 ? json_null() : json_real((double)(long long)(m * 10 + 0.5) / 10);
}

/* {key: n} or, with second, [{key, n, m, median_minutes}] under names. */
static json_t *table_json(const struct mamori_report_table *t, const char *n_name, const char *m_name)
{
    json_t *o = m_name ? json_array() : json_object();
    for (size_t i = 0; o != NULL && i < t->count; i++) {
        const struct mamori_report_row *r = &t->rows[i];
        int bad = m_name ? json_array_append_new(o, json_pack("{s:s, s:I, s:I, s:o}", "key", r->key, n_name,
                                                              (json_int_t)r->n, m_name, (json_int_t)r->m,
                                                              "median_minutes", minutes_json(r->minutes)))
                         : json_object_set_new(o, r->key, json_integer((json_int_t)r->n));
        if (bad) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *mamori_report_to_json(const struct mamori_report *r)
{
    json_t *rep = json_array(), *kinds = json_object();

    for (size_t i = 0; rep != NULL && i < r->repeaters.count; i++)
        json_array_append_new(rep, json_pack("{s:s, s:I}", "customer", r->repeaters.rows[i].key, "incidents",
                                             (json_int_t)r->repeaters.rows[i].n));
    for (int k = 0; kinds != NULL && k < MAMORI_REPORT_KINDS; k++)
        json_object_set_new(kinds, r->kinds[k].name,
                            r->kinds[k].present ? json_integer((json_int_t)r->kinds[k].count) : json_null());
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:{s:I, s:I, s:I, s:o, s:o}, s:{s:I, s:I, s:o}, s:o}",
                     "schema", "mamori.report/1", "tenant", r->tenant, "from", r->from_day, "to", r->to_day,
                     "generated_at", (json_int_t)r->generated_at, "incidents", "total", (json_int_t)r->incidents,
                     "harassment", (json_int_t)r->harassment, "legitimate_complaints", (json_int_t)r->complaints,
                     "agent_marked", (json_int_t)r->agent_marked, "care_requested", (json_int_t)r->care_requested,
                     "with_outcome", (json_int_t)r->with_outcome, "by_month", table_json(&r->months, NULL, NULL),
                     "by_category", table_json(&r->categories, NULL, NULL), "by_channel",
                     table_json(&r->channels, NULL, NULL), "by_severity", table_json(&r->severities, NULL, NULL),
                     "outcomes", table_json(&r->outcomes, NULL, NULL), "repeat_customers", rep, "escalations",
                     "total", (json_int_t)r->escalations, "acknowledged", (json_int_t)r->acknowledged,
                     "retained_by_lawyer", (json_int_t)r->retained, "median_minutes_to_ack",
                     minutes_json(r->ack_median_minutes), "by_level",
                     table_json(&r->escalation_levels, "opened", "acknowledged"), "training", "issued",
                     (json_int_t)r->training_issued, "opened", (json_int_t)r->training_opened, "by_category",
                     table_json(&r->training, "issued", "opened"), "records", kinds);
}

const char *mamori_report_label(const char *table, const char *key)
{
    static const char *const labels[][3] = {
        {"severity", "none", "なし none"},       {"severity", "low", "低 low"},
        {"severity", "medium", "中 medium"},     {"severity", "high", "高 high"},
        {"severity", "critical", "重大 critical"}, {"channel", "email", "メール email"},
        {"channel", "web", "Webフォーム web"},   {"channel", "chat", "チャット chat"},
        {"channel", "phone", "電話 phone"},      {"channel", "phone_note", "電話メモ phone note"},
        {"channel", "sns", "SNS"},               {"channel", "api", "API"},
        {"channel", "other", "その他 other"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i][0], table) == 0 && strcmp(labels[i][1], key) == 0)
            return labels[i][2];
    return key;
}
