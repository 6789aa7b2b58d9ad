/* writeback.c -- helpers for connectors' write-back steps (connector.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"
#include "base/strv.h"
#include "config/tenant.h"
#include "connector/connector.h"

void mamori_wb_request_free(struct mamori_wb_request *r)
{
    free(r->path);
    if (r->body != NULL) {
        explicit_bzero(r->body, strlen(r->body)); /* form bodies may carry a client secret */
        free(r->body);
    }
    for (size_t i = 0; i < r->headers.count; i++)
        explicit_bzero(r->headers.items[i], strlen(r->headers.items[i]));
    mamori_strv_free(&r->headers);
    memset(r, 0, sizeof *r);
}

char *mamori_wb_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct mamori_buf b = MAMORI_BUF_INIT;

    if (s == NULL)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~')
            mamori_buf_putc(&b, (char)*p);
        else
            mamori_buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    /* "." and ".." alone would be path segments of their own. */
    if (b.data != NULL && (strcmp(b.data, ".") == 0 || strcmp(b.data, "..") == 0)) {
        mamori_buf_reset(&b);
        mamori_buf_puts(&b, strlen(s) == 1 ? "%2E" : "%2E%2E");
    }
    if (b.data == NULL)
        mamori_buf_puts(&b, "");
    return mamori_buf_steal(&b);
}

int mamori_wb_header(struct mamori_wb_request *req, const char *fmt, ...)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
        return MAMORI_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    (void)b;
    /* Header injection: nothing from a payload may add a line. */
    if (strpbrk(s, "\r\n") != NULL) {
        free(s);
        return MAMORI_EINVAL;
    }
    if (mamori_grow((void **)&req->headers.items, &req->headers.cap, req->headers.count + 1, sizeof(char *)) != 0) {
        free(s);
        return MAMORI_ENOMEM;
    }
    req->headers.items[req->headers.count++] = s;
    return MAMORI_OK;
}

int mamori_wb_json_body(struct mamori_wb_request *req, json_t *body)
{
    if (body == NULL)
        return MAMORI_ENOMEM;
    free(req->body);
    req->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return req->body ? MAMORI_OK : MAMORI_ENOMEM;
}

char *mamori_wb_credentials(const struct mamori_wb *wb)
{
    const struct mamori_tenant *t = wb->tenant;
    if (t->helpdesk_credentials.len == 0)
        return NULL;
    return mamori_strndup((const char *)t->helpdesk_credentials.data, t->helpdesk_credentials.len);
}

void mamori_wb_secret_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

int mamori_wb_basic_auth(struct mamori_wb_request *req, const char *user_pass)
{
    size_t n = strlen(user_pass);
    char *enc = malloc(4 * (n / 3 + 1) + 1);
    int rc;

    if (enc == NULL)
        return MAMORI_ENOMEM;
    mamori_base64_encode((const unsigned char *)user_pass, n, enc);
    rc = mamori_wb_header(req, "Authorization: Basic %s", enc);
    explicit_bzero(enc, strlen(enc));
    free(enc);
    return rc;
}

int mamori_wb_body_has_ref(const struct mamori_wb *wb, const char *body, size_t len)
{
    size_t rl = strlen(wb->ref);

    if (body == NULL || rl == 0 || len < rl)
        return 0;
    /* The reference is plain ASCII without characters JSON escapes, so a
     * byte search finds it in any listing. */
    for (size_t i = 0; i + rl <= len; i++)
        if (body[i] == wb->ref[0] && memcmp(body + i, wb->ref, rl) == 0)
            return 1;
    return 0;
}

int mamori_wb_note_done(const struct mamori_wb *wb)
{
    return json_is_true(json_object_get(wb->progress, "note_done"));
}

void mamori_wb_set_note_done(struct mamori_wb *wb)
{
    json_object_set_new(wb->progress, "note_done", json_true());
}

const char *mamori_wb_ticket_id(const struct mamori_wb *wb)
{
    return json_string_value(json_object_get(wb->ticket, "ticket_id"));
}

json_t *mamori_wb_merge_tags(const struct mamori_wb *wb, json_t *current)
{
    json_t *out = json_array(), *v;
    size_t i;

    if (out == NULL)
        return NULL;
    json_array_foreach(current, i, v) if (json_is_string(v) && json_array_append(out, v) != 0) goto fail;
    for (i = 0; i < wb->tags->count; i++) {
        int seen = 0;
        size_t j;
        json_array_foreach(out, j, v) seen |= strcmp(json_string_value(v), wb->tags->items[i]) == 0;
        if (!seen && json_array_append_new(out, json_string(wb->tags->items[i])) != 0)
            goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

json_t *mamori_wb_tags_to_write(const struct mamori_wb *wb, int *none)
{
    json_t *cur = json_object_get(wb->progress, "current_tags"), *merged = mamori_wb_merge_tags(wb, cur);

    *none = 0;
    if (merged != NULL && json_is_array(cur) && json_array_size(merged) == json_array_size(cur)) {
        json_decref(merged);
        *none = 1; /* every tag is there already */
        return NULL;
    }
    return merged;
}
