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

#include "base/error.h"
#include "store/store.h"

/* Enqueue; *id (may be NULL) receives the job id, or 0 when the key was
 * already queued. */
int mamori_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                          const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                          struct mamori_error *err);

/* Jobs waiting (pending) and dead-lettered. */
int mamori_outbox_depth(struct mamori_store *st, int64_t *pending, int64_t *dead, struct mamori_error *err);

/* ---- the deliverer and the admin (`mamori outbox`) ----
 *
 * States: pending (waiting or leased), done, dead (dead letter: given up
 * after max_attempts or a permanent error; `mamori outbox retry` revives).
 * A leased job has lease_until > now and lease_owner = the deliverer's pid. */

struct mamori_outbox_job {
    int64_t id;
    char *tenant, *connector, *kind, *dedupe_key, *payload, *progress, *state, *last_error;
    long attempts;
    long long next_attempt_at, lease_until, created_at, updated_at, done_at;
    long lease_owner;
};

void mamori_outbox_job_free(struct mamori_outbox_job *j);

/* Pending jobs of `kind` due at `now` and not leased, oldest first, at
 * most max into due; *n receives the count. */
struct mamori_outbox_due {
    int64_t id;
    char tenant[64];
};
int mamori_outbox_due(struct mamori_store *st, const char *kind, long long now, struct mamori_outbox_due *due,
                      size_t max, size_t *n, struct mamori_error *err);

/* Earliest next_attempt_at among pending jobs (0 when none). */
int mamori_outbox_next_due(struct mamori_store *st, long long *at, struct mamori_error *err);

/* Lease job id until lease_until for owner and count an attempt: MAMORI_OK
 * with *job filled (owned by the caller), or MAMORI_ENOTFOUND when someone
 * else leased or finished it first. */
int mamori_outbox_claim(struct mamori_store *st, int64_t id, long long now, long long lease_until, long owner,
                        struct mamori_outbox_job *job, struct mamori_error *err);

/* Save progress JSON text (after every finished step). */
int mamori_outbox_progress(struct mamori_store *st, int64_t id, const char *progress, long long now,
                           struct mamori_error *err);

/* Finish: done. */
int mamori_outbox_done(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);

/* Failed attempt: back to pending at next_at with the reason, or dead when
 * dead is set. The lease is released. */
int mamori_outbox_fail(struct mamori_store *st, int64_t id, long long now, long long next_at, int dead,
                       const char *reason, struct mamori_error *err);

/* Release leases whose owner process is gone (a killed deliverer), so its
 * jobs are taken up at once. *released receives the count. */
int mamori_outbox_release_orphans(struct mamori_store *st, long long now, int *released, struct mamori_error *err);

/* Admin. list: jobs in state (NULL: not done), newest first, at most max,
 * through cb. show: one job. retry: a dead or pending job becomes pending,
 * due now, attempts reset. drop: delete. MAMORI_ENOTFOUND for unknown ids. */
int mamori_outbox_list(struct mamori_store *st, const char *state, size_t max,
                       int (*cb)(void *ctx, const struct mamori_outbox_job *job), void *ctx, struct mamori_error *err);
int mamori_outbox_get(struct mamori_store *st, int64_t id, struct mamori_outbox_job *job, struct mamori_error *err);
int mamori_outbox_retry(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);
int mamori_outbox_drop(struct mamori_store *st, int64_t id, struct mamori_error *err);

#endif
