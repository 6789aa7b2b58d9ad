/* pg_incidents.c -- the PostgreSQL statements of incidents.h (see pg.h):
 * the same rows and rules as incidents.c, in PostgreSQL's words. */
#include "config.h"

#include "store/pg.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/incidents.h"

#define INCIDENT_COLUMNS                                                                                              \
    "id, tenant, ticket_id, connector, channel, requester, marked_by, is_harassment, severity, categories,"           \
    " escalation, care_requested, outcome, first_at, updated_at"

/* Point r's strings at row i of res (borrowed until PQclear); detail is
 * column 15 when with_detail. */
static void borrow_row(PGresult *res, int i, int with_detail, struct mamori_incident_row *r)
{
    r->id = mamori_pg_ll(res, i, 0);
    r->tenant = (char *)mamori_pg_str(res, i, 1);
    r->ticket_id = (char *)mamori_pg_str(res, i, 2);
    r->connector = (char *)mamori_pg_str(res, i, 3);
    r->channel = (char *)mamori_pg_str(res, i, 4);
    r->requester = (char *)mamori_pg_str(res, i, 5);
    r->marked_by = (char *)mamori_pg_str(res, i, 6);
    r->is_harassment = (int)mamori_pg_ll(res, i, 7);
    r->severity = (char *)mamori_pg_str(res, i, 8);
    r->categories = (char *)mamori_pg_str(res, i, 9);
    r->escalation = (char *)mamori_pg_str(res, i, 10);
    r->care_requested = (int)mamori_pg_ll(res, i, 11);
    r->outcome = (char *)mamori_pg_str(res, i, 12);
    r->first_at = mamori_pg_ll(res, i, 13);
    r->updated_at = mamori_pg_ll(res, i, 14);
    r->detail = with_detail ? (char *)mamori_pg_str(res, i, 15) : NULL;
}

/* An owned copy of column c of row 0 (NULL stays NULL); sets *bad when
 * out of memory. */
static char *dup_col(PGresult *res, int c, int *bad)
{
    char *s = mamori_pg_dup(res, 0, c);

    if (s == NULL && !PQgetisnull(res, 0, c))
        *bad = 1;
    return s;
}

int mamori_pg_incident_get(struct mamori_store *st, const char *tenant, const char *ticket_id,
                           struct mamori_incident_row *r, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc, bad = 0;

    memset(r, 0, sizeof *r);
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "reading an incident",
                            "SELECT " INCIDENT_COLUMNS ", detail FROM incidents WHERE tenant = $1 AND ticket_id = $2",
                            &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return MAMORI_ENOTFOUND;
    }
    r->id = mamori_pg_ll(res, 0, 0);
    r->tenant = dup_col(res, 1, &bad);
    r->ticket_id = dup_col(res, 2, &bad);
    r->connector = dup_col(res, 3, &bad);
    r->channel = dup_col(res, 4, &bad);
    r->requester = dup_col(res, 5, &bad);
    r->marked_by = dup_col(res, 6, &bad);
    r->is_harassment = (int)mamori_pg_ll(res, 0, 7);
    r->severity = dup_col(res, 8, &bad);
    r->categories = dup_col(res, 9, &bad);
    r->escalation = dup_col(res, 10, &bad);
    r->care_requested = (int)mamori_pg_ll(res, 0, 11);
    r->outcome = dup_col(res, 12, &bad);
    r->first_at = mamori_pg_ll(res, 0, 13);
    r->updated_at = mamori_pg_ll(res, 0, 14);
    r->detail = dup_col(res, 15, &bad);
    PQclear(res);
    if (bad) {
        mamori_incident_row_free(r);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory reading an incident");
    }
    return MAMORI_OK;
}

int mamori_pg_incident_put(struct mamori_store *st, const struct mamori_incident_row *r, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, r->tenant);
    mamori_pg_text(&p, r->ticket_id);
    mamori_pg_text(&p, r->connector);
    mamori_pg_text(&p, r->channel ? r->channel : "other");
    mamori_pg_text(&p, r->requester);
    mamori_pg_text(&p, r->marked_by ? r->marked_by : "mamori");
    mamori_pg_int(&p, r->is_harassment);
    mamori_pg_text(&p, r->severity ? r->severity : "none");
    mamori_pg_text(&p, r->categories ? r->categories : "");
    mamori_pg_text(&p, r->escalation ? r->escalation : "none");
    mamori_pg_int(&p, r->care_requested);
    mamori_pg_text(&p, r->outcome);
    mamori_pg_text(&p, r->detail ? r->detail : "{}");
    mamori_pg_int(&p, r->first_at);
    mamori_pg_int(&p, r->updated_at);
    /* Replaces every column but id, as incidents.c's upsert does. */
    return mamori_pg_run(st, "writing an incident",
                         "INSERT INTO incidents(tenant, ticket_id, connector, channel, requester, marked_by,"
                         " is_harassment, severity, categories, escalation, care_requested, outcome, detail,"
                         " first_at, updated_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                         " ON CONFLICT (tenant, ticket_id) DO UPDATE SET connector = EXCLUDED.connector,"
                         " channel = EXCLUDED.channel, requester = EXCLUDED.requester, marked_by = EXCLUDED.marked_by,"
                         " is_harassment = EXCLUDED.is_harassment, severity = EXCLUDED.severity,"
                         " categories = EXCLUDED.categories, escalation = EXCLUDED.escalation,"
                         " care_requested = EXCLUDED.care_requested, outcome = EXCLUDED.outcome,"
                         " detail = EXCLUDED.detail, first_at = EXCLUDED.first_at, updated_at = EXCLUDED.updated_at",
                         &p, NULL, err);
}

int mamori_pg_incident_each(struct mamori_store *st, const char *tenant, long long from, long long to,
                            int with_detail, int (*cb)(void *ctx, const struct mamori_incident_row *r), void *ctx,
                            struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, from);
    mamori_pg_int(&p, to);
    if ((rc = mamori_pg_run(st, "reading incidents",
                            with_detail ? "SELECT " INCIDENT_COLUMNS ", detail FROM incidents WHERE tenant = $1 AND"
                                          " first_at >= $2 AND first_at < $3 ORDER BY first_at, id"
                                        : "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE tenant = $1 AND"
                                          " first_at >= $2 AND first_at < $3 ORDER BY first_at, id",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        struct mamori_incident_row r;
        borrow_row(res, i, with_detail, &r);
        rc = cb(ctx, &r);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_incident_tenant_known(struct mamori_store *st, const char *tenant, int *known,
                                    struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *known = 0;
    mamori_pg_text(&p, tenant);
    if ((rc = mamori_pg_run(st, "reading incidents",
                            "SELECT (EXISTS(SELECT 1 FROM incidents WHERE tenant = $1)"
                            " OR EXISTS(SELECT 1 FROM events WHERE tenant = $1))::int",
                            &p, &res, err)) != 0)
        return rc;
    *known = (int)mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return MAMORI_OK;
}


int mamori_pg_incident_audit_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  int (*cb)(void *ctx, const struct mamori_audit_entry *e), void *ctx,
                                  struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "reading the audit chain",
                            "SELECT seq, at, kind, subject, data, prev_hash, hash, keyed FROM audit"
                            " WHERE tenant = $1 AND subject = $2 ORDER BY seq",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        struct mamori_audit_entry e = {mamori_pg_ll(res, i, 0),     mamori_pg_str(res, i, 1),
                                       mamori_pg_str(res, i, 2),    mamori_pg_str(res, i, 3),
                                       mamori_pg_str(res, i, 4),    mamori_pg_str(res, i, 5),
                                       mamori_pg_str(res, i, 6),    (int)mamori_pg_ll(res, i, 7)};
        rc = cb(ctx, &e);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_incident_messages_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                     int (*cb)(void *ctx, const char *level, const char *channel,
                                               const char *recipient, long long sent_at),
                                     void *ctx, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "reading escalation messages",
                            /* A digest's message (escalation/digest.h) told every
                             * escalation in it that was routed to its channel. */
                            "SELECT e.level, m.channel, m.recipient, m.sent_at FROM escalation_messages m"
                            " JOIN escalations e ON e.id = m.escalation_id OR (m.digest_id = e.digest_id AND"
                            " strpos(',' || e.channels || ',', ',' || m.channel || ',') > 0)"
                            " WHERE e.tenant = $1 AND e.ticket_id = $2 ORDER BY m.sent_at, m.id",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = cb(ctx, mamori_pg_str(res, i, 0), mamori_pg_str(res, i, 1), mamori_pg_str(res, i, 2),
                mamori_pg_ll(res, i, 3));
    PQclear(res);
    return rc;
}

/* Whether table has a column named name, from information_schema (sqlite's pragma_table_info has no PostgreSQL twin). */
static int has_column(struct mamori_store *st, const char *table, const char *name, int *found,
                      struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *found = 0;
    mamori_pg_text(&p, table);
    mamori_pg_text(&p, name);
    if ((rc = mamori_pg_run(st, "reading the schema",
                            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                            " AND table_name = $1 AND column_name = $2",
                            &p, &res, err)) != 0)
        return rc;
    *found = PQntuples(res) > 0;
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_incident_kind_each(struct mamori_store *st, const char *kind, const char *tenant,
                                 const char *ticket_id, long long from, long long to, int *present,
                                 int (*cb)(void *ctx, int ncol, const char *const *names,
                                           const char *const *values),
                                 void *ctx, struct mamori_error *err)
{
    /* consultations.created_at, warnings.given_at, restrictions.decided_at */
    static const char *const time_columns[] = {"created_at", "given_at", "decided_at", "issued_at", "at", NULL};
    struct mamori_buf sql = MAMORI_BUF_INIT;
    struct mamori_pg_params p = {0};
    const char *time_col = NULL;
    const char *names[64], *values[64];
    PGresult *res = NULL;
    int rc, found, has_id, n;

    *present = 0;
    if (strcmp(kind, "consultations") != 0 && strcmp(kind, "warnings") != 0 && strcmp(kind, "restrictions") != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "unknown record kind %s", kind);
    if ((rc = has_column(st, kind, "tenant", &found, err)) != 0 || !found ||
        (rc = has_column(st, kind, "ticket_id", &found, err)) != 0 || !found)
        return rc;
    *present = 1;
    for (int i = 0; time_columns[i] != NULL && time_col == NULL; i++) {
        if ((rc = has_column(st, kind, time_columns[i], &found, err)) != 0)
            return rc;
        if (found)
            time_col = time_columns[i];
    }
    if ((rc = has_column(st, kind, "id", &has_id, err)) != 0)
        return rc;
    mamori_pg_text(&p, tenant);
    mamori_buf_printf(&sql, "SELECT * FROM %s WHERE tenant = $1", kind);
    if (ticket_id != NULL) {
        mamori_pg_text(&p, ticket_id);
        mamori_buf_puts(&sql, " AND ticket_id = $2");
    } else if (time_col != NULL) {
        mamori_pg_int(&p, from);
        mamori_pg_int(&p, to);
        mamori_buf_printf(&sql, " AND %s >= $2 AND %s < $3", time_col, time_col);
    }
    /* id (or else the time column) stands in for sqlite's rowid order. */
    if (has_id)
        mamori_buf_puts(&sql, " ORDER BY id");
    else if (time_col != NULL)
        mamori_buf_printf(&sql, " ORDER BY %s", time_col);
    if (sql.failed) {
        mamori_buf_free(&sql);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    rc = mamori_pg_run(st, kind, sql.data, &p, &res, err);
    mamori_buf_free(&sql);
    if (rc != 0)
        return rc;
    n = PQnfields(res);
    if (n > 64)
        n = 64;
    for (int r = 0; r < PQntuples(res) && rc == 0; r++) {
        for (int i = 0; i < n; i++) {
            names[i] = PQfname(res, i);
            values[i] = mamori_pg_str(res, r, i);
        }
        rc = cb(ctx, n, names, values);
    }
    PQclear(res);
    return rc;
}
