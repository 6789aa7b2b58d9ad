/*
 * escalations.h -- escalations, the messages sent for them, LINE
 * lawyers and seen LINE events, in the sqlite store (schema migration 3).
 *
 *   escalations          one row per (tenant, ticket, level): what was
 *                        opened, who was told, deadline, acknowledgement,
 *                        backup, retainer, follow-up count. `ticket` holds
 *                        the ticket's ids and links (never its text) for
 *                        writing a lawyer's note back; `message` holds the
 *                        message model only until the escalation is
 *                        acknowledged or the backup was told.
 *   escalation_messages  every delivered message: channel, recipient, and
 *                        the platform's message id (LINE), so a quoted
 *                        reply finds its escalation
 *   lawyers              LINE users per tenant: pending (seen through a
 *                        follow event: grants nothing), approved (by an
 *                        admin: `mamori lawyer approve`), revoked
 *   line_events          webhookEventId of every handled LINE event (dedupe)
 *
 * Writes must run inside mamori_store_begin() where noted.
 */
#ifndef MAMORI_ESCALATION_STORE_H
#define MAMORI_ESCALATION_STORE_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_escalation_row {
    int64_t id;
    char *tenant, *ticket_id, *level, *connector, *event_id, *ticket, *categories, *channels, *message;
    char *acked_by, *retained_by;
    long long created_at, ack_due_at, acked_at, backup_at, retained_at, last_followup_at;
    long followups;
    long long held_until;          /* held for a digest due then (0: sent on its own) */
    int64_t digest_id;             /* the digest that told it (0: none) */
};

void mamori_escalation_row_free(struct mamori_escalation_row *r);

/* Every escalation of a ticket, lowest level first, through cb (which may
 * keep nothing borrowed). */
int mamori_escalation_rows_for_ticket(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                      int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                      struct mamori_error *err);

/* Insert a new escalation (in a transaction). *id receives its id, or 0
 * when (tenant, ticket, level) exists already. */
int mamori_escalation_insert(struct mamori_store *st, const struct mamori_escalation_row *r, int64_t *id,
                             struct mamori_error *err);

/* Count a follow-up message on an existing escalation (in a transaction);
 * *followups receives the new count. */
int mamori_escalation_followup(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *level,
                               long long now, long *followups, struct mamori_error *err);

/* One escalation by id / by (tenant, ticket, level). *r owned by the caller. */
int mamori_escalation_get(struct mamori_store *st, int64_t id, struct mamori_escalation_row *r,
                          struct mamori_error *err);
int mamori_escalation_get_level(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *level,
                                struct mamori_escalation_row *r, struct mamori_error *err);

/* The escalation a LINE reply is about: the one whose message has
 * platform id message_id; else the most recent one of ticket ticket_ref
 * (may be NULL); else the most recent one sent to recipient (a LINE user
 * or group id) since `since`. MAMORI_ENOTFOUND when none matches. */
int mamori_escalation_match(struct mamori_store *st, const char *tenant, const char *message_id,
                            const char *ticket_ref, const char *const *recipients, long long since,
                            struct mamori_escalation_row *r, struct mamori_error *err);

/* Record a delivered message (in a transaction). platform_id may be NULL. */
int mamori_escalation_message_put(struct mamori_store *st, int64_t escalation_id, const char *tenant,
                                  const char *channel, const char *recipient, const char *platform_id, long long now,
                                  struct mamori_error *err);

/* Acknowledge every open escalation of the ticket (in a transaction):
 * *changed receives how many were open. The message model is dropped. */
int mamori_escalation_ack(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *by,
                          long long now, int *changed, struct mamori_error *err);

/* Record the retainer on escalation id (in a transaction). */
int mamori_escalation_retain(struct mamori_store *st, int64_t id, const char *by, long long now,
                             struct mamori_error *err);

/* Escalations past their deadline, unacknowledged and without a backup
 * notice, oldest first: at most max ids into ids, count into *n. */
int mamori_escalation_overdue(struct mamori_store *st, long long now, int64_t *ids, size_t max, size_t *n,
                              struct mamori_error *err);

/* Mark the backup as told (in a transaction); MAMORI_ENOTFOUND when it was
 * acknowledged or told meanwhile. The message model is dropped. */
int mamori_escalation_mark_backup(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);

/* List escalations (newest first), optionally of one tenant and only the
 * open ones (unacknowledged), through cb. */
int mamori_escalation_list(struct mamori_store *st, const char *tenant, int open_only, size_t max,
                           int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                           struct mamori_error *err);

/* ---- digests (escalation/digest.h; schema migration 8) ----
 *
 * A held escalation has held_until (when its window's digest is due) and
 * no digest_id until the digest runner gives it one. */

/* For a new escalation of tenant at now: *window_end receives the end of
 * the tenant's open window (a held, undigested escalation whose
 * held_until is after now; 0: none), *opened how many escalations (not
 * consultations) were opened since `since`. */
int mamori_digest_window(struct mamori_store *st, const char *tenant, long long since, long long now,
                         long long *window_end, long *opened, struct mamori_error *err);

struct mamori_digest_due {
    char *tenant;
    long long window_end;
};

void mamori_digest_due_free(struct mamori_digest_due *d, size_t n);

/* Windows whose digest is due (held, undigested escalations with
 * held_until at or before now), oldest first: at most max into out. */
int mamori_digest_due(struct mamori_store *st, long long now, struct mamori_digest_due *out, size_t max, size_t *n,
                      struct mamori_error *err);

/* The held, undigested escalations of one window, by id, through cb. In a
 * transaction (the digest's): on PostgreSQL the rows stay locked until it
 * ends; sqlite's write transaction excludes other writers already. */
int mamori_digest_held(struct mamori_store *st, const char *tenant, long long window_end,
                       int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                       struct mamori_error *err);

/* The escalations a digest told, by id, through cb. */
int mamori_digest_escalations(struct mamori_store *st, int64_t digest_id,
                              int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                              struct mamori_error *err);

/* A new digest (in a transaction); *id receives its number. */
int mamori_digest_create(struct mamori_store *st, const char *tenant, long long window_end, long escalations,
                         const char *channels, long long now, int64_t *id, struct mamori_error *err);

/* Put escalation id into digest_id (in a transaction): its deadline
 * becomes ack_due_at (0: none) and, unless keep_message, its message
 * model is dropped. *changed: 0 when it was digested meanwhile. */
int mamori_digest_assign(struct mamori_store *st, int64_t id, int64_t digest_id, long long ack_due_at,
                         int keep_message, int *changed, struct mamori_error *err);

/* Record a delivered digest message (in a transaction). */
int mamori_digest_message_put(struct mamori_store *st, int64_t digest_id, const char *tenant, const char *channel,
                              const char *recipient, const char *platform_id, long long now,
                              struct mamori_error *err);

/* The digest a LINE reply is about: the one whose message has platform
 * id message_id; else, when message_id names no message at all and
 * recipients is not NULL, the one whose message was the last sent to a
 * recipient since `since`. MAMORI_ENOTFOUND when the reply is about an
 * escalation (or nothing). */
int mamori_digest_match(struct mamori_store *st, const char *tenant, const char *message_id,
                        const char *const *recipients, long long since, int64_t *digest_id,
                        struct mamori_error *err);

struct mamori_digest_row {
    int64_t id;
    char *tenant, *channels, *acked_by;
    long long window_end, created_at, acked_at;
    long escalations;
};

void mamori_digest_row_free(struct mamori_digest_row *d);

int mamori_digest_get(struct mamori_store *st, int64_t id, struct mamori_digest_row *d, struct mamori_error *err);

/* Mark digest id of tenant acknowledged (in a transaction); *changed 0
 * when it was already. Its escalations are acknowledged by the caller
 * (mamori_escalation_ack per ticket). */
int mamori_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by, long long now,
                      int *changed, struct mamori_error *err);

/* ---- lawyers ---- */

struct mamori_lawyer_row {
    char *tenant, *user, *name, *state;
    long long first_seen_at, approved_at, updated_at;
};

void mamori_lawyer_row_free(struct mamori_lawyer_row *r);

/* Look up a LINE user: MAMORI_OK with *r, or MAMORI_ENOTFOUND. */
int mamori_lawyer_get(struct mamori_store *st, const char *tenant, const char *user, struct mamori_lawyer_row *r,
                      struct mamori_error *err);

/* A follow event: remember the user as pending unless known (in a
 * transaction). *inserted says whether the user was new. */
int mamori_lawyer_seen(struct mamori_store *st, const char *tenant, const char *user, long long now, int *inserted,
                       struct mamori_error *err);

/* Approve (with a display name, may be NULL to keep the old one) or revoke
 * (in a transaction). */
int mamori_lawyer_set_state(struct mamori_store *st, const char *tenant, const char *user, const char *state,
                            const char *name, long long now, struct mamori_error *err);

int mamori_lawyer_list(struct mamori_store *st, const char *tenant,
                       int (*cb)(void *ctx, const struct mamori_lawyer_row *r), void *ctx, struct mamori_error *err);

/* ---- LINE event dedupe ---- */

/* Remember a webhookEventId (in a transaction): MAMORI_OK when new,
 * MAMORI_ECONFLICT when seen before. */
int mamori_line_event_put(struct mamori_store *st, const char *tenant, const char *event_id, long long now,
                          struct mamori_error *err);

/* Forget event ids older than `before` (they are only for redeliveries). */
int mamori_line_events_purge(struct mamori_store *st, long long before, struct mamori_error *err);

#endif
