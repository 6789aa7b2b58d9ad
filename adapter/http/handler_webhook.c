/*
 * handler_webhook.c -- POST /hooks/<tenant>/<connector>: the main path.
 *
 *   route -> verify -> parse -> loop guard -> dedupe -> history -> annotate
 *   -> ONE transaction (event, annotation, outbox, contact, audit) -> 200
 *
 * The helpdesk gets its 2xx only after the transaction is durable; if the
 * commit fails it gets 503 and retries, and dedupe makes the retry safe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/signature.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/escalate.h"
#include "escalation/lawyer.h"
#include "http/app.h"
#include "note/note.h"
#include "plugin/annotation.h"
#include "plugin/host_api.h"
#include "store/audit.h"
#include "store/outbox.h"

struct verify_ctx {
    const struct mamori_tenant *tenant;
    const char *suffix;
    time_t now;
};

static const char *header_cb(const void *ctx, const char *name)
{
    return mamori_http_header(ctx, name);
}

static void webhook_view(struct mamori_webhook *in, const struct mamori_tenant *t, struct mamori_http *h,
                         const char *suffix, time_t now)
{
    memset(in, 0, sizeof *in);
    in->tenant = t;
    in->body = h->body ? h->body : "";
    in->body_len = h->body_len;
    in->content_type = h->content_type;
    in->header = header_cb;
    in->header_ctx = h;
    in->now = now;
    in->path_suffix = suffix;
}

static int verify_cb(void *ctx, struct mamori_http *h)
{
    struct verify_ctx *v = ctx;
    struct mamori_webhook in;
    struct mamori_error err;

    webhook_view(&in, v->tenant, h, v->suffix, v->now);
    mamori_error_clear(&err);
    if (v->tenant->connector->verify(&in, &err) != 0) {
        /* The reason names what was wrong, never anything derived from the secret. */
        mamori_log_warn("auth_failed", "webhook refused: %s", err.message);
        mamori_http_error(h, 401, "unauthorized", NULL, "%s", err.message);
        return MAMORI_EAUTH;
    }
    return MAMORI_OK;
}

static int join_categories(const struct mamori_annotation *a, struct mamori_buf *b)
{
    for (size_t i = 0; i < a->category_count; i++)
        mamori_buf_printf(b, "%s%s", i ? "," : "", a->categories[i].id);
    if (b->data == NULL)
        mamori_buf_puts(b, "");
    return b->failed ? MAMORI_ENOMEM : MAMORI_OK;
}

/* Whether to write a note for this annotation. */
int mamori_webhook_wants_note(const struct mamori_tenant *t, const struct mamori_annotation *a)
{
    /* Without a [helpdesk] url there is nowhere to write (the generic
     * connector's callback is optional; the others need it). */
    if (!t->connector->writes_back || t->helpdesk_url == NULL)
        return 0;
    /* A legitimate complaint gets a calm note or none (note_on_legitimate);
     * on a ticket a lawyer has taken on, every message gets one that says
     * so (escalate.h). */
    return mamori_note_wanted(a, t->note_on_legitimate) || mamori_strv_contains(&a->tags, MAMORI_TAG_LAWYER_RETAINED);
}

/* Write everything about one webhook in ONE transaction. *answer_text
 * (owned by the caller) is the exact answer stored for dedupe and sent.
 * plan (may be NULL): the escalation to open or follow up (escalate.h). */
int mamori_webhook_commit_escalation(struct mamori_app *app, const struct mamori_tenant *t,
                                     const struct mamori_ticket *ticket, const struct mamori_annotation *a, json_t *full,
                                     json_t *ticket_json, json_t *answer, time_t now,
                                     struct mamori_escalation_plan *plan, char **answer_text, struct mamori_error *err)
{
    struct mamori_store *st = app->store;
    struct mamori_buf cats = MAMORI_BUF_INIT, key = MAMORI_BUF_INIT;
    char *job_text = NULL, *audit_text = NULL, hash[65] = "", digest_hex[65];
    struct mamori_event_row row;
    unsigned char digest[32];
    json_t *job = NULL, *audit = NULL;
    int note = mamori_webhook_wants_note(t, a), rc = MAMORI_ENOMEM;

    /* Everything that can be computed is computed before the write lock. */
    *answer_text = json_dumps(answer, JSON_COMPACT);
    if (*answer_text == NULL || join_categories(a, &cats) != 0 ||
        mamori_sha256(*answer_text, strlen(*answer_text), digest) != 0)
        goto out;
    mamori_hex_encode(digest, 32, digest_hex);
    memset(&row, 0, sizeof row);
    row.tenant = t->id;
    row.connector = t->connector->name;
    row.event_id = ticket->event_id;
    row.ticket_id = ticket->ticket_id;
    row.status = 200;
    row.response = *answer_text;
    row.is_harassment = mamori_annotation_is_harassment(a);
    row.severity = mamori_severity_name(mamori_annotation_severity(a));
    row.categories = mamori_buf_str(&cats);
    row.escalation = mamori_escalation_name(a->escalation_level);
    row.received_at = now;
    if (note) {
        job = json_pack("{s:s, s:s, s:O, s:O}", "tenant", t->id, "event_id", ticket->event_id, "ticket", ticket_json,
                        "annotation", full);
        mamori_buf_printf(&key, "%s:%s:%s:note", t->id, t->connector->name, ticket->event_id);
        /* What the agent is told about the lawyer (notified, retained). */
        if (job != NULL && plan != NULL && plan->status[0] != '\0' &&
            json_object_set_new(job, "lawyer_status", json_string(plan->status)) != 0)
            goto out;
        if (job == NULL || key.failed || (job_text = json_dumps(job, JSON_COMPACT)) == NULL)
            goto out;
    }
    if (ticket->requester_id != NULL &&
        mamori_store_requester_hash(app->gen->identity_key.data, app->gen->identity_key.len, t->id,
                                    ticket->requester_id, hash) != 0) {
        rc = mamori_error_set(err, MAMORI_EINVAL, "cannot hash the requester id");
        goto out;
    }
    row.requester = hash[0] ? hash : NULL;
    audit = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "event_id", ticket->event_id, "connector",
                      t->connector->name, "categories", mamori_buf_str(&cats), "severity", row.severity, "escalation",
                      row.escalation, "is_harassment", row.is_harassment ? "yes" : "no", "answer_sha256", digest_hex);
    if (audit == NULL || (audit_text = json_dumps(audit, JSON_COMPACT)) == NULL)
        goto out;

    if ((rc = mamori_store_begin(st, err)) != 0)
        goto out;
    if ((rc = mamori_store_event_put(st, &row, err)) != 0 ||
        (note && (rc = mamori_outbox_enqueue(st, t->id, t->connector->name, "note", key.data, job_text, now, NULL,
                                             err)) != 0) ||
        (rc = mamori_audit_append(st, t->id, "annotated", ticket->ticket_id, audit_text, now, err)) != 0 ||
        (plan != NULL && (rc = mamori_escalation_commit(plan, st, now, err)) != 0)) {
        mamori_store_rollback(st);
        goto out;
    }
    /* In a worker that holds its answers, this returns before the sync:
     * the worker sends the 2xx only once the commit is durable. */
    rc = mamori_store_commit_deferred(st, err);
out:
    if (rc == MAMORI_ENOMEM && err->message[0] == '\0')
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    free(job_text);
    free(audit_text);
    json_decref(job);
    json_decref(audit);
    mamori_buf_free(&cats);
    mamori_buf_free(&key);
    return rc;
}

int mamori_webhook_commit(struct mamori_app *app, const struct mamori_tenant *t, const struct mamori_ticket *ticket,
                          const struct mamori_annotation *a, json_t *full, json_t *ticket_json, json_t *answer,
                          time_t now, char **answer_text, struct mamori_error *err)
{
    return mamori_webhook_commit_escalation(app, t, ticket, a, full, ticket_json, answer, now, NULL, answer_text, err);
}

static void answer_duplicate(struct mamori_app *app, struct mamori_http *h, const char *stored, int status)
{
    struct mamori_error err;

    /* The first delivery may be committed but not yet durable (group
     * commit): this answer must wait for the same sync. */
    mamori_error_clear(&err);
    if (mamori_store_barrier(app->store, &err) != 0) {
        mamori_log_err("store_error", "%s", err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n", "retry later");
        return;
    }
    mamori_metrics_event("duplicate");
    mamori_log_info("duplicate", "event seen before: answering with the first answer, doing nothing else");
    mamori_http_respond(h, status, "application/json; charset=utf-8", "X-Mamori-Duplicate: 1\r\n", stored,
                        strlen(stored));
}

void mamori_handle_webhook(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    const struct mamori_tenant *t = mamori_generation_tenant(app->gen, route->tenant);
    struct mamori_ticket ticket;
    struct mamori_annotation a;
    struct mamori_history hist;
    struct mamori_request req;
    struct mamori_chain_result chain;
    struct mamori_webhook in;
    struct mamori_error err;
    struct verify_ctx vctx;
    struct mamori_escalation_plan plan;
    json_t *root = NULL, *full = NULL, *answer = NULL, *ticket_json = NULL;
    char *stored = NULL, *answer_text = NULL;
    time_t now = app->clock();
    int status, rc, reading = 0;

    mamori_ticket_init(&ticket);
    mamori_annotation_init(&a);
    mamori_escalation_plan_init(&plan);
    mamori_error_clear(&err);
    if (t == NULL) {
        mamori_http_error(h, 404, "unknown_tenant", NULL, "no tenant \"%s\" is configured", route->tenant);
        return;
    }
    if (strcmp(route->connector, t->connector->name) != 0) {
        mamori_http_error(h, 404, "unknown_connector", NULL, "tenant \"%s\" receives webhooks at /hooks/%s/%s",
                          t->id, t->id, t->connector->name);
        return;
    }
    if (t->failure != NULL) {
        /* Not loaded (see the log and /healthz); the helpdesk retries. */
        mamori_http_error(h, 503, "tenant_unavailable", "Retry-After: 60\r\n",
                          "tenant \"%s\" is not loaded (its configuration, secret or policy failed); nothing was "
                          "recorded, retry later", t->id);
        return;
    }
    vctx.tenant = t;
    vctx.suffix = route->suffix;
    vctx.now = now;
    if (mamori_app_read_json(app, h, &root, 1, verify_cb, &vctx) != 0)
        goto out;

    webhook_view(&in, t, h, route->suffix, now);
    if ((rc = t->connector->parse(&in, root, &ticket, &err)) != 0) {
        if (rc == MAMORI_ENOMEM)
            mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory; retry later");
        else
            mamori_http_error(h, 400, "invalid_payload", NULL, "%s", err.message);
        goto out;
    }
    if (ticket.ignore_reason != NULL) {
        json_t *j = json_pack("{s:s, s:s}", "status", "ignored", "reason", ticket.ignore_reason);
        mamori_metrics_event("ignored");
        mamori_log_info("ignored", "event ignored: %s", ticket.ignore_reason);
        mamori_http_respond_json(h, 200, j, NULL);
        json_decref(j);
        goto out;
    }

    /* The dedupe lookup and the history lookups of the chain share one
     * read snapshot; it ends before the write transaction. */
    rc = mamori_store_read_begin(app->store, &err);
    if (rc == 0) {
        reading = 1;
        rc = mamori_store_event_get(app->store, t->id, t->connector->name, ticket.event_id, &stored, &status, &err);
    }
    if (rc == MAMORI_OK) {
        answer_duplicate(app, h, stored, status);
        goto out;
    }
    if (rc != MAMORI_ENOTFOUND) {
        mamori_log_err("store_error", "%s", err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the store is unavailable; nothing was recorded, retry later");
        goto out;
    }

    memset(&hist, 0, sizeof hist);
    hist.store = app->store;
    hist.identity_key = app->gen->identity_key.data;
    hist.identity_key_len = app->gen->identity_key.len;
    hist.fixed_contacts = -1;
    memset(&req, 0, sizeof req);
    req.tenant = t;
    req.ticket = &ticket;
    req.annotation = &a;
    req.history = &hist;
    req.now = now;
    rc = mamori_chain_run(t, &req, &chain, mamori_metrics_plugin_error);
    /* Escalation: the ticket's earlier escalations are read in the same
     * snapshot; messages are rendered here and only enqueued in the commit. */
    if (rc == 0 && (rc = mamori_escalation_prepare(&plan, app->store, t, &ticket, &a, now, &err)) != 0) {
        mamori_log_err("escalation_failed", "escalation not prepared: %s", err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the escalation could not be prepared; nothing was recorded, retry later");
        goto out;
    }
    mamori_store_read_end(app->store);
    reading = 0;
    if (rc != 0) {
        mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory while annotating; retry later");
        goto out;
    }

    /* The full annotation and the ticket go into the outbox job for the
     * note; the answer and the store get the verdict only (guidance is in
     * the note, /v1/annotate returns everything). Keeping the stored answer
     * small keeps customer text out of the store and the commit the
     * helpdesk waits for small. */
    if (mamori_webhook_wants_note(t, &a)) {
        full = mamori_annotation_to_json(&a);
        ticket_json = mamori_ticket_to_json(&ticket, 0);
        if (full == NULL || ticket_json == NULL) {
            mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory; retry later");
            goto out;
        }
    }
    if (ticket_json != NULL && ticket.connector_data != NULL)
        json_object_set(ticket_json, "connector_data", ticket.connector_data);
    answer = json_pack("{s:s, s:s, s:s, s:s, s:o}", "status", "annotated", "tenant", t->id, "event_id",
                       ticket.event_id, "ticket_id", ticket.ticket_id, "annotation",
                       mamori_annotation_verdict_json(&a, t->keep_evidence));
    if (answer == NULL) {
        mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory; retry later");
        goto out;
    }
    if (t->connector->respond != NULL && t->connector->respond(t, &ticket, &a, answer, &err) != 0) {
        mamori_http_error(h, 500, "internal", NULL, "connector %s could not build its answer: %s", t->connector->name,
                          err.message);
        goto out;
    }
    rc = mamori_webhook_commit_escalation(app, t, &ticket, &a, full, ticket_json, answer, now, &plan, &answer_text,
                                          &err);
    if (rc == MAMORI_ECONFLICT) {
        /* A concurrent delivery of the same event won the race. */
        free(stored);
        stored = NULL;
        if (mamori_store_event_get(app->store, t->id, t->connector->name, ticket.event_id, &stored, &status, &err) == 0)
            answer_duplicate(app, h, stored, status);
        else
            mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n", "retry later");
    } else if (rc != 0) {
        mamori_log_err("commit_failed", "webhook not recorded: %s", err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the annotation could not be stored durably; nothing was recorded, retry later");
    } else {
        mamori_metrics_event("annotated");
        for (size_t i = 0; i < a.category_count; i++)
            mamori_metrics_annotation(a.categories[i].id);
        if (a.category_count == 0)
            mamori_metrics_annotation("none");
        mamori_log_info("annotated", "ticket %s: harassment=%s severity=%s categories=%zu escalation=%s",
                        ticket.ticket_id, mamori_annotation_is_harassment(&a) ? "yes" : "no",
                        mamori_severity_name(mamori_annotation_severity(&a)), a.category_count,
                        mamori_escalation_name(a.escalation_level));
        mamori_http_respond(h, 200, "application/json; charset=utf-8", NULL, answer_text, strlen(answer_text));
    }
out:
    if (reading)
        mamori_store_read_end(app->store);
    free(stored);
    free(answer_text);
    json_decref(root);
    json_decref(full);
    json_decref(answer);
    json_decref(ticket_json);
    mamori_escalation_plan_free(&plan);
    mamori_annotation_free(&a);
    mamori_ticket_free(&ticket);
}
