/*
 * secret.h -- secrets (webhook keys, API tokens) read from a file or from
 * an environment variable named in the config; never inline, never logged.
 */
#ifndef MAMORI_SECRET_H
#define MAMORI_SECRET_H

#include <stddef.h>

#include "base/error.h"

struct mamori_secret {
    unsigned char *data;     /* owned; wiped on free */
    size_t len;
};

/* Where a secret comes from, as written in the config. */
struct mamori_secret_ref {
    char *file;              /* path, or NULL */
    char *env;               /* variable name, or NULL */
    int line;                /* config line, for messages */
};

/* Load the secret named by ref. what names it in messages ("webhook
 * secret"). One trailing newline (LF or CRLF) is removed from files. A file
 * that others can read, or the group can write, is refused. An empty secret is refused. */
int mamori_secret_load(struct mamori_secret *out, const struct mamori_secret_ref *ref, const char *what,
                       struct mamori_error *err);

/* Parse one config key for a secret called `base`: "<base>_file = PATH"
 * (relative to dir) or "<base>_env = VARIABLE" fill ref; an inline
 * "<base> = value" is refused with the reason; both forms together are
 * refused. *handled says whether key was one of these (otherwise nothing is
 * changed and the caller goes on with its other keys). */
int mamori_secret_ref_option(struct mamori_secret_ref *ref, const char *base, const char *key, const char *value,
                             int line, const char *dir, int *handled, struct mamori_error *err);

/* Whether ref names a source at all. */
int mamori_secret_ref_set(const struct mamori_secret_ref *ref);

void mamori_secret_free(struct mamori_secret *s);
void mamori_secret_ref_free(struct mamori_secret_ref *ref);

#endif
