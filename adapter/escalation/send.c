/* send.c -- see send.h. */
#include "config.h"

#include "escalation/send.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/signature.h"
#include "base/strv.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "deliver/outbound.h"
#include "escalation/channel.h"
#include "escalation/digest.h"
#include "escalation/escalate.h"
#include "store/audit.h"
#include "store/escalations.h"
#include "store/outbox.h"

#define DUE_BATCH 16
#define MAX_RESPONSE (64u << 10)     /* the answers are small */
#define SCAN_INTERVAL 0.25
#define TICK_INTERVAL 5.0           /* the acknowledgement deadline check */
#define PURGE_INTERVAL 3600.0
#define LINE_EVENT_KEEP (30LL * 86400) /* LINE redelivers within days; a month is plenty */

/* A replayed delivery inside its window must still find its id. */
_Static_assert(LINE_EVENT_KEEP >= 2LL * MAMORI_REPLAY_WINDOW_MAX, "LINE event ids must outlive every replay window");

struct pause {
    const struct mamori_tenant *t;
    const struct mamori_channel *ch;
    long long paused_until;
};

struct tenant_slot {
    const struct mamori_tenant *t;
    long active;
};

struct cjob {
    struct cjob *next;
    struct mamori_outbox_job row;
    json_t *payload;
    struct tenant_slot *ts;
    struct pause *pause;
    const struct mamori_channel_type *type;
    struct mamori_channel_job view;
    struct mamori_channel_send send;
    struct mamori_buf resp;
    char retry_after[64];
    char key_hex[65];
    char what[160];                 /* "LINE push to U…" for logs: never a URL */
    int maybe_sent;                 /* mail: an earlier attempt may have delivered it (see mail_progress) */
};

struct mamori_channel_sender {
    const struct mamori_generation *gen;
    struct mamori_store *st;
    CURLM *multi;
    struct tenant_slot *tenants;
    size_t tenant_count;
    struct pause *pauses;
    size_t pause_count;
    struct cjob *jobs;
    double last_scan, last_tick, last_purge;
    long owner;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mamori_channel_sender_open(struct mamori_channel_sender **out, const struct mamori_generation *gen,
                               struct mamori_store *st, CURLM *multi)
{
    struct mamori_channel_sender *s = calloc(1, sizeof *s);
    size_t np = 0;

    *out = NULL;
    if (s == NULL)
        return MAMORI_ENOMEM;
    s->gen = gen;
    s->st = st;
    s->multi = multi;
    s->owner = (long)getpid();
    for (size_t i = 0; i < gen->tenant_count; i++)
        if (gen->tenants[i].escalation != NULL)
            np += gen->tenants[i].escalation->channel_count;
    if ((gen->tenant_count && (s->tenants = calloc(gen->tenant_count, sizeof *s->tenants)) == NULL) ||
        (np && (s->pauses = calloc(np, sizeof *s->pauses)) == NULL)) {
        mamori_channel_sender_close(s);
        return MAMORI_ENOMEM;
    }
    for (size_t i = 0; i < gen->tenant_count; i++) {
        const struct mamori_tenant *t = &gen->tenants[i];
        s->tenants[s->tenant_count++].t = t;
        for (size_t k = 0; t->escalation != NULL && k < t->escalation->channel_count; k++) {
            s->pauses[s->pause_count].t = t;
            s->pauses[s->pause_count++].ch = &t->escalation->channels[k];
        }
    }
    *out = s;
    return MAMORI_OK;
}

static struct tenant_slot *tenant_slot(struct mamori_channel_sender *s, const char *id)
{
    for (size_t i = 0; i < s->tenant_count; i++)
        if (strcmp(s->tenants[i].t->id, id) == 0)
            return &s->tenants[i];
    return NULL;
}

static struct pause *pause_of(struct mamori_channel_sender *s, const struct mamori_channel *ch)
{
    for (size_t i = 0; i < s->pause_count; i++)
        if (s->pauses[i].ch == ch)
            return &s->pauses[i];
    return NULL;
}

static void job_free(struct mamori_channel_sender *s, struct cjob *j)
{
    if (j->send.easy != NULL) {
        curl_multi_remove_handle(s->multi, j->send.easy);
        curl_easy_cleanup(j->send.easy);
        j->send.easy = NULL;
    }
    mamori_channel_send_free(&j->send);
    mamori_buf_free(&j->resp);
    json_decref(j->payload);
    mamori_outbox_job_free(&j->row);
    if (j->ts != NULL)
        j->ts->active--;
    free(j);
}

static void unlink_job(struct mamori_channel_sender *s, struct cjob *j)
{
    for (struct cjob **p = &s->jobs; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            break;
        }
    job_free(s, j);
}

static const char *pstr(const json_t *payload, const char *key)
{
    const char *v = json_string_value(json_object_get(payload, key));
    return v ? v : "";
}

static const char *ticket_of(const json_t *payload)
{
    const char *v = json_string_value(json_object_get(json_object_get(payload, "ticket"), "ticket_id"));
    return v ? v : "";
}

/* An audit record about job j (in the caller's transaction). */
static int audit_job(struct mamori_channel_sender *s, struct cjob *j, const char *kind, int64_t escalation_id,
                     json_t *ids, const char *reason, long long now, struct mamori_error *err)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "level", pstr(j->payload, "level"), "channel",
                          pstr(j->payload, "channel"), "type", pstr(j->payload, "type"), "recipient",
                          pstr(j->payload, "recipient"), "purpose", pstr(j->payload, "purpose"), "sha256",
                          pstr(j->payload, "sha256"), "attempts", (json_int_t)j->row.attempts);
    char *text;
    int rc;

    if (o != NULL && escalation_id > 0)
        json_object_set_new(o, "escalation_id", json_integer(escalation_id));
    if (o != NULL && json_integer_value(json_object_get(j->payload, "digest")) > 0)
        json_object_set(o, "digest", json_object_get(j->payload, "digest"));
    /* A mail's recipients are addresses, not the channel: name them. */
    if (o != NULL && json_is_array(json_object_get(json_object_get(j->payload, "request"), "to")))
        json_object_set(o, "to", json_object_get(json_object_get(j->payload, "request"), "to"));
    if (o != NULL && json_array_size(ids) > 0)
        json_object_set(o, "message_ids", ids);
    if (o != NULL && reason != NULL)
        json_object_set_new(o, "reason", json_string(reason));
    /* Mail after an attempt whose answer was lost: the recipient may have
     * this message twice (same Message-ID), or, when it is dead-lettered,
     * may have it all the same. Said in the record, not guessed away. */
    if (o != NULL && j->maybe_sent)
        json_object_set_new(o, strcmp(kind, "escalation_failed") == 0 ? "maybe_delivered" : "maybe_duplicate",
                            json_true());
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    rc = text ? mamori_audit_append(s->st, j->row.tenant, kind, ticket_of(j->payload), text, (time_t)now, err)
              : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    free(text);
    json_decref(o);
    return rc;
}

static void finish_done(struct mamori_channel_sender *s, struct cjob *j, json_t *facts)
{
    long long now = (long long)time(NULL);
    struct mamori_escalation_row row;
    struct mamori_error err;
    json_t *ids = json_object_get(facts, "message_ids");
    /* A digest's message (digest.h) is recorded against the digest. */
    int64_t esc = 0, digest = (int64_t)json_integer_value(json_object_get(j->payload, "digest"));
    int rc;

    mamori_error_clear(&err);
    if (digest == 0 &&
        mamori_escalation_get_level(s->st, j->row.tenant, ticket_of(j->payload), pstr(j->payload, "level"), &row,
                                    NULL) == 0) {
        esc = row.id;
        mamori_escalation_row_free(&row);
    }
    if ((rc = mamori_store_begin(s->st, &err)) == 0) {
        rc = mamori_outbox_done(s->st, j->row.id, now, &err);
        if (rc == 0 && (esc > 0 || digest > 0)) {
            size_t i, n = json_array_size(ids);
            for (i = 0; rc == 0 && i < (n ? n : 1); i++) {
                const char *pid = n ? json_string_value(json_array_get(ids, i)) : NULL;
                rc = digest > 0 ? mamori_digest_message_put(s->st, digest, j->row.tenant, pstr(j->payload, "channel"),
                                                            pstr(j->payload, "recipient"), pid, now, &err)
                                : mamori_escalation_message_put(s->st, esc, j->row.tenant, pstr(j->payload, "channel"),
                                                                pstr(j->payload, "recipient"), pid, now, &err);
            }
        }
        if (rc == 0)
            rc = audit_job(s, j, "escalation_notified", esc, ids, NULL, now, &err);
        if (rc == 0)
            rc = mamori_store_commit(s->st, &err);
        else
            mamori_store_rollback(s->st);
    }
    mamori_metrics_delivery(MAMORI_DELIVERY_ESCALATION, MAMORI_DELIVERY_DONE);
    if (rc != 0)
        mamori_log_err("outbox_error", "job %lld: %s delivered but not recorded: %s (the lease runs out and it is "
                       "sent again; LINE drops the repeat by its retry key)", (long long)j->row.id, j->what,
                       err.message);
    else
        mamori_log_info("escalation_sent", "job %lld: %s delivered (tenant %s, ticket %s, %s, %s, attempt %ld)",
                        (long long)j->row.id, j->what, j->row.tenant, ticket_of(j->payload), pstr(j->payload, "level"),
                        pstr(j->payload, "purpose"), j->row.attempts);
    unlink_job(s, j);
}

/* A failed attempt: retry after delay (< 0: backoff) or dead-letter. */
static void finish_failed(struct mamori_channel_sender *s, struct cjob *j, long delay, int permanent, const char *reason)
{
    const struct mamori_settings *set = &s->gen->settings;
    long long now = (long long)time(NULL);
    int dead = permanent || j->row.attempts >= set->deliver_max_attempts;
    struct mamori_error err;
    int rc;

    if (delay < 0)
        delay = mamori_deliver_backoff(set->deliver_retry_base, set->deliver_retry_max, j->row.attempts);
    mamori_metrics_delivery(MAMORI_DELIVERY_ESCALATION, dead ? MAMORI_DELIVERY_DEAD : MAMORI_DELIVERY_RETRY);
    mamori_error_clear(&err);
    if (!dead) {
        rc = mamori_outbox_fail(s->st, j->row.id, now, now + delay, 0, reason, &err);
    } else if ((rc = mamori_store_begin(s->st, &err)) == 0) {
        rc = mamori_outbox_fail(s->st, j->row.id, now, now, 1, reason, &err);
        if (rc == 0)
            rc = audit_job(s, j, "escalation_failed", 0, NULL, reason, now, &err);
        rc = rc == 0 ? mamori_store_commit(s->st, &err) : (mamori_store_rollback(s->st), rc);
    }
    if (rc != 0)
        mamori_log_err("outbox_error", "job %lld: failure not recorded: %s", (long long)j->row.id, err.message);
    if (dead)
        mamori_log_err("dead_letter", "job %lld: %s (tenant %s, ticket %s, %s) dead-lettered after %ld attempt(s): %s; "
                       "fix the cause, then `mamori outbox retry %lld`", (long long)j->row.id, j->what, j->row.tenant,
                       ticket_of(j->payload), pstr(j->payload, "level"), j->row.attempts, reason, (long long)j->row.id);
    else
        mamori_log_warn("delivery_retry", "job %lld: %s attempt %ld failed: %s; retrying in %ld s", (long long)j->row.id,
                        j->what, j->row.attempts, reason, delay);
    unlink_job(s, j);
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct cjob *j = user;
    size_t len = size * n;

    if (j->resp.len + len > MAX_RESPONSE)
        return 0;
    return mamori_buf_append(&j->resp, data, len) == 0 ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    struct cjob *j = user;
    size_t len = size * n, k;

    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        data += 12;
        k = len - 12;
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

static int smtp_url_allowed(const char *url, int require_tls, int allow_http, struct mamori_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    int ok = 0;

    if (u == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory") == 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        mamori_error_set(err, MAMORI_EINVAL, "the mail url is not a valid URL");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user != NULL) {
        mamori_error_set(err, MAMORI_EINVAL, "put SMTP credentials in username and password_file, not in the url");
    } else if (strcmp(scheme, "smtps") != 0 && strcmp(scheme, "smtp") != 0) {
        mamori_error_set(err, MAMORI_EINVAL, "the mail url must be smtp:// or smtps://");
    } else if (strcmp(scheme, "smtp") == 0 && !require_tls &&
               !(allow_http && (strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
                                strcmp(host, "[::1]") == 0))) {
        mamori_error_set(err, MAMORI_EINVAL, "mail without STARTTLS only to loopback with [deliver] allow_http");
    } else {
        ok = 1;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return ok;
}

/* Mail has no idempotency key: a mail whose last line (the end of DATA)
 * went out but whose answer was lost may have been delivered, and the
 * retry, which mamori makes anyway (a lost escalation is worse than a
 * second copy), may deliver it twice. So the job's progress is written
 * before every attempt ({"mail_out": ATTEMPT}) and after it: a definite
 * answer removes mail_out, an uncertain end (the answer lost, or the
 * deliverer killed mid-attempt: mail_out still there at the next attempt)
 * leaves {"maybe_sent": true} for good. The audit record of the delivery
 * then says maybe_duplicate (of a dead letter: maybe_delivered), and the
 * retry carries the same Message-ID, which mail clients fold. */
static void mail_progress(struct mamori_channel_sender *s, struct cjob *j, int out)
{
    struct mamori_error err;
    char text[96];

    if (out)
        snprintf(text, sizeof text, "{\"mail_out\":%ld,\"maybe_sent\":%s}", j->row.attempts,
                 j->maybe_sent ? "true" : "false");
    else
        snprintf(text, sizeof text, "{\"maybe_sent\":%s}", j->maybe_sent ? "true" : "false");
    if (mamori_outbox_progress(s->st, j->row.id, text, (long long)time(NULL), &err) != 0)
        mamori_log_warn("outbox_progress", "job %lld: mail progress not saved: %s", (long long)j->row.id, err.message);
}

/* An earlier attempt of this mail may have delivered it: its progress says
 * so, or an attempt started and never ended (mail_out left). */
static int mail_maybe_sent_before(const struct mamori_outbox_job *row)
{
    json_t *p = row->progress ? json_loads(row->progress, 0, NULL) : NULL;
    int yes = json_is_true(json_object_get(p, "maybe_sent")) || json_object_get(p, "mail_out") != NULL;

    json_decref(p);
    return yes;
}

/* Take up one due job. */
static void start_job(struct mamori_channel_sender *s, const struct mamori_outbox_due *due)
{
    const struct mamori_settings *set = &s->gen->settings;
    long long now = (long long)time(NULL);
    struct tenant_slot *ts = tenant_slot(s, due->tenant);
    const struct mamori_escalation_config *c = ts ? ts->t->escalation : NULL;
    const struct mamori_channel *ch;
    struct mamori_outbox_job peek;
    struct mamori_error err;
    unsigned char d[32];
    struct cjob *j;
    json_t *payload;
    char reason[600];
    int rc;

    /* A tenant that failed to load (degraded start) keeps its jobs until a
     * reload fixes it. */
    if (ts != NULL && (ts->active >= set->deliver_concurrency || ts->t->failure != NULL))
        return;
    /* Look before leasing: a paused channel's job stays untouched (no
     * attempt is counted for waiting). */
    if (mamori_outbox_get(s->st, due->id, &peek, &err) != 0)
        return;
    payload = json_loads(peek.payload, 0, NULL);
    ch = c ? mamori_escalation_channel(c, pstr(payload, "channel")) : NULL;
    if (ch != NULL && pause_of(s, ch) != NULL && pause_of(s, ch)->paused_until > now) {
        json_decref(payload);
        mamori_outbox_job_free(&peek);
        return;
    }
    json_decref(payload);
    mamori_outbox_job_free(&peek);
    if ((j = calloc(1, sizeof *j)) == NULL)
        return;
    if (mamori_outbox_claim(s->st, due->id, now, now + 8 * set->deliver_timeout + 60, s->owner, &j->row, &err) != 0) {
        free(j);
        return;
    }
    j->next = s->jobs;
    s->jobs = j;
    if (ts != NULL) {
        j->ts = ts;
        ts->active++;
    }
    snprintf(j->what, sizeof j->what, "escalation message");
    j->payload = json_loads(j->row.payload, 0, NULL);
    if (j->payload == NULL) {
        finish_failed(s, j, 0, 1, "the job's payload is not valid JSON");
        return;
    }
    if (ts == NULL || c == NULL) {
        finish_failed(s, j, 0, 1, "the tenant is no longer configured for escalations");
        return;
    }
    ch = mamori_escalation_channel(c, pstr(j->payload, "channel"));
    if (ch == NULL || strcmp(mamori_channel_kind_name(ch->kind), pstr(j->payload, "type")) != 0) {
        snprintf(reason, sizeof reason, "[channel %s] is no longer configured (or changed its type) in tenant %s",
                 pstr(j->payload, "channel"), ts->t->id);
        finish_failed(s, j, 0, 1, reason);
        return;
    }
    j->type = mamori_channel_type_of(ch->kind);
    j->pause = pause_of(s, ch);
    snprintf(j->what, sizeof j->what, "%s%s to %s", j->type->display, ch->kind == MAMORI_CHANNEL_SMTP ? "" : " message",
             ch->kind == MAMORI_CHANNEL_LINE ? pstr(j->payload, "recipient") : ch->name);
    if (mamori_sha256(j->row.dedupe_key, strlen(j->row.dedupe_key), d) != 0) {
        finish_failed(s, j, -1, 0, "cannot hash the job key");
        return;
    }
    mamori_hex_encode(d, 32, j->key_hex);
    j->view.tenant = ts->t;
    j->view.cfg = c;
    j->view.channel = ch;
    j->view.settings = set;
    j->view.payload = j->payload;
    j->view.key_hex = j->key_hex;
    j->view.now = now;
    if ((j->send.easy = curl_easy_init()) == NULL) {
        finish_failed(s, j, -1, 0, "libcurl could not make a handle");
        return;
    }
    curl_easy_setopt(j->send.easy, CURLOPT_PRIVATE, j);
    mamori_error_clear(&err);
    if ((rc = j->type->prepare(&j->view, &j->send, &err)) != 0) {
        snprintf(reason, sizeof reason, "cannot prepare the request: %s", err.message);
        finish_failed(s, j, -1, rc != MAMORI_ENOMEM, reason);
        return;
    }
    mamori_outbound_setup(j->send.easy, set,
                          j->send.is_smtp   ? MAMORI_OUTBOUND_SMTP
                          : set->allow_http ? MAMORI_OUTBOUND_HTTP_OR_HTTPS
                                            : MAMORI_OUTBOUND_HTTPS);
    if (j->send.is_smtp) {
        if (!smtp_url_allowed(j->send.url, j->send.require_tls, set->allow_http, &err)) {
            snprintf(reason, sizeof reason, "[channel %s]: %s", ch->name, err.message);
            finish_failed(s, j, 0, 1, reason);
            return;
        }
    } else {
        if (!mamori_deliver_url_allowed(j->send.base ? j->send.base : j->send.url, j->send.url, set->allow_http, &err)) {
            /* The reason never repeats the URL: for Slack and Teams it is the credential. */
            snprintf(reason, sizeof reason, "[channel %s]: the URL is refused: %s", ch->name, err.message);
            finish_failed(s, j, 0, 1, reason);
            return;
        }
        curl_easy_setopt(j->send.easy, CURLOPT_POST, 1L);
        curl_easy_setopt(j->send.easy, CURLOPT_POSTFIELDS, j->send.body);
        curl_easy_setopt(j->send.easy, CURLOPT_POSTFIELDSIZE, (long)j->send.body_len);
        if ((j->send.headers = curl_slist_append(j->send.headers, "Expect:")) == NULL) {
            finish_failed(s, j, -1, 0, "out of memory");
            return;
        }
        curl_easy_setopt(j->send.easy, CURLOPT_HTTPHEADER, j->send.headers);
    }
    curl_easy_setopt(j->send.easy, CURLOPT_URL, j->send.url);
    curl_easy_setopt(j->send.easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(j->send.easy, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->send.easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(j->send.easy, CURLOPT_HEADERDATA, j);
    if (j->send.is_smtp) {
        j->maybe_sent = mail_maybe_sent_before(&j->row);
        mail_progress(s, j, 1);
    }
    if (curl_multi_add_handle(s->multi, j->send.easy) != CURLM_OK) {
        if (j->send.is_smtp)
            mail_progress(s, j, 0);
        finish_failed(s, j, -1, 0, "libcurl refused the transfer");
        return;
    }
    mamori_log_debug("escalation_request", "job %lld: %s (attempt %ld)", (long long)j->row.id, j->what,
                     j->row.attempts);
}

/* Mail: libcurl's result and the last SMTP reply code. */
static void smtp_done(struct mamori_channel_sender *s, struct cjob *j, CURLcode cc, long code)
{
    char reason[600];
    /* The whole message was read by libcurl (so the end of DATA went out
     * or was about to) and no final answer came: 354 (go ahead) was the
     * last reply, or none. An answer of 4xx/5xx is a definite no. */
    int uncertain = cc != CURLE_OK && j->send.body_len > 0 && j->send.read_pos >= j->send.body_len && code < 400;

    if (uncertain && !j->maybe_sent)
        mamori_log_warn("escalation_maybe_sent", "job %lld: %s: the answer to the end of the message was lost (%s); "
                        "it may have been delivered: the retry carries the same Message-ID", (long long)j->row.id,
                        j->what, curl_easy_strerror(cc));
    j->maybe_sent |= uncertain;
    mail_progress(s, j, 0);
    if (cc == CURLE_OK) {
        if (j->maybe_sent)
            mamori_log_warn("escalation_maybe_duplicate", "job %lld: %s delivered after an attempt whose answer was "
                            "lost: the recipient may have it twice (same Message-ID)", (long long)j->row.id, j->what);
        finish_done(s, j, NULL);
        return;
    }
    snprintf(reason, sizeof reason, "%s: %s (last SMTP reply %ld)%s", j->what, curl_easy_strerror(cc), code,
             j->maybe_sent ? "; it may have been delivered (an answer was lost)" : "");
    switch (cc) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        /* Configuration: retrying cannot help. */
        finish_failed(s, j, 0, 1, reason);
        return;
    default:
        break;
    }
    /* 5xx is the server's final no (unknown recipient, refused sender). */
    finish_failed(s, j, -1, code >= 500 && code < 600, reason);
}

static void http_done(struct mamori_channel_sender *s, struct cjob *j, CURLcode cc, long status)
{
    long long now = (long long)time(NULL);
    char reason[700];

    if (cc != CURLE_OK) {
        snprintf(reason, sizeof reason, "%s: %s", j->what, curl_easy_strerror(cc));
        finish_failed(s, j, -1, cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE, reason);
        return;
    }
    if ((status >= 200 && status < 300) || (status == 409 && j->type->conflict_is_success)) {
        json_t *facts = json_object();
        int ok = facts != NULL && j->type->result(&j->view, status, j->resp.data ? j->resp.data : "", j->resp.len,
                                                  facts) == 0;
        if (!ok) {
            snprintf(reason, sizeof reason, "%s answered %ld but: %.200s", j->what, status,
                     j->resp.data ? j->resp.data : "(no body)");
            json_decref(facts);
            finish_failed(s, j, 0, 1, reason);
            return;
        }
        finish_done(s, j, facts);
        json_decref(facts);
        return;
    }
    snprintf(reason, sizeof reason, "%s answered HTTP %ld", j->what, status);
    if (status == 429 || status == 503) {
        long max = s->gen->settings.deliver_retry_max;
        long ra = mamori_deliver_retry_after(j->retry_after, now);
        if (ra < 0)
            ra = mamori_deliver_backoff(s->gen->settings.deliver_retry_base, max, j->row.attempts);
        if (ra > max)
            ra = max;
        ra += 1; /* time() may be up to a second short */
        /* The limit is the channel's (one webhook, one LINE account):
         * hold every message to it. */
        if (j->pause != NULL && now + ra > j->pause->paused_until)
            j->pause->paused_until = now + ra;
        snprintf(reason + strlen(reason), sizeof reason - strlen(reason), " (Retry-After: %s)",
                 j->retry_after[0] ? j->retry_after : "none");
        finish_failed(s, j, ra, 0, reason);
        return;
    }
    if (status >= 500 || status == 408 || status == 425) {
        finish_failed(s, j, -1, 0, reason);
        return;
    }
    if (j->resp.len > 0) {
        size_t n = strlen(reason);
        snprintf(reason + n, sizeof reason - n, ": %.200s", j->resp.data);
        for (char *p = reason + n; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
    }
    finish_failed(s, j, 0, 1, reason);
}

int mamori_channel_sender_done(struct mamori_channel_sender *s, CURL *easy, CURLcode result)
{
    struct cjob *j;
    long status = 0;

    if (s == NULL)
        return 0;
    for (j = s->jobs; j != NULL && j->send.easy != easy; j = j->next)
        ;
    if (j == NULL)
        return 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(s->multi, easy);
    curl_easy_cleanup(easy);
    j->send.easy = NULL;
    if (j->send.is_smtp)
        smtp_done(s, j, result, status);
    else
        http_done(s, j, result, status);
    return 1;
}

void mamori_channel_sender_poll(struct mamori_channel_sender *s)
{
    double now_m = mono();
    struct mamori_error err;

    if (s == NULL)
        return;
    if (now_m - s->last_scan >= SCAN_INTERVAL || s->last_scan == 0) {
        struct mamori_outbox_due due[DUE_BATCH];
        size_t n = 0;
        s->last_scan = now_m;
        if (mamori_outbox_due(s->st, "escalation", (long long)time(NULL), due, DUE_BATCH, &n, &err) != 0)
            mamori_log_warn("outbox_error", "%s", err.message);
        for (size_t i = 0; i < n; i++) {
            int busy = 0;
            for (struct cjob *j = s->jobs; j; j = j->next)
                busy |= j->row.id == due[i].id;
            if (!busy)
                start_job(s, &due[i]);
        }
    }
    if (now_m - s->last_tick >= TICK_INTERVAL || s->last_tick == 0) {
        long long now = (long long)time(NULL);
        s->last_tick = now_m;
        /* One node checks the deadlines (several would each notify the
         * backup); another takes over when it dies. */
        if (mamori_store_lead(s->st, MAMORI_ROLE_DEADLINES, NULL) == 1) {
            if (mamori_escalation_tick(s->st, s->gen, now, now, NULL, &err) != 0)
                mamori_log_warn("escalation_tick", "the acknowledgement deadline check failed (retrying in %.0f s): %s",
                                TICK_INTERVAL, err.message);
            /* The digests (digest.h) go from the same one node. */
            if (mamori_escalation_digest_tick(s->st, s->gen, now, NULL, &err) != 0)
                mamori_log_warn("escalation_digest", "sending the due escalation digests failed (retrying in %.0f s): "
                                "%s", TICK_INTERVAL, err.message);
        }
    }
    if (now_m - s->last_purge >= PURGE_INTERVAL || s->last_purge == 0) {
        s->last_purge = now_m;
        if (mamori_store_lead(s->st, MAMORI_ROLE_DEADLINES, NULL) == 1 &&
            mamori_line_events_purge(s->st, (long long)time(NULL) - LINE_EVENT_KEEP, &err) != 0)
            mamori_log_warn("line_events_purge", "%s", err.message);
    }
}

int mamori_channel_sender_in_flight(const struct mamori_channel_sender *s)
{
    int n = 0;

    for (const struct cjob *j = s ? s->jobs : NULL; j; j = j->next)
        n += j->send.easy != NULL;
    return n;
}

void mamori_channel_sender_close(struct mamori_channel_sender *s)
{
    long long now = (long long)time(NULL);
    struct mamori_error err;

    if (s == NULL)
        return;
    while (s->jobs != NULL) {
        struct cjob *j = s->jobs;
        /* Unfinished: back to the outbox, due at once. */
        mamori_outbox_fail(s->st, j->row.id, now, now, 0, "the deliverer stopped during the attempt", &err);
        s->jobs = j->next;
        job_free(s, j);
    }
    free(s->tenants);
    free(s->pauses);
    free(s);
}
