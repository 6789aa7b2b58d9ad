/* app.c -- see app.h. */
#include "config.h"

#include "http/app.h"

#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/utf8.h"
#include "base/watchdog.h"

static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

void mamori_app_serve(struct mamori_app *app, struct mamori_http *h)
{
    struct mamori_route route;
    char allow[64];

    clock_gettime(CLOCK_MONOTONIC, &h->started);
    mamori_log_set_request(h->request_id, NULL);
    mamori_watchdog_set_request(h->request_id, NULL);
    if (mamori_route_match(h->method, h->path, &route) != 0) {
        if (route.status == 405) {
            snprintf(allow, sizeof allow, "Allow: %s\r\n", route.allow);
            mamori_http_error(h, 405, "method_not_allowed", allow, "%s is not allowed on %s; use %s", h->method,
                              h->path, route.allow);
        } else {
            mamori_http_error(h, 404, "not_found",  NULL,
                              "no such path; mamori serves POST /hooks/<tenant>/<connector>, POST /v1/annotate, "
                              "GET /healthz[/details], GET /metrics and GET /t/<training link>");
        }
    } else {
        switch (route.kind) {
        case MAMORI_ROUTE_HOOK:
            mamori_log_set_request(h->request_id, route.tenant);
            mamori_watchdog_set_request(NULL, route.tenant);
            /* "line" is no helpdesk connector: the tenant's LINE account
             * (lawyers answering escalations) sits next to its helpdesk. */
            if (strcmp(route.connector, "line") == 0 && route.suffix[0] == '\0')
                mamori_handle_line(app, h, &route);
            else
                mamori_handle_webhook(app, h, &route);
            break;
        case MAMORI_ROUTE_ANNOTATE:
            mamori_handle_annotate(app, h);
            break;
        case MAMORI_ROUTE_HEALTHZ:
            mamori_handle_healthz(app, h, &route);
            break;
        case MAMORI_ROUTE_METRICS:
            mamori_handle_metrics(app, h);
            break;
        case MAMORI_ROUTE_TRAINING:
            mamori_handle_training(app, h, &route);
            break;
        case MAMORI_ROUTE_ADMIN_REPORT:
            mamori_log_set_request(h->request_id, route.tenant);
            mamori_handle_admin_report(app, h, &route);
            break;
        default:
            mamori_http_error(h, 404, "not_found", NULL, "no such path");
        }
    }
    if (h->status == 0)
        mamori_http_error(h, 500, "internal", NULL, "the request was not answered (a bug; see the log)");
    h->route_kind = (int)route.kind;
    mamori_log_set_request(NULL, NULL);
}

void mamori_app_finish(struct mamori_app *app, struct mamori_http *h)
{
    double secs = elapsed(&h->started);
    char path[300];

    (void)app;
    mamori_log_set_request(h->request_id, NULL);
    mamori_metrics_request(h->route_kind, h->status, secs);
    /* nginx keeps the access log; here one line per request only at debug,
     * or when the answer is an error worth an admin's attention. */
    mamori_log(h->status >= 500 ? MAMORI_LOG_LEVEL_WARNING : MAMORI_LOG_LEVEL_DEBUG, "request",
               "%s %s -> %d in %.1f ms (%zu bytes in)", h->method,
               mamori_http_log_path(h, path, sizeof path), h->status, secs * 1000.0, h->body_len);
    mamori_log_set_request(NULL, NULL);
}

void mamori_app_handle(struct mamori_app *app, struct mamori_http *h)
{
    mamori_app_serve(app, h);
    mamori_app_finish(app, h);
}

int mamori_app_read_json(struct mamori_app *app, struct mamori_http *h, json_t **root, int verify_first,
                         int (*verify)(void *ctx, struct mamori_http *h), void *verify_ctx)
{
    struct mamori_error err;
    json_error_t jerr;
    size_t bad;
    int rc;

    *root = NULL;
    if (!mamori_http_is_json(h)) {
        mamori_http_error(h, 415, "unsupported_media_type", NULL,
                          "Content-Type must be application/json (got \"%s\")",
                          h->content_type[0] ? h->content_type : "none");
        return MAMORI_EUNSUPPORTED;
    }
    rc = mamori_http_read_body(h, app->gen->settings.max_body, &err);
    if (rc == MAMORI_ETOOBIG) {
        mamori_http_error(h, 413, "payload_too_large", NULL, "%s", err.message);
        return rc;
    }
    if (rc == MAMORI_EIO) {
        /* The body stopped short: the client went away or stalled past
         * [server] body_timeout. */
        mamori_log_warn("body_incomplete", "%s", err.message);
        mamori_http_error(h, 408, "request_timeout", NULL, "%s", err.message);
        return rc;
    }
    if (rc != 0) {
        mamori_http_error(h, 400, "bad_request", NULL, "%s", err.message);
        return rc;
    }
    if (verify_first && verify != NULL && (rc = verify(verify_ctx, h)) != 0)
        return rc; /* verify answered */
    if (h->body_len == 0) {
        mamori_http_error(h, 400, "empty_body", NULL, "the body is empty; send the ticket as JSON");
        return MAMORI_EINVAL;
    }
    if (!mamori_utf8_valid(h->body, h->body_len, &bad)) {
        mamori_http_error(h, 400, "invalid_utf8", NULL, "the body is not valid UTF-8 (first bad byte at offset %zu)",
                          bad);
        return MAMORI_EINVAL;
    }
    *root = json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL) {
        mamori_http_error(h, 400, "malformed_json", NULL, "malformed JSON at line %d, column %d: %s", jerr.line,
                          jerr.column, jerr.text);
        return MAMORI_EINVAL;
    }
    return MAMORI_OK;
}
