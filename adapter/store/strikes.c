/* strikes.c -- see strikes.h. Only the lookup is on the webhook path and
 * has a cached statement; the others run once per killed worker or admin
 * command. */
#include "config.h"

#include "store/strikes.h"

#include "store/pg.h"

#include <sqlite3.h>

int mamori_strikes_add(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *event_id,
                       time_t now, int64_t *count, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_strikes_add(st, tenant, ticket_id, event_id, now, count, err);
    sqlite3_stmt *s;
    int rc = MAMORI_OK;

    *count = 0;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO strikes(tenant, ticket_id, strikes, last_event, last_at)"
                                   " VALUES(?1, ?2, 1, ?3, ?4) ON CONFLICT(tenant, ticket_id) DO UPDATE SET"
                                   " strikes = strikes + 1, last_event = ?3, last_at = ?4 RETURNING strikes",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "recording a strike: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    if (event_id != NULL)
        sqlite3_bind_text(s, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *count = sqlite3_column_int64(s, 0);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = mamori_error_set(err, MAMORI_EDB, "recording a strike: %s", sqlite3_errmsg(st->db));
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "recording a strike: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_strikes_get(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *count,
                       struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_strikes_get(st, tenant, ticket_id, count, err);
    sqlite3_stmt *s;
    int rc;

    *count = 0;
    if ((s = mamori_store_stmt(st, MAMORI_STMT_STRIKES_GET,
                               "SELECT strikes FROM strikes WHERE tenant = ?1 AND ticket_id = ?2")) == NULL)
        return mamori_error_set(err, MAMORI_EDB, "reading strikes: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EDB, "reading strikes: %s", sqlite3_errmsg(st->db));
    sqlite3_reset(s);
    return rc;
}

int mamori_strikes_release(struct mamori_store *st, const char *tenant, const char *ticket_id,
                           struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_strikes_release(st, tenant, ticket_id, err);
    sqlite3_stmt *s;
    int rc = MAMORI_OK;

    if (sqlite3_prepare_v2(st->db, "DELETE FROM strikes WHERE tenant = ?1 AND ticket_id = ?2", -1, &s, NULL) !=
        SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "releasing a ticket: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mamori_error_set(err, MAMORI_EDB, "releasing a ticket: %s", sqlite3_errmsg(st->db));
    else if (sqlite3_changes(st->db) == 0)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "ticket %s of tenant %s has no strikes", ticket_id, tenant);
    sqlite3_finalize(s);
    return rc;
}

int mamori_strikes_each(struct mamori_store *st, int64_t min,
                        int (*fn)(void *ctx, const char *tenant, const char *ticket_id, int64_t strikes,
                                  const char *last_event, time_t last_at),
                        void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_strikes_each(st, min, fn, ctx, err);
    sqlite3_stmt *s;
    int rc, stop = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT tenant, ticket_id, strikes, last_event, last_at FROM strikes"
                                   " WHERE strikes >= ?1 ORDER BY tenant, ticket_id",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "strikes: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_int64(s, 1, (sqlite3_int64)min);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *tenant = (const char *)sqlite3_column_text(s, 0);
        const char *ticket = (const char *)sqlite3_column_text(s, 1);
        const char *event = (const char *)sqlite3_column_text(s, 3);
        if ((stop = fn(ctx, tenant ? tenant : "", ticket ? ticket : "", sqlite3_column_int64(s, 2),
                       event ? event : "-", (time_t)sqlite3_column_int64(s, 4))) != 0)
            break;
    }
    if (stop == 0 && rc != SQLITE_DONE)
        stop = mamori_error_set(err, MAMORI_EDB, "strikes: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return stop;
}
