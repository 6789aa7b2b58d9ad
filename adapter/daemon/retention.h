/*
 * retention.h -- removing what is older than a tenant's retention period.
 *
 * What goes: events (one row per webhook: the answer, the annotation's
 * summary, the requester hash -- the `annotations` view reads the same
 * rows) and finished outbox jobs (done or dead-lettered), whose payload is
 * the only place customer text and quoted evidence excerpts are kept.
 * Pending jobs stay: they are work not yet done. Escalations go once
 * nothing has happened to one for the whole period (opened, acknowledged,
 * backup told, retained, followed up), open or not, with the messages sent
 * for them; so do the ids of handled LINE events. The LINE lawyers an
 * admin approved stay (configuration, not case data).
 *
 * What stays: the audit chain. Its records hold ids, categories and
 * digests only, so nothing in it needs purging, and removing any record
 * would break every later hash. Each purge that removed something appends
 * one "purged" record per tenant (counts and cutoff), so the chain itself
 * says when and how much was removed, and `mamori audit verify` still
 * passes afterwards.
 *
 * The period is the tenant's retention_days, else [store] retention_days;
 * 0 keeps everything. Events and LINE event ids are the dedupe of
 * webhooks: they stay at least twice the longest replay window configured
 * (mamori_retention_dedupe_keep), even when the period is shorter, so a
 * signed delivery captured on the wire cannot come back once its id is gone. Rows of tenants no longer configured follow the
 * server default. Deletes run in small batches, each its own short write
 * transaction, so webhooks never wait long for the lock.
 */
#ifndef MAMORI_RETENTION_H
#define MAMORI_RETENTION_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "config/generation.h"
#include "store/store.h"

struct mamori_retention_report {
    int64_t events;     /* event rows removed (or due, with dry_run) */
    int64_t outbox;     /* finished outbox jobs removed (or due) */
    int64_t escalations; /* escalations removed (or due), with their messages */
    int64_t tenants;    /* tenants that had something to remove */
    int64_t incidents;  /* incident records not changed since the cutoff */
};

/* The retention period in days for tenant id under gen (0: keep forever). */
long mamori_retention_days(const struct mamori_generation *gen, const char *tenant_id);

/* Seconds the dedupe ids (events, LINE event ids) of tenant_id are kept at
 * least: twice its longest replay window ([tenant] and [line]
 * replay_window, at least [webhook] replay_window); for a tenant no longer
 * configured, or NULL, twice the longest window of the generation. */
long mamori_retention_dedupe_keep(const struct mamori_generation *gen, const char *tenant_id);

/* Purge every tenant (or only `only_tenant` when not NULL) as of `now`.
 * With dry_run, count what would go and change nothing. */
int mamori_retention_purge(struct mamori_store *st, const struct mamori_generation *gen, const char *only_tenant,
                           int dry_run, time_t now, struct mamori_retention_report *report,
                           struct mamori_error *err);

#endif
