/*
 * app.h -- answering one HTTP request: route, handle, log, count.
 *
 * struct mamori_app is what a worker process serves with: the generation
 * it was forked with and its own store connection.
 */
#ifndef MAMORI_APP_H
#define MAMORI_APP_H

#include <time.h>

#include "config/generation.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

struct mamori_app {
    const struct mamori_generation *gen;
    struct mamori_store *store;
    time_t (*clock)(void);   /* time(NULL) unless a test fixes it */
    /* Called right before a tenant's plugins run on a request (the webhook
     * and annotate handlers; NULL: nothing to do). The FastCGI worker uses
     * it to release the answers it holds for other tenants first, so that
     * a plugin crash cannot take them down (worker.c, "Isolation"). */
    void (*before_plugins)(void *ctx, const char *tenant_id);
    void *before_plugins_ctx;
};

/* Answer h completely (every path ends in exactly one response):
 * mamori_app_serve, then mamori_app_finish. */
void mamori_app_handle(struct mamori_app *app, struct mamori_http *h);

/* The two halves, for a caller that holds the answer until the store says
 * it may go (fcgi_worker.c, mamori_store_take_ticket): serve routes and
 * runs the handler, which writes its answer to the transport; finish
 * counts and logs the request once the answer has been released. */
void mamori_app_serve(struct mamori_app *app, struct mamori_http *h);
void mamori_app_finish(struct mamori_app *app, struct mamori_http *h);

/* The handlers, one file each. Each sends exactly one response. */
void mamori_handle_webhook(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route);
/* POST /hooks/<tenant>/line: the tenant's LINE account, where lawyers answer
 * escalations (handler_line.c). */
void mamori_handle_line(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route);
void mamori_handle_annotate(struct mamori_app *app, struct mamori_http *h);
/* GET /healthz: ok or not to anyone; /healthz/details or the health token:
 * every tenant and reason (handler_health.c says who may see them). */
void mamori_handle_healthz(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route);
void mamori_handle_metrics(struct mamori_app *app, struct mamori_http *h);
/* GET /t/<token>: verify the signed training link, record its first open,
 * answer 302 to the page (handler_training.c). */
void mamori_handle_training(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route);
/* GET /admin/<tenant>/report[?from=DAY&to=DAY&format=html|json|csv|pdf]:
 * the read-only report with Authorization: Bearer <[server] report_token>
 * (handler_admin.c). */
void mamori_handle_admin_report(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route);

/* Shared by the webhook and annotate handlers: read and check a JSON body.
 * On failure the error response has been sent and *root is NULL. */
int mamori_app_read_json(struct mamori_app *app, struct mamori_http *h, json_t **root, int verify_first,
                         int (*verify)(void *ctx, struct mamori_http *h), void *verify_ctx);

#endif
