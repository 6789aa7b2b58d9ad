/* incidents.c -- see incidents.h. None of this is on the webhook's hot
 * path except get and put, which run only for flagged tickets; statements
 * are prepared per call. */
#include "config.h"

#include "store/incidents.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/pg.h"

#include "base/buf.h"
#include "base/strv.h"

#define INCIDENT_COLUMNS                                                                                              \
    "id, tenant, ticket_id, connector, channel, requester, marked_by, is_harassment, severity, categories,"           \
    " escalation, care_requested, outcome, first_at, updated_at"

void mamori_incident_row_free(struct mamori_incident_row *r)
{
    free(r->tenant);
    free(r->ticket_id);
    free(r->connector);
    free(r->channel);
    free(r->requester);
    free(r->marked_by);
    free(r->severity);
    free(r->categories);
    free(r->escalation);
    free(r->outcome);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

int mamori_incident_schema(const struct mamori_store *st)
{
    return st->pg != NULL ? 2 : 7;
}

static const char *col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

/* Point r's strings at the statement's current row (borrowed until the
 * next step); detail is column 15 when with_detail. */
static void borrow_row(sqlite3_stmt *s, int with_detail, struct mamori_incident_row *r)
{
    r->id = sqlite3_column_int64(s, 0);
    r->tenant = (char *)col(s, 1);
    r->ticket_id = (char *)col(s, 2);
    r->connector = (char *)col(s, 3);
    r->channel = (char *)col(s, 4);
    r->requester = (char *)col(s, 5);
    r->marked_by = (char *)col(s, 6);
    r->is_harassment = sqlite3_column_int(s, 7);
    r->severity = (char *)col(s, 8);
    r->categories = (char *)col(s, 9);
    r->escalation = (char *)col(s, 10);
    r->care_requested = sqlite3_column_int(s, 11);
    r->outcome = (char *)col(s, 12);
    r->first_at = sqlite3_column_int64(s, 13);
    r->updated_at = sqlite3_column_int64(s, 14);
    r->detail = with_detail ? (char *)col(s, 15) : NULL;
}

static int dup_field(char **dst, const char *src)
{
    if (src == NULL) {
        *dst = NULL;
        return 0;
    }
    return (*dst = mamori_strdup(src)) == NULL ? MAMORI_ENOMEM : 0;
}

int mamori_incident_get(struct mamori_store *st, const char *tenant, const char *ticket_id,
                        struct mamori_incident_row *r, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_get(st, tenant, ticket_id, r, err);
    struct mamori_incident_row b;
    sqlite3_stmt *s;
    int rc;

    memset(r, 0, sizeof *r);
    if (sqlite3_prepare_v2(st->db, "SELECT " INCIDENT_COLUMNS ", detail FROM incidents WHERE tenant = ?1 AND ticket_id = ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading an incident: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        rc = MAMORI_ENOTFOUND;
    } else if (rc != SQLITE_ROW) {
        rc = mamori_error_set(err, MAMORI_EDB, "reading an incident: %s", sqlite3_errmsg(st->db));
    } else {
        borrow_row(s, 1, &b);
        r->id = b.id;
        r->is_harassment = b.is_harassment;
        r->care_requested = b.care_requested;
        r->first_at = b.first_at;
        r->updated_at = b.updated_at;
        rc = dup_field(&r->tenant, b.tenant) | dup_field(&r->ticket_id, b.ticket_id) |
             dup_field(&r->connector, b.connector) | dup_field(&r->channel, b.channel) |
             dup_field(&r->requester, b.requester) | dup_field(&r->marked_by, b.marked_by) |
             dup_field(&r->severity, b.severity) | dup_field(&r->categories, b.categories) |
             dup_field(&r->escalation, b.escalation) | dup_field(&r->outcome, b.outcome) |
             dup_field(&r->detail, b.detail);
        if (rc != 0) {
            mamori_incident_row_free(r);
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory reading an incident");
        }
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_incident_put(struct mamori_store *st, const struct mamori_incident_row *r, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_put(st, r, err);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO incidents(tenant, ticket_id, connector, channel, requester, marked_by,"
                           " is_harassment, severity, categories, escalation, care_requested, outcome, detail,"
                           " first_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                           " ON CONFLICT(tenant, ticket_id) DO UPDATE SET connector = ?3, channel = ?4,"
                           " requester = ?5, marked_by = ?6, is_harassment = ?7, severity = ?8, categories = ?9,"
                           " escalation = ?10, care_requested = ?11, outcome = ?12, detail = ?13, first_at = ?14,"
                           " updated_at = ?15",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "writing an incident: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->channel ? r->channel : "other", -1, SQLITE_STATIC);
    if (r->requester != NULL)
        sqlite3_bind_text(s, 5, r->requester, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->marked_by ? r->marked_by : "mamori", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, r->is_harassment);
    sqlite3_bind_text(s, 8, r->severity ? r->severity : "none", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, r->categories ? r->categories : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, r->escalation ? r->escalation : "none", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 11, r->care_requested);
    if (r->outcome != NULL)
        sqlite3_bind_text(s, 12, r->outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 13, r->detail ? r->detail : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 14, r->first_at);
    sqlite3_bind_int64(s, 15, r->updated_at);
    rc = sqlite3_step(s) == SQLITE_DONE
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EDB, "writing an incident: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_incident_each(struct mamori_store *st, const char *tenant, long long from, long long to, int with_detail,
                         int (*cb)(void *ctx, const struct mamori_incident_row *r), void *ctx,
                         struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_each(st, tenant, from, to, with_detail, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           with_detail ? "SELECT " INCIDENT_COLUMNS ", detail FROM incidents WHERE tenant = ?1 AND"
                                         " first_at >= ?2 AND first_at < ?3 ORDER BY first_at, id"
                                       : "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE tenant = ?1 AND"
                                         " first_at >= ?2 AND first_at < ?3 ORDER BY first_at, id",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading incidents: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_incident_row r;
        borrow_row(s, with_detail, &r);
        if ((rc = cb(ctx, &r)) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "reading incidents: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_incident_tenant_known(struct mamori_store *st, const char *tenant, int *known, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_tenant_known(st, tenant, known, err);
    sqlite3_stmt *s;
    int rc;

    *known = 0;
    /* Both from indexes: incidents_period and events_key. */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT EXISTS(SELECT 1 FROM incidents WHERE tenant = ?1)"
                           " OR EXISTS(SELECT 1 FROM events WHERE tenant = ?1)",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading incidents: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        *known = sqlite3_column_int(s, 0);
    rc = rc == SQLITE_ROW ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "reading incidents: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}


int mamori_incident_audit_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                               int (*cb)(void *ctx, const struct mamori_audit_entry *e), void *ctx,
                               struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_audit_each(st, tenant, ticket_id, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    /* The audit table has no index on subject: a full scan, fine for an
     * export an admin asks for now and then. */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT seq, at, kind, subject, data, prev_hash, hash, keyed FROM audit"
                           " WHERE tenant = ?1 AND subject = ?2 ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading the audit chain: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_audit_entry e = {sqlite3_column_int64(s, 0), col(s, 1), col(s, 2), col(s, 3),
                                       col(s, 4), col(s, 5), col(s, 6), sqlite3_column_int(s, 7)};
        if ((rc = cb(ctx, &e)) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK
                           : mamori_error_set(err, MAMORI_EDB, "reading the audit chain: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_incident_messages_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  int (*cb)(void *ctx, const char *level, const char *channel, const char *recipient,
                                            long long sent_at),
                                  void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_messages_each(st, tenant, ticket_id, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           /* A digest's message (escalation/digest.h) told every
                            * escalation in it that was routed to its channel. */
                           "SELECT e.level, m.channel, m.recipient, m.sent_at FROM escalation_messages m"
                           " JOIN escalations e ON e.id = m.escalation_id OR (m.digest_id = e.digest_id AND"
                           " instr(',' || e.channels || ',', ',' || m.channel || ',') > 0)"
                           " WHERE e.tenant = ?1 AND e.ticket_id = ?2 ORDER BY m.sent_at, m.id",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading escalation messages: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = cb(ctx, col(s, 0), col(s, 1), col(s, 2), sqlite3_column_int64(s, 3))) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK
                           : mamori_error_set(err, MAMORI_EDB, "reading escalation messages: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

/* Whether table has a column named name. */
static int has_column(struct mamori_store *st, const char *table, const char *name)
{
    sqlite3_stmt *s;
    int found = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

int mamori_incident_kind_each(struct mamori_store *st, const char *kind, const char *tenant, const char *ticket_id,
                              long long from, long long to, int *present,
                              int (*cb)(void *ctx, int ncol, const char *const *names, const char *const *values),
                              void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_incident_kind_each(st, kind, tenant, ticket_id, from, to, present, cb, ctx, err);
    /* consultations.created_at, warnings.given_at, restrictions.decided_at */
    static const char *const time_columns[] = {"created_at", "given_at", "decided_at", "issued_at", "at", NULL};
    struct mamori_buf sql = MAMORI_BUF_INIT;
    const char *time_col = NULL;
    const char *names[64], *values[64];
    sqlite3_stmt *s = NULL;
    int rc, n;

    *present = 0;
    if (strcmp(kind, "consultations") != 0 && strcmp(kind, "warnings") != 0 && strcmp(kind, "restrictions") != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "unknown record kind %s", kind);
    if (!has_column(st, kind, "tenant") || !has_column(st, kind, "ticket_id"))
        return MAMORI_OK;
    *present = 1;
    for (int i = 0; time_columns[i] != NULL && time_col == NULL; i++)
        if (has_column(st, kind, time_columns[i]))
            time_col = time_columns[i];
    mamori_buf_printf(&sql, "SELECT * FROM %s WHERE tenant = ?1", kind);
    if (ticket_id != NULL)
        mamori_buf_puts(&sql, " AND ticket_id = ?2");
    else if (time_col != NULL)
        mamori_buf_printf(&sql, " AND %s >= ?3 AND %s < ?4", time_col, time_col);
    mamori_buf_puts(&sql, " ORDER BY rowid");
    if (sql.failed) {
        mamori_buf_free(&sql);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    if (sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL) != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "reading %s: %s", kind, sqlite3_errmsg(st->db));
        goto out;
    }
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    if (ticket_id != NULL)
        sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, from);
    sqlite3_bind_int64(s, 4, to);
    n = sqlite3_column_count(s);
    if (n > 64)
        n = 64;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            names[i] = sqlite3_column_name(s, i);
            values[i] = col(s, i);
        }
        if ((rc = cb(ctx, n, names, values)) != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "reading %s: %s", kind, sqlite3_errmsg(st->db));
out:
    sqlite3_finalize(s);
    mamori_buf_free(&sql);
    return rc;
}
