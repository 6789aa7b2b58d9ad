/* outbox.c -- see outbox.h. */
#include "config.h"

#include "outbox.h"

int mamori_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                          const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                          struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if ((s = mamori_store_stmt(st, MAMORI_STMT_OUTBOX_ENQUEUE, "INSERT OR IGNORE INTO outbox(tenant, connector, kind, dedupe_key, payload, next_attempt_at,"
                           " created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)")) == NULL)
        return mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, dedupe_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, payload, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        if (id != NULL)
            *id = sqlite3_changes(st->db) ? sqlite3_last_insert_rowid(st->db) : 0;
        rc = MAMORI_OK;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_reset(s);
    return rc;
}

int mamori_outbox_depth(struct mamori_store *st, int64_t *pending, int64_t *dead, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    *pending = *dead = 0;
    if ((s = mamori_store_stmt(st, MAMORI_STMT_OUTBOX_DEPTH, "SELECT coalesce(sum(state='pending'),0), coalesce(sum(state='dead'),0) FROM outbox "
                           "WHERE state != 'done'")) == NULL)
        return mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *pending = sqlite3_column_int64(s, 0);
        *dead = sqlite3_column_int64(s, 1);
        rc = MAMORI_OK;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_reset(s);
    return rc;
}
