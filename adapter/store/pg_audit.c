/* pg_audit.c -- the PostgreSQL statements of the audit chain; the chain's
 * logic (hashing, verification) stays in audit.c. See pg.h. */
#include "config.h"

#include "store/pg.h"

#include <stdio.h>
#include <string.h>

int mamori_pg_audit_lock_head(struct mamori_store *st, int64_t *seq, char prev[65], int *keyed, int64_t *records,
                              struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *seq = 0;
    prev[0] = '\0';
    *keyed = 0;
    *records = 0;
    /* One writer at a time across every node, until this transaction
     * ends: the head read after the lock is then the head we extend, so
     * two nodes never write the same seq (a fork) and a rolled-back append
     * leaves no gap. The function (pg_schema.c) reads the head in a
     * statement of its own, whose snapshot is taken after the lock was
     * granted (READ COMMITTED); one round trip for both. */
    if ((rc = mamori_pg_run(st, "audit", "SELECT seq, hash, keyed FROM mamori_audit_lock_head()", NULL, &res, err)) !=
        0)
        return rc;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        *seq = mamori_pg_ll(res, 0, 0);
        snprintf(prev, 65, "%s", PQgetvalue(res, 0, 1));
        *keyed = mamori_pg_ll(res, 0, 2) != 0;
        *records = *seq; /* seq has no gaps: the count without a scan */
    }
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_audit_insert(struct mamori_store *st, int64_t seq, const char *at, const char *tenant, const char *kind,
                           const char *subject, const char *data, const char *prev, const char *hash, int keyed,
                           struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, seq);
    mamori_pg_text(&p, at);
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, kind);
    mamori_pg_text(&p, subject);
    mamori_pg_text(&p, data);
    mamori_pg_text(&p, prev);
    mamori_pg_text(&p, hash);
    mamori_pg_int(&p, keyed);
    return mamori_pg_run(st, "audit",
                         "INSERT INTO audit(seq, at, tenant, kind, subject, data, prev_hash, hash, keyed)"
                         " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         &p, NULL, err);
}

int mamori_pg_audit_each(struct mamori_store *st,
                         int (*cb)(void *ctx, int64_t seq, int keyed, const char *const col[7]), void *ctx,
                         struct mamori_error *err)
{
    PGresult *res;
    int rc;

    /* One result in memory: verification is an admin command, and a
     * chain of a million records is some hundreds of megabytes at most. */
    if ((rc = mamori_pg_run(st, "audit",
                            "SELECT seq, keyed, at, tenant, kind, subject, data, prev_hash, hash FROM audit ORDER BY seq",
                            NULL, &res, err)) != 0)
        return rc;
    for (int r = 0; r < PQntuples(res) && rc == 0; r++) {
        const char *col[7];
        for (int i = 0; i < 7; i++)
            col[i] = PQgetvalue(res, r, i + 2);
        rc = cb(ctx, mamori_pg_ll(res, r, 0), mamori_pg_ll(res, r, 1) != 0, col);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_audit_head(struct mamori_store *st, int64_t *seq, char hash[65], struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *seq = 0;
    hash[0] = '\0';
    if ((rc = mamori_pg_run(st, "audit", "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, &res, err)) !=
        0)
        return rc;
    if (PQntuples(res) > 0) {
        *seq = mamori_pg_ll(res, 0, 0);
        snprintf(hash, 65, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return MAMORI_OK;
}
