/*
 * strikes.h -- tickets whose request ran past [server] request_deadline
 * (the supervisor killed the worker), and the quarantine that follows: a
 * ticket with [server] quarantine_strikes strikes is answered without its
 * plugins until an admin releases it (`mamori quarantine release`), so a
 * ticket that hangs a plugin stops consuming a worker on every retry.
 */
#ifndef MAMORI_STRIKES_H
#define MAMORI_STRIKES_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "store/store.h"

/* One more strike for (tenant, ticket_id); *count gets the new total.
 * event_id (may be NULL) is kept for the admin. 0 or MAMORI_EDB. */
int mamori_strikes_add(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *event_id,
                       time_t now, int64_t *count, struct mamori_error *err);

/* The strikes of (tenant, ticket_id) into *count (0 when none). Cheap: on
 * the webhook path, inside the pipeline's read snapshot. 0 or MAMORI_EDB. */
int mamori_strikes_get(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *count,
                       struct mamori_error *err);

/* Forget the strikes of (tenant, ticket_id): its webhooks run the plugins
 * again. 0, MAMORI_ENOTFOUND (none recorded) or MAMORI_EDB. */
int mamori_strikes_release(struct mamori_store *st, const char *tenant, const char *ticket_id,
                           struct mamori_error *err);

/* Call fn for every ticket with at least min strikes, by tenant and
 * ticket. fn returning non-zero stops the walk and is returned. */
int mamori_strikes_each(struct mamori_store *st, int64_t min,
                        int (*fn)(void *ctx, const char *tenant, const char *ticket_id, int64_t strikes,
                                  const char *last_event, time_t last_at),
                        void *ctx, struct mamori_error *err);

#endif
