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
    /* 1: the first schema */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE events("
    "  tenant TEXT NOT NULL, connector TEXT NOT NULL, event_id TEXT NOT NULL,"
    "  ticket_id TEXT, received_at INTEGER NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,"
    "  PRIMARY KEY(tenant, connector, event_id)) WITHOUT ROWID;"
    "CREATE INDEX events_received ON events(received_at);"
    "CREATE TABLE annotations("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, connector TEXT NOT NULL, event_id TEXT,"
    "  ticket_id TEXT NOT NULL, created_at INTEGER NOT NULL, is_harassment INTEGER NOT NULL,"
    "  severity TEXT NOT NULL, categories TEXT NOT NULL, escalation TEXT NOT NULL, annotation TEXT NOT NULL);"
    "CREATE INDEX annotations_ticket ON annotations(tenant, ticket_id);"
    "CREATE INDEX annotations_created ON annotations(created_at);"
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, connector TEXT NOT NULL, kind TEXT NOT NULL,"
    "  dedupe_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','done','dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,"
    "  lease_until INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, done_at INTEGER);"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
    "CREATE TABLE contacts(tenant TEXT NOT NULL, requester TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX contacts_by_requester ON contacts(tenant, requester, at);"
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
    "  subject TEXT NOT NULL, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
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
