/* store.c -- see store.h: opening, pragmas, migrations, transactions. */
#include "config.h"

#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strv.h"
#include "config/settings.h"
#include "store/group_commit.h"
#include "store/pg.h"
#include "store/schema.h"

static int db_error(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(st->db);
    int status = (sqlite3_errcode(st->db) == SQLITE_BUSY || sqlite3_errcode(st->db) == SQLITE_LOCKED) ? MAMORI_EBUSY
                                                                                                      : MAMORI_EDB;
    return mamori_error_set(err, status, "store %s: %s: %s (sqlite %d)", st->path, what, sqlite3_errmsg(st->db), code);
}

int mamori_store_exec(struct mamori_store *st, const char *sql, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_exec(st, sql, err);
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int status = (sqlite3_errcode(st->db) == SQLITE_BUSY) ? MAMORI_EBUSY : MAMORI_EDB;
        mamori_error_set(err, status, "store %s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return status;
    }
    return MAMORI_OK;
}

sqlite3_stmt *mamori_store_stmt(struct mamori_store *st, enum mamori_stmt which, const char *sql)
{
    sqlite3_stmt *s = st->stmts[which];

    if (s == NULL) {
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
            return NULL;
        st->stmts[which] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/*
 * Waiting for another process's write lock. sqlite's default handler
 * sleeps in steps of up to 100 ms, which turns a lock held for a
 * millisecond into a long stall; webhook transactions are short, so poll
 * every 50-400 microseconds instead, up to the configured timeout.
 */
static int busy_wait(void *ctx, int count)
{
    struct mamori_store *st = ctx;
    struct timespec now, nap;
    long waited_ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        st->busy_since = now;
    waited_ms = (now.tv_sec - st->busy_since.tv_sec) * 1000 + (now.tv_nsec - st->busy_since.tv_nsec) / 1000000;
    if (waited_ms >= st->busy_timeout_ms)
        return 0;
    nap.tv_sec = 0;
    nap.tv_nsec = (count < 8 ? 50000L * (count + 1) : 400000L) + (long)(now.tv_nsec % 50000);
    nanosleep(&nap, NULL);
    return 1;
}

int mamori_store_checkpoint(struct mamori_store *st, struct mamori_error *err)
{
    if (st->pg != NULL)
        return MAMORI_OK; /* PostgreSQL checkpoints by itself */
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return mamori_error_set(err, MAMORI_EDB, "store %s: checkpoint: %s", st->path, sqlite3_errmsg(st->db));
    return MAMORI_OK;
}

int mamori_store_is_url(const char *location)
{
    return mamori_pg_is_url(location);
}

void mamori_store_display(const char *location, char *out, size_t cap)
{
    if (mamori_pg_is_url(location))
        mamori_pg_display(location, out, cap);
    else
        snprintf(out, cap, "%s", location);
}

int mamori_store_lead(struct mamori_store *st, const char *role, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_lead(st, role, err);
    return 1; /* one node: the daemon's own processes decide */
}

int mamori_store_role_holder(struct mamori_store *st, const char *role, char *holder, size_t cap,
                             struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_role_holder(st, role, holder, cap, err);
    return mamori_error_set(err, MAMORI_EUNSUPPORTED, "store %s is sqlite: one node runs every role", st->path);
}

int mamori_store_schema_version(void)
{
    return mamori_schema_count();
}

int mamori_store_file_version(struct mamori_store *st, int *version)
{
    if (st->pg != NULL)
        return mamori_pg_file_version(st, version);
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
    if (st == NULL || (st->path = mamori_strdup(path)) == NULL ||
        (st->wal_path = malloc(strlen(path) + 5)) == NULL) {
        if (st != NULL)
            free(st->path);
        free(st);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    memcpy(st->wal_path, path, strlen(path));
    memcpy(st->wal_path + strlen(path), "-wal", 5);
    if (mamori_pg_is_url(path)) {
        /* No group commit: PostgreSQL's COMMIT returns once durable. */
        explicit_bzero(st->wal_path, strlen(st->wal_path)); /* holds the password */
        free(st->wal_path);
        st->wal_path = NULL;
        if ((rc = mamori_pg_open(st, path, busy_timeout_ms, flags, err)) != 0) {
            mamori_store_close(st);
            return rc;
        }
        *out = st;
        return MAMORI_OK;
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
    st->busy_timeout_ms = busy_timeout_ms;
    sqlite3_busy_handler(st->db, busy_wait, st);
    if (!(flags & MAMORI_STORE_READONLY)) {
        snprintf(pragma, sizeof pragma,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=%d;"
                 /* Reads through a memory map and a larger page cache: the
                  * lookups of every webhook then cost no read() calls. */
                 " PRAGMA mmap_size=268435456; PRAGMA cache_size=-16384;",
                 (sync_mode == MAMORI_SYNC_NORMAL || (flags & MAMORI_STORE_GROUP_COMMIT)) ? "NORMAL" : "FULL",
                 (flags & MAMORI_STORE_NO_AUTOCHECKPOINT) ? 20000 : 1000);
        st->group_commit = sync_mode == MAMORI_SYNC_FULL && (flags & MAMORI_STORE_GROUP_COMMIT);
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

/* A store file (or its -wal / -shm) must be readable and writable. */
static int check_rw(const char *path, const char *what, struct mamori_error *err)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return MAMORI_OK;
        return mamori_error_set(err, MAMORI_EIO, "store %s %s: %s", what, path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return mamori_error_set(err, MAMORI_EINVAL, "store %s %s: not a regular file", what, path);
    if (access(path, R_OK | W_OK) != 0)
        return mamori_error_set(err, MAMORI_EIO,
                                "store %s %s (owner uid %u, mode %04o) cannot be read and written by uid %u: %s; "
                                "the daemon would run with a read-only store (run: chown SERVICE-USER: %s)",
                                what, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
                                (unsigned)getuid(), strerror(errno), path);
    return MAMORI_OK;
}

int mamori_store_check(const char *path, struct mamori_error *err)
{
    if (mamori_pg_is_url(path))
        return mamori_pg_check(path, err);
    char *dir = mamori_strdup(path), *slash, *side = NULL;
    const char *d;
    unsigned char hdr[100];
    struct stat st;
    int rc = MAMORI_OK, fd;
    ssize_t n;

    if (dir == NULL || (side = malloc(strlen(path) + 5)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL)
        d = ".";
    else if (slash == dir)
        d = "/";
    else {
        *slash = '\0';
        d = dir;
    }
    /* SQLite creates the store, its -wal and -shm next to it. */
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = mamori_error_set(err, MAMORI_EIO, "store directory %s does not exist (create it, owned by the service "
                              "user)", d);
        goto out;
    }
    if (access(d, W_OK | X_OK) != 0) {
        rc = mamori_error_set(err, MAMORI_EIO,
                              "store directory %s (owner uid %u, mode %04o) is not writable by uid %u: the store, "
                              "its -wal and -shm are created there (run: chown SERVICE-USER: %s)",
                              d, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)getuid(), d);
        goto out;
    }
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            rc = mamori_error_set(err, MAMORI_EIO, "store %s: %s", path, strerror(errno));
        goto out; /* missing: the daemon creates it at first start */
    }
    if ((rc = check_rw(path, "file", err)) != 0)
        goto out;
    snprintf(side, strlen(path) + 5, "%s-wal", path);
    if ((rc = check_rw(side, "WAL", err)) != 0)
        goto out;
    snprintf(side, strlen(path) + 5, "%s-shm", path);
    if ((rc = check_rw(side, "shared-memory file", err)) != 0)
        goto out;

    /* The header, not sqlite3_open: even a read-only open of a WAL
     * database creates the -shm. user_version is at offset 60; a
     * migration not yet checkpointed shows the older version, which is
     * fine: only a store newer than this build is an error. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        rc = mamori_error_set(err, MAMORI_EIO, "store %s: %s", path, strerror(errno));
        goto out;
    }
    n = read(fd, hdr, sizeof hdr);
    close(fd);
    if (n == 0)
        goto out; /* empty: SQLite makes it a database at first start */
    if (n != (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0) {
        rc = mamori_error_set(err, MAMORI_EDB, "store %s is not an SQLite database (move it away, or fix [store] "
                              "path)", path);
        goto out;
    }
    {
        int have = (int)(((unsigned)hdr[60] << 24) | ((unsigned)hdr[61] << 16) | ((unsigned)hdr[62] << 8) | hdr[63]);
        if (have > mamori_schema_count())
            rc = mamori_error_set(err, MAMORI_EDB,
                                  "store %s has schema version %d, newer than this mamori (%d); upgrade mamori or "
                                  "restore a backup",
                                  path, have, mamori_schema_count());
    }
out:
    free(dir);
    free(side);
    return rc;
}

void mamori_store_close(struct mamori_store *st)
{
    if (st == NULL)
        return;
    mamori_pg_close(st);
    for (int i = 0; i < MAMORI_STMT_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    if (st->db != NULL) {
        if (st->in_tx)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(st->db);
    }
    if (st->audit_key != NULL) {
        explicit_bzero(st->audit_key, st->audit_key_len);
        free(st->audit_key);
    }
    free(st->path);
    free(st->wal_path);
    free(st);
}

int mamori_store_set_audit_key(struct mamori_store *st, const unsigned char *key, size_t len)
{
    unsigned char *copy = NULL;

    if (len > 0) {
        if ((copy = malloc(len)) == NULL)
            return MAMORI_ENOMEM;
        memcpy(copy, key, len);
    }
    if (st->audit_key != NULL) {
        explicit_bzero(st->audit_key, st->audit_key_len);
        free(st->audit_key);
    }
    st->audit_key = copy;
    st->audit_key_len = len;
    return MAMORI_OK;
}

/* A transaction statement through the statement cache: sqlite3_exec
 * would parse and free it each time, four times per webhook. Errors as
 * mamori_store_exec's. */
static int exec_cached(struct mamori_store *st, enum mamori_stmt which, const char *sql, struct mamori_error *err)
{
    sqlite3_stmt *s = mamori_store_stmt(st, which, sql);
    int rc;

    if (s == NULL)
        return mamori_store_exec(st, sql, err); /* reports why it cannot be prepared */
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int status = sqlite3_errcode(st->db) == SQLITE_BUSY ? MAMORI_EBUSY : MAMORI_EDB;
        if (err != NULL)
            mamori_error_set(err, status, "store %s: %s", st->path, sqlite3_errmsg(st->db));
        sqlite3_reset(s);
        return status;
    }
    sqlite3_reset(s);
    return MAMORI_OK;
}

int mamori_store_begin(struct mamori_store *st, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_begin(st, err);
    int rc = exec_cached(st, MAMORI_STMT_BEGIN_WRITE, "BEGIN IMMEDIATE", err);
    if (rc == 0)
        st->in_tx = 1;
    return rc;
}

/* COMMIT; on failure the transaction is ended. Not yet durable with group
 * commit. */
static int commit_only(struct mamori_store *st, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_commit(st, err);
    int rc = exec_cached(st, MAMORI_STMT_COMMIT, "COMMIT", err);

    if (rc != 0) {
        /* A failed COMMIT may leave the transaction open: end it. */
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    st->in_tx = 0;
    return rc;
}

int mamori_store_commit(struct mamori_store *st, struct mamori_error *err)
{
    int rc = commit_only(st, err);

    if (rc == 0 && st->group_commit) {
        /* Committed but not yet synced: durable only after this. */
        rc = mamori_group_commit_sync(st->wal_path, err);
    }
    return rc;
}

void mamori_store_defer_durability(struct mamori_store *st, int on)
{
    st->defer_durability = on && st->group_commit && mamori_group_commit_available();
}

int mamori_store_commit_deferred(struct mamori_store *st, struct mamori_error *err)
{
    int rc;

    if (!st->defer_durability)
        return mamori_store_commit(st, err);
    if ((rc = commit_only(st, err)) == 0) {
        st->ticket = mamori_group_commit_announce();
        st->ticket_pending = 1;
    }
    return rc;
}

int mamori_store_barrier(struct mamori_store *st, struct mamori_error *err)
{
    /* Without group commit every COMMIT synced before it released the
     * write lock, so whatever this connection can read is durable. */
    if (!st->group_commit)
        return MAMORI_OK;
    if (!st->defer_durability)
        return mamori_group_commit_sync(st->wal_path, err);
    /* The WAL frames of what we read were written before we read them,
     * so a sync that starts after this announcement covers them. */
    st->ticket = mamori_group_commit_announce();
    st->ticket_pending = 1;
    return MAMORI_OK;
}

int mamori_store_take_ticket(struct mamori_store *st, uint32_t *ticket)
{
    if (!st->ticket_pending)
        return 0;
    *ticket = st->ticket;
    st->ticket_pending = 0;
    return 1;
}

int mamori_store_ticket_done(uint32_t ticket)
{
    return mamori_group_commit_done(ticket);
}

int mamori_store_wait_ticket(struct mamori_store *st, uint32_t ticket, const struct timespec *since, long max_ms,
                             struct mamori_error *err)
{
    return mamori_group_commit_wait(ticket, since, st->wal_path, max_ms, err);
}

void mamori_store_rollback(struct mamori_store *st)
{
    if (st->pg != NULL) {
        mamori_pg_rollback(st);
        return;
    }
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
}

int mamori_store_read_begin(struct mamori_store *st, struct mamori_error *err)
{
    /* PostgreSQL: each statement reads the newest committed data; a
     * snapshot would cost two more round trips per webhook. */
    if (st->pg != NULL)
        return MAMORI_OK;
    return exec_cached(st, MAMORI_STMT_BEGIN_READ, "BEGIN", err);
}

void mamori_store_read_end(struct mamori_store *st)
{
    if (st->pg != NULL)
        return;
    if (!sqlite3_get_autocommit(st->db))
        exec_cached(st, MAMORI_STMT_COMMIT, "COMMIT", NULL);
}

int mamori_store_writable(struct mamori_store *st, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_writable(st, err);
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
    if (st->pg != NULL)
        return mamori_pg_event_get(st, tenant, connector, event_id, response, status, err);
    sqlite3_stmt *s = NULL;
    int rc;

    *response = NULL;
    if ((s = mamori_store_stmt(st, MAMORI_STMT_EVENT_GET, "SELECT status, response FROM events WHERE tenant=?1 AND connector=?2 AND event_id=?3")) == NULL)
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
    sqlite3_reset(s);
    return rc;
}

int mamori_store_event_put(struct mamori_store *st, const struct mamori_event_row *row, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_event_put(st, row, err);
    sqlite3_stmt *s;
    int rc;

    if ((s = mamori_store_stmt(st, MAMORI_STMT_EVENT_PUT,
                               "INSERT INTO events(tenant, connector, event_id, ticket_id, received_at, status, response,"
                               " requester, is_harassment, severity, categories, escalation)"
                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")) == NULL)
        return db_error(st, err, "recording an event");
    sqlite3_bind_text(s, 1, row->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, row->connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, row->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)row->received_at);
    sqlite3_bind_int(s, 6, row->status);
    sqlite3_bind_text(s, 7, row->response, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, row->requester, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 9, row->is_harassment);
    sqlite3_bind_text(s, 10, row->severity ? row->severity : "none", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, row->categories ? row->categories : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 12, row->escalation ? row->escalation : "none", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        rc = MAMORI_OK;
    else if ((rc & 0xff) == SQLITE_CONSTRAINT)
        rc = mamori_error_set(err, MAMORI_ECONFLICT, "event %s already recorded", row->event_id);
    else
        rc = db_error(st, err, "recording an event");
    sqlite3_reset(s);
    return rc;
}

int mamori_store_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                                  struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_annotation_count(st, tenant, ticket_id, out, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if ((s = mamori_store_stmt(st, MAMORI_STMT_ANNOTATION_COUNT, "SELECT count(*) FROM annotations WHERE tenant=?1 AND ticket_id=?2")) == NULL)
        return db_error(st, err, "counting annotations");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    rc = rc == SQLITE_ROW ? MAMORI_OK : db_error(st, err, "counting annotations");
    sqlite3_reset(s);
    return rc;
}

int mamori_store_event_summary(struct mamori_store *st, time_t since, int64_t *total, int64_t *recent, time_t *last,
                               struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_event_summary(st, since, total, recent, last, err);
    sqlite3_stmt *s = NULL;
    int rc;

    *total = *recent = 0;
    *last = 0;
    /* The newest row is the highest id (rowid order). */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*), coalesce(sum(received_at>=?1),0),"
                           " coalesce((SELECT received_at FROM events ORDER BY id DESC LIMIT 1),0) FROM events",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "events: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_int64(s, 1, (sqlite3_int64)since);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *total = sqlite3_column_int64(s, 0);
        *recent = sqlite3_column_int64(s, 1);
        *last = (time_t)sqlite3_column_int64(s, 2);
        rc = MAMORI_OK;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "events: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return rc;
}
