/*
 * handler_webhook.c -- POST /hooks/<tenant>/<connector>: the main path.
 *
 *   route -> verify -> the ingest pipeline (ingest/pipeline.h: parse, loop
 *   guard, dedupe, history, annotate, ONE transaction) -> 200
 *
 * This file only maps the pipeline's outcome to HTTP. The helpdesk gets its
 * 2xx only after the transaction is durable (the worker holds the answer
 * until the group commit syncs); if anything fails it gets 503 and retries,
 * and dedupe makes the retry safe.
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
#include "http/app.h"
#include "ingest/pipeline.h"
#include "plugin/annotation.h"

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

/* Nothing was recorded: the helpdesk retries (503) unless retrying cannot
 * help (500: the connector cannot build its answer). */
static void answer_failed(struct mamori_http *h, const struct mamori_tenant *t, const struct mamori_ingest_result *res)
{
    switch (res->stage) {
    case MAMORI_INGEST_AT_DEDUPE:
        mamori_log_err("store_error", "%s", res->err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the store is unavailable; nothing was recorded, retry later");
        return;
    case MAMORI_INGEST_AT_ESCALATION:
        mamori_log_err("escalation_failed", "escalation not prepared: %s", res->err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the escalation could not be prepared; nothing was recorded, retry later");
        return;
    case MAMORI_INGEST_AT_CHAIN:
        mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory while annotating; retry later");
        return;
    case MAMORI_INGEST_AT_CONNECTOR:
        mamori_http_error(h, 500, "internal", NULL, "connector %s could not build its answer: %s", t->connector->name,
                          res->err.message);
        return;
    case MAMORI_INGEST_AT_COMMIT:
        mamori_log_err("commit_failed", "webhook not recorded: %s", res->err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the annotation could not be stored durably; nothing was recorded, retry later");
        return;
    case MAMORI_INGEST_AT_REREAD:
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n", "retry later");
        return;
    case MAMORI_INGEST_AT_PARSE:
    case MAMORI_INGEST_AT_ANSWER:
        break;
    }
    mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory; retry later");
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
    struct mamori_ingest ing = {app->gen, app->store, mamori_metrics_plugin_error, app->before_plugins,
                                app->before_plugins_ctx};
    struct mamori_ingest_result res;
    struct mamori_webhook in;
    struct verify_ctx vctx;
    const struct mamori_annotation *a = &res.annotation;
    json_t *root = NULL;
    time_t now = app->clock();

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
        return;

    webhook_view(&in, t, h, route->suffix, now);
    switch (mamori_ingest_event(&ing, &in, root, now, &res)) {
    case MAMORI_INGEST_INVALID:
        mamori_http_error(h, 400, "invalid_payload", NULL, "%s", res.err.message);
        break;
    case MAMORI_INGEST_IGNORED: {
        json_t *j = json_pack("{s:s, s:s}", "status", "ignored", "reason", res.ticket.ignore_reason);
        mamori_metrics_event("ignored");
        mamori_log_info("ignored", "event ignored: %s", res.ticket.ignore_reason);
        mamori_http_respond_json(h, 200, j, NULL);
        json_decref(j);
        break;
    }
    case MAMORI_INGEST_DUPLICATE:
        answer_duplicate(app, h, res.answer, res.status);
        break;
    case MAMORI_INGEST_QUARANTINED: {
        /* 200: a retry would not help; the admin releases the ticket. */
        json_t *j = json_pack("{s:s, s:s, s:s?, s:s}", "status", "quarantined", "tenant", t->id, "event_id",
                              res.ticket.event_id, "ticket_id", res.ticket.ticket_id);
        mamori_metrics_event("quarantined");
        mamori_log_warn("quarantined", "ticket %s is quarantined (its requests ran past request_deadline %ld "
                        "times); answered without the plugins. `mamori quarantine release %s %s` lifts it",
                        res.ticket.ticket_id, app->gen->settings.quarantine_strikes, t->id, res.ticket.ticket_id);
        if (j == NULL)
            mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory");
        else
            mamori_http_respond_json(h, 200, j, NULL);
        json_decref(j);
        break;
    }
    case MAMORI_INGEST_FAILED:
        answer_failed(h, t, &res);
        break;
    case MAMORI_INGEST_AGENT:
        mamori_metrics_event("agent_event");
        mamori_log_info("agent_event", "ticket %s: an agent's note asked for something: %s", res.ticket.ticket_id,
                        res.answer);
        mamori_http_respond(h, 200, "application/json; charset=utf-8", NULL, res.answer, strlen(res.answer));
        break;
    case MAMORI_INGEST_ANNOTATED:
        mamori_metrics_event("annotated");
        for (size_t i = 0; i < a->category_count; i++)
            mamori_metrics_annotation(a->categories[i].id);
        if (a->category_count == 0)
            mamori_metrics_annotation("none");
        mamori_log_info("annotated", "ticket %s: harassment=%s severity=%s categories=%zu escalation=%s",
                        res.ticket.ticket_id, mamori_annotation_is_harassment(a) ? "yes" : "no",
                        mamori_severity_name(mamori_annotation_severity(a)), a->category_count,
                        mamori_escalation_name(a->escalation_level));
        mamori_http_respond(h, 200, "application/json; charset=utf-8", NULL, res.answer, strlen(res.answer));
        break;
    }
    json_decref(root);
    mamori_ingest_result_free(&res);
}
