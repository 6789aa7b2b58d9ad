/* buf.c -- see buf.h. */
#include "config.h"

#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct mamori_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return MAMORI_ENOMEM;
    if (extra > ((size_t)-1) / 2 - b->len)
        goto fail;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return MAMORI_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        goto fail;
    b->data = p;
    b->cap = cap;
    return MAMORI_OK;
fail:
    b->failed = 1;
    return MAMORI_ENOMEM;
}

int mamori_buf_append(struct mamori_buf *b, const void *data, size_t len)
{
    if (reserve(b, len) != MAMORI_OK)
        return MAMORI_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MAMORI_OK;
}

int mamori_buf_puts(struct mamori_buf *b, const char *s)
{
    return mamori_buf_append(b, s, strlen(s));
}

int mamori_buf_putc(struct mamori_buf *b, char c)
{
    return mamori_buf_append(b, &c, 1);
}

int mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != MAMORI_OK)
        return MAMORI_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MAMORI_OK;
}

const char *mamori_buf_str(const struct mamori_buf *b)
{
    return b->data ? b->data : "";
}

char *mamori_buf_steal(struct mamori_buf *b)
{
    char *p;

    if (b->failed) {
        mamori_buf_free(b);
        return NULL;
    }
    if (b->data == NULL && reserve(b, 0) != MAMORI_OK)
        return NULL;
    if (b->len == 0)
        b->data[0] = '\0';
    p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void mamori_buf_reset(struct mamori_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void mamori_buf_free(struct mamori_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
