/* handler_admin.c -- GET /admin/<tenant>/report: the tenant's report
 * (report/report_data.h) for people who may not run `mamori report` on
 * the host. Read-only; its own bearer token ([server] report_token; unset:
 * 404, the page does not exist). The shipped web-server snippets keep
 * /admin/ closed unless an admin enables it.
 *
 * Query: from=YYYY-MM-DD&to=YYYY-MM-DD (default: the last 30 days to
 * today, UTC) and format=html (default), json, csv or pdf. A broken range
 * is a 400 saying what is wrong; an unknown tenant a 404. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/signature.h"
#include "http/app.h"
#include "report/render.h"
#include "report/report_data.h"

#define ADMIN_CHALLENGE "WWW-Authenticate: Bearer realm=\"mamori report\"\r\n"

/* The value of name in the query string into out (cap bytes), "" when
 * absent. Only plain values are accepted (days, format names): anything
 * that needs decoding is refused (-1). */
static int query_value(const char *query, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);

    out[0] = '\0';
    for (const char *p = query; p != NULL && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t vlen = len - n - 1;
            if (vlen >= cap)
                return -1;
            for (size_t i = 0; i < vlen; i++) {
                char c = p[n + 1 + i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-'))
                    return -1;
            }
            memcpy(out, p + n + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int authorized(struct mamori_app *app, struct mamori_http *h)
{
    const char *auth = mamori_http_header(h, "Authorization");
    const struct mamori_secret *tok = &app->gen->report_token;

    if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        while (*t == ' ')
            t++;
        if (mamori_signature_equal(t, strlen(t), (const char *)tok->data, 0))
            return 1;
        mamori_log_warn("auth_failed", "report page refused: bearer token does not match [server] report_token");
    }
    mamori_http_error(h, 401, "unauthorized", ADMIN_CHALLENGE,
                      "send Authorization: Bearer <[server] report_token>");
    return 0;
}

void mamori_handle_admin_report(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    const char *query = mamori_http_param(h, "QUERY_STRING");
    char from[16], to[16], format[8];
    struct mamori_buf out = MAMORI_BUF_INIT;
    struct mamori_report r;
    struct mamori_error err;
    const char *ctype = "text/html; charset=utf-8";
    const char *headers = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                          "Content-Security-Policy: default-src 'none'; img-src data:; style-src 'unsafe-inline'\r\n";
    time_t now = app->clock();
    int rc;

    if (app->gen->report_token.len == 0) {
        mamori_http_error(h, 404, "not_found", NULL, "the report page is off (set [server] report_token)");
        return;
    }
    if (!authorized(app, h))
        return;
    if (mamori_generation_tenant(app->gen, route->tenant) == NULL) {
        mamori_http_error(h, 404, "unknown_tenant", NULL, "no tenant %s is configured", route->tenant);
        return;
    }
    if (query_value(query, "from", from, sizeof from) != 0 || query_value(query, "to", to, sizeof to) != 0 ||
        query_value(query, "format", format, sizeof format) != 0) {
        mamori_http_error(h, 400, "bad_query", NULL, "from and to are days (YYYY-MM-DD), format is html, json, csv "
                                                     "or pdf");
        return;
    }
    if (to[0] == '\0') {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(to, sizeof to, "%Y-%m-%d", &tm);
    }
    if (from[0] == '\0') {
        time_t start = now - 29 * 86400;
        struct tm tm;
        gmtime_r(&start, &tm);
        strftime(from, sizeof from, "%Y-%m-%d", &tm);
    }
    if (format[0] == '\0')
        snprintf(format, sizeof format, "html");
    if (strcmp(format, "html") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "pdf") != 0) {
        mamori_http_error(h, 400, "bad_query", NULL, "format must be html, json, csv or pdf");
        return;
    }
    mamori_error_clear(&err);
    if ((rc = mamori_report_build(app->store, route->tenant, from, to, now, &r, &err)) != 0) {
        if (rc == MAMORI_EINVAL)
            mamori_http_error(h, 400, "bad_range", NULL, "%s", err.message);
        else
            mamori_http_error(h, 503, "unavailable", "Retry-After: 5\r\n", "the report could not be built: %s",
                              err.message);
        return;
    }
    if (strcmp(format, "json") == 0) {
        json_t *j = mamori_report_to_json(&r);
        char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        rc = text == NULL || mamori_buf_puts(&out, text) != 0 ? MAMORI_ENOMEM : 0;
        free(text);
        json_decref(j);
        ctype = "application/json";
    } else if (strcmp(format, "csv") == 0) {
        rc = mamori_report_render_csv(&r, &out);
        ctype = "text/csv; charset=utf-8";
    } else if (strcmp(format, "pdf") == 0) {
        rc = mamori_report_render_pdf(&r, &out);
        ctype = "application/pdf";
    } else {
        rc = mamori_report_render_html(&r, &out);
    }
    if (rc != 0)
        mamori_http_error(h, 500, "internal", NULL, "rendering the report failed");
    else
        mamori_http_respond(h, 200, ctype, headers, out.data, out.len);
    mamori_buf_free(&out);
    mamori_report_free(&r);
}
