/*
 * pg_schema.c -- the PostgreSQL schema, as an ordered list of migrations
 * (pg.h). Its own numbering: version N here is not sqlite's user_version N.
 * Never edit a migration that has shipped; append a new one.
 */
#include "config.h"

#include "store/pg.h"

static const char *const migrations[] = {
    /* 1: everything sqlite's schema 1-5 holds, in one step. Times are
     * unix seconds (bigint) as in sqlite, so `mamori store copy` moves
     * rows unchanged. Differences, and why:
     *  - outbox.lease_node: which host leased a job; lease_owner is a pid
     *    and only that host can tell whether the pid is alive;
     *  - events_ticket: annotation counts per ticket without a scan;
     *  - ids are bigserial; `store copy` sets the sequences past the
     *    copied rows. */
    "CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE events("
    "  id bigserial PRIMARY KEY,"
    "  tenant text NOT NULL, connector text NOT NULL, event_id text NOT NULL,"
    "  ticket_id text, received_at bigint NOT NULL, status integer NOT NULL, response text NOT NULL,"
    "  requester text, is_harassment integer NOT NULL DEFAULT 0, severity text NOT NULL DEFAULT 'none',"
    "  categories text NOT NULL DEFAULT '', escalation text NOT NULL DEFAULT 'none');"
    "CREATE UNIQUE INDEX events_key ON events(tenant, connector, event_id);"
    "CREATE INDEX events_requester ON events(tenant, requester, received_at) WHERE requester IS NOT NULL;"
    "CREATE INDEX events_ticket ON events(tenant, ticket_id);"
    "CREATE VIEW annotations AS SELECT id, tenant, connector, event_id, ticket_id, received_at AS created_at,"
    "  is_harassment, severity, categories, escalation FROM events;"
    "CREATE TABLE outbox("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, connector text NOT NULL, kind text NOT NULL,"
    "  dedupe_key text NOT NULL UNIQUE, payload text NOT NULL,"
    "  state text NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','done','dead')),"
    "  attempts integer NOT NULL DEFAULT 0, next_attempt_at bigint NOT NULL,"
    "  lease_until bigint NOT NULL DEFAULT 0, last_error text,"
    "  created_at bigint NOT NULL, updated_at bigint NOT NULL, done_at bigint,"
    "  progress text, lease_owner bigint NOT NULL DEFAULT 0, lease_node text NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
    "CREATE INDEX outbox_tenant ON outbox(tenant, state);"
    "CREATE TABLE poll_cursor(tenant text PRIMARY KEY, cursor text NOT NULL, updated_at bigint NOT NULL);"
    "CREATE TABLE escalations("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, ticket_id text NOT NULL, level text NOT NULL,"
    "  connector text NOT NULL, event_id text NOT NULL, ticket text NOT NULL, categories text NOT NULL DEFAULT '',"
    "  channels text NOT NULL DEFAULT '', message text, created_at bigint NOT NULL, ack_due_at bigint,"
    "  acked_at bigint, acked_by text, backup_at bigint, retained_at bigint, retained_by text,"
    "  followups integer NOT NULL DEFAULT 0, last_followup_at bigint,"
    "  UNIQUE(tenant, ticket_id, level));"
    "CREATE INDEX escalations_due ON escalations(ack_due_at)"
    "  WHERE ack_due_at IS NOT NULL AND acked_at IS NULL AND backup_at IS NULL;"
    "CREATE TABLE escalation_messages("
    "  id bigserial PRIMARY KEY, escalation_id bigint NOT NULL, tenant text NOT NULL, channel text NOT NULL,"
    "  recipient text NOT NULL, platform_id text, sent_at bigint NOT NULL);"
    "CREATE INDEX escalation_messages_platform ON escalation_messages(tenant, platform_id)"
    "  WHERE platform_id IS NOT NULL;"
    "CREATE INDEX escalation_messages_recipient ON escalation_messages(tenant, recipient, sent_at);"
    "CREATE TABLE lawyers("
    "  tenant text NOT NULL, line_user_id text NOT NULL, name text,"
    "  state text NOT NULL CHECK(state IN ('pending','approved','revoked')),"
    "  first_seen_at bigint, approved_at bigint, updated_at bigint NOT NULL,"
    "  PRIMARY KEY(tenant, line_user_id));"
    "CREATE TABLE line_events(tenant text NOT NULL, event_id text NOT NULL, received_at bigint NOT NULL,"
    "  PRIMARY KEY(tenant, event_id));"
    "CREATE TABLE audit("
    "  seq bigint PRIMARY KEY, at text NOT NULL, tenant text NOT NULL, kind text NOT NULL,"
    "  subject text NOT NULL, data text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,"
    "  keyed integer NOT NULL DEFAULT 0);"
    "CREATE TABLE strikes(tenant text NOT NULL, ticket_id text NOT NULL, strikes integer NOT NULL,"
    "  last_event text, last_at bigint NOT NULL, PRIMARY KEY(tenant, ticket_id));"
    /* The audit chain's lock and head in one round trip (pg_audit.c). A
     * VOLATILE function takes a new snapshot for each statement in it, so
     * the SELECT sees every append committed before the lock was granted. */
    "CREATE FUNCTION mamori_audit_lock_head(OUT seq bigint, OUT hash text, OUT keyed integer)"
    "  LANGUAGE plpgsql VOLATILE AS $f$"
    "  BEGIN"
    "    PERFORM pg_advisory_xact_lock(1835889257, 1);"
    "    SELECT a.seq, a.hash, a.keyed INTO seq, hash, keyed FROM audit a ORDER BY a.seq DESC LIMIT 1;"
    "  END $f$;",

    /* 2: sqlite's migration 7, incident records (incidents.h) and training
     * links (training_links.h); same columns, so `store copy` moves rows
     * unchanged. sqlite's 6 is migration 3 here. */
    "CREATE TABLE incidents("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, ticket_id text NOT NULL, connector text NOT NULL,"
    "  channel text NOT NULL DEFAULT 'other', requester text, marked_by text NOT NULL DEFAULT 'mamori',"
    "  is_harassment integer NOT NULL DEFAULT 0, severity text NOT NULL DEFAULT 'none',"
    "  categories text NOT NULL DEFAULT '', escalation text NOT NULL DEFAULT 'none',"
    "  care_requested integer NOT NULL DEFAULT 0, outcome text, detail text NOT NULL DEFAULT '{}',"
    "  first_at bigint NOT NULL, updated_at bigint NOT NULL, UNIQUE(tenant, ticket_id));"
    "CREATE INDEX incidents_period ON incidents(tenant, first_at);"
    "CREATE INDEX incidents_updated ON incidents(tenant, updated_at);"
    "CREATE TABLE training_links("
    "  tenant text NOT NULL, ticket_id text NOT NULL, url text NOT NULL, category text NOT NULL DEFAULT '',"
    "  title text, issued_at bigint NOT NULL, opened_at bigint, PRIMARY KEY(tenant, ticket_id, url));"
    "CREATE INDEX training_links_period ON training_links(tenant, issued_at);",

    /* 3: sqlite's migration 6 (consultations.h, warnings.h): an agent's
     * consultations, warnings given to customers and contact
     * restrictions, with the same unique keys (the statements' ON
     * CONFLICT DO NOTHING relies on them). The consultation number is the
     * bigserial id. */
    "CREATE TABLE consultations("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, ticket_id text NOT NULL, target text NOT NULL,"
    "  event_id text NOT NULL, asked_by text, question_sha256 text NOT NULL, channels text NOT NULL DEFAULT '',"
    "  created_at bigint NOT NULL, UNIQUE(tenant, event_id));"
    "CREATE INDEX consultations_ticket ON consultations(tenant, ticket_id);"
    "CREATE TABLE warnings("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, requester text NOT NULL, ticket_id text NOT NULL,"
    "  source text NOT NULL, source_key text NOT NULL, given_by text, given_at bigint NOT NULL,"
    "  UNIQUE(tenant, source_key));"
    "CREATE INDEX warnings_requester ON warnings(tenant, requester, given_at);"
    "CREATE TABLE restrictions("
    "  tenant text NOT NULL, requester text NOT NULL, ticket_id text NOT NULL, decided_by text,"
    "  decided_at bigint NOT NULL, via text NOT NULL, PRIMARY KEY(tenant, requester));",

    /* 4: sqlite's migration 8, escalation digests (escalation/digest.h):
     * the same columns and indexes. */
    "ALTER TABLE escalations ADD COLUMN held_until bigint;"
    "ALTER TABLE escalations ADD COLUMN digest_id bigint;"
    "CREATE INDEX escalations_held ON escalations(held_until)"
    "  WHERE held_until IS NOT NULL AND digest_id IS NULL;"
    "CREATE INDEX escalations_digest ON escalations(digest_id) WHERE digest_id IS NOT NULL;"
    "CREATE INDEX escalations_opened ON escalations(tenant, created_at);"
    "ALTER TABLE escalation_messages ADD COLUMN digest_id bigint;"
    "CREATE TABLE escalation_digests("
    "  id bigserial PRIMARY KEY, tenant text NOT NULL, window_end bigint NOT NULL, escalations integer NOT NULL,"
    "  channels text NOT NULL DEFAULT '', created_at bigint NOT NULL, acked_at bigint, acked_by text);"
    "CREATE INDEX escalation_digests_created ON escalation_digests(tenant, created_at);",
};

int mamori_pg_schema_count(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *mamori_pg_schema_migration(int version)
{
    if (version < 1 || version > mamori_pg_schema_count())
        return NULL;
    return migrations[version - 1];
}
