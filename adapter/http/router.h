/*
 * router.h -- map method and path to a route.
 *
 *   POST /hooks/<tenant>/<connector>[/<suffix>]   webhook
 *   POST /hooks/<tenant>/line                     the tenant's LINE account (lawyers'
 *                                                 answers); app.c dispatches it
 *   POST /v1/annotate                             synchronous annotation
 *   GET  /healthz                                 health, ok or not (HEAD too)
 *   GET  /healthz/details                         health with every tenant and reason (HEAD too)
 *   GET  /metrics                                 Prometheus text (HEAD too)
 *   GET  /t/<token>                               a training link: record the open, forward
 *   GET  /admin/<tenant>/report                   the read-only report page ([server] report_token)
 *
 * Unknown paths are 404, known paths with the wrong method 405 (with the
 * methods to put in Allow). Tenant and connector segments must be tokens of
 * [a-z0-9_-]; anything else is 404 without further lookup.
 */
#ifndef MAMORI_ROUTER_H
#define MAMORI_ROUTER_H

enum mamori_route_kind {
    MAMORI_ROUTE_NONE = 0,
    MAMORI_ROUTE_HOOK,
    MAMORI_ROUTE_ANNOTATE,
    MAMORI_ROUTE_HEALTHZ,
    MAMORI_ROUTE_METRICS,
    MAMORI_ROUTE_TRAINING,
    MAMORI_ROUTE_ADMIN_REPORT,
    MAMORI_ROUTE_COUNT
};

struct mamori_route {
    enum mamori_route_kind kind;  /* set also on 405, so metrics know the route */
    int status;                   /* 0 when matched, else 404 or 405 */
    const char *allow;            /* for 405: "POST", "GET, HEAD" */
    char tenant[64];
    char connector[32];
    char suffix[128];             /* after the connector, without the slash */
    int details;                  /* /healthz/details rather than /healthz */
    const char *token;            /* GET /t/<token>: the token, borrowed from the path */
};

/* Fill *out. Returns 0 when the route matched, else the HTTP status. */
int mamori_route_match(const char *method, const char *path, struct mamori_route *out);

/* "hooks", "annotate", "healthz", "metrics", "other": the metrics label. */
const char *mamori_route_name(enum mamori_route_kind kind);

#endif
