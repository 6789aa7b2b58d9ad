/*
 * poll_cursor.h -- where each polled helpdesk's last round stopped (the
 * poller's cursor, `mamori status` reads it) and when a round last
 * succeeded.
 */
#ifndef MAMORI_POLL_CURSOR_H
#define MAMORI_POLL_CURSOR_H

#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "store/store.h"

/* The tenant's cursor into out (NUL-terminated, cut to cap). Returns 1
 * when there is one, 0 when there is none or it cannot be read. */
int mamori_poll_cursor_get(struct mamori_store *st, const char *tenant, char *out, size_t cap);

/* Store the cursor; ok_at > 0 also records that a round succeeded then.
 * 0 or MAMORI_EDB with err set. */
int mamori_poll_cursor_set(struct mamori_store *st, const char *tenant, const char *cursor, time_t ok_at,
                           struct mamori_error *err);

/* Call fn for every polled tenant's cursor, by tenant name: the cursor
 * and when a round last succeeded (0: never). fn returning non-zero stops
 * the walk and is returned (err says so). 0 or MAMORI_EDB with err set. */
int mamori_poll_cursor_each(struct mamori_store *st,
                            int (*fn)(void *ctx, const char *tenant, const char *cursor, time_t ok_at), void *ctx,
                            struct mamori_error *err);

#endif
