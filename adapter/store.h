/*
 * store.h -- the sqlite store: one file, WAL, durable commits.
 *
 * Each process opens its own connection (never share one across fork()).
 * The schema is versioned with PRAGMA user_version and migrated forward at
 * open (store_schema.c). A webhook's event, annotation, outbox jobs, contact
 * record and audit record are written in ONE transaction begun with
 * mamori_store_begin() (BEGIN IMMEDIATE, so the audit chain's "previous
 * hash" is read under the write lock).
 *
 * Requester identities are never stored: only HMAC-SHA256(identity key,
 * tenant NUL requester id) in hex, see mamori_store_requester_hash().
 */
#ifndef MAMORI_STORE_H
#define MAMORI_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "error.h"

struct mamori_store {
    sqlite3 *db;
    char *path;
    int in_tx;
};

enum {
    MAMORI_STORE_READONLY = 0x1,  /* open without migrating or writing */
};

/* Open (creating if needed) and migrate. sync_mode: enum mamori_sync_mode.
 * *out is owned by the caller: mamori_store_close(). */
int mamori_store_open(struct mamori_store **out, const char *path, int sync_mode, long busy_timeout_ms, int flags,
                      struct mamori_error *err);
void mamori_store_close(struct mamori_store *st);

/* The schema version this build creates, and the one in the file. */
int mamori_store_schema_version(void);
int mamori_store_file_version(struct mamori_store *st, int *version);

/* Transactions. commit failing means nothing was written: the caller must
 * not acknowledge. */
int mamori_store_begin(struct mamori_store *st, struct mamori_error *err);
int mamori_store_commit(struct mamori_store *st, struct mamori_error *err);
void mamori_store_rollback(struct mamori_store *st);

/* Check the store can take a write lock right now (for /healthz). */
int mamori_store_writable(struct mamori_store *st, struct mamori_error *err);

/* Run one statement with no result rows (maintenance, tests). */
int mamori_store_exec(struct mamori_store *st, const char *sql, struct mamori_error *err);

/* ---- events (dedupe) ---- */

/* Look up an event: MAMORI_OK with *response (owned by the caller) and
 * *status, or MAMORI_ENOTFOUND. */
int mamori_store_event_get(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                           char **response, int *status, struct mamori_error *err);

/* Record an event with its answer; MAMORI_ECONFLICT if it exists. */
int mamori_store_event_put(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                           const char *ticket_id, int status, const char *response, time_t now,
                           struct mamori_error *err);

/* ---- annotations ---- */

struct mamori_annotation_row {
    const char *tenant, *connector, *event_id, *ticket_id;
    int is_harassment;
    const char *severity;     /* "none" ... "critical" */
    const char *categories;   /* comma-separated ids */
    const char *escalation;   /* level name */
    const char *json;         /* the stored (redacted) annotation */
    time_t created_at;
};

int mamori_store_annotation_put(struct mamori_store *st, const struct mamori_annotation_row *row, int64_t *id,
                                struct mamori_error *err);

/* Number of annotations already stored for a ticket (0 if none). */
int mamori_store_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                                  struct mamori_error *err);

/* ---- contact history ---- */

/* hex HMAC of (tenant, requester id) into out[65]. */
int mamori_store_requester_hash(const unsigned char *key, size_t key_len, const char *tenant, const char *requester_id,
                                char out[65]);

int mamori_store_contact_add(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t at,
                             struct mamori_error *err);

/* Contacts recorded at or after `since`. */
int mamori_store_contact_count(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t since,
                               int64_t *out, struct mamori_error *err);

#endif
