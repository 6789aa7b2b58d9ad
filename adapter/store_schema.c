/*
 * store_schema.c -- the schema, as an ordered list of migrations.
 *
 * Migration N takes a file from user_version N-1 to N. Never edit a
 * migration that has shipped; append a new one.
 */
#include "config.h"

#include "store_schema.h"

#include <stddef.h>

static const char *const migrations[] = {
    /* 1: the first schema.
     *
     * One row per annotated webhook in `events`: the dedupe key, the exact
     * answer, the annotation's summary for reports, and the keyed hash of
     * the requester (the contact history). Rows are appended in rowid
     * order and only two small indexes are kept, so a webhook's commit
     * writes few pages: the commit is synced to disk before the helpdesk
     * gets its 2xx, and every page costs. The retention purge scans by
     * time once a day instead of keeping a time index. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE events("
    "  id INTEGER PRIMARY KEY,"
    "  tenant TEXT NOT NULL, connector TEXT NOT NULL, event_id TEXT NOT NULL,"
    "  ticket_id TEXT, received_at INTEGER NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,"
    "  requester TEXT, is_harassment INTEGER NOT NULL DEFAULT 0, severity TEXT NOT NULL DEFAULT 'none',"
    "  categories TEXT NOT NULL DEFAULT '', escalation TEXT NOT NULL DEFAULT 'none');"
    "CREATE UNIQUE INDEX events_key ON events(tenant, connector, event_id);"
    "CREATE INDEX events_requester ON events(tenant, requester, received_at) WHERE requester IS NOT NULL;"
    "CREATE VIEW annotations AS SELECT id, tenant, connector, event_id, ticket_id, received_at AS created_at,"
    "  is_harassment, severity, categories, escalation FROM events;"
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, connector TEXT NOT NULL, kind TEXT NOT NULL,"
    "  dedupe_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','done','dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,"
    "  lease_until INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, done_at INTEGER);"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",

    /* 2: write-back. `progress` holds what a job's finished steps learnt
     * (JSON: next step, note written, current tags), so a restarted
     * deliverer resumes instead of starting over; `lease_owner` is the pid
     * of the deliverer holding the lease, so a successor can tell a lease
     * of a killed process from one of a live one. poll_cursor is where a
     * poller stopped, per tenant. */
    "ALTER TABLE outbox ADD COLUMN progress TEXT;"
    "ALTER TABLE outbox ADD COLUMN lease_owner INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX outbox_tenant ON outbox(tenant, state);"
    "CREATE TABLE poll_cursor(tenant TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at INTEGER NOT NULL);",
};

int mamori_schema_count(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *mamori_schema_migration(int version)
{
    if (version < 1 || version > mamori_schema_count())
        return NULL;
    return migrations[version - 1];
}
