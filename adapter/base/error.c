/* error.c -- see error.h. */
#include "config.h"

#include "base/error.h"

#include <stdio.h>
#include <string.h>

int mamori_error_setv(struct mamori_error *err, int code, const char *fmt, va_list ap)
{
    if (err != NULL) {
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return code;
}

int mamori_error_set(struct mamori_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mamori_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int mamori_error_prefix(struct mamori_error *err, const char *fmt, ...)
{
    char prefix[256];
    char old[sizeof err->message];
    va_list ap;

    if (err == NULL)
        return MAMORI_OK;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
    return err->code;
}

void mamori_error_clear(struct mamori_error *err)
{
    if (err != NULL) {
        err->code = MAMORI_OK;
        err->message[0] = '\0';
    }
}

const char *mamori_status_name(int code)
{
    switch (code) {
    case MAMORI_OK: return "ok";
    case MAMORI_ENOMEM: return "out_of_memory";
    case MAMORI_EINVAL: return "invalid";
    case MAMORI_EIO: return "io";
    case MAMORI_EAUTH: return "unauthorized";
    case MAMORI_ENOTFOUND: return "not_found";
    case MAMORI_ETOOBIG: return "too_large";
    case MAMORI_EDB: return "store";
    case MAMORI_EPLUGIN: return "plugin";
    case MAMORI_EBUSY: return "busy";
    case MAMORI_ECONFLICT: return "conflict";
    case MAMORI_EUNSUPPORTED: return "unsupported";
    default: return "error";
    }
}
