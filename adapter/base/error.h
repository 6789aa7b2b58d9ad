/*
 * error.h -- return codes and the caller-owned error struct.
 *
 * Every fallible function in mamori returns 0 or one of the negative codes
 * below and, when given a struct mamori_error, writes a message there that
 * says what went wrong and what to do about it. The error is logged once,
 * by whoever handles it.
 */
#ifndef MAMORI_ERROR_H
#define MAMORI_ERROR_H

#include <stdarg.h>

enum mamori_status {
    MAMORI_OK = 0,
    MAMORI_ENOMEM = -1,       /* allocation failed */
    MAMORI_EINVAL = -2,       /* bad input or bad configuration */
    MAMORI_EIO = -3,          /* file or socket I/O failed */
    MAMORI_EAUTH = -4,        /* signature or token did not verify */
    MAMORI_ENOTFOUND = -5,    /* no such tenant, route, record */
    MAMORI_ETOOBIG = -6,      /* over a configured limit */
    MAMORI_EDB = -7,          /* the store failed */
    MAMORI_EPLUGIN = -8,      /* a plugin refused or failed */
    MAMORI_EBUSY = -9,        /* try again later */
    MAMORI_ECONFLICT = -10,   /* already exists / already done */
    MAMORI_EUNSUPPORTED = -11 /* not supported (method, content type, ...) */
};

struct mamori_error {
    int code;
    char message[512];
};

#if defined(__GNUC__)
#define MAMORI_ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MAMORI_ATTR_PRINTF(f, a)
#endif

/* Record code and message in err (which may be NULL) and return code, so a
 * caller can write `return mamori_error_set(err, MAMORI_EINVAL, ...)`. */
int mamori_error_set(struct mamori_error *err, int code, const char *fmt, ...) MAMORI_ATTR_PRINTF(3, 4);
int mamori_error_setv(struct mamori_error *err, int code, const char *fmt, va_list ap);

/* Prefix an existing message, e.g. with the file name: "FILE: old". */
int mamori_error_prefix(struct mamori_error *err, const char *fmt, ...) MAMORI_ATTR_PRINTF(2, 3);

/* Reset to MAMORI_OK and an empty message. */
void mamori_error_clear(struct mamori_error *err);

/* A short constant name for a code ("invalid", "io", ...). */
const char *mamori_status_name(int code);

#endif
