/* poll_cursor.c -- see poll_cursor.h. Statements are prepared per call:
 * they run once per polling round. */
#include "config.h"

#include "store/poll_cursor.h"

#include "store/pg.h"

#include <stdio.h>

#include <sqlite3.h>

int mamori_poll_cursor_get(struct mamori_store *st, const char *tenant, char *out, size_t cap)
{
    sqlite3_stmt *s;
    int found = 0;

    if (st->pg != NULL)
        return mamori_pg_poll_cursor_get(st, tenant, out, cap);
    if (sqlite3_prepare_v2(st->db, "SELECT cursor FROM poll_cursor WHERE tenant = ?1", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
        found = 1;
    }
    sqlite3_finalize(s);
    return found;
}

int mamori_poll_cursor_set(struct mamori_store *st, const char *tenant, const char *cursor, time_t ok_at,
                           struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_poll_cursor_set(st, tenant, cursor, ok_at, err);
    sqlite3_stmt *s;
    int rc = MAMORI_OK;

    if (sqlite3_prepare_v2(st->db, "INSERT INTO poll_cursor(tenant, cursor, updated_at) VALUES(?1, ?2, ?3)"
                                   " ON CONFLICT(tenant) DO UPDATE SET cursor = ?2,"
                                   " updated_at = CASE WHEN ?3 > 0 THEN ?3 ELSE updated_at END",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "%s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cursor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)ok_at);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mamori_error_set(err, MAMORI_EDB, "%s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_poll_cursor_each(struct mamori_store *st,
                            int (*fn)(void *ctx, const char *tenant, const char *cursor, time_t ok_at), void *ctx,
                            struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_poll_cursor_each(st, fn, ctx, err);
    sqlite3_stmt *s;
    int rc, stop = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT tenant, cursor, updated_at FROM poll_cursor ORDER BY tenant", -1, &s,
                           NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "poll cursors: %s", sqlite3_errmsg(st->db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *tenant = (const char *)sqlite3_column_text(s, 0), *cursor = (const char *)sqlite3_column_text(s, 1);
        if ((stop = fn(ctx, tenant ? tenant : "", cursor ? cursor : "", (time_t)sqlite3_column_int64(s, 2))) != 0)
            break;
    }
    if (stop == 0 && rc != SQLITE_DONE)
        stop = mamori_error_set(err, MAMORI_EDB, "poll cursors: %s", sqlite3_errmsg(st->db));
    else if (stop != 0)
        mamori_error_set(err, stop, "poll cursors: %s", stop == MAMORI_ENOMEM ? "out of memory" : "walk stopped");
    sqlite3_finalize(s);
    return stop;
}
