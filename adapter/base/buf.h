/*
 * buf.h -- a growable byte buffer for building strings (notes, JSON, log
 * lines). Always NUL-terminated after a successful append.
 */
#ifndef MAMORI_BUF_H
#define MAMORI_BUF_H

#include <stddef.h>

#include "base/error.h"

struct mamori_buf {
    char *data;      /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    int failed;      /* set once an allocation failed: later appends are no-ops */
};

#define MAMORI_BUF_INIT {NULL, 0, 0, 0}

/* Append; return 0 or MAMORI_ENOMEM (and set b->failed). */
int mamori_buf_append(struct mamori_buf *b, const void *data, size_t len);
int mamori_buf_puts(struct mamori_buf *b, const char *s);
int mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...) MAMORI_ATTR_PRINTF(2, 3);
int mamori_buf_putc(struct mamori_buf *b, char c);

/* The contents as a C string ("" when empty). Borrowed from b. */
const char *mamori_buf_str(const struct mamori_buf *b);

/* Hand the contents to the caller, who frees them; b becomes empty.
 * Returns NULL if an append failed earlier. */
char *mamori_buf_steal(struct mamori_buf *b);

void mamori_buf_reset(struct mamori_buf *b);
void mamori_buf_free(struct mamori_buf *b);

#endif
