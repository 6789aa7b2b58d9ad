/* http.c -- see http.h. */
#include "config.h"

#include "http/http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/signature.h"
#include "base/strv.h"

static const char *param(const struct mamori_http *h, const char *name)
{
    return h->io.getparam(h->io.ctx, name);
}

static int token_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return 0;
    return 1;
}

int mamori_http_init(struct mamori_http *h, const struct mamori_http_transport *io)
{
    const char *uri, *v, *q;
    const char *rid;

    memset(h, 0, sizeof *h);
    h->io = *io;
    h->method = (v = param(h, "REQUEST_METHOD")) ? v : "";
    h->content_type = (v = param(h, "CONTENT_TYPE")) ? v : "";
    h->content_length = -1;
    if ((v = param(h, "CONTENT_LENGTH")) != NULL && v[0] != '\0') {
        char *end;
        long long n = strtoll(v, &end, 10);
        h->content_length = (*end == '\0' && n >= 0) ? n : -2;
    }
    /* REQUEST_URI is set by nginx, Apache and lighttpd alike. */
    uri = param(h, "REQUEST_URI");
    if (uri == NULL || uri[0] == '\0')
        uri = param(h, "DOCUMENT_URI");
    if (uri == NULL || uri[0] == '\0') {
        const char *sn = param(h, "SCRIPT_NAME"), *pi = param(h, "PATH_INFO");
        size_t a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;
        h->path = malloc(a + b + 1);
        if (h->path == NULL)
            return MAMORI_ENOMEM;
        memcpy(h->path, sn ? sn : "", a);
        memcpy(h->path + a, pi ? pi : "", b);
        h->path[a + b] = '\0';
        h->query = (v = param(h, "QUERY_STRING")) ? v : "";
    } else {
        q = strchr(uri, '?');
        h->path = mamori_strndup(uri, q ? (size_t)(q - uri) : strlen(uri));
        if (h->path == NULL)
            return MAMORI_ENOMEM;
        h->query = q ? q + 1 : "";
    }
    rid = param(h, "HTTP_X_REQUEST_ID");
    if (rid != NULL && token_ok(rid)) {
        snprintf(h->request_id, sizeof h->request_id, "%s", rid);
    } else {
        /* A random prefix per process and a counter: unique without asking
         * the DRBG on every request. */
        static char prefix[9];
        static unsigned long counter;
        static pid_t owner;
        if (owner != getpid()) {
            if (mamori_random_hex(prefix, 4) != 0)
                snprintf(prefix, sizeof prefix, "%08lx", (unsigned long)getpid());
            owner = getpid();
            counter = 0;
        }
        snprintf(h->request_id, sizeof h->request_id, "%s%08lx", prefix, ++counter & 0xffffffffUL);
    }
    return MAMORI_OK;
}

void mamori_http_free(struct mamori_http *h)
{
    free(h->path);
    free(h->body);
    h->path = NULL;
    h->body = NULL;
}

const char *mamori_http_header(const struct mamori_http *h, const char *name)
{
    char key[128];
    size_t n = strlen(name), pos = 0;

    if (strcasecmp(name, "Content-Type") == 0)
        return h->content_type[0] ? h->content_type : NULL;
    if (strcasecmp(name, "Content-Length") == 0)
        return param(h, "CONTENT_LENGTH");
    if (n + 6 >= sizeof key)
        return NULL;
    memcpy(key, "HTTP_", 5);
    pos = 5;
    for (size_t i = 0; i < n; i++)
        key[pos++] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
    key[pos] = '\0';
    return param(h, key);
}

const char *mamori_http_param(const struct mamori_http *h, const char *name)
{
    return param(h, name);
}

const char *mamori_http_log_path(const struct mamori_http *h, char *buf, size_t cap)
{
    const char *p = h->path ? h->path : "";
    size_t keep = strlen(p);

    /* A training link's token is as secret as the note it is in. */
    if (strncmp(p, "/t/", 3) == 0) {
        snprintf(buf, cap, "/t/***");
        return buf;
    }
    if (strncmp(p, "/hooks/", 7) == 0) {
        const char *tenant_end = strchr(p + 7, '/');
        const char *connector_end = tenant_end ? strchr(tenant_end + 1, '/') : NULL;
        if (connector_end != NULL && connector_end[1] != '\0') {
            keep = (size_t)(connector_end + 1 - p);
            snprintf(buf, cap, "%.*s***", (int)(keep > 256 ? 256 : keep), p);
            return buf;
        }
    }
    snprintf(buf, cap, "%.*s", (int)(keep > 256 ? 256 : keep), p);
    return buf;
}

int mamori_http_is_json(const struct mamori_http *h)
{
    const char *ct = h->content_type;
    size_t n = strcspn(ct, ";");

    while (n > 0 && ct[n - 1] == ' ')
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    /* application/<something>+json */
    return n > 17 && strncasecmp(ct, "application/", 12) == 0 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

int mamori_http_read_body(struct mamori_http *h, size_t max, struct mamori_error *err)
{
    size_t want, got = 0;

    if (h->content_length == -2)
        return mamori_error_set(err, MAMORI_EINVAL, "Content-Length is not a number");
    if (h->content_length > 0 && (unsigned long long)h->content_length > max)
        return mamori_error_set(err, MAMORI_ETOOBIG, "body of %lld bytes exceeds the limit of %zu bytes",
                                h->content_length, max);
    want = h->content_length > 0 ? (size_t)h->content_length : 0;
    h->body = malloc(want + 1);
    if (h->body == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    while (got < want) {
        int chunk = (want - got) > 65536 ? 65536 : (int)(want - got);
        int n = h->io.read(h->io.ctx, h->body + got, chunk);
        if (n <= 0)
            return mamori_error_set(err, MAMORI_EIO,
                                    "body ended after %zu of %zu bytes (the client stopped sending, or sent "
                                    "nothing for [server] body_timeout)",
                                    got, want);
        got += (size_t)n;
    }
    h->body[got] = '\0';
    h->body_len = got;
    return MAMORI_OK;
}

const char *mamori_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

int mamori_http_respond(struct mamori_http *h, int status, const char *content_type, const char *extra_headers,
                        const char *body, size_t len)
{
    char head[1024];
    int n;

    if (h->status != 0)
        return MAMORI_EINVAL; /* answered already */
    n = snprintf(head, sizeof head,
                 "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nX-Request-Id: %s\r\n"
                 "Cache-Control: no-store\r\n%s\r\n",
                 status, mamori_http_reason(status), content_type, len, h->request_id,
                 extra_headers ? extra_headers : "");
    if (n < 0 || (size_t)n >= sizeof head)
        return MAMORI_EINVAL;
    h->status = status;
    if (h->io.write(h->io.ctx, head, n) < 0)
        return MAMORI_EIO;
    if (len > 0 && strcmp(h->method, "HEAD") != 0 && h->io.write(h->io.ctx, body, (int)len) < 0)
        return MAMORI_EIO;
    return MAMORI_OK;
}

int mamori_http_respond_json(struct mamori_http *h, int status, json_t *json, const char *extra_headers)
{
    char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
    int rc;

    if (text == NULL)
        return mamori_http_respond(h, 500, "application/json", NULL,
                                   "{\"error\":\"internal\",\"message\":\"out of memory\"}", 47);
    rc = mamori_http_respond(h, status, "application/json; charset=utf-8", extra_headers, text, strlen(text));
    free(text);
    return rc;
}

int mamori_http_error(struct mamori_http *h, int status, const char *code, const char *extra_headers,
                      const char *fmt, ...)
{
    char msg[600];
    json_t *j;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    j = json_pack("{s:s, s:s, s:s}", "error", code, "message", msg, "request_id", h->request_id);
    rc = mamori_http_respond_json(h, status, j, extra_headers);
    json_decref(j);
    return rc;
}
