/* outbox.c -- see outbox.h. */
#include "config.h"

#include "store/outbox.h"

#include "store/pg.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"

int mamori_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                          const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                          struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_enqueue(st, tenant, connector, kind, dedupe_key, payload, now, id, err);
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
    if (st->pg != NULL)
        return mamori_pg_outbox_depth(st, pending, dead, err);
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

/* ---- the deliverer and the admin ---- */

#define JOB_COLUMNS                                                                                                  \
    "id, tenant, connector, kind, dedupe_key, payload, progress, state, last_error, attempts, next_attempt_at,"     \
    " lease_until, created_at, updated_at, done_at, lease_owner"

void mamori_outbox_job_free(struct mamori_outbox_job *j)
{
    free(j->tenant);
    free(j->connector);
    free(j->kind);
    free(j->dedupe_key);
    free(j->payload);
    free(j->progress);
    free(j->state);
    free(j->last_error);
    memset(j, 0, sizeof *j);
}

static char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? mamori_strdup((const char *)t) : NULL;
}

static int read_job(sqlite3_stmt *s, struct mamori_outbox_job *j)
{
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(s, 0);
    j->tenant = col_text(s, 1);
    j->connector = col_text(s, 2);
    j->kind = col_text(s, 3);
    j->dedupe_key = col_text(s, 4);
    j->payload = col_text(s, 5);
    j->progress = col_text(s, 6);
    j->state = col_text(s, 7);
    j->last_error = col_text(s, 8);
    j->attempts = (long)sqlite3_column_int64(s, 9);
    j->next_attempt_at = sqlite3_column_int64(s, 10);
    j->lease_until = sqlite3_column_int64(s, 11);
    j->created_at = sqlite3_column_int64(s, 12);
    j->updated_at = sqlite3_column_int64(s, 13);
    j->done_at = sqlite3_column_int64(s, 14);
    j->lease_owner = (long)sqlite3_column_int64(s, 15);
    if (j->tenant == NULL || j->connector == NULL || j->kind == NULL || j->dedupe_key == NULL || j->payload == NULL ||
        j->state == NULL) {
        mamori_outbox_job_free(j);
        return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

static int prep(struct mamori_store *st, const char *sql, sqlite3_stmt **s, struct mamori_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    return MAMORI_OK;
}

/* Step a statement with no rows; MAMORI_ENOTFOUND when it changed nothing. */
static int run_change(struct mamori_store *st, sqlite3_stmt *s, struct mamori_error *err)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        rc = sqlite3_changes(st->db) > 0 ? MAMORI_OK : MAMORI_ENOTFOUND;
    else
        rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    if (rc == MAMORI_ENOTFOUND)
        mamori_error_set(err, MAMORI_ENOTFOUND, "no such outbox job (or it changed meanwhile)");
    return rc;
}

int mamori_outbox_due(struct mamori_store *st, const char *kind, long long now, struct mamori_outbox_due *due,
                      size_t max, size_t *n, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_due(st, kind, now, due, max, n, err);
    sqlite3_stmt *s;
    int rc;

    *n = 0;
    if ((rc = prep(st, "SELECT id, tenant FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 AND lease_until <= ?1"
                       " AND kind = ?3 ORDER BY next_attempt_at, id LIMIT ?2", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
        const unsigned char *t = sqlite3_column_text(s, 1);
        due[*n].id = sqlite3_column_int64(s, 0);
        snprintf(due[*n].tenant, sizeof due[*n].tenant, "%s", t ? (const char *)t : "");
        (*n)++;
    }
    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "outbox: %s",
                                                                                  sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_outbox_next_due(struct mamori_store *st, long long *at, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_next_due(st, at, err);
    sqlite3_stmt *s;
    int rc;

    *at = 0;
    if ((rc = prep(st, "SELECT min(max(next_attempt_at, lease_until)) FROM outbox WHERE state = 'pending'", &s, err)) != 0)
        return rc;
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *at = sqlite3_column_int64(s, 0);
        rc = MAMORI_OK;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_outbox_get(struct mamori_store *st, int64_t id, struct mamori_outbox_job *job, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_get(st, id, job, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " JOB_COLUMNS " FROM outbox WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = read_job(s, job) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    else if (rc == SQLITE_DONE)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no outbox job %lld", (long long)id);
    else
        rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return rc;
}

int mamori_outbox_claim(struct mamori_store *st, int64_t id, long long now, long long lease_until, long owner,
                        struct mamori_outbox_job *job, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_claim(st, id, now, lease_until, owner, job, err);
    sqlite3_stmt *s;
    int rc;

    /* One UPDATE decides who gets the job: concurrent deliverers (an old
     * generation draining during a reload) never both lease it. */
    if ((rc = prep(st, "UPDATE outbox SET lease_until = ?2, lease_owner = ?3, attempts = attempts + 1, updated_at = ?4"
                       " WHERE id = ?1 AND state = 'pending' AND lease_until <= ?4 AND next_attempt_at <= ?4",
                   &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, lease_until);
    sqlite3_bind_int64(s, 3, owner);
    sqlite3_bind_int64(s, 4, now);
    if ((rc = run_change(st, s, err)) != 0)
        return rc;
    return mamori_outbox_get(st, id, job, err);
}

int mamori_outbox_progress(struct mamori_store *st, int64_t id, const char *progress, long long now,
                           struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_progress(st, id, progress, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE outbox SET progress = ?2, updated_at = ?3 WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, progress, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    return run_change(st, s, err);
}

int mamori_outbox_done(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_done(st, id, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE outbox SET state = 'done', done_at = ?2, updated_at = ?2, lease_until = 0, last_error = NULL"
                       " WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    return run_change(st, s, err);
}

int mamori_outbox_fail(struct mamori_store *st, int64_t id, long long now, long long next_at, int dead,
                       const char *reason, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_fail(st, id, now, next_at, dead, reason, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE outbox SET state = CASE WHEN ?4 THEN 'dead' ELSE 'pending' END, next_attempt_at = ?3,"
                       " lease_until = 0, last_error = ?5, updated_at = ?2 WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, next_at);
    sqlite3_bind_int(s, 4, dead != 0);
    sqlite3_bind_text(s, 5, reason, -1, SQLITE_STATIC);
    return run_change(st, s, err);
}

int mamori_outbox_release_orphans(struct mamori_store *st, long long now, int *released, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_release_orphans(st, now, released, err);
    sqlite3_stmt *s;
    long owners[64];
    size_t n = 0;
    int rc;

    *released = 0;
    if ((rc = prep(st, "SELECT DISTINCT lease_owner FROM outbox WHERE state = 'pending' AND lease_until > ?1 LIMIT 64",
                   &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    while (sqlite3_step(s) == SQLITE_ROW && n < 64)
        owners[n++] = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    for (size_t i = 0; i < n; i++) {
        if (owners[i] == (long)getpid() || (owners[i] > 0 && (kill((pid_t)owners[i], 0) == 0 || errno != ESRCH)))
            continue; /* ours, or alive (or not ours to probe): its lease stands */
        if ((rc = prep(st, "UPDATE outbox SET lease_until = 0 WHERE state = 'pending' AND lease_owner = ?1 AND lease_until > ?2",
                       &s, err)) != 0)
            return rc;
        sqlite3_bind_int64(s, 1, owners[i]);
        sqlite3_bind_int64(s, 2, now);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db));
            sqlite3_finalize(s);
            return rc;
        }
        *released += sqlite3_changes(st->db);
        sqlite3_finalize(s);
    }
    return MAMORI_OK;
}

int mamori_outbox_list(struct mamori_store *st, const char *state, size_t max,
                       int (*cb)(void *ctx, const struct mamori_outbox_job *job), void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_list(st, state, max, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " JOB_COLUMNS " FROM outbox WHERE (?1 IS NULL AND state != 'done') OR state = ?1"
                       " ORDER BY id DESC LIMIT ?2", &s, err)) != 0)
        return rc;
    if (state != NULL)
        sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_outbox_job j;
        if (read_job(s, &j) != 0) {
            sqlite3_finalize(s);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        rc = cb(ctx, &j);
        mamori_outbox_job_free(&j);
        if (rc != 0)
            break;
    }
    rc = (rc == SQLITE_DONE || rc == 0) ? MAMORI_OK : (rc == SQLITE_ROW ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "outbox: %s", sqlite3_errmsg(st->db)));
    sqlite3_finalize(s);
    return rc;
}

int mamori_outbox_retry(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_retry(st, id, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, lease_until = 0,"
                       " updated_at = ?2 WHERE id = ?1 AND state != 'done'", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    return run_change(st, s, err);
}

int mamori_outbox_drop(struct mamori_store *st, int64_t id, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_outbox_drop(st, id, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "DELETE FROM outbox WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return run_change(st, s, err);
}
