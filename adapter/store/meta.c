/* store/meta.c -- see meta.h. Statements are prepared per call: they run
 * once per reload or per `mamori status`. */
#include "config.h"

#include "store/meta.h"

#include "store/pg.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

int mamori_meta_set(struct mamori_store *st, const char *key, const char *value, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_meta_set(st, key, value, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &s, NULL) !=
        SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "meta %s: %s", key, sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK
                                        : mamori_error_set(err, MAMORI_EDB, "meta %s: %s", key, sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_meta_get(struct mamori_store *st, const char *key, char **value, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_meta_get(st, key, value, err);
    sqlite3_stmt *s = NULL;
    int rc;

    *value = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "meta %s: %s", key, sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        *value = strdup(v != NULL ? v : "");
        rc = *value != NULL ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = MAMORI_ENOTFOUND;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "meta %s: %s", key, sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return rc;
}
