/* store/purge.c -- see purge.h. */
#include "config.h"

#include "store/purge.h"

#include "store/pg.h"

#include <stddef.h>

/* Rows removed per write transaction: small enough that a webhook waiting
 * for the lock waits milliseconds, large enough that a year of backlog
 * goes in seconds. */
#define BATCH 500

/* An escalation is due once nothing has happened to it for the whole
 * period. Open ones go too: after the period their deadline is long past,
 * and the quoted evidence in `message` must not outlive the events it came
 * from. */
#define ESCALATION_LAST_ACTIVITY                                                                                   \
    "max(created_at, coalesce(acked_at, 0), coalesce(backup_at, 0), coalesce(retained_at, 0), "                  \
    "coalesce(last_followup_at, 0))"

/* Per table: count_sql counts due rows (?1 tenant, ?2 cutoff); select_sql
 * picks up to ?3 ids of due rows; delete_sql removes one id (?1), checking
 * again that it is due (?2 tenant, ?3 cutoff). */
struct purge_sql {
    const char *name;
    const char *count_sql;
    const char *select_sql;
    const char *delete_sql;
};

static const struct purge_sql purge_sql[MAMORI_PURGE_TABLE_COUNT] = {
    [MAMORI_PURGE_EVENTS] = {"events", "SELECT count(*) FROM events WHERE tenant=?1 AND received_at<?2",
                             "SELECT id FROM events WHERE tenant=?1 AND received_at<?2 ORDER BY id LIMIT ?3",
                             "DELETE FROM events WHERE id=?1 AND tenant=?2 AND received_at<?3"},
    [MAMORI_PURGE_OUTBOX] = {"outbox", "SELECT count(*) FROM outbox WHERE tenant=?1 AND created_at<?2 AND state!='pending'",
                             "SELECT id FROM outbox WHERE tenant=?1 AND created_at<?2 AND state!='pending' "
                             "ORDER BY id LIMIT ?3",
                             "DELETE FROM outbox WHERE id=?1 AND tenant=?2 AND created_at<?3 AND state!='pending'"},
    [MAMORI_PURGE_ESCALATIONS] = {"escalations",
                                  "SELECT count(*) FROM escalations WHERE tenant=?1 AND " ESCALATION_LAST_ACTIVITY "<?2",
                                  "SELECT id FROM escalations WHERE tenant=?1 AND " ESCALATION_LAST_ACTIVITY "<?2 "
                                  "ORDER BY id LIMIT ?3",
                                  "DELETE FROM escalations WHERE id=?1 AND tenant=?2 AND " ESCALATION_LAST_ACTIVITY
                                  "<?3"},
    /* They were sent before their escalation's last activity, so before
     * the cutoff too. */
    [MAMORI_PURGE_ESCALATION_MESSAGES] = {"escalation messages",
                                          "SELECT count(*) FROM escalation_messages m WHERE tenant=?1 AND sent_at<?2 AND "
                                          "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=m.escalation_id)",
                                          "SELECT id FROM escalation_messages m WHERE tenant=?1 AND sent_at<?2 AND "
                                          "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=m.escalation_id) "
                                          "ORDER BY id LIMIT ?3",
                                          "DELETE FROM escalation_messages WHERE id=?1 AND tenant=?2 AND sent_at<?3 AND "
                                          "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=escalation_id)"},
    [MAMORI_PURGE_LINE_EVENTS] = {"LINE events", "SELECT count(*) FROM line_events WHERE tenant=?1 AND received_at<?2",
                                  "SELECT rowid FROM line_events WHERE tenant=?1 AND received_at<?2 "
                                  "ORDER BY rowid LIMIT ?3",
                                  "DELETE FROM line_events WHERE rowid=?1 AND tenant=?2 AND received_at<?3"},
#define PURGE_BY(name, table, col)                                                                                 \
    {name, "SELECT count(*) FROM " table " WHERE tenant=?1 AND " col "<?2",                                        \
     "SELECT rowid FROM " table " WHERE tenant=?1 AND " col "<?2 ORDER BY rowid LIMIT ?3",                         \
     "DELETE FROM " table " WHERE rowid=?1 AND tenant=?2 AND " col "<?3"}
    [MAMORI_PURGE_INCIDENTS] = PURGE_BY("incidents", "incidents", "updated_at"),
    [MAMORI_PURGE_TRAINING_LINKS] = PURGE_BY("training links", "training_links", "issued_at"),
    [MAMORI_PURGE_CONSULTATIONS] = PURGE_BY("consultations", "consultations", "created_at"),
    [MAMORI_PURGE_WARNINGS] = PURGE_BY("warnings", "warnings", "given_at"),
    [MAMORI_PURGE_RESTRICTIONS] = PURGE_BY("restrictions", "restrictions", "decided_at"),
    [MAMORI_PURGE_DIGESTS] = PURGE_BY("escalation digests", "escalation_digests", "created_at"),
#undef PURGE_BY
};

const char *mamori_purge_table_name(enum mamori_purge_table table)
{
    return (unsigned)table < MAMORI_PURGE_TABLE_COUNT ? purge_sql[table].name : "?";
}

static int db_fail(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    return mamori_error_set(err, MAMORI_EDB, "retention: %s: %s", what, sqlite3_errmsg(st->db));
}

int mamori_purge_list_tenants(struct mamori_store *st, struct mamori_strv *out, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_purge_list_tenants(st, out, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT tenant FROM events UNION SELECT DISTINCT tenant FROM outbox UNION "
                           "SELECT DISTINCT tenant FROM escalations UNION SELECT DISTINCT tenant FROM line_events", -1,
                           &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "listing tenants");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        if (t != NULL && mamori_strv_push(out, t, (size_t)-1) != 0) {
            sqlite3_finalize(s);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? MAMORI_OK : db_fail(st, err, "listing tenants");
}

static int count_due(struct mamori_store *st, const struct purge_sql *q, const char *tenant, time_t cutoff,
                     int64_t *due, struct mamori_error *err)
{
    sqlite3_stmt *sel = NULL;
    int rc = MAMORI_OK;

    if (sqlite3_prepare_v2(st->db, q->count_sql, -1, &sel, NULL) != SQLITE_OK)
        return db_fail(st, err, q->name);
    sqlite3_bind_text(sel, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sel, 2, (sqlite3_int64)cutoff);
    if (sqlite3_step(sel) == SQLITE_ROW)
        *due = sqlite3_column_int64(sel, 0);
    else
        rc = db_fail(st, err, q->name);
    sqlite3_finalize(sel);
    return rc;
}

int mamori_purge_table(struct mamori_store *st, enum mamori_purge_table table, const char *tenant, time_t cutoff,
                       int dry_run, int64_t *removed, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_purge_table(st, table, tenant, cutoff, dry_run, removed, err);
    const struct purge_sql *q;
    sqlite3_stmt *sel = NULL, *del = NULL;
    int64_t ids[BATCH];
    int rc = MAMORI_OK;

    *removed = 0;
    if ((unsigned)table >= MAMORI_PURGE_TABLE_COUNT)
        return mamori_error_set(err, MAMORI_EINVAL, "retention: no table %d", (int)table);
    q = &purge_sql[table];
    if (dry_run)
        return count_due(st, q, tenant, cutoff, removed, err);
    if (sqlite3_prepare_v2(st->db, q->select_sql, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, q->delete_sql, -1, &del, NULL) != SQLITE_OK) {
        rc = db_fail(st, err, q->name);
        goto out;
    }
    for (;;) {
        size_t n = 0;

        sqlite3_reset(sel);
        sqlite3_bind_text(sel, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_int64(sel, 2, (sqlite3_int64)cutoff);
        sqlite3_bind_int(sel, 3, BATCH);
        while (n < BATCH && sqlite3_step(sel) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(sel, 0);
        sqlite3_reset(sel); /* end the read before taking the write lock */
        if (n == 0)
            break;
        if ((rc = mamori_store_begin(st, err)) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            sqlite3_reset(del);
            sqlite3_bind_int64(del, 1, ids[i]);
            sqlite3_bind_text(del, 2, tenant, -1, SQLITE_STATIC);
            sqlite3_bind_int64(del, 3, (sqlite3_int64)cutoff);
            if (sqlite3_step(del) != SQLITE_DONE) {
                rc = db_fail(st, err, q->name);
                mamori_store_rollback(st);
                goto out;
            }
            *removed += sqlite3_changes(st->db);
        }
        if ((rc = mamori_store_commit(st, err)) != 0)
            goto out;
        if (n < BATCH)
            break;
    }
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    return rc;
}
