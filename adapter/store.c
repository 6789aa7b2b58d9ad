/* store.c -- see store.h: opening, pragmas, migrations, transactions. */
#include "config.h"

#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "store_schema.h"
#include "strv.h"

static int db_error(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    int status = (sqlite3_errcode(st->db) == SQLITE_BUSY || sqlite3_errcode(st->db) == SQLITE_LOCKED) ? MAMORI_EBUSY
                                                                                                      : MAMORI_EDB;
    return mamori_error_set(err, status, "store %s: %s: %s (sqlite %d)", st->path, what, sqlite3_errmsg(st->db), code);
}

int mamori_store_exec(struct mamori_store *st, const char *sql, struct mamori_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int status = (sqlite3_errcode(st->db) == SQLITE_BUSY) ? MAMORI_EBUSY : MAMORI_EDB;
        mamori_error_set(err, status, "store %s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return status;
    }
    return MAMORI_OK;
}

int mamori_store_schema_version(void)
{
    return mamori_schema_count();
}

int mamori_store_file_version(struct mamori_store *st, int *version)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return MAMORI_EDB;
    rc = sqlite3_step(s);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? MAMORI_OK : MAMORI_EDB;
}

static int migrate(struct mamori_store *st, struct mamori_error *err)
{
    int have, want = mamori_schema_count();
    char sql[64];

    if (mamori_store_file_version(st, &have) != 0)
        return db_error(st, err, "reading the schema version");
    if (have > want)
        return mamori_error_set(err, MAMORI_EDB,
                                "store %s has schema version %d, newer than this mamori (%d); upgrade mamori or "
                                "restore a backup",
                                st->path, have, want);
    for (int v = have + 1; v <= want; v++) {
        int rc;
        if ((rc = mamori_store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
            return rc;
        /* Another process may have migrated while we waited for the lock. */
        if (mamori_store_file_version(st, &have) != 0) {
            mamori_store_exec(st, "ROLLBACK", NULL);
            return db_error(st, err, "reading the schema version");
        }
        if (have >= v) {
            mamori_store_exec(st, "ROLLBACK", NULL);
            continue;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
        if ((rc = mamori_store_exec(st, mamori_schema_migration(v), err)) != 0 ||
            (rc = mamori_store_exec(st, sql, err)) != 0 || (rc = mamori_store_exec(st, "COMMIT", err)) != 0) {
            mamori_store_exec(st, "ROLLBACK", NULL);
            return mamori_error_prefix(err, "migration to schema %d", v);
        }
    }
    return MAMORI_OK;
}

int mamori_store_open(struct mamori_store **out, const char *path, int sync_mode, long busy_timeout_ms, int flags,
                      struct mamori_error *err)
{
    struct mamori_store *st;
    char pragma[128];
    int rc, oflags;

    *out = NULL;
    st = calloc(1, sizeof *st);
    if (st == NULL || (st->path = mamori_strdup(path)) == NULL) {
        free(st);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    oflags = (flags & MAMORI_STORE_READONLY) ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    oflags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "cannot open store %s: %s (check that the directory exists and is "
                              "writable by the service user)",
                              path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        mamori_store_close(st);
        return rc;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, (int)busy_timeout_ms);
    if (!(flags & MAMORI_STORE_READONLY)) {
        snprintf(pragma, sizeof pragma, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",
                 sync_mode == MAMORI_SYNC_NORMAL ? "NORMAL" : "FULL");
        if ((rc = mamori_store_exec(st, pragma, err)) != 0 || (rc = migrate(st, err)) != 0) {
            mamori_store_close(st);
            return rc;
        }
    } else {
        int have;
        if (mamori_store_file_version(st, &have) != 0 || have == 0) {
            rc = mamori_error_set(err, MAMORI_EDB, "store %s is not a mamori store (or is empty)", path);
            mamori_store_close(st);
            return rc;
        }
    }
    *out = st;
    return MAMORI_OK;
}

void mamori_store_close(struct mamori_store *st)
{
    if (st == NULL)
        return;
    if (st->db != NULL) {
        if (st->in_tx)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(st->db);
    }
    free(st->path);
    free(st);
}

int mamori_store_begin(struct mamori_store *st, struct mamori_error *err)
{
    int rc = mamori_store_exec(st, "BEGIN IMMEDIATE", err);
    if (rc == 0)
        st->in_tx = 1;
    return rc;
}

int mamori_store_commit(struct mamori_store *st, struct mamori_error *err)
{
    int rc = mamori_store_exec(st, "COMMIT", err);

    if (rc != 0) {
        /* A failed COMMIT may leave the transaction open: end it. */
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    st->in_tx = 0;
    return rc;
}

void mamori_store_rollback(struct mamori_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
}

int mamori_store_writable(struct mamori_store *st, struct mamori_error *err)
{
    int rc;

    if (sqlite3_db_readonly(st->db, "main") == 1)
        return mamori_error_set(err, MAMORI_EDB, "store %s is read-only", st->path);
    if ((rc = mamori_store_exec(st, "BEGIN IMMEDIATE", err)) != 0)
        return rc;
    rc = mamori_store_exec(st, "INSERT OR REPLACE INTO meta(key, value) VALUES('health_probe', '1')", err);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- events ---- */

int mamori_store_event_get(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                           char **response, int *status, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    *response = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT status, response FROM events WHERE tenant=?1 AND connector=?2 AND event_id=?3", -1,
                           &s, NULL) != SQLITE_OK)
        return db_error(st, err, "looking up an event");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, event_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *status = sqlite3_column_int(s, 0);
        *response = mamori_strdup((const char *)sqlite3_column_text(s, 1));
        rc = *response ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = MAMORI_ENOTFOUND;
    } else {
        rc = db_error(st, err, "looking up an event");
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_store_event_put(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                           const char *ticket_id, int status, const char *response, time_t now,
                           struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO events(tenant, connector, event_id, ticket_id, received_at, status, response) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "recording an event");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)now);
    sqlite3_bind_int(s, 6, status);
    sqlite3_bind_text(s, 7, response, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        rc = MAMORI_OK;
    else if ((rc & 0xff) == SQLITE_CONSTRAINT)
        rc = mamori_error_set(err, MAMORI_ECONFLICT, "event %s already recorded", event_id);
    else
        rc = db_error(st, err, "recording an event");
    sqlite3_finalize(s);
    return rc;
}

/* ---- annotations ---- */

int mamori_store_annotation_put(struct mamori_store *st, const struct mamori_annotation_row *row, int64_t *id,
                                struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO annotations(tenant, connector, event_id, ticket_id, created_at, is_harassment,"
                           " severity, categories, escalation, annotation) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "storing an annotation");
    sqlite3_bind_text(s, 1, row->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, row->connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, row->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)row->created_at);
    sqlite3_bind_int(s, 6, row->is_harassment);
    sqlite3_bind_text(s, 7, row->severity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, row->categories, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, row->escalation, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, row->json, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK : db_error(st, err, "storing an annotation");
    if (rc == 0 && id != NULL)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return rc;
}

int mamori_store_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                                  struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM annotations WHERE tenant=?1 AND ticket_id=?2", -1, &s,
                           NULL) != SQLITE_OK)
        return db_error(st, err, "counting annotations");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    rc = rc == SQLITE_ROW ? MAMORI_OK : db_error(st, err, "counting annotations");
    sqlite3_finalize(s);
    return rc;
}
