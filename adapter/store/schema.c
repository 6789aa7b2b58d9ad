/*
 * schema.c -- the schema, as an ordered list of migrations.
 *
 * Migration N takes a file from user_version N-1 to N. Never edit a
 * migration that has shipped; append a new one.
 */
#include "config.h"

#include "store/schema.h"

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

    /* 3: escalation to the lawyer (escalation_store.h). One escalation per
     * (tenant, ticket, level); `ticket` keeps ids and links only, `message`
     * (the quoted evidence) only until acknowledged or the backup is told.
     * escalation_messages maps LINE message ids back to escalations for
     * quoted replies; lawyers are LINE users an admin approved;
     * line_events dedupes LINE redeliveries. The partial index keeps the
     * deadline check to the open escalations. */
    "CREATE TABLE escalations("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, ticket_id TEXT NOT NULL, level TEXT NOT NULL,"
    "  connector TEXT NOT NULL, event_id TEXT NOT NULL, ticket TEXT NOT NULL, categories TEXT NOT NULL DEFAULT '',"
    "  channels TEXT NOT NULL DEFAULT '', message TEXT, created_at INTEGER NOT NULL, ack_due_at INTEGER,"
    "  acked_at INTEGER, acked_by TEXT, backup_at INTEGER, retained_at INTEGER, retained_by TEXT,"
    "  followups INTEGER NOT NULL DEFAULT 0, last_followup_at INTEGER,"
    "  UNIQUE(tenant, ticket_id, level));"
    "CREATE INDEX escalations_due ON escalations(ack_due_at)"
    "  WHERE ack_due_at IS NOT NULL AND acked_at IS NULL AND backup_at IS NULL;"
    "CREATE TABLE escalation_messages("
    "  id INTEGER PRIMARY KEY, escalation_id INTEGER NOT NULL, tenant TEXT NOT NULL, channel TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, platform_id TEXT, sent_at INTEGER NOT NULL);"
    "CREATE INDEX escalation_messages_platform ON escalation_messages(tenant, platform_id)"
    "  WHERE platform_id IS NOT NULL;"
    "CREATE INDEX escalation_messages_recipient ON escalation_messages(tenant, recipient, sent_at);"
    "CREATE TABLE lawyers("
    "  tenant TEXT NOT NULL, line_user_id TEXT NOT NULL, name TEXT,"
    "  state TEXT NOT NULL CHECK(state IN ('pending','approved','revoked')),"
    "  first_seen_at INTEGER, approved_at INTEGER, updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY(tenant, line_user_id));"
    "CREATE TABLE line_events(tenant TEXT NOT NULL, event_id TEXT NOT NULL, received_at INTEGER NOT NULL,"
    "  PRIMARY KEY(tenant, event_id));",

    /* 4: the keyed audit chain (audit.h). Records written from now on
     * carry keyed = 1: their hash is HMAC-SHA256 with the audit key, kept
     * outside the store. The records already there stay as they are
     * (plain SHA-256, keyed = 0) and are protected by the first keyed
     * record, whose MAC covers the last plain record's hash. */
    "ALTER TABLE audit ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;",

    /* 5: strikes (strikes.h): how often a ticket's request ran past
     * [server] request_deadline and its worker was killed. At the
     * configured number the ticket is quarantined (its webhooks answered
     * without running plugins) until `mamori quarantine release`. */
    "CREATE TABLE strikes(tenant TEXT NOT NULL, ticket_id TEXT NOT NULL, strikes INTEGER NOT NULL,"
    "  last_event TEXT, last_at INTEGER NOT NULL, PRIMARY KEY(tenant, ticket_id));",

    /* 6: consultations, warnings and contact restrictions (issue 16).
     * A consultation is an agent's question to the lawyer or supervisor
     * (consultations.h); its number is the row id, and the message to the
     * lawyer is an escalation row of level "consult-N", so a quoted LINE
     * reply, 確認 and 受任 find it like any escalation. A warning is one
     * given to a customer (warnings.h), kept against the keyed requester
     * hash (never the id); a tag warns once per ticket, each @警告 note
     * once per event. A restriction is a person's decision to suspend or
     * block a requester, once per requester. */
    "CREATE TABLE consultations("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, ticket_id TEXT NOT NULL, target TEXT NOT NULL,"
    "  event_id TEXT NOT NULL, asked_by TEXT, question_sha256 TEXT NOT NULL, channels TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL, UNIQUE(tenant, event_id));"
    "CREATE INDEX consultations_ticket ON consultations(tenant, ticket_id);"
    "CREATE TABLE warnings("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, requester TEXT NOT NULL, ticket_id TEXT NOT NULL,"
    "  source TEXT NOT NULL, source_key TEXT NOT NULL, given_by TEXT, given_at INTEGER NOT NULL,"
    "  UNIQUE(tenant, source_key));"
    "CREATE INDEX warnings_requester ON warnings(tenant, requester, given_at);"
    "CREATE TABLE restrictions("
    "  tenant TEXT NOT NULL, requester TEXT NOT NULL, ticket_id TEXT NOT NULL, decided_by TEXT,"
    "  decided_at INTEGER NOT NULL, via TEXT NOT NULL, PRIMARY KEY(tenant, requester));",
    /* 7: incident records (incidents.h) and training links
     * (training_links.h). One incident per (tenant, ticket) that mamori
     * flagged or an agent marked: the columns reports count by, and
     * `detail` (JSON: evidence quotes when the tenant keeps evidence, what
     * mamori advised, the agent's actions, the events seen). Escalations,
     * acknowledgements and the lawyer's retainer stay in `escalations` and
     * are joined when a record is shown. A training link issued in a note
     * is remembered with its category; the signed redirect (GET /t/...)
     * sets opened_at on the first open. Both purge by retention:
     * incidents by updated_at, links by issued_at. */
    "CREATE TABLE incidents("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, ticket_id TEXT NOT NULL, connector TEXT NOT NULL,"
    "  channel TEXT NOT NULL DEFAULT 'other', requester TEXT, marked_by TEXT NOT NULL DEFAULT 'mamori',"
    "  is_harassment INTEGER NOT NULL DEFAULT 0, severity TEXT NOT NULL DEFAULT 'none',"
    "  categories TEXT NOT NULL DEFAULT '', escalation TEXT NOT NULL DEFAULT 'none',"
    "  care_requested INTEGER NOT NULL DEFAULT 0, outcome TEXT, detail TEXT NOT NULL DEFAULT '{}',"
    "  first_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(tenant, ticket_id));"
    "CREATE INDEX incidents_period ON incidents(tenant, first_at);"
    "CREATE INDEX incidents_updated ON incidents(tenant, updated_at);"
    "CREATE TABLE training_links("
    "  tenant TEXT NOT NULL, ticket_id TEXT NOT NULL, url TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',"
    "  title TEXT, issued_at INTEGER NOT NULL, opened_at INTEGER, PRIMARY KEY(tenant, ticket_id, url));"
    "CREATE INDEX training_links_period ON training_links(tenant, issued_at);",

    /* 8: escalation digests (escalation/digest.h). During a burst an
     * escalation may be held (held_until: when its digest is due) instead
     * of sent; the digest runner gives every held escalation of a tenant
     * and window one digest (digest_id) and one message per channel. A
     * digest message's LINE id is kept in escalation_messages with
     * digest_id (escalation_id 0), so a quoted 確認 finds the digest. The
     * partial index keeps the runner to the held, undigested rows;
     * escalations_opened counts a tenant's recent escalations (digest_after). */
    "ALTER TABLE escalations ADD COLUMN held_until INTEGER;"
    "ALTER TABLE escalations ADD COLUMN digest_id INTEGER;"
    "CREATE INDEX escalations_held ON escalations(held_until)"
    "  WHERE held_until IS NOT NULL AND digest_id IS NULL;"
    "CREATE INDEX escalations_digest ON escalations(digest_id) WHERE digest_id IS NOT NULL;"
    "CREATE INDEX escalations_opened ON escalations(tenant, created_at);"
    "ALTER TABLE escalation_messages ADD COLUMN digest_id INTEGER;"
    "CREATE TABLE escalation_digests("
    "  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, window_end INTEGER NOT NULL, escalations INTEGER NOT NULL,"
    "  channels TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, acked_at INTEGER, acked_by TEXT);"
    "CREATE INDEX escalation_digests_created ON escalation_digests(tenant, created_at);",
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
