/* pg_outbox.c -- the PostgreSQL statements of outbox.h; see pg.h for how
 * a job is claimed by one node. */
#include "config.h"

#include "store/pg.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOB_COLUMNS                                                                                                  \
    "id, tenant, connector, kind, dedupe_key, payload, progress, state, last_error, attempts, next_attempt_at,"     \
    " lease_until, created_at, updated_at, done_at, lease_owner"

int mamori_pg_outbox_enqueue(struct mamori_store *st, const char *tenant, const char *connector, const char *kind,
                             const char *dedupe_key, const char *payload, time_t now, int64_t *id,
                             struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, connector);
    mamori_pg_text(&p, kind);
    mamori_pg_text(&p, dedupe_key);
    mamori_pg_text(&p, payload);
    mamori_pg_int(&p, (long long)now);
    if ((rc = mamori_pg_run(st, "outbox",
                            "INSERT INTO outbox(tenant, connector, kind, dedupe_key, payload, next_attempt_at,"
                            " created_at, updated_at) VALUES($1, $2, $3, $4, $5, $6, $6, $6)"
                            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                            &p, &res, err)) != 0)
        return rc;
    if (id != NULL)
        *id = PQntuples(res) > 0 ? mamori_pg_ll(res, 0, 0) : 0;
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_outbox_depth(struct mamori_store *st, int64_t *pending, int64_t *dead, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *pending = *dead = 0;
    if ((rc = mamori_pg_run(st, "outbox",
                            "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'dead')"
                            " FROM outbox WHERE state != 'done'",
                            NULL, &res, err)) != 0)
        return rc;
    *pending = mamori_pg_ll(res, 0, 0);
    *dead = mamori_pg_ll(res, 0, 1);
    PQclear(res);
    return MAMORI_OK;
}

static int read_job(PGresult *res, int r, struct mamori_outbox_job *j)
{
    memset(j, 0, sizeof *j);
    j->id = mamori_pg_ll(res, r, 0);
    j->tenant = mamori_pg_dup(res, r, 1);
    j->connector = mamori_pg_dup(res, r, 2);
    j->kind = mamori_pg_dup(res, r, 3);
    j->dedupe_key = mamori_pg_dup(res, r, 4);
    j->payload = mamori_pg_dup(res, r, 5);
    j->progress = mamori_pg_dup(res, r, 6);
    j->state = mamori_pg_dup(res, r, 7);
    j->last_error = mamori_pg_dup(res, r, 8);
    j->attempts = (long)mamori_pg_ll(res, r, 9);
    j->next_attempt_at = mamori_pg_ll(res, r, 10);
    j->lease_until = mamori_pg_ll(res, r, 11);
    j->created_at = mamori_pg_ll(res, r, 12);
    j->updated_at = mamori_pg_ll(res, r, 13);
    j->done_at = mamori_pg_ll(res, r, 14);
    j->lease_owner = (long)mamori_pg_ll(res, r, 15);
    if (j->tenant == NULL || j->connector == NULL || j->kind == NULL || j->dedupe_key == NULL || j->payload == NULL ||
        j->state == NULL || (!PQgetisnull(res, r, 6) && j->progress == NULL) ||
        (!PQgetisnull(res, r, 8) && j->last_error == NULL)) {
        mamori_outbox_job_free(j);
        return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

/* An UPDATE/DELETE of one job; MAMORI_ENOTFOUND when it changed nothing. */
static int change(struct mamori_store *st, const char *sql, const struct mamori_pg_params *p,
                  struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "outbox", sql, p, &res, err)) != 0)
        return rc;
    rc = mamori_pg_changed(res) > 0
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_ENOTFOUND, "no such outbox job (or it changed meanwhile)");
    PQclear(res);
    return rc;
}

int mamori_pg_outbox_due(struct mamori_store *st, const char *kind, long long now, struct mamori_outbox_due *due,
                         size_t max, size_t *n, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *n = 0;
    mamori_pg_int(&p, now);
    mamori_pg_int(&p, (long long)max);
    mamori_pg_text(&p, kind);
    /* SKIP LOCKED: rows another node is claiming right now are left to
     * it instead of being waited for. The claim below decides. */
    if ((rc = mamori_pg_run(st, "outbox",
                            "SELECT id, tenant FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1"
                            " AND lease_until <= $1 AND kind = $3 ORDER BY next_attempt_at, id LIMIT $2"
                            " FOR UPDATE SKIP LOCKED",
                            &p, &res, err)) != 0)
        return rc;
    for (int r = 0; r < PQntuples(res) && *n < max; r++) {
        due[*n].id = mamori_pg_ll(res, r, 0);
        snprintf(due[*n].tenant, sizeof due[*n].tenant, "%s", PQgetvalue(res, r, 1));
        (*n)++;
    }
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_outbox_next_due(struct mamori_store *st, long long *at, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *at = 0;
    if ((rc = mamori_pg_run(st, "outbox",
                            "SELECT coalesce(min(greatest(next_attempt_at, lease_until)), 0) FROM outbox"
                            " WHERE state = 'pending'",
                            NULL, &res, err)) != 0)
        return rc;
    *at = mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_outbox_get(struct mamori_store *st, int64_t id, struct mamori_outbox_job *job, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_int(&p, id);
    if ((rc = mamori_pg_run(st, "outbox", "SELECT " JOB_COLUMNS " FROM outbox WHERE id = $1", &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no outbox job %lld", (long long)id);
    else
        rc = read_job(res, 0, job) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    PQclear(res);
    return rc;
}

int mamori_pg_outbox_claim(struct mamori_store *st, int64_t id, long long now, long long lease_until, long owner,
                           struct mamori_outbox_job *job, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, lease_until);
    mamori_pg_int(&p, owner);
    mamori_pg_int(&p, now);
    mamori_pg_text(&p, st->pg->node);
    /* One statement takes the row lock (skipping a row another node is
     * claiming this instant), re-checks the lease on the newest version
     * and sets ours: two nodes never both lease a job. The lease expires,
     * so a job of a node that died mid-delivery is claimed again later. */
    if ((rc = mamori_pg_run(st, "outbox",
                            "UPDATE outbox SET lease_until = $2, lease_owner = $3, lease_node = $5,"
                            " attempts = attempts + 1, updated_at = $4"
                            " WHERE id = (SELECT id FROM outbox WHERE id = $1 AND state = 'pending'"
                            " AND lease_until <= $4 AND next_attempt_at <= $4 FOR UPDATE SKIP LOCKED)"
                            " RETURNING " JOB_COLUMNS,
                            &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no such outbox job (or it changed meanwhile)");
    else
        rc = read_job(res, 0, job) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    PQclear(res);
    return rc;
}

int mamori_pg_outbox_progress(struct mamori_store *st, int64_t id, const char *progress, long long now,
                              struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    mamori_pg_text(&p, progress);
    mamori_pg_int(&p, now);
    return change(st, "UPDATE outbox SET progress = $2, updated_at = $3 WHERE id = $1", &p, err);
}

int mamori_pg_outbox_done(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, now);
    return change(st,
                  "UPDATE outbox SET state = 'done', done_at = $2, updated_at = $2, lease_until = 0, last_error = NULL"
                  " WHERE id = $1",
                  &p, err);
}

int mamori_pg_outbox_fail(struct mamori_store *st, int64_t id, long long now, long long next_at, int dead,
                          const char *reason, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, now);
    mamori_pg_int(&p, next_at);
    mamori_pg_int(&p, dead != 0);
    mamori_pg_text(&p, reason);
    return change(st,
                  "UPDATE outbox SET state = CASE WHEN $4::int <> 0 THEN 'dead' ELSE 'pending' END,"
                  " next_attempt_at = $3, lease_until = 0, last_error = $5, updated_at = $2 WHERE id = $1",
                  &p, err);
}

int mamori_pg_outbox_release_orphans(struct mamori_store *st, long long now, int *released,
                                     struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    long owners[64];
    int n = 0, rc;

    *released = 0;
    /* Only this host's leases: a pid means nothing on another host,
     * whose dead deliverer's leases simply expire. */
    mamori_pg_int(&p, now);
    mamori_pg_text(&p, st->pg->node);
    if ((rc = mamori_pg_run(st, "outbox",
                            "SELECT DISTINCT lease_owner FROM outbox WHERE state = 'pending' AND lease_until > $1"
                            " AND lease_node = $2 LIMIT 64",
                            &p, &res, err)) != 0)
        return rc;
    for (int r = 0; r < PQntuples(res) && n < 64; r++)
        owners[n++] = (long)mamori_pg_ll(res, r, 0);
    PQclear(res);
    for (int i = 0; i < n; i++) {
        struct mamori_pg_params q = {0};
        if (owners[i] == (long)getpid() || (owners[i] > 0 && (kill((pid_t)owners[i], 0) == 0 || errno != ESRCH)))
            continue; /* ours, or alive: its lease stands */
        mamori_pg_int(&q, owners[i]);
        mamori_pg_int(&q, now);
        mamori_pg_text(&q, st->pg->node);
        if ((rc = mamori_pg_run(st, "outbox",
                                "UPDATE outbox SET lease_until = 0 WHERE state = 'pending' AND lease_owner = $1"
                                " AND lease_until > $2 AND lease_node = $3",
                                &q, &res, err)) != 0)
            return rc;
        *released += (int)mamori_pg_changed(res);
        PQclear(res);
    }
    return MAMORI_OK;
}

int mamori_pg_outbox_list(struct mamori_store *st, const char *state, size_t max,
                          int (*cb)(void *ctx, const struct mamori_outbox_job *job), void *ctx,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, state);
    mamori_pg_int(&p, (long long)max);
    if ((rc = mamori_pg_run(st, "outbox",
                            "SELECT " JOB_COLUMNS " FROM outbox WHERE ($1::text IS NULL AND state != 'done')"
                            " OR state = $1 ORDER BY id DESC LIMIT $2",
                            &p, &res, err)) != 0)
        return rc;
    for (int r = 0; r < PQntuples(res); r++) {
        struct mamori_outbox_job j;
        if (read_job(res, r, &j) != 0) {
            PQclear(res);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        rc = cb(ctx, &j);
        mamori_outbox_job_free(&j);
        if (rc != 0)
            break;
    }
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_outbox_retry(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, now);
    return change(st,
                  "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, lease_until = 0,"
                  " updated_at = $2 WHERE id = $1 AND state != 'done'",
                  &p, err);
}

int mamori_pg_outbox_drop(struct mamori_store *st, int64_t id, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    return change(st, "DELETE FROM outbox WHERE id = $1", &p, err);
}
