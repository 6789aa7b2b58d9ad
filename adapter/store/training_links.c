/* training_links.c -- see training_links.h. */
#include "config.h"

#include "store/training_links.h"

#include <sqlite3.h>

#include "store/pg.h"

int mamori_training_link_issue(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *url,
                               const char *category, const char *title, long long now, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_training_link_issue(st, tenant, ticket_id, url, category, title, now, err);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO training_links(tenant, ticket_id, url, category, title, issued_at)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(tenant, ticket_id, url) DO NOTHING",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "recording a training link: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, category ? category : "", -1, SQLITE_STATIC);
    if (title != NULL)
        sqlite3_bind_text(s, 5, title, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    rc = sqlite3_step(s) == SQLITE_DONE
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EDB, "recording a training link: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_training_link_open(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *url,
                              const char *category, long long issued_at, long long now, int *first,
                              struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_training_link_open(st, tenant, ticket_id, url, category, issued_at, now, first, err);
    sqlite3_stmt *s;
    int rc;

    *first = 0;
    /* One statement: insert when unknown, else set opened_at only if
     * unset; RETURNING tells whether this open was the first. */
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO training_links(tenant, ticket_id, url, category, issued_at, opened_at)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(tenant, ticket_id, url) DO UPDATE SET"
                           " opened_at = ?6 WHERE opened_at IS NULL RETURNING 1",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "recording a training open: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, category ? category : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, issued_at);
    sqlite3_bind_int64(s, 6, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *first = 1;
        rc = sqlite3_step(s);
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK
                           : mamori_error_set(err, MAMORI_EDB, "recording a training open: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_training_link_each(struct mamori_store *st, const char *tenant, const char *ticket_id, long long from,
                              long long to,
                              int (*cb)(void *ctx, const char *ticket_id, const char *url, const char *category,
                                        const char *title, long long issued_at, long long opened_at),
                              void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_training_link_each(st, tenant, ticket_id, from, to, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           ticket_id != NULL
                               ? "SELECT ticket_id, url, category, title, issued_at, opened_at FROM training_links"
                                 " WHERE tenant = ?1 AND ticket_id = ?4 ORDER BY issued_at, url"
                               : "SELECT ticket_id, url, category, title, issued_at, opened_at FROM training_links"
                                 " WHERE tenant = ?1 AND issued_at >= ?2 AND issued_at < ?3 ORDER BY issued_at",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading training links: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    if (ticket_id != NULL)
        sqlite3_bind_text(s, 4, ticket_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
                     (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
                     sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5))) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK
                           : mamori_error_set(err, MAMORI_EDB, "reading training links: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

