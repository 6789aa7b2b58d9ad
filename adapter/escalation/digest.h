/*
 * digest.h -- escalation digests: during a burst (炎上), one message per
 * channel and period instead of one per ticket, and one acknowledgement
 * for all of it (issue 15).
 *
 * With [escalation] digest_period set (default none: nothing changes):
 *
 *   hold     on the webhook path (escalate.c's prepare), a new escalation
 *            is held instead of sent when its tenant has an open window
 *            (a held escalation whose digest is not due yet: it joins
 *            that window), or when digest_after escalations were opened
 *            in the last digest_period (it opens a window ending
 *            digest_period from now). Police-level escalations are never
 *            held. A held escalation is stored as usual (its row, its
 *            audit record "escalation_opened" with held_until), with no
 *            outbox job and no deadline yet.
 *   send     the digest runner (mamori_escalation_digest_tick), on the one
 *            node that holds the "escalation_deadlines" lease (send.c,
 *            like the deadline check), gives every window that ended one
 *            digest: a number, one outbox job per channel (and LINE
 *            recipient) the held escalations were routed to, listing those
 *            routed there (ticket link, level, categories: no quotes), an
 *            audit record "escalation_digest". Each escalation in it gets
 *            its acknowledgement deadline from now (the digest's sending),
 *            as a single message would at its sending. When they are
 *            overdue, the backup gets one digest of the unacknowledged
 *            ones, marked as such, not one message each.
 *   ack      one acknowledgement of the digest -- a LINE reply quoting it
 *            (or, unquoted, when the digest was the last message sent to
 *            the lawyer), or `mamori escalation ack --digest N` --
 *            acknowledges the digest and every escalation in it, each
 *            with its own "escalation_acknowledged" record naming the
 *            digest.
 *
 * The count behind digest_after is read in the webhook's snapshot: two
 * webhooks committed at the same moment on two nodes may both be sent on
 * their own. That errs towards telling, never towards holding.
 */
#ifndef MAMORI_ESCALATION_DIGEST_H
#define MAMORI_ESCALATION_DIGEST_H

#include <stdint.h>

#include "base/error.h"
#include "config/escalation.h"
#include "store/escalations.h"
#include "store/store.h"

struct mamori_generation;

/* Whether a new escalation at level of tenant_id is held, as of now:
 * *held_until receives its window's end, or 0 (send it now). */
int mamori_escalation_digest_hold(struct mamori_store *st, const struct mamori_escalation_config *c,
                                  const char *tenant_id, int level, long long now, long long *held_until,
                                  struct mamori_error *err);

/* Send every digest that is due at now (one transaction each). *sent (may
 * be NULL) receives how many digests were made. */
int mamori_escalation_digest_tick(struct mamori_store *st, const struct mamori_generation *gen, long long now,
                                  int *sent, struct mamori_error *err);

/* The deadline check for a digest's escalations (escalate.c's tick calls
 * it for an overdue escalation that came in digest id): every escalation
 * of the digest overdue at deadline_now is marked as handed to the backup,
 * and the backup gets ONE message listing them (a digest marked "not
 * acknowledged"), not one per escalation. *fired receives how many. */
int mamori_escalation_digest_backup(struct mamori_store *st, const struct mamori_generation *gen, int64_t id,
                                    long long deadline_now, long long now, int *fired, struct mamori_error *err);

/* Acknowledge digest id of tenant for `by` (inside the caller's
 * transaction): the digest, and every open escalation in it through
 * mamori_escalation_ack() with an "escalation_acknowledged" audit record
 * each ({escalation_id, level, by, name, via, digest, ...}), then one
 * "digest_acknowledged" record. each (may be NULL) is called with every
 * escalation that was open, e.g. to write the note on its ticket.
 * *acked receives how many escalations were open. */
int mamori_escalation_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by,
                                 const char *name, const char *via, const char *message_id, long long now,
                                 int (*each)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                 int *acked, struct mamori_error *err);

#endif
