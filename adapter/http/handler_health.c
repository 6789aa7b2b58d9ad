/*
 * handler_health.c -- GET /healthz and GET /metrics.
 *
 * /healthz is 200 only when the store takes a write lock and every tenant's
 * plugin chain is loaded; otherwise 503. Anyone may ask (the snippets leave
 * it open for load balancers), so the public answer is only
 * {"status": "ok"} or {"status": "unhealthy"}: the tenant list says who
 * mamori's customers are and the reasons carry file paths. The details
 * (generation, every tenant, every reason) go to
 *   - GET /healthz/details when the web server vouches for the client by
 *     setting the FastCGI parameter MAMORI_HEALTH_DETAILS=1 -- the shipped
 *     snippets do so in a location with /metrics' allow list, and a client
 *     cannot set a parameter whose name lacks HTTP_; a web server that
 *     passes the path on without it (a catch-all config) gets 403;
 *   - either path with Authorization: Bearer <[server] health_token>.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/signature.h"
#include "config/tenant.h"
#include "http/app.h"
#include "http/router.h"
#include "store/outbox.h"

#define HEALTH_CHALLENGE "WWW-Authenticate: Bearer realm=\"mamori health\"\r\n"

/* 1: the caller may see the details; 0: only ok / not ok; -1: refused and
 * answered (a wrong token, or /healthz/details without the web server's word). */
static int details_allowed(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    const char *auth = mamori_http_header(h, "Authorization"), *vouched;
    const struct mamori_secret *tok = &app->gen->health_token;

    if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        while (*t == ' ')
            t++;
        if (tok->len > 0 && mamori_signature_equal(t, strlen(t), (const char *)tok->data, 0))
            return 1;
        mamori_log_warn("auth_failed", "health details refused: bearer token does not match [server] health_token");
        mamori_http_error(h, 401, "unauthorized", HEALTH_CHALLENGE, "the bearer token is not the health token");
        return -1;
    }
    if (!route->details)
        return 0;
    vouched = mamori_http_param(h, "MAMORI_HEALTH_DETAILS");
    if (vouched != NULL && strcmp(vouched, "1") == 0)
        return 1;
    mamori_http_error(h, 403, "forbidden", NULL,
                      "/healthz/details needs the web server's allow list (fastcgi_param MAMORI_HEALTH_DETAILS 1, "
                      "as in the shipped snippets) or Authorization: Bearer <[server] health_token>");
    return -1;
}

void mamori_handle_healthz(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    json_t *problems = json_array(), *tenants = json_object(), *body;
    struct mamori_error err;
    int ok = 1, details;

    if ((details = details_allowed(app, h, route)) < 0) {
        json_decref(problems);
        json_decref(tenants);
        return;
    }
    if (problems == NULL || tenants == NULL) {
        json_decref(problems);
        json_decref(tenants);
        mamori_http_error(h, 503, "unhealthy", NULL, "out of memory");
        return;
    }
    /* The checks run either way: the public answer is the same verdict. */
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
    if (details) {
        body = json_pack("{s:s, s:I, s:o, s:o}", "status", ok ? "ok" : "unhealthy", "generation",
                         (json_int_t)app->gen->number, "tenants", tenants, "problems", problems);
    } else {
        json_decref(tenants);
        json_decref(problems);
        body = json_pack("{s:s}", "status", ok ? "ok" : "unhealthy");
    }
    if (body == NULL) {
        mamori_http_error(h, 503, "unhealthy", NULL, "out of memory");
        return;
    }
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
