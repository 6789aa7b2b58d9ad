/*
 * pg.h -- the PostgreSQL backend of the store (internal to adapter/store/).
 *
 * A store opened from a postgresql:// (or postgres://) URL has st->pg set
 * and st->db NULL; every public store function checks st->pg first and
 * hands the call to the mamori_pg_* function of the same name declared
 * here, so callers never know which backend they talk to. Every SQL
 * statement of this backend lives in the pg_*.c files.
 *
 * Several nodes share one PostgreSQL, so what one sqlite file got from its
 * single write lock is made explicit here:
 *  - dedupe: the UNIQUE(tenant, connector, event_id) index; a concurrent
 *    delivery's INSERT waits for the first one's commit, then conflicts;
 *  - audit chain: appended under a transaction-scoped advisory lock, so
 *    records get consecutive seq numbers from one writer at a time;
 *  - outbox: a claim is one UPDATE over a FOR UPDATE SKIP LOCKED subquery
 *    that sets a lease (lease_until, lease_owner = pid, lease_node = host);
 *  - roles that must run on one node (escalation deadlines and digests, retention,
 *    pollers): session advisory locks, released by PostgreSQL when the
 *    holder's connection dies (mamori_store_lead).
 * Commits use synchronous_commit = on: COMMIT returns once the WAL is
 * flushed, so an answer sent after it is durable (no group-commit ticket).
 */
#ifndef MAMORI_STORE_PG_H
#define MAMORI_STORE_PG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "base/error.h"
#include "store/audit.h"
#include "store/consultations.h"
#include "store/escalations.h"
#include "store/outbox.h"
#include "store/purge.h"
#include "store/store.h"
#include "store/warnings.h"

struct mamori_pg {
    PGconn *conn;
    char *url;             /* owned, holds the password: wiped on close, never logged */
    char node[128];        /* this host's name: whose leases release_orphans may judge by pid */
    long lock_timeout_ms;  /* [store] busy_timeout */
    int migrate_pending;   /* opened lazily while the server was down: migrate at the first connection */
};

/* The PostgreSQL schema version this build creates (its own list,
 * pg_schema.c; independent of the sqlite numbering). */
int mamori_pg_schema_count(void);
const char *mamori_pg_schema_migration(int version);

/* Text parameters for one statement ($1 ...). Numbers are formatted into
 * the struct itself: nothing is allocated. The widest statement is store
 * copy's INSERT into escalations (21 columns). */
#define MAMORI_PG_MAX_PARAMS 24
struct mamori_pg_params {
    int n;
    const char *v[MAMORI_PG_MAX_PARAMS];
    char num[MAMORI_PG_MAX_PARAMS][24];
};
void mamori_pg_text(struct mamori_pg_params *p, const char *s); /* s borrowed; NULL is SQL NULL */
void mamori_pg_int(struct mamori_pg_params *p, long long v);

/* Run sql; *res (owned by the caller: PQclear) when res is not NULL.
 * Reconnects first when the connection was lost outside a transaction.
 * 0, MAMORI_ECONFLICT (unique violation), MAMORI_EBUSY (connection lost,
 * server shutting down, lock timeout, serialization failure: retry later)
 * or MAMORI_EDB, with err naming `what`. */
int mamori_pg_run(struct mamori_store *st, const char *what, const char *sql, const struct mamori_pg_params *p,
                  PGresult **res, struct mamori_error *err);
/* Rows an UPDATE/DELETE/INSERT changed (from its result). */
long long mamori_pg_changed(PGresult *res);
/* Column text of row r, NULL for SQL NULL; borrowed from res. */
const char *mamori_pg_str(PGresult *res, int r, int c);
long long mamori_pg_ll(PGresult *res, int r, int c);
/* An owned copy of a column (NULL for SQL NULL or out of memory). */
char *mamori_pg_dup(PGresult *res, int r, int c);

/* Error for an operation the PostgreSQL backend does not implement yet. */
int mamori_pg_unsupported(struct mamori_store *st, const char *what, struct mamori_error *err);

/* ---- store.h ---- */
int mamori_pg_is_url(const char *location);
int mamori_pg_open(struct mamori_store *st, const char *url, long busy_timeout_ms, int flags, struct mamori_error *err);
void mamori_pg_close(struct mamori_store *st);
int mamori_pg_check(const char *url, struct mamori_error *err);
int mamori_pg_display(const char *url, char *out, size_t cap);
int mamori_pg_file_version(struct mamori_store *st, int *version);
int mamori_pg_begin(struct mamori_store *st, struct mamori_error *err);
int mamori_pg_commit(struct mamori_store *st, struct mamori_error *err);
void mamori_pg_rollback(struct mamori_store *st);
int mamori_pg_writable(struct mamori_store *st, struct mamori_error *err);
int mamori_pg_exec(struct mamori_store *st, const char *sql, struct mamori_error *err);
int mamori_pg_lead(struct mamori_store *st, const char *role, struct mamori_error *err);
int mamori_pg_role_holder(struct mamori_store *st, const char *role, char *holder, size_t cap,
                          struct mamori_error *err);
int mamori_pg_event_get(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                        char **response, int *status, struct mamori_error *err);
int mamori_pg_event_put(struct mamori_store *st, const struct mamori_event_row *row, struct mamori_error *err);
int mamori_pg_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                               struct mamori_error *err);
int mamori_pg_event_summary(struct mamori_store *st, time_t since, int64_t *total, int64_t *recent, time_t *last,
                            struct mamori_error *err);
int mamori_pg_contact_count(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t since,
                            int64_t *out, struct mamori_error *err);

/* ---- meta.h, strikes.h, poll_cursor.h ---- */
int mamori_pg_meta_set(struct mamori_store *st, const char *key, const char *value, struct mamori_error *err);
int mamori_pg_meta_get(struct mamori_store *st, const char *key, char **value, struct mamori_error *err);
int mamori_pg_strikes_add(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *event_id,
                          time_t now, int64_t *count, struct mamori_error *err);
int mamori_pg_strikes_get(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *count,
                          struct mamori_error *err);
int mamori_pg_strikes_release(struct mamori_store *st, const char *tenant, const char *ticket_id,
                              struct mamori_error *err);
int mamori_pg_poll_cursor_get(struct mamori_store *st, const char *tenant, char *out, size_t cap);
int mamori_pg_poll_cursor_set(struct mamori_store *st, const char *tenant, const char *cursor, time_t ok_at,
                              struct mamori_error *err);

/* ---- audit.h: the chain's logic stays in audit.c; these are its SQL ---- */
/* Take the chain's lock for this transaction, then read the head. seq 0
 * and prev "" when the chain is empty. */
int mamori_pg_audit_lock_head(struct mamori_store *st, int64_t *seq, char prev[65], int *keyed, int64_t *records,
                              struct mamori_error *err);
int mamori_pg_audit_insert(struct mamori_store *st, int64_t seq, const char *at, const char *tenant, const char *kind,
                           const char *subject, const char *data, const char *prev, const char *hash, int keyed,
                           struct mamori_error *err);
/* Every record in seq order: cb gets seq, keyed and at, tenant, kind,
 * subject, data, prev_hash, hash; a non-zero return stops and is returned. */
int mamori_pg_audit_each(struct mamori_store *st,
                         int (*cb)(void *ctx, int64_t seq, int keyed, const char *const col[7]), void *ctx,
                         struct mamori_error *err);
int mamori_pg_audit_head(struct mamori_store *st, int64_t *seq, char hash[65], struct mamori_error *err);

/* ---- outbox.h ---- */
int mamori_pg_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                             const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                             struct mamori_error *err);
int mamori_pg_outbox_depth(struct mamori_store *st, int64_t *pending, int64_t *dead, struct mamori_error *err);
int mamori_pg_outbox_due(struct mamori_store *st, const char *kind, long long now, struct mamori_outbox_due *due,
                         size_t max, size_t *n, struct mamori_error *err);
int mamori_pg_outbox_next_due(struct mamori_store *st, long long *at, struct mamori_error *err);
int mamori_pg_outbox_claim(struct mamori_store *st, int64_t id, long long now, long long lease_until, long owner,
                           struct mamori_outbox_job *job, struct mamori_error *err);
int mamori_pg_outbox_progress(struct mamori_store *st, int64_t id, const char *progress, long long now,
                              struct mamori_error *err);
int mamori_pg_outbox_done(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);
int mamori_pg_outbox_fail(struct mamori_store *st, int64_t id, long long now, long long next_at, int dead,
                          const char *reason, struct mamori_error *err);
int mamori_pg_outbox_release_orphans(struct mamori_store *st, long long now, int *released,
                                     struct mamori_error *err);
int mamori_pg_outbox_list(struct mamori_store *st, const char *state, size_t max,
                          int (*cb)(void *ctx, const struct mamori_outbox_job *job), void *ctx,
                          struct mamori_error *err);
int mamori_pg_outbox_get(struct mamori_store *st, int64_t id, struct mamori_outbox_job *job, struct mamori_error *err);
int mamori_pg_outbox_retry(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);
int mamori_pg_outbox_drop(struct mamori_store *st, int64_t id, struct mamori_error *err);

/* ---- escalations.h ---- */
int mamori_pg_escalation_rows_for_ticket(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                         int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                         struct mamori_error *err);
int mamori_pg_escalation_insert(struct mamori_store *st, const struct mamori_escalation_row *r, int64_t *id,
                                struct mamori_error *err);
int mamori_pg_escalation_followup(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  const char *level, long long now, long *followups, struct mamori_error *err);
int mamori_pg_lawyer_get(struct mamori_store *st, const char *tenant, const char *user, struct mamori_lawyer_row *r,
                         struct mamori_error *err);

int mamori_pg_escalation_get(struct mamori_store *st, int64_t id, struct mamori_escalation_row *r,
                             struct mamori_error *err);
int mamori_pg_escalation_get_level(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                   const char *level, struct mamori_escalation_row *r, struct mamori_error *err);
int mamori_pg_escalation_match(struct mamori_store *st, const char *tenant, const char *message_id,
                               const char *ticket_ref, const char *const *recipients, long long since,
                               struct mamori_escalation_row *r, struct mamori_error *err);
int mamori_pg_escalation_message_put(struct mamori_store *st, int64_t escalation_id, const char *tenant,
                                     const char *channel, const char *recipient, const char *platform_id,
                                     long long now, struct mamori_error *err);
int mamori_pg_escalation_ack(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *by,
                             long long now, int *changed, struct mamori_error *err);
int mamori_pg_escalation_retain(struct mamori_store *st, int64_t id, const char *by, long long now,
                                struct mamori_error *err);
int mamori_pg_escalation_overdue(struct mamori_store *st, long long now, int64_t *ids, size_t max, size_t *n,
                                 struct mamori_error *err);
int mamori_pg_escalation_mark_backup(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err);
int mamori_pg_escalation_list(struct mamori_store *st, const char *tenant, int open_only, size_t max,
                              int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                              struct mamori_error *err);
int mamori_pg_lawyer_seen(struct mamori_store *st, const char *tenant, const char *user, long long now, int *inserted,
                          struct mamori_error *err);
int mamori_pg_lawyer_set_state(struct mamori_store *st, const char *tenant, const char *user, const char *state,
                               const char *name, long long now, struct mamori_error *err);
int mamori_pg_lawyer_list(struct mamori_store *st, const char *tenant,
                          int (*cb)(void *ctx, const struct mamori_lawyer_row *r), void *ctx,
                          struct mamori_error *err);
int mamori_pg_line_event_put(struct mamori_store *st, const char *tenant, const char *event_id, long long now,
                             struct mamori_error *err);
int mamori_pg_line_events_purge(struct mamori_store *st, long long before, struct mamori_error *err);
int mamori_pg_digest_window(struct mamori_store *st, const char *tenant, long long since, long long now,
                            long long *window_end, long *opened, struct mamori_error *err);
int mamori_pg_digest_due(struct mamori_store *st, long long now, struct mamori_digest_due *out, size_t max, size_t *n,
                         struct mamori_error *err);
int mamori_pg_digest_held(struct mamori_store *st, const char *tenant, long long window_end,
                          int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                          struct mamori_error *err);
int mamori_pg_digest_escalations(struct mamori_store *st, int64_t digest_id,
                                 int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                 struct mamori_error *err);
int mamori_pg_digest_create(struct mamori_store *st, const char *tenant, long long window_end, long escalations,
                            const char *channels, long long now, int64_t *id, struct mamori_error *err);
int mamori_pg_digest_assign(struct mamori_store *st, int64_t id, int64_t digest_id, long long ack_due_at,
                            int keep_message, int *changed, struct mamori_error *err);
int mamori_pg_digest_message_put(struct mamori_store *st, int64_t digest_id, const char *tenant, const char *channel,
                                 const char *recipient, const char *platform_id, long long now,
                                 struct mamori_error *err);
int mamori_pg_digest_match(struct mamori_store *st, const char *tenant, const char *message_id,
                           const char *const *recipients, long long since, int64_t *digest_id,
                           struct mamori_error *err);
int mamori_pg_digest_get(struct mamori_store *st, int64_t id, struct mamori_digest_row *d, struct mamori_error *err);
int mamori_pg_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by, long long now,
                         int *changed, struct mamori_error *err);

/* ---- consultations.h, warnings.h ---- */
int mamori_pg_consultation_insert(struct mamori_store *st, const struct mamori_consultation_row *r, int64_t *number,
                                  struct mamori_error *err);
int mamori_pg_consultation_ticket_facts(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                        int *known, char **categories, char **response, struct mamori_error *err);
int mamori_pg_consultation_ticket_elsewhere(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                            int *found, struct mamori_error *err);
int mamori_pg_warning_put(struct mamori_store *st, const struct mamori_warning_row *r, int *inserted,
                          struct mamori_error *err);
int mamori_pg_warnings_list(struct mamori_store *st, const char *tenant, const char *requester, long long *at,
                            char **tickets, size_t max, size_t *total, struct mamori_error *err);
int mamori_pg_restriction_put(struct mamori_store *st, const struct mamori_restriction_row *r, int *inserted,
                              struct mamori_error *err);

/* ---- purge.h ---- */
int mamori_pg_purge_list_tenants(struct mamori_store *st, struct mamori_strv *out, struct mamori_error *err);
int mamori_pg_purge_table(struct mamori_store *st, enum mamori_purge_table table, const char *tenant, time_t cutoff,
                          int dry_run, int64_t *removed, struct mamori_error *err);

int mamori_pg_strikes_each(struct mamori_store *st, int64_t min,
                           int (*fn)(void *ctx, const char *tenant, const char *ticket_id, int64_t strikes,
                                     const char *last_event, time_t last_at),
                           void *ctx, struct mamori_error *err);
int mamori_pg_poll_cursor_each(struct mamori_store *st,
                               int (*fn)(void *ctx, const char *tenant, const char *cursor, time_t ok_at), void *ctx,
                               struct mamori_error *err);

/* ---- incidents.h, training_links.h ---- */
struct mamori_incident_row;
struct mamori_audit_entry;
int mamori_pg_incident_get(struct mamori_store *st, const char *tenant, const char *ticket_id,
                           struct mamori_incident_row *r, struct mamori_error *err);
int mamori_pg_incident_put(struct mamori_store *st, const struct mamori_incident_row *r, struct mamori_error *err);
int mamori_pg_incident_each(struct mamori_store *st, const char *tenant, long long from, long long to,
                            int with_detail, int (*cb)(void *ctx, const struct mamori_incident_row *r), void *ctx,
                            struct mamori_error *err);
int mamori_pg_incident_tenant_known(struct mamori_store *st, const char *tenant, int *known,
                                    struct mamori_error *err);
int mamori_pg_incident_audit_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  int (*cb)(void *ctx, const struct mamori_audit_entry *e), void *ctx,
                                  struct mamori_error *err);
int mamori_pg_incident_messages_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                     int (*cb)(void *ctx, const char *level, const char *channel,
                                               const char *recipient, long long sent_at),
                                     void *ctx, struct mamori_error *err);
/* Tables that may not exist on PostgreSQL (*present 0): found through
 * information_schema instead of sqlite's pragma_table_info. */
int mamori_pg_incident_kind_each(struct mamori_store *st, const char *kind, const char *tenant,
                                 const char *ticket_id, long long from, long long to, int *present,
                                 int (*cb)(void *ctx, int ncol, const char *const *names,
                                           const char *const *values),
                                 void *ctx, struct mamori_error *err);
int mamori_pg_training_link_issue(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  const char *url, const char *category, const char *title, long long now,
                                  struct mamori_error *err);
int mamori_pg_training_link_open(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                 const char *url, const char *category, long long issued_at, long long now,
                                 int *first, struct mamori_error *err);
int mamori_pg_training_link_each(struct mamori_store *st, const char *tenant, const char *ticket_id, long long from,
                                 long long to,
                                 int (*cb)(void *ctx, const char *ticket_id, const char *url, const char *category,
                                           const char *title, long long issued_at, long long opened_at),
                                 void *ctx, struct mamori_error *err);

#endif
