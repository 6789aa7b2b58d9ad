/* rules_util.c -- see rules_util.h. */
#include "config.h"

#include "rules_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rules_err(struct rules_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void rules_err_prefix(struct rules_error *err, const char *fmt, ...)
{
    char prefix[256], old[sizeof err->message];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    old[sizeof old - 1] = '\0';
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
}

int rules_grow(void **array, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return RULES_OK;
    ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > ((size_t)-1) / 4 / (elem ? elem : 1))
            return RULES_ENOMEM;
        ncap *= 2;
    }
    p = realloc(*array, ncap * elem);
    if (p == NULL)
        return RULES_ENOMEM;
    *array = p;
    *cap = ncap;
    return RULES_OK;
}

void rules_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

char *rules_strndup(const char *s, size_t len)
{
    char *p;

    if (s == NULL)
        return NULL;
    p = malloc(len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *rules_strdup(const char *s)
{
    return s ? rules_strndup(s, strlen(s)) : NULL;
}

int rules_buf_add(struct rules_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return RULES_ENOMEM;
    if (RULES_GROW(b->data, b->cap, b->len + n + 1) != 0) {
        b->failed = 1;
        return RULES_ENOMEM;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return RULES_OK;
}

int rules_buf_puts(struct rules_buf *b, const char *s)
{
    return rules_buf_add(b, s, strlen(s));
}

int rules_buf_putc(struct rules_buf *b, char c)
{
    return rules_buf_add(b, &c, 1);
}

int rules_buf_printf(struct rules_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->failed)
        return RULES_ENOMEM;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || RULES_GROW(b->data, b->cap, b->len + (size_t)n + 1) != 0) {
        b->failed = 1;
        return RULES_ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RULES_OK;
}

const char *rules_buf_str(const struct rules_buf *b)
{
    return b->data && !b->failed ? b->data : "";
}

void rules_buf_free(struct rules_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

int32_t rules_utf8_next(const uint8_t *s, size_t len, size_t *i)
{
    size_t p = *i;
    uint32_t c = s[p], cp;
    size_t n;

    if (c < 0x80) {
        *i = p + 1;
        return (int32_t)c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        *i = p + 1;
        return -1;
    }
    if (p + n >= len) { /* truncated sequence */
        *i = p + 1;
        return -1;
    }
    for (size_t k = 1; k <= n; k++) {
        uint32_t b = s[p + k];
        if ((b & 0xC0) != 0x80) {
            *i = p + 1;
            return -1;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are malformed. */
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i = p + 1;
        return -1;
    }
    *i = p + n + 1;
    return (int32_t)cp;
}

size_t rules_utf8_put(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

int rules_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len)
        if (rules_utf8_next((const uint8_t *)s, len, &i) < 0)
            return 0;
    return 1;
}

double rules_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
