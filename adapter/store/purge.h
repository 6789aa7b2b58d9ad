/*
 * purge.h -- the store's half of retention: which tenants have rows, and
 * removing one table's rows older than a cutoff for one tenant.
 *
 * What is due is decided here, per table, so the rules live beside the
 * schema: events by received_at; outbox jobs by created_at, never while
 * pending (work not yet done); escalations once nothing has happened to
 * one since the cutoff (created, acknowledged, handed to the backup,
 * retained, followed up); escalation messages whose escalation is gone;
 * LINE event ids by received_at. daemon/retention.c decides the cutoffs
 * and records each purge in the audit chain.
 *
 * Deletes run in batches of 500 rows, each its own short write
 * transaction; the read that picks a batch runs outside the write lock and
 * every delete checks again that its row is due, so a row changed in
 * between is never removed by mistake.
 */
#ifndef MAMORI_STORE_PURGE_H
#define MAMORI_STORE_PURGE_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/strv.h"
#include "store/store.h"

enum mamori_purge_table {
    MAMORI_PURGE_EVENTS,
    MAMORI_PURGE_OUTBOX,
    MAMORI_PURGE_ESCALATIONS,
    MAMORI_PURGE_ESCALATION_MESSAGES, /* after MAMORI_PURGE_ESCALATIONS: those it left orphaned */
    MAMORI_PURGE_LINE_EVENTS,
    MAMORI_PURGE_INCIDENTS,       /* incident records nothing happened to since the cutoff */
    MAMORI_PURGE_TRAINING_LINKS,  /* training links issued before the cutoff */
    MAMORI_PURGE_CONSULTATIONS,
    MAMORI_PURGE_WARNINGS,
    MAMORI_PURGE_RESTRICTIONS,
    MAMORI_PURGE_DIGESTS,         /* escalation digests created before the cutoff */
    MAMORI_PURGE_TABLE_COUNT
};

/* A short name of the table, for messages ("events", "LINE events"). */
const char *mamori_purge_table_name(enum mamori_purge_table table);

/* Append every tenant that has rows in a purged table to out (from the
 * indexes: no table scan). 0, MAMORI_ENOMEM or MAMORI_EDB with err set. */
int mamori_purge_list_tenants(struct mamori_store *st, struct mamori_strv *out, struct mamori_error *err);

/* Remove tenant's rows of table that are due before cutoff (Unix seconds);
 * with dry_run count them and change nothing. *removed: rows removed (or
 * due). 0 or MAMORI_EDB with err set; batches already committed stay
 * removed when a later one fails. */
int mamori_purge_table(struct mamori_store *st, enum mamori_purge_table table, const char *tenant, time_t cutoff,
                       int dry_run, int64_t *removed, struct mamori_error *err);

#endif
