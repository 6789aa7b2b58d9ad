/*
 * handler_health.c -- GET /healthz and GET /metrics.
 *
 * /healthz is 200 only when the store takes a write lock and every tenant's
 * plugin chain is loaded; otherwise 503 with the reasons.
 */
#include "config.h"

#include <stdlib.h>

#include "base/buf.h"
#include "base/metrics.h"
#include "config/tenant.h"
#include "http/app.h"
#include "http/router.h"
#include "store/outbox.h"

void mamori_handle_healthz(struct mamori_app *app, struct mamori_http *h)
{
    json_t *problems = json_array(), *tenants = json_object(), *body;
    struct mamori_error err;
    int ok = 1;

    if (problems == NULL || tenants == NULL) {
        json_decref(problems);
        json_decref(tenants);
        mamori_http_error(h, 503, "unhealthy", NULL, "out of memory");
        return;
    }
    if (mamori_store_writable(app->store, &err) != 0) {
        ok = 0;
        json_array_append_new(problems, json_sprintf("store not writable: %s", err.message));
    }
    for (size_t i = 0; i < app->gen->tenant_count; i++) {
        const struct mamori_tenant *t = &app->gen->tenants[i];
        int loaded = t->failure == NULL;
        for (size_t j = 0; j < t->chain_count; j++)
            loaded &= t->chain[j].handle.opened;
        if (!loaded) {
            ok = 0;
            json_array_append_new(problems, json_sprintf("tenant %s: plugin chain not loaded: %s", t->id,
                                                         t->failure ? t->failure : "unknown reason"));
        }
        json_object_set_new(tenants, t->id, json_string(loaded ? "ok" : "plugins not loaded"));
    }
    body = json_pack("{s:s, s:I, s:o, s:o}", "status", ok ? "ok" : "unhealthy", "generation",
                     (json_int_t)app->gen->number, "tenants", tenants, "problems", problems);
    mamori_http_respond_json(h, ok ? 200 : 503, body, NULL);
    json_decref(body);
}

_Static_assert(MAMORI_ROUTE_COUNT <= MAMORI_METRICS_ROUTE_SLOTS, "every route needs a metrics slot");

void mamori_handle_metrics(struct mamori_app *app, struct mamori_http *h)
{
    struct mamori_metrics_gauges g = {0, 0, 0};
    struct mamori_buf out = MAMORI_BUF_INIT;
    /* The routes as /metrics shows them, in this order. */
    const struct mamori_metrics_route metric_routes[] = {
        {MAMORI_ROUTE_HOOK, mamori_route_name(MAMORI_ROUTE_HOOK)},
        {MAMORI_ROUTE_ANNOTATE, mamori_route_name(MAMORI_ROUTE_ANNOTATE)},
        {MAMORI_ROUTE_HEALTHZ, mamori_route_name(MAMORI_ROUTE_HEALTHZ)},
        {MAMORI_ROUTE_METRICS, mamori_route_name(MAMORI_ROUTE_METRICS)},
        {MAMORI_ROUTE_NONE, mamori_route_name(MAMORI_ROUTE_NONE)},
    };

    g.store_ok = mamori_outbox_depth(app->store, &g.outbox_pending, &g.outbox_dead, NULL) == 0;
    if (mamori_metrics_render(&out, &g, metric_routes, sizeof metric_routes / sizeof metric_routes[0]) != 0) {
        mamori_buf_free(&out);
        mamori_http_error(h, 500, "internal", NULL, "out of memory");
        return;
    }
    mamori_http_respond(h, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, mamori_buf_str(&out), out.len);
    mamori_buf_free(&out);
}
