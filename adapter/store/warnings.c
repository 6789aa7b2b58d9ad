/* warnings.c -- see warnings.h (sqlite; PostgreSQL in pg_warnings.c).
 * The list runs on the webhook path only for requesters with a hash; the
 * rest run on agents' events. */
#include "config.h"

#include "store/warnings.h"

#include "store/pg.h"

#include <stdlib.h>

#include <sqlite3.h>

#include "base/strv.h"

static int db_error(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    return mamori_error_set(err, MAMORI_EDB, "%s: %s", what, sqlite3_errmsg(st->db));
}

int mamori_warning_put(struct mamori_store *st, const struct mamori_warning_row *r, int *inserted,
                       struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_warning_put(st, r, inserted, err);
    sqlite3_stmt *s;
    int rc;

    *inserted = 0;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO warnings(tenant, requester, ticket_id, source, source_key, given_by,"
                                   " given_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                                   " ON CONFLICT(tenant, source_key) DO NOTHING",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "recording a warning");
    sqlite3_bind_text(s, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->requester, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->source_key, -1, SQLITE_STATIC);
    if (r->given_by != NULL)
        sqlite3_bind_text(s, 6, r->given_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)r->given_at);
    rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK : db_error(st, err, "recording a warning");
    if (rc == 0)
        *inserted = sqlite3_changes(st->db) > 0;
    sqlite3_finalize(s);
    return rc;
}

int mamori_warnings_list(struct mamori_store *st, const char *tenant, const char *requester, long long *at,
                         char **tickets, size_t max, size_t *total, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_warnings_list(st, tenant, requester, at, tickets, max, total, err);
    sqlite3_stmt *s;
    size_t n = 0;
    int rc;

    *total = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT given_at, ticket_id FROM warnings WHERE tenant = ?1 AND requester = ?2"
                                   " ORDER BY given_at, id",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "reading warnings");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, requester, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n < max) {
            at[n] = (long long)sqlite3_column_int64(s, 0);
            if ((tickets[n] = mamori_strdup((const char *)sqlite3_column_text(s, 1))) == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
        }
        n++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < n && i < max; i++) {
            free(tickets[i]);
            tickets[i] = NULL;
        }
        return rc == SQLITE_NOMEM ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                                  : mamori_error_set(err, MAMORI_EDB, "reading warnings: %s", sqlite3_errmsg(st->db));
    }
    *total = n;
    return MAMORI_OK;
}

int mamori_restriction_put(struct mamori_store *st, const struct mamori_restriction_row *r, int *inserted,
                           struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_restriction_put(st, r, inserted, err);
    sqlite3_stmt *s;
    int rc;

    *inserted = 0;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO restrictions(tenant, requester, ticket_id, decided_by, decided_at, via)"
                                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(tenant, requester) DO NOTHING",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "recording a restriction");
    sqlite3_bind_text(s, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->requester, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->ticket_id, -1, SQLITE_STATIC);
    if (r->decided_by != NULL)
        sqlite3_bind_text(s, 4, r->decided_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)r->decided_at);
    sqlite3_bind_text(s, 6, r->via, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK : db_error(st, err, "recording a restriction");
    if (rc == 0)
        *inserted = sqlite3_changes(st->db) > 0;
    sqlite3_finalize(s);
    return rc;
}
