/*
 * poller.c -- the poller: an aux process for helpdesks without webhooks
 * (Debian's Redmine 5). For every tenant whose connector can be polled
 * (connector.h, "Polling") and that sets [helpdesk] poll_interval, it asks
 * every poll_interval seconds what changed since the cursor, with the
 * requests the connector builds, and feeds each event into the webhook's
 * flow from the parse step on (ingest/pipeline.c): the connector's parse,
 * dedupe on the same event ids a webhook would carry, the plugin chain, and
 * the ONE transaction with the outbox job. A helpdesk's filter may have
 * one-second granularity, so the window overlaps the last one by
 * poll_overlap seconds (default 2) and dedupe drops what was seen. The
 * cursor (the newest change seen) is kept in the store, so a restart
 * neither misses nor repeats; a tenant's first poll starts at the time it
 * first ran.
 *
 * The cursor moves only past tickets that were handled completely. When a
 * step fails for a reason that may pass (the helpdesk answers 5xx, the
 * store is busy, a commit fails) the round stops there and the cursor
 * stays at the last ticket handled before it, so the next round asks for
 * the failed ticket again (dedupe drops what was done). An event that can
 * never be handled (it does not parse) is logged and passed over.
 */
#include "config.h"

#include "daemon/poller.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/process.h"
#include "base/metrics.h"
#include "base/watchdog.h"
#include "connector/common.h"
#include "connector/connector.h"
#include "deliver/outbound.h"
#include "escalation/escalate.h"
#include "plugin/annotation.h"
#include "store/poll_cursor.h"
#include "store/store.h"

static long opt_long(const struct mamori_tenant *t, const char *key, long def)
{
    return (long)mamori_tenant_helpdesk_number(t, key, def); /* typed: "5m" is 300 (config/tenant.h) */
}

int mamori_poller_polled(const struct mamori_tenant *t)
{
    return t->connector->poll != NULL && t->helpdesk_url != NULL && opt_long(t, "poll_interval", 0) > 0;
}

int mamori_poller_wanted(const struct mamori_generation *gen)
{
    for (size_t i = 0; i < gen->tenant_count; i++)
        if (mamori_poller_polled(&gen->tenants[i]))
            return 1;
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct mamori_buf *b = user;
    if (b->len + size * n > (8u << 20))
        return 0;
    return mamori_buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* Send the connector's GET (req) to the tenant's helpdesk. The parsed
 * answer (owned by the caller), or NULL with err set. */
static json_t *api_get(const struct mamori_generation *gen, const struct mamori_tenant *t,
                       const struct mamori_wb_request *req, struct mamori_error *err)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    struct curl_slist *h = NULL, *more;
    json_t *j = NULL;
    long status = 0;
    CURLcode cc = CURLE_OK;
    char *url;
    CURL *c;

    mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((url = mamori_deliver_url_join(t->helpdesk_url, strlen(t->helpdesk_url), req->path)) == NULL)
        return NULL;
    if (!mamori_deliver_url_allowed(t->helpdesk_url, url, gen->settings.allow_http, err) ||
        (c = curl_easy_init()) == NULL)
        goto out;
    for (size_t i = 0; i < req->headers.count; i++) {
        if ((more = curl_slist_append(h, req->headers.items[i])) == NULL)
            goto out_curl;
        h = more;
    }
    if ((more = curl_slist_append(h, "Accept: application/json")) == NULL)
        goto out_curl;
    h = more;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    mamori_outbound_setup(c, &gen->settings,
                          gen->settings.allow_http ? MAMORI_OUTBOUND_HTTP_OR_HTTPS : MAMORI_OUTBOUND_HTTPS);
    if ((cc = curl_easy_perform(c)) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    /* Paths may carry query values, never secrets (those are in headers). */
    if (cc != CURLE_OK)
        mamori_error_set(err, MAMORI_EIO, "GET %s failed: %s", req->path, curl_easy_strerror(cc));
    else if (status != 200)
        mamori_error_set(err, MAMORI_EIO, "GET %s answered %ld", req->path, status);
    else if ((j = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL) == NULL)
        mamori_error_set(err, MAMORI_EIO, "GET %s answered 200 without a JSON body", req->path);
out_curl:
    curl_easy_cleanup(c);
out:
    /* The header lines hold the API key: wipe libcurl's copies too. */
    for (struct curl_slist *l = h; l != NULL; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(h);
    free(url);
    mamori_buf_free(&b);
    return j;
}

/* One polled event through the ingest pipeline. Returns 1 when it was
 * annotated and committed, 0 when there was nothing to do (seen before,
 * ignored, or it can never be handled: logged), or a negative error with
 * err set when it may work next round. */
static int process(const struct mamori_ingest *ing, const struct mamori_tenant *t, json_t *root, time_t now,
                   struct mamori_error *err)
{
    struct mamori_webhook in;
    struct mamori_ingest_result res;
    const struct mamori_annotation *a = &res.annotation;
    enum mamori_ingest_outcome rc;
    int result = 0;

    memset(&in, 0, sizeof in);
    in.tenant = t;
    in.body = "";
    in.now = now;
    in.path_suffix = "";
    /* The supervisor holds each event to [server] request_deadline, as it
     * does a worker's request: a plugin stuck on one issue would stop
     * polling for every tenant. After the kill the restarted poller asks
     * again from the cursor, so the issue collects strikes until it is
     * quarantined and passed over. */
    mamori_watchdog_begin();
    mamori_watchdog_set_request(NULL, t->id);
    rc = mamori_ingest_event(ing, &in, root, now, &res);
    mamori_watchdog_end();
    switch (rc) {
    case MAMORI_INGEST_INVALID:
        mamori_log_warn("poll_parse", "tenant %s: a polled issue does not parse, passed over: %s", t->id,
                        res.err.message);
        break;
    case MAMORI_INGEST_IGNORED:
        mamori_log_debug("ignored", "polled %s ignored: %s", res.ticket.event_id, res.ticket.ignore_reason);
        break;
    case MAMORI_INGEST_QUARANTINED:
        mamori_log_warn("quarantined", "polled ticket %s (%s) is quarantined; passed over without the plugins",
                        res.ticket.ticket_id, res.ticket.event_id);
        break;
    case MAMORI_INGEST_DUPLICATE:
        break; /* seen before (the window overlaps the last one), or recorded meanwhile */
    case MAMORI_INGEST_AGENT:
        mamori_log_info("agent_event", "polled ticket %s (%s): an agent's note asked for something: %s",
                        res.ticket.ticket_id, res.ticket.event_id, res.answer);
        result = 1;
        break;
    case MAMORI_INGEST_ANNOTATED:
        mamori_log_info("annotated", "polled ticket %s (%s): harassment=%s severity=%s", res.ticket.ticket_id,
                        res.ticket.event_id, mamori_annotation_is_harassment(a) ? "yes" : "no",
                        mamori_severity_name(mamori_annotation_severity(a)));
        result = 1;
        break;
    case MAMORI_INGEST_FAILED:
        *err = res.err;
        if (res.stage == MAMORI_INGEST_AT_ESCALATION)
            mamori_error_prefix(err, "%s: escalation not prepared", res.ticket.event_id);
        else if (res.stage == MAMORI_INGEST_AT_COMMIT)
            mamori_error_prefix(err, "%s not recorded", res.ticket.event_id);
        result = res.rc < 0 ? res.rc : MAMORI_EIO;
        break;
    }
    mamori_ingest_result_free(&res);
    return result;
}

static void set_cursor(struct mamori_store *st, const char *tenant, const char *cursor, time_t ok_at)
{
    struct mamori_error err;

    if (mamori_poll_cursor_set(st, tenant, cursor, ok_at, &err) != 0)
        mamori_log_warn("poll_cursor", "tenant %s: cursor not saved: %s", tenant, err.message);
}

/* Every event in the array events, in order, into the report; the array
 * is emptied. 0, or the transient error that stopped it (in r->err). */
static int take_all(const struct mamori_ingest *ing, const struct mamori_tenant *t, json_t *events,
                    struct mamori_poll_report *r)
{
    size_t i;
    json_t *ev;
    int rc = 0;

    json_array_foreach(events, i, ev) {
        if ((rc = process(ing, t, ev, time(NULL), &r->err)) < 0)
            break;
        if (rc == 1)
            r->annotated++;
        else
            r->skipped++;
        rc = 0;
    }
    json_array_clear(events);
    return rc;
}

/* A listed ticket's new events, with the one more request its connector
 * may ask for. 0, or the transient error that stopped it (in r->err). */
static int poll_ticket(const struct mamori_ingest *ing, const struct mamori_tenant *t, json_t *ticket, long long since,
                       struct mamori_poll_report *r)
{
    const struct mamori_poll_ops *ops = t->connector->poll;
    struct mamori_wb_request req;
    json_t *events = json_array(), *detail = NULL;
    int rc;

    if (events == NULL)
        return mamori_error_set(&r->err, MAMORI_ENOMEM, "out of memory");
    memset(&req, 0, sizeof req);
    rc = ops->ticket_events(t, ticket, since, events, &req, &r->err);
    if (rc >= 0) {
        /* What the listing showed first, as a webhook would have. */
        int more = rc == MAMORI_WB_SEND;
        if ((rc = take_all(ing, t, events, r)) == 0 && more) {
            if ((detail = api_get(ing->gen, t, &req, &r->err)) == NULL)
                rc = MAMORI_EIO;
            else if ((rc = ops->detail_events(t, ticket, detail, since, events, &r->err)) == 0)
                rc = take_all(ing, t, events, r);
        }
    }
    json_decref(detail);
    json_decref(events);
    mamori_wb_request_free(&req);
    return rc;
}

int mamori_poller_poll_tenant(const struct mamori_ingest *ing, const struct mamori_tenant *t,
                              struct mamori_poll_report *r)
{
    const struct mamori_poll_ops *ops = t->connector->poll;
    long overlap = opt_long(t, "poll_overlap", 2);
    char cursor[sizeof r->cursor];
    struct mamori_wb_request req;
    time_t now = time(NULL);
    long long c;
    json_t *list, *ticket;
    size_t i;
    int rc = 0;

    memset(r, 0, sizeof *r);
    mamori_error_clear(&r->err);
    if (ops == NULL)
        return mamori_error_set(&r->err, MAMORI_EINVAL, "%s cannot be polled", t->connector->display_name);
    if (!mamori_poll_cursor_get(ing->store, t->id, cursor, sizeof cursor)) {
        mamori_cx_format_utc((long long)now, cursor);
        set_cursor(ing->store, t->id, cursor, now);
        r->first = 1;
    }
    if (mamori_cx_parse_time(cursor, 0, &c) != 0)
        c = (long long)now;
    snprintf(r->cursor, sizeof r->cursor, "%s", cursor);
    memset(&req, 0, sizeof req);
    if ((rc = ops->list(t, c - overlap, &req, &r->err)) != 0) {
        mamori_wb_request_free(&req);
        return rc;
    }
    list = api_get(ing->gen, t, &req, &r->err);
    mamori_wb_request_free(&req);
    if (list == NULL)
        return MAMORI_EIO;
    /* Oldest change first: the cursor follows the tickets handled. */
    json_array_foreach(ops->tickets(list), i, ticket) {
        const char *changed = ops->changed_at(ticket);
        long long tu;

        r->issues++;
        if ((rc = poll_ticket(ing, t, ticket, c - overlap, r)) != 0)
            break;
        if (changed && mamori_cx_parse_time(changed, 0, &tu) == 0 && strcmp(changed, r->cursor) > 0 &&
            strlen(changed) < sizeof r->cursor)
            snprintf(r->cursor, sizeof r->cursor, "%s", changed);
    }
    /* updated_at says when a round last succeeded (`mamori status`), so a
     * successful round writes it even when nothing changed. */
    if (rc == 0 || strcmp(r->cursor, cursor) != 0)
        set_cursor(ing->store, t->id, r->cursor, rc == 0 ? now : 0);
    json_decref(list);
    return rc;
}

int mamori_poller_run(const struct mamori_generation *gen)
{
    struct mamori_ingest ing = {gen, NULL, NULL, NULL, NULL};
    struct mamori_error err;
    pid_t parent = getppid();
    time_t *next;

    mamori_process_child_init();
    if ((next = calloc(gen->tenant_count ? gen->tenant_count : 1, sizeof *next)) == NULL)
        return 3;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        mamori_store_open(&ing.store, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms,
                          MAMORI_STORE_NO_AUTOCHECKPOINT | MAMORI_STORE_LAZY, &err) != 0) {
        mamori_log_err("poller_store", "the poller cannot start: %s", ing.store ? "libcurl" : err.message);
        free(next);
        return 3;
    }
    if (mamori_store_set_audit_key(ing.store, gen->audit_key.data, gen->audit_key.len) != 0) {
        mamori_log_err("poller_store", "the poller cannot start: out of memory");
        free(next);
        return 3;
    }
    mamori_log_info("poller_started", "poller running");
    while (!mamori_process_stopping() && getppid() == parent) {
        struct mamori_poll_report report;
        struct timespec tick = {0, 200000000};
        time_t now = time(NULL);
        /* With several nodes on one PostgreSQL store, one of them polls
         * (the others would fetch the same tickets); another takes over
         * when that node dies. */
        if (mamori_store_lead(ing.store, MAMORI_ROLE_POLLER, NULL) != 1) {
            nanosleep(&tick, NULL);
            continue;
        }
        for (size_t i = 0; i < gen->tenant_count && !mamori_process_stopping(); i++) {
            const struct mamori_tenant *t = &gen->tenants[i];
            /* A failed tenant's plugins are not open (in this process, or
             * at all): it is not served, polled or not. */
            if (!mamori_poller_polled(t) || t->failure != NULL || next[i] > now)
                continue;
            int rc = mamori_poller_poll_tenant(&ing, t, &report);
            mamori_metrics_poll_round(rc == 0);
            if (rc != 0)
                mamori_log_warn("poll_failed", "tenant %s: %s; the cursor stays at %s, retrying next round", t->id,
                                report.err.message, report.cursor);
            next[i] = time(NULL) + opt_long(t, "poll_interval", 60);
        }
        nanosleep(&tick, NULL);
    }
    mamori_store_close(ing.store);
    curl_global_cleanup();
    free(next);
    return 0;
}
