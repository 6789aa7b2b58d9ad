/*
 * bench_report.c -- how long a report over many incidents takes.
 *
 *   bench_report STORE [N] [OUT-DIR]
 *
 * Creates STORE (a new sqlite file), fills it with N incident records
 * (default 100,000) of tenant "bench" spread over 2026 -- 1 or 2 of 11
 * categories each, 6 channels, 5 severities, 20,000 customers, care asked
 * in 5%, an outcome in 30%, an escalation for 5% (four in five
 * acknowledged), a training link for 30% (half opened) -- deterministic,
 * then builds the year's report and renders it as JSON, CSV, HTML and PDF,
 * printing each step's time (best of 3) and the output sizes. With OUT-DIR
 * the HTML and PDF are written there (run.sh opens the HTML in chromium).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/render.h"
#include "report/report_data.h"
#include "store/escalations.h"
#include "store/incidents.h"
#include "store/training_links.h"

static unsigned long long rng = 88172645463325252ULL;
static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const struct mamori_error *err)
{
    fprintf(stderr, "bench_report: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static const char *const cats[] = {"abuse", "threat", "violence", "dogeza", "excessive_demand", "time_binding",
                                   "repeat", "authority", "off_site", "sns_defamation", "sexual"};
static const char *const channels[] = {"email", "web", "chat", "phone", "sns", "other"};
static const char *const severities[] = {"low", "medium", "high", "critical", "medium"};

static void fill(struct mamori_store *st, long n)
{
    struct mamori_error err;
    const long long year = 1767225600LL; /* 2026-01-01T00:00:00Z */
    char ticket[32], requester[65], category[64], url[128];

    if (mamori_store_begin(st, &err) != 0)
        die("begin", &err);
    for (long i = 0; i < n; i++) {
        struct mamori_incident_row r;
        unsigned c1 = next() % 11, c2 = next() % 11, cust = next() % 20000;
        long long at = year + (long long)(next() % (365U * 86400U));
        memset(&r, 0, sizeof r);
        snprintf(ticket, sizeof ticket, "T-%ld", i);
        snprintf(requester, sizeof requester, "%016x%016x%016x%016x", cust, cust * 2654435761U, cust ^ 0x5bd1e995U,
                 cust + 7U);
        if (next() % 3 == 0 && c2 != c1)
            snprintf(category, sizeof category, "%s,%s", cats[c1], cats[c2]);
        else
            snprintf(category, sizeof category, "%s", cats[c1]);
        r.tenant = "bench";
        r.ticket_id = ticket;
        r.connector = "generic";
        r.channel = (char *)channels[next() % 6];
        r.requester = requester;
        r.marked_by = next() % 10 == 0 ? "agent" : "mamori";
        r.is_harassment = next() % 4 != 0;
        r.severity = (char *)severities[next() % 5];
        r.categories = category;
        r.escalation = "none";
        r.care_requested = next() % 20 == 0;
        r.outcome = next() % 10 < 3 ? (next() % 2 ? "取引停止" : "解決") : NULL;
        r.detail = "{\"actions\":[],\"events\":[]}";
        r.first_at = at;
        r.updated_at = at;
        if (mamori_incident_put(st, &r, &err) != 0)
            die("incident", &err);
        if (next() % 20 == 0) {
            struct mamori_escalation_row e;
            int64_t id;
            memset(&e, 0, sizeof e);
            e.tenant = "bench";
            e.ticket_id = ticket;
            e.level = next() % 2 ? "lawyer" : "supervisor";
            e.connector = "generic";
            e.event_id = ticket;
            e.ticket = "{}";
            e.categories = category;
            e.channels = "line";
            e.created_at = at;
            e.ack_due_at = at + 3600;
            if (next() % 5 != 0) {
                e.acked_at = at + 60 + next() % 7200;
                e.acked_by = "lawyer";
            }
            if (next() % 10 == 0) {
                e.retained_at = at + 86400;
                e.retained_by = "lawyer";
            }
            if (mamori_escalation_insert(st, &e, &id, &err) != 0)
                die("escalation", &err);
        }
        if (next() % 10 < 3) {
            int first;
            snprintf(url, sizeof url, "https://example.com/manual/%s", cats[c1]);
            if (mamori_training_link_issue(st, "bench", ticket, url, cats[c1], "manual", at, &err) != 0)
                die("training link", &err);
            if (next() % 2 && mamori_training_link_open(st, "bench", ticket, url, cats[c1], at,
                                                        at + 30 + next() % 86400, &first, &err) != 0)
                die("training open", &err);
        }
    }
    if (mamori_store_commit(st, &err) != 0)
        die("commit", &err);
}

typedef int (*render_fn)(const struct mamori_report *r, struct mamori_buf *out);

static int render_json(const struct mamori_report *r, struct mamori_buf *out)
{
    json_t *j = mamori_report_to_json(r);
    char *t = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    int rc = t == NULL || mamori_buf_puts(out, t) != 0;
    free(t);
    json_decref(j);
    return rc;
}

int main(int argc, char **argv)
{
    struct mamori_store *st;
    struct mamori_error err;
    struct mamori_report r;
    long n = argc > 2 ? atol(argv[2]) : 100000;
    const char *outdir = argc > 3 ? argv[3] : NULL;
    double t0, best;
    static const struct {
        const char *name, *ext;
        render_fn fn;
    } formats[] = {{"json", "json", render_json},
                   {"csv", "csv", mamori_report_render_csv},
                   {"html", "html", mamori_report_render_html},
                   {"pdf", "pdf", mamori_report_render_pdf}};

    if (argc < 2) {
        fprintf(stderr, "usage: bench_report STORE [N] [OUT-DIR]\n");
        return 2;
    }
    remove(argv[1]);
    if (mamori_store_open(&st, argv[1], 1 /* normal */, 5000, 0, &err) != 0)
        die("open", &err);
    t0 = now_s();
    fill(st, n);
    printf("filled %ld incidents in %.2f s\n", n, now_s() - t0);

    best = 1e9;
    for (int round = 0; round < 3; round++) {
        t0 = now_s();
        if (mamori_report_build(st, "bench", "2026-01-01", "2026-12-31", time(NULL), &r, &err) != 0)
            die("build", &err);
        double t = now_s() - t0;
        best = t < best ? t : best;
        if (round < 2)
            mamori_report_free(&r);
    }
    printf("build: %.3f s for %lld incidents, %lld escalations, %lld training links (best of 3)\n", best,
           (long long)r.incidents, (long long)r.escalations, (long long)r.training_issued);
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        struct mamori_buf out = MAMORI_BUF_INIT;
        best = 1e9;
        for (int round = 0; round < 3; round++) {
            mamori_buf_reset(&out);
            t0 = now_s();
            if (formats[f].fn(&r, &out) != 0)
                die(formats[f].name, NULL);
            double t = now_s() - t0;
            best = t < best ? t : best;
        }
        printf("render %-4s: %.3f s, %zu bytes\n", formats[f].name, best, out.len);
        if (outdir != NULL) {
            char path[4096];
            FILE *fp;
            snprintf(path, sizeof path, "%s/report.%s", outdir, formats[f].ext);
            if ((fp = fopen(path, "wb")) == NULL || fwrite(out.data, 1, out.len, fp) != out.len || fclose(fp) != 0)
                die(path, NULL);
        }
        mamori_buf_free(&out);
    }
    mamori_report_free(&r);
    mamori_store_close(st);
    return 0;
}
