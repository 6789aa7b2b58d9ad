/*
 * meta.h -- small named values in the store's meta table: what one process
 * publishes for another to read (the supervisor's description of the
 * running daemon for `mamori status`), not case data.
 */
#ifndef MAMORI_STORE_META_H
#define MAMORI_STORE_META_H

#include "base/error.h"
#include "store/store.h"

/* Set key to value (both NUL-terminated text), replacing any old value.
 * 0 or MAMORI_EDB with err set. */
int mamori_meta_set(struct mamori_store *st, const char *key, const char *value, struct mamori_error *err);

/* The value of key into *value, a malloc'd string the caller frees.
 * 0; MAMORI_ENOTFOUND when the key was never set (*value NULL);
 * MAMORI_ENOMEM or MAMORI_EDB with err set. */
int mamori_meta_get(struct mamori_store *st, const char *key, char **value, struct mamori_error *err);

#endif
