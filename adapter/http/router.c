/* router.c -- see router.h. */
#include "config.h"

#include "http/router.h"

#include <string.h>

const char *mamori_route_name(enum mamori_route_kind kind)
{
    switch (kind) {
    case MAMORI_ROUTE_HOOK: return "hooks";
    case MAMORI_ROUTE_ANNOTATE: return "annotate";
    case MAMORI_ROUTE_HEALTHZ: return "healthz";
    case MAMORI_ROUTE_METRICS: return "metrics";
    case MAMORI_ROUTE_TRAINING: return "training";
    case MAMORI_ROUTE_ADMIN_REPORT: return "admin";
    default: return "other";
    }
}

/* Copy one path segment of token characters; returns its length or -1. */
static int segment(const char *p, char *out, size_t cap, int allow_mixed)
{
    size_t n = 0;

    while (p[n] != '\0' && p[n] != '/') {
        char c = p[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (allow_mixed && ((c >= 'A' && c <= 'Z') || c == '.'));
        if (!ok || n + 1 >= cap)
            return -1;
        out[n] = c;
        n++;
    }
    out[n] = '\0';
    return n == 0 ? -1 : (int)n;
}

static int method_is(const char *m, const char *a)
{
    return strcmp(m, a) == 0;
}

int mamori_route_match(const char *method, const char *path, struct mamori_route *out)
{
    int n;

    memset(out, 0, sizeof *out);
    out->status = 404;
    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/healthz/details") == 0) {
        out->kind = MAMORI_ROUTE_HEALTHZ;
        out->details = path[8] == '/';
        out->allow = "GET, HEAD";
        out->status = (method_is(method, "GET") || method_is(method, "HEAD")) ? 0 : 405;
        return out->status;
    }
    if (strcmp(path, "/metrics") == 0) {
        out->kind = MAMORI_ROUTE_METRICS;
        out->allow = "GET, HEAD";
        out->status = (method_is(method, "GET") || method_is(method, "HEAD")) ? 0 : 405;
        return out->status;
    }
    if (strcmp(path, "/v1/annotate") == 0) {
        out->kind = MAMORI_ROUTE_ANNOTATE;
        out->allow = "POST";
        out->status = method_is(method, "POST") ? 0 : 405;
        return out->status;
    }
    if (strncmp(path, "/t/", 3) == 0 && path[3] != '\0' && strchr(path + 3, '/') == NULL) {
        out->kind = MAMORI_ROUTE_TRAINING;
        out->token = path + 3;
        out->allow = "GET, HEAD";
        out->status = (method_is(method, "GET") || method_is(method, "HEAD")) ? 0 : 405;
        return out->status;
    }
    if (strncmp(path, "/admin/", 7) == 0) {
        const char *p = path + 7;
        if ((n = segment(p, out->tenant, sizeof out->tenant, 0)) < 0 || strcmp(p + n, "/report") != 0)
            return out->status;
        out->kind = MAMORI_ROUTE_ADMIN_REPORT;
        out->allow = "GET, HEAD";
        out->status = (method_is(method, "GET") || method_is(method, "HEAD")) ? 0 : 405;
        return out->status;
    }
    if (strncmp(path, "/hooks/", 7) == 0) {
        const char *p = path + 7;
        if ((n = segment(p, out->tenant, sizeof out->tenant, 0)) < 0 || p[n] != '/')
            return out->status;
        p += n + 1;
        if ((n = segment(p, out->connector, sizeof out->connector, 0)) < 0)
            return out->status;
        p += n;
        if (*p == '/') {
            p++;
            if (*p != '\0' && segment(p, out->suffix, sizeof out->suffix, 1) < 0)
                return out->status;
            if (strchr(p, '/') != NULL)
                return out->status;
        }
        out->kind = MAMORI_ROUTE_HOOK;
        out->allow = "POST";
        out->status = method_is(method, "POST") ? 0 : 405;
        return out->status;
    }
    out->kind = MAMORI_ROUTE_NONE;
    return out->status;
}
