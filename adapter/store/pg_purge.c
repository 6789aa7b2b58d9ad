/* pg_purge.c -- the PostgreSQL statements of purge.h (retention); see pg.h.
 * Which rows are due is the same rule as purge.c's, in PostgreSQL's words. */
#include "config.h"

#include "store/pg.h"

#include <stdio.h>

/* Rows per DELETE: each batch is its own short transaction. */
#define BATCH "500"

/* The condition on $1 tenant and $2 cutoff, per table. */
static const char *const due_where[MAMORI_PURGE_TABLE_COUNT] = {
    [MAMORI_PURGE_EVENTS] = "tenant = $1 AND received_at < $2",
    [MAMORI_PURGE_OUTBOX] = "tenant = $1 AND created_at < $2 AND state <> 'pending'",
    [MAMORI_PURGE_ESCALATIONS] = "tenant = $1 AND greatest(created_at, coalesce(acked_at, 0), coalesce(backup_at, 0),"
                                 " coalesce(retained_at, 0), coalesce(last_followup_at, 0)) < $2",
    [MAMORI_PURGE_ESCALATION_MESSAGES] = "tenant = $1 AND sent_at < $2 AND NOT EXISTS(SELECT 1 FROM escalations e"
                                         " WHERE e.id = escalation_messages.escalation_id)",
    [MAMORI_PURGE_LINE_EVENTS] = "tenant = $1 AND received_at < $2",
    [MAMORI_PURGE_INCIDENTS] = "tenant = $1 AND updated_at < $2",
    [MAMORI_PURGE_TRAINING_LINKS] = "tenant = $1 AND issued_at < $2",
    [MAMORI_PURGE_CONSULTATIONS] = "tenant = $1 AND created_at < $2",
    [MAMORI_PURGE_WARNINGS] = "tenant = $1 AND given_at < $2",
    [MAMORI_PURGE_RESTRICTIONS] = "tenant = $1 AND decided_at < $2",
    [MAMORI_PURGE_DIGESTS] = "tenant = $1 AND created_at < $2",
};
static const char *const table_sql[MAMORI_PURGE_TABLE_COUNT] = {
    [MAMORI_PURGE_EVENTS] = "events",
    [MAMORI_PURGE_OUTBOX] = "outbox",
    [MAMORI_PURGE_ESCALATIONS] = "escalations",
    [MAMORI_PURGE_ESCALATION_MESSAGES] = "escalation_messages",
    [MAMORI_PURGE_LINE_EVENTS] = "line_events",
    [MAMORI_PURGE_INCIDENTS] = "incidents",
    [MAMORI_PURGE_TRAINING_LINKS] = "training_links",
    [MAMORI_PURGE_CONSULTATIONS] = "consultations",
    [MAMORI_PURGE_WARNINGS] = "warnings",
    [MAMORI_PURGE_RESTRICTIONS] = "restrictions",
    [MAMORI_PURGE_DIGESTS] = "escalation_digests",
};

int mamori_pg_purge_list_tenants(struct mamori_store *st, struct mamori_strv *out, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "retention: listing tenants",
                            "SELECT tenant FROM events UNION SELECT tenant FROM outbox UNION"
                            " SELECT tenant FROM escalations UNION SELECT tenant FROM line_events",
                            NULL, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        if (mamori_strv_push(out, PQgetvalue(res, i, 0), (size_t)-1) != 0)
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    PQclear(res);
    return rc;
}

int mamori_pg_purge_table(struct mamori_store *st, enum mamori_purge_table table, const char *tenant, time_t cutoff,
                          int dry_run, int64_t *removed, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    char sql[600];
    PGresult *res;
    int rc;

    *removed = 0;
    if ((unsigned)table >= MAMORI_PURGE_TABLE_COUNT)
        return mamori_error_set(err, MAMORI_EINVAL, "retention: no table %d", (int)table);
    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, (long long)cutoff);
    if (dry_run) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s", table_sql[table], due_where[table]);
        if ((rc = mamori_pg_run(st, "retention", sql, &p, &res, err)) != 0)
            return rc;
        *removed = mamori_pg_ll(res, 0, 0);
        PQclear(res);
        return MAMORI_OK;
    }
    /* Small batches, each committed on its own: a webhook's insert never
     * waits long behind the purge. */
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s WHERE %s LIMIT " BATCH ")",
             table_sql[table], table_sql[table], due_where[table]);
    for (;;) {
        long long n;
        if ((rc = mamori_pg_run(st, "retention", sql, &p, &res, err)) != 0)
            return rc;
        n = mamori_pg_changed(res);
        PQclear(res);
        *removed += n;
        if (n == 0)
            return MAMORI_OK;
    }
}
