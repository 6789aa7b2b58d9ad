/* deliverer.c -- see deliverer.h. One process, one thread, one curl multi
 * handle; every job is a small state machine driven by curl's completions. */
#include "config.h"

#include "daemon/deliverer.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/process.h"
#include "base/metrics.h"
#include "base/signature.h"
#include "base/strv.h"
#include "config/escalation.h"
#include "connector/connector.h"
#include "deliver/pace.h"
#include "escalation/escalate.h"
#include "escalation/lawyer.h"
#include "escalation/send.h"
#include "note/job.h"
#include "note/note.h"
#include "plugin/annotation.h"
#include "store/outbox.h"
#include "store/store.h"

#define MAX_RESPONSE (4u << 20) /* answers larger than this are cut: the steps read small JSON */
#define DUE_BATCH 32

/* ---- the process ---- */

struct tenant_state {
    const struct mamori_tenant *t;
    int active;
    long concurrency;
    struct mamori_pace pace; /* our rate ceiling and the helpdesk's own count (deliver/pace.h) */
    struct mamori_wb_cache cache;
};

struct job {
    struct job *next;
    struct mamori_outbox_job row;
    struct tenant_state *ts;
    json_t *payload, *progress;
    struct mamori_wb wb;
    struct mamori_strv tags;
    struct mamori_buf note;
    char ref[MAMORI_NOTE_REF_SIZE];
    int step, ready, auth_retried;
    int started; /* a request of this attempt has gone out: on stop, the job is finished, not given back */
    CURL *easy;
    struct curl_slist *headers;
    struct mamori_wb_request req;
    struct mamori_buf resp;
    char retry_after[64];
    struct mamori_rate_headers rl; /* what the answer said about the helpdesk's rate limit */
    char *url;
};

struct deliverer {
    const struct mamori_generation *gen;
    struct mamori_store *st;
    CURLM *multi;
    struct tenant_state *tenants;
    size_t tenant_count;
    struct job *jobs;
    long owner;
    struct mamori_channel_sender *chan; /* escalation messages (channel_send.h) */
    int slot_freed;                     /* a write-back finished: scan the outbox now */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long tenant_long(const struct mamori_tenant *t, const char *key, long def, long lo, long hi)
{
    const char *v = mamori_option_get(&t->helpdesk_options, key);
    char *end;
    long n;

    if (v == NULL)
        return def;
    n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
        mamori_log_warn("deliver_config", "tenant %s: [helpdesk] %s = %s is not a number from %ld to %ld; using %ld",
                        t->id, key, v, lo, hi, def);
        return def;
    }
    return n;
}

static int tenant_writes_back(const struct mamori_tenant *t)
{
    return t->connector->writes_back && t->connector->wb_build != NULL && t->helpdesk_url != NULL;
}

int mamori_deliverer_wanted(const struct mamori_generation *gen)
{
    for (size_t i = 0; i < gen->tenant_count; i++)
        if (tenant_writes_back(&gen->tenants[i]))
            return 1;
    return mamori_escalation_wanted(gen);
}

static struct tenant_state *find_tenant(struct deliverer *d, const char *id)
{
    for (size_t i = 0; i < d->tenant_count; i++)
        if (strcmp(d->tenants[i].t->id, id) == 0)
            return &d->tenants[i];
    return NULL;
}

static void job_free(struct deliverer *d, struct job *j)
{
    if (j->easy != NULL) {
        curl_multi_remove_handle(d->multi, j->easy);
        curl_easy_cleanup(j->easy);
    }
    curl_slist_free_all(j->headers);
    mamori_wb_request_free(&j->req);
    mamori_buf_free(&j->resp);
    mamori_buf_free(&j->note);
    mamori_strv_free(&j->tags);
    json_decref(j->payload);
    json_decref(j->progress);
    mamori_outbox_job_free(&j->row);
    free(j->url);
    if (j->ts != NULL)
        j->ts->active--;
    free(j);
}

static void unlink_job(struct deliverer *d, struct job *j)
{
    for (struct job **p = &d->jobs; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            break;
        }
    job_free(d, j);
}

static void save_progress(struct deliverer *d, struct job *j)
{
    struct mamori_error err;
    char *text;

    json_object_set_new(j->progress, "step", json_integer(j->step));
    text = json_dumps(j->progress, JSON_COMPACT);
    if (text == NULL || mamori_outbox_progress(d->st, j->row.id, text, (long long)time(NULL), &err) != 0)
        mamori_log_warn("outbox_progress", "job %lld: progress not saved (%s); a restart repeats the step",
                        (long long)j->row.id, text ? err.message : "out of memory");
    free(text);
}

static void finish_done(struct deliverer *d, struct job *j)
{
    struct mamori_error err;

    save_progress(d, j);
    mamori_metrics_delivery(MAMORI_DELIVERY_NOTE, MAMORI_DELIVERY_DONE);
    if (mamori_outbox_done(d->st, j->row.id, (long long)time(NULL), &err) != 0)
        mamori_log_err("outbox_error", "job %lld: delivered but not marked done: %s", (long long)j->row.id, err.message);
    else
        mamori_log_info("delivered", "job %lld: note and tags written to %s ticket %s (attempt %ld)",
                        (long long)j->row.id, j->ts->t->connector->display_name, mamori_wb_ticket_id(&j->wb),
                        j->row.attempts);
    unlink_job(d, j);
}

/* A failed attempt: retry at now + delay, or dead-letter. */
static void finish_failed(struct deliverer *d, struct job *j, long delay, int permanent, const char *reason)
{
    const struct mamori_settings *s = &d->gen->settings;
    long long now = (long long)time(NULL);
    int dead = permanent || j->row.attempts >= s->deliver_max_attempts;
    struct mamori_error err;

    save_progress(d, j);
    if (delay < 0)
        delay = mamori_deliver_backoff(s->deliver_retry_base, s->deliver_retry_max, j->row.attempts);
    mamori_metrics_delivery(MAMORI_DELIVERY_NOTE, dead ? MAMORI_DELIVERY_DEAD : MAMORI_DELIVERY_RETRY);
    if (mamori_outbox_fail(d->st, j->row.id, now, now + delay, dead, reason, &err) != 0)
        mamori_log_err("outbox_error", "job %lld: failure not recorded: %s", (long long)j->row.id, err.message);
    if (dead)
        mamori_log_err("dead_letter", "job %lld (tenant %s, ticket %s) dead-lettered after %ld attempts: %s; "
                       "fix the cause, then `mamori outbox retry %lld`",
                       (long long)j->row.id, j->ts->t->id, mamori_wb_ticket_id(&j->wb) ? mamori_wb_ticket_id(&j->wb) : "?",
                       j->row.attempts, reason, (long long)j->row.id);
    else
        mamori_log_warn("delivery_retry", "job %lld attempt %ld failed: %s; retrying in %ld s", (long long)j->row.id,
                        j->row.attempts, reason, delay);
    unlink_job(d, j);
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct job *j = user;
    size_t len = size * n;
    if (j->resp.len + len > MAX_RESPONSE)
        return 0;
    return mamori_buf_append(&j->resp, data, len) == 0 ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    struct job *j = user;
    size_t len = size * n;
    /* A new header block (an interim 1xx answer came first): forget its headers. */
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0)
        mamori_rate_headers_init(&j->rl);
    mamori_rate_headers_parse(&j->rl, data, len, (long long)time(NULL));
    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        size_t k = len - 12;
        data += 12;
        while (k > 0 && (*data == ' ' || *data == '\t'))
            data++, k--;
        if (k >= sizeof j->retry_after)
            k = sizeof j->retry_after - 1;
        memcpy(j->retry_after, data, k);
        j->retry_after[k] = '\0';
        for (char *p = j->retry_after + strlen(j->retry_after); p > j->retry_after && isspace((unsigned char)p[-1]);)
            *--p = '\0';
    }
    return len;
}

/* Start the prepared request j->req. */
static int send_request(struct deliverer *d, struct job *j)
{
    const struct mamori_settings *s = &d->gen->settings;
    const char *base = j->ts->t->helpdesk_url;
    size_t bl = strlen(base);
    struct mamori_error err;
    char line[256];

    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    free(j->url);
    j->url = mamori_deliver_url_join(base, bl, j->req.path);
    if (j->url == NULL)
        return MAMORI_ENOMEM;
    if (!mamori_deliver_url_allowed(base, j->url, s->allow_http, &err)) {
        char reason[600];
        snprintf(reason, sizeof reason, "refused %s %s: %s", j->req.method, j->req.path, err.message);
        finish_failed(d, j, 0, 1, reason);
        return 1; /* j is gone */
    }
    mamori_buf_reset(&j->resp);
    j->retry_after[0] = '\0';
    mamori_rate_headers_init(&j->rl);
    curl_slist_free_all(j->headers);
    j->headers = NULL;
    if ((j->easy = curl_easy_init()) == NULL)
        return MAMORI_ENOMEM;
    snprintf(line, sizeof line, "User-Agent: mamori/%s", PACKAGE_VERSION);
    j->headers = curl_slist_append(j->headers, line);
    j->headers = curl_slist_append(j->headers, "Accept: application/json");
    j->headers = curl_slist_append(j->headers, "Expect:");
    if (j->req.content_type != NULL) {
        snprintf(line, sizeof line, "Content-Type: %s", j->req.content_type);
        j->headers = curl_slist_append(j->headers, line);
    }
    for (size_t i = 0; i < j->req.headers.count; i++)
        j->headers = curl_slist_append(j->headers, j->req.headers.items[i]);
    if (j->headers == NULL)
        return MAMORI_ENOMEM;
    curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(j->easy, CURLOPT_CUSTOMREQUEST, j->req.method);
    if (j->req.body != NULL) {
        curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->req.body);
        curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(j->req.body));
    } else if (strcmp(j->req.method, "GET") == 0) {
        curl_easy_setopt(j->easy, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(j->easy, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    mamori_outbound_setup(j->easy, s, s->allow_http ? MAMORI_OUTBOUND_HTTP_OR_HTTPS : MAMORI_OUTBOUND_HTTPS);
    if (curl_multi_add_handle(d->multi, j->easy) != CURLM_OK)
        return MAMORI_EIO;
    j->ready = 0;
    j->started = 1;
    mamori_log_debug("deliver_request", "job %lld step %d: %s %s", (long long)j->row.id, j->step, j->req.method,
                     j->req.path);
    return MAMORI_OK;
}

/* Build and send the job's next request, skipping steps that are not
 * needed; finish the job when the connector says it is complete. Returns 1
 * when j was finished (freed). */
static int advance(struct deliverer *d, struct job *j)
{
    struct mamori_error err;
    int rc;

    for (;;) {
        mamori_wb_request_free(&j->req);
        mamori_error_clear(&err);
        j->wb.now = (long long)time(NULL);
        rc = j->ts->t->connector->wb_build(&j->wb, j->step, &j->req, &err);
        if (rc == MAMORI_WB_SKIP) {
            j->step++;
            continue;
        }
        if (rc == MAMORI_WB_END) {
            finish_done(d, j);
            return 1;
        }
        if (rc != MAMORI_WB_SEND) {
            char reason[600];
            snprintf(reason, sizeof reason, "step %d cannot be built: %s", j->step,
                     err.message[0] ? err.message : mamori_status_name(rc));
            finish_failed(d, j, -1, rc != MAMORI_ENOMEM, reason);
            return 1;
        }
        j->ready = 1;
        return 0;
    }
}

/* Send ready jobs whose tenant's pace allows a request now; started_only:
 * only the next steps of jobs already under way (stopping). */
static void send_ready(struct deliverer *d, int started_only)
{
    double now = mono();
    struct job *j = d->jobs, *next;
    struct tenant_state *ts;
    int rc;

    for (; j != NULL; j = next) {
        next = j->next;
        if (!j->ready || j->easy != NULL || (started_only && !j->started))
            continue;
        ts = j->ts;
        if (!mamori_pace_take(&ts->pace, now))
            continue;
        if ((rc = send_request(d, j)) != 0) {
            /* Nothing went out: give the request back to the pace. */
            mamori_pace_done(&ts->pace, NULL, now);
            if (rc < 0)
                finish_failed(d, j, -1, 0, "out of memory starting the request");
        }
    }
}

static void on_done(struct deliverer *d, struct job *j, CURLcode cc)
{
    long status = 0, long_delay;
    char reason[700];
    struct mamori_error err;

    /* A job is taken from the outbox only when its tenant has a free
     * slot; waiting for the next timed scan would leave the slot idle
     * for up to a quarter second per write-back (a burst to a helpdesk
     * answering in 0.25 s went at half the speed the slots allow). */
    d->slot_freed = 1;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(d->multi, j->easy);
    curl_easy_cleanup(j->easy);
    j->easy = NULL;
    {
        double was = j->ts->pace.held_until, held;
        held = mamori_pace_done(&j->ts->pace, cc == CURLE_OK ? &j->rl : NULL, mono());
        if (held > 0 && j->ts->pace.held_until > was && status != 429 && status != 503)
            mamori_log_info("rate_limited", "tenant %s: the helpdesk's rate limit (%ld a window) is spent; "
                            "next write-back in %.0f s, at its reset", j->ts->t->id, j->ts->pace.limit, held);
    }
    if (cc != CURLE_OK) {
        /* Timeout or connection error: the request may or may not have
         * reached the helpdesk, so the next attempt checks first. */
        snprintf(reason, sizeof reason, "%s %s: %s", j->req.method, j->req.path, curl_easy_strerror(cc));
        finish_failed(d, j, -1, 0, reason);
        return;
    }
    if (status >= 200 && status < 300) {
        mamori_error_clear(&err);
        if (j->ts->t->connector->wb_result(&j->wb, j->step, status, j->resp.data ? j->resp.data : "", j->resp.len,
                                           &err) != 0) {
            snprintf(reason, sizeof reason, "%s %s answered %ld but: %s", j->req.method, j->req.path, status, err.message);
            finish_failed(d, j, -1, 1, reason);
            return;
        }
        j->step++;
        save_progress(d, j);
        advance(d, j);
        return;
    }
    snprintf(reason, sizeof reason, "%s %s answered HTTP %ld", j->req.method, j->req.path, status);
    if (status == 401 && j->ts->cache.token != NULL && !j->auth_retried) {
        /* An expired OAuth token: drop it and start over (the token step
         * runs again). */
        mamori_wb_secret_free(j->ts->cache.token);
        j->ts->cache.token = NULL;
        j->auth_retried = 1;
        j->step = 0;
        advance(d, j);
        return;
    }
    if (status == 429 || status == 503) {
        long ra = mamori_rate_headers_wait(&j->rl);
        long max = d->gen->settings.deliver_retry_max;
        if (ra < 0)
            ra = mamori_deliver_backoff(d->gen->settings.deliver_retry_base, max, j->row.attempts);
        if (ra > max)
            ra = max;
        /* Whole seconds from time() may be up to one short: add one, so
         * the wait is never less than asked. The limit is the account's:
         * hold the whole tenant. */
        ra += 1;
        mamori_pace_hold(&j->ts->pace, mono() + (double)ra);
        snprintf(reason + strlen(reason), sizeof reason - strlen(reason), " (Retry-After: %s)",
                 j->retry_after[0] ? j->retry_after : "none");
        finish_failed(d, j, ra, 0, reason);
        return;
    }
    long_delay = -1;
    if (status >= 500 || status == 408 || status == 425 || status == 409) {
        finish_failed(d, j, long_delay, 0, reason);
        return;
    }
    /* Other 4xx: the request itself is wrong (bad credentials, no such
     * ticket, validation): retrying cannot help. */
    if (j->resp.len > 0) {
        size_t n = strlen(reason);
        snprintf(reason + n, sizeof reason - n, ": %.200s", j->resp.data);
        for (char *p = reason + n; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
    }
    finish_failed(d, j, 0, 1, reason);
}

/* Take up one due job. */
static void start_job(struct deliverer *d, const struct mamori_outbox_due *due)
{
    struct tenant_state *ts = find_tenant(d, due->tenant);
    const struct mamori_settings *s = &d->gen->settings;
    long long now = (long long)time(NULL);
    struct mamori_annotation a;
    struct mamori_note_context ctx;
    struct mamori_error err;
    struct job *j;
    struct mamori_note_job job;
    const char *fmt_opt;
    int fmt;

    if (ts == NULL) {
        mamori_outbox_fail(d->st, due->id, now, now, 1, "the tenant is no longer configured (or does not write back)",
                           &err);
        mamori_log_err("dead_letter", "job %lld: tenant %s is not configured to write back; dead-lettered",
                       (long long)due->id, due->tenant);
        return;
    }
    if (ts->active >= ts->concurrency || mono() < ts->pace.held_until)
        return;
    if ((j = calloc(1, sizeof *j)) == NULL)
        return;
    /* The lease outlives every step's timeout; a live deliverer finishes or
     * fails a job long before it ends. */
    if (mamori_outbox_claim(d->st, due->id, now, now + 8 * s->deliver_timeout + 60, d->owner, &j->row, &err) != 0) {
        free(j);
        return;
    }
    j->ts = ts;
    ts->active++;
    j->next = d->jobs;
    d->jobs = j;
    j->payload = json_loads(j->row.payload, 0, NULL);
    j->progress = j->row.progress ? json_loads(j->row.progress, 0, NULL) : json_object();
    if (j->progress == NULL)
        j->progress = json_object();
    if (j->payload == NULL || j->progress == NULL || mamori_note_ref(j->row.dedupe_key, j->ref) != 0) {
        finish_failed(d, j, 0, 1, "the job's payload is not valid JSON");
        return;
    }
    fmt_opt = mamori_option_get(&ts->t->helpdesk_options, "note_format");
    fmt = fmt_opt ? mamori_note_format_parse(fmt_opt) : ts->t->connector->note_format;
    if (fmt < 0)
        fmt = ts->t->connector->note_format;
    mamori_annotation_init(&a);
    if (mamori_note_job_read(j->payload, &job) != 0) {
        mamori_annotation_free(&a);
        finish_failed(d, j, 0, 1, "the job carries neither an annotation nor a lawyer's answer");
        return;
    }
    if (job.lawyer != NULL) {
        /* A lawyer's answer from LINE (lawyer.h) brings its own text and tags. */
        if (mamori_lawyer_note_render(j->payload, ts->t->language,
                                      ts->t->escalation ? ts->t->escalation->utc_offset : 9 * 60, fmt, j->ref, &j->note,
                                      &j->tags) != 0) {
            finish_failed(d, j, -1, 0, "out of memory rendering the note");
            return;
        }
    } else {
        if (mamori_annotation_from_json(&a, job.annotation, &err) != 0) {
            mamori_annotation_free(&a);
            finish_failed(d, j, 0, 1, "the job's annotation cannot be read");
            return;
        }
        memset(&ctx, 0, sizeof ctx);
        ctx.language = ts->t->language;
        ctx.subject = job.subject;
        ctx.body = job.body;
        ctx.reference = j->ref;
        /* Set by the webhook when a lawyer was told or has taken the case. */
        ctx.lawyer_status = job.lawyer_status;
        if (mamori_note_render(&a, &ctx, (enum mamori_note_format)fmt, &j->note) != 0) {
            mamori_annotation_free(&a);
            finish_failed(d, j, -1, 0, "out of memory rendering the note");
            return;
        }
        for (size_t i = 0; i < a.tags.count; i++)
            if (mamori_strv_push_unique(&j->tags, a.tags.items[i]) != 0) {
                mamori_annotation_free(&a);
                finish_failed(d, j, -1, 0, "out of memory");
                return;
            }
    }
    memset(&j->wb, 0, sizeof j->wb);
    j->wb.tenant = ts->t;
    j->wb.job = j->payload;
    j->wb.ticket = job.ticket;
    j->wb.progress = j->progress;
    j->wb.job_key = j->row.dedupe_key;
    j->wb.ref = j->ref;
    j->wb.note = mamori_buf_str(&j->note);
    j->wb.note_format = fmt;
    j->wb.note_subject = job.lawyer != NULL ? mamori_lawyer_note_subject(j->payload, ts->t->language)
                                                           : mamori_note_subject(&a, ts->t->language);
    j->wb.tags = &j->tags;
    /* attempts was counted by the claim: > 1 means an earlier attempt ran
     * (and maybe wrote the note before it failed or was killed). */
    j->wb.uncertain = j->row.attempts > 1;
    j->wb.cache = &ts->cache;
    mamori_annotation_free(&a);
    {
        json_t *st = json_object_get(j->progress, "step");
        j->step = json_is_integer(st) ? (int)json_integer_value(st) : 0;
        /* Steps before the note may have to run again (a token, a check);
         * resuming after the note at the first step is always safe because
         * note_done makes the note step a no-op. */
        if (j->wb.uncertain)
            j->step = 0;
    }
    if (mamori_wb_ticket_id(&j->wb) == NULL) {
        finish_failed(d, j, 0, 1, "the job has no ticket id");
        return;
    }
    advance(d, j);
}

static int setup(struct deliverer *d, const struct mamori_generation *gen)
{
    struct mamori_error err;
    size_t n = 0;

    memset(d, 0, sizeof *d);
    d->gen = gen;
    d->owner = (long)getpid();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        mamori_log_err("deliver_init", "libcurl could not be initialised");
        return 3;
    }
    if ((d->multi = curl_multi_init()) == NULL)
        return 3;
    curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
    if (gen->tenant_count && (d->tenants = calloc(gen->tenant_count, sizeof *d->tenants)) == NULL)
        return 3;
    for (size_t i = 0; i < gen->tenant_count; i++) {
        const struct mamori_tenant *t = &gen->tenants[i];
        struct tenant_state *ts;
        if (!tenant_writes_back(t))
            continue;
        ts = &d->tenants[n++];
        ts->t = t;
        ts->concurrency = tenant_long(t, "concurrency", gen->settings.deliver_concurrency, 1, 64);
        mamori_pace_init(&ts->pace, tenant_long(t, "rate_per_minute", gen->settings.deliver_rate, 1, 100000), mono());
        (void)err;
    }
    d->tenant_count = n;
    if (mamori_store_open(&d->st, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms,
                          MAMORI_STORE_NO_AUTOCHECKPOINT | MAMORI_STORE_LAZY, &err) != 0) {
        mamori_log_err("deliver_store", "%s", err.message);
        return 3;
    }
    if (mamori_store_set_audit_key(d->st, gen->audit_key.data, gen->audit_key.len) != 0) {
        mamori_log_err("deliver_store", "out of memory");
        return 3;
    }
    if (mamori_channel_sender_open(&d->chan, gen, d->st, d->multi) != 0)
        return 3;
    return 0;
}

static void teardown(struct deliverer *d)
{
    long long now = (long long)time(NULL);
    struct mamori_error err;

    while (d->jobs != NULL) {
        struct job *j = d->jobs;
        /* Unfinished: give the job back, due at once; attempts > 1 makes
         * the next deliverer check before re-sending. */
        save_progress(d, j);
        mamori_outbox_fail(d->st, j->row.id, now, now, 0, "the deliverer stopped during the attempt", &err);
        d->jobs = j->next;
        job_free(d, j);
    }
    mamori_channel_sender_close(d->chan);
    for (size_t i = 0; i < d->tenant_count; i++)
        mamori_wb_secret_free(d->tenants[i].cache.token);
    free(d->tenants);
    if (d->multi)
        curl_multi_cleanup(d->multi);
    if (d->st)
        mamori_store_close(d->st);
    curl_global_cleanup();
}

/* Move the transfers on and handle the finished ones; waits up to 100 ms. */
static void step_transfers(struct deliverer *d)
{
    int running = 0, left;
    CURLMsg *msg;

    curl_multi_perform(d->multi, &running);
    while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
        struct job *j = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        if (mamori_channel_sender_done(d->chan, msg->easy_handle, msg->data.result))
            continue; /* an escalation message */
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        if (j != NULL)
            on_done(d, j, msg->data.result);
    }
    curl_multi_poll(d->multi, NULL, 0, 100, NULL);
}

static int under_way(const struct deliverer *d)
{
    int n = 0;

    for (const struct job *j = d->jobs; j; j = j->next)
        n += j->easy != NULL || (j->ready && j->started);
    return n;
}

/* Stopping: a write-back or an escalation message whose request is out
 * may already have reached the helpdesk or the channel; cutting it off
 * would leave the job uncertain: the next deliverer would check and repeat
 * steps, and a Slack, Teams or mail message (no retry key there) would be
 * sent twice. Take no new job, but let those under way finish (every step)
 * within [deliver] stop_grace, cut to stay inside [server]
 * shutdown_timeout, after which the supervisor kills. */
static void finish_in_flight(struct deliverer *d, pid_t parent)
{
    const struct mamori_settings *s = &d->gen->settings;
    long grace = s->deliver_stop_grace;
    double until;
    int n = under_way(d), m = mamori_channel_sender_in_flight(d->chan);

    if (grace > s->shutdown_timeout - 1)
        grace = s->shutdown_timeout - 1;
    if (n + m == 0 || grace <= 0)
        return;
    mamori_log_notice("deliverer_draining",
                      "finishing %d write-back(s) and %d escalation message(s) under way before stopping (up to %ld s)",
                      n, m, grace);
    until = mono() + (double)grace;
    while (under_way(d) + mamori_channel_sender_in_flight(d->chan) > 0 && mono() < until && getppid() == parent) {
        send_ready(d, 1);
        step_transfers(d);
    }
    n = under_way(d);
    m = mamori_channel_sender_in_flight(d->chan);
    if (n + m > 0)
        mamori_log_warn("deliverer_grace_over", "%d write-back(s) and %d escalation message(s) still under way after "
                        "%ld s; given back to the outbox (the next deliverer checks the helpdesk before writing "
                        "again; a LINE message is not repeated, its retry key is the same)", n, m, grace);
}

int mamori_deliverer_run(const struct mamori_generation *gen)
{
    struct deliverer d;
    pid_t parent = getppid();
    double last_scan = 0, last_orphans = 0;
    int rc;

    mamori_process_child_init();
    if ((rc = setup(&d, gen)) != 0) {
        teardown(&d);
        return rc;
    }
    mamori_log_info("deliverer_started", "deliverer running for %zu tenant(s)", d.tenant_count);
    while (!mamori_process_stopping() && getppid() == parent) {
        double now_m = mono();

        if (now_m - last_orphans >= 5.0 || last_orphans == 0) {
            struct mamori_error err;
            int released = 0;
            if (mamori_outbox_release_orphans(d.st, (long long)time(NULL), &released, &err) != 0)
                mamori_log_warn("outbox_error", "%s", err.message);
            else if (released > 0)
                mamori_log_notice("outbox_orphans", "%d job(s) leased by a deliverer that died are due again", released);
            last_orphans = now_m;
        }
        if (now_m - last_scan >= 0.25 || d.slot_freed) {
            struct mamori_outbox_due due[DUE_BATCH];
            struct mamori_error err;
            size_t n = 0;
            if (mamori_outbox_due(d.st, "note", (long long)time(NULL), due, DUE_BATCH, &n, &err) != 0)
                mamori_log_warn("outbox_error", "%s", err.message);
            for (size_t i = 0; i < n && !mamori_process_stopping(); i++) {
                int busy = 0;
                for (struct job *j = d.jobs; j; j = j->next)
                    busy |= j->row.id == due[i].id;
                if (!busy)
                    start_job(&d, &due[i]);
            }
            last_scan = now_m;
            d.slot_freed = 0;
        }
        mamori_channel_sender_poll(d.chan);
        send_ready(&d, 0);
        step_transfers(&d);
    }
    if (getppid() == parent)
        finish_in_flight(&d, parent);
    mamori_log_info("deliverer_stopped", "deliverer stopping");
    teardown(&d);
    return 0;
}
