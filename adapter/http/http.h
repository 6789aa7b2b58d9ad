/*
 * http.h -- one HTTP request as FastCGI hands it over, and the answer.
 *
 * The transport is three callbacks so handlers can be tested without a
 * web server; fcgi_worker.c plugs in libfcgi's FCGX_* functions.
 */
#ifndef MAMORI_HTTP_H
#define MAMORI_HTTP_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "base/error.h"

struct mamori_http_transport {
    void *ctx;
    /* A FastCGI parameter (REQUEST_METHOD, HTTP_X_FOO, ...), or NULL. */
    const char *(*getparam)(void *ctx, const char *name);
    /* Read up to n body bytes: count, 0 at the end, < 0 on error. */
    int (*read)(void *ctx, char *buf, int n);
    /* Write n bytes of the answer: n, or < 0 on error. */
    int (*write)(void *ctx, const char *buf, int n);
};

struct mamori_http {
    struct mamori_http_transport io;
    const char *method;          /* "GET", "POST", ... ("" if absent) */
    char *path;                  /* without the query; owned */
    const char *query;           /* after '?', or "" */
    const char *content_type;    /* or "" */
    long long content_length;    /* -1 when absent */
    char *body;                  /* owned; after mamori_http_read_body */
    size_t body_len;
    char request_id[65];
    int status;                  /* the status sent, 0 before */
    struct timespec started;     /* CLOCK_MONOTONIC, when serving began (app.c) */
    int route_kind;              /* enum mamori_route_kind, for the metrics */
};

/* Set up from the transport. Returns 0 or MAMORI_ENOMEM. */
int mamori_http_init(struct mamori_http *h, const struct mamori_http_transport *io);
void mamori_http_free(struct mamori_http *h);

/* A request header by its HTTP name ("X-Mamori-Signature",
 * "Authorization", "Content-Type"), or NULL. */
const char *mamori_http_header(const struct mamori_http *h, const char *name);

/* A FastCGI parameter by its own name ("REMOTE_ADDR"), or NULL. Names that
 * do not start with HTTP_ are set by the web server, never by the client. */
const char *mamori_http_param(const struct mamori_http *h, const char *name);

/* The request path as it may be logged, in buf (cap bytes; truncated to
 * fit). Whatever follows /hooks/<tenant>/<connector>/ becomes "***": it is
 * Znuny's event name or Redmine's path token (the tenant's webhook secret),
 * and a path that does not route may still hold a token, so none of it is
 * logged. Returns buf. */
const char *mamori_http_log_path(const struct mamori_http *h, char *buf, size_t cap);

/* Whether the content type is JSON (application/json or +json, any
 * parameters). */
int mamori_http_is_json(const struct mamori_http *h);

/* Read the whole body. MAMORI_ETOOBIG if it exceeds max (checked against
 * CONTENT_LENGTH before reading anything), MAMORI_EIO on a short read. */
int mamori_http_read_body(struct mamori_http *h, size_t max, struct mamori_error *err);

/* Send an answer. extra_headers: "Name: value\r\n" lines, or NULL. */
int mamori_http_respond(struct mamori_http *h, int status, const char *content_type, const char *extra_headers,
                        const char *body, size_t len);
int mamori_http_respond_json(struct mamori_http *h, int status, json_t *json, const char *extra_headers);

/* {"error": code, "message": "...", "request_id": "..."} with status. */
int mamori_http_error(struct mamori_http *h, int status, const char *code, const char *extra_headers,
                      const char *fmt, ...) MAMORI_ATTR_PRINTF(5, 6);

const char *mamori_http_reason(int status);

#endif
