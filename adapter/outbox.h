/*
 * outbox.h -- durable work for the deliverer: helpdesk write-backs and
 * escalation messages, enqueued in the webhook's own transaction.
 *
 * A job is (tenant, connector, kind, dedupe_key, payload JSON). The
 * dedupe_key is unique: enqueueing the same key twice is a no-op, which is
 * what makes redelivered webhooks safe. Credentials are never stored in a
 * job; the deliverer takes them from the tenant's config when it sends.
 */
#ifndef MAMORI_OUTBOX_H
#define MAMORI_OUTBOX_H

#include <stdint.h>
#include <time.h>

#include "error.h"
#include "store.h"

/* Enqueue; *id (may be NULL) receives the job id, or 0 when the key was
 * already queued. */
int mamori_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                          const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                          struct mamori_error *err);

/* Jobs waiting (pending) and dead-lettered. */
int mamori_outbox_depth(struct mamori_store *st, int64_t *pending, int64_t *dead, struct mamori_error *err);

#endif
