/* pg_warnings.c -- the PostgreSQL statements of warnings.h (see pg.h).
 * Same rules as warnings.c: a warning once per (tenant, source_key), a
 * restriction once per (tenant, requester). The list runs on every
 * harassment webhook with a requester hash (ingest/warned.c). */
#include "config.h"

#include "store/pg.h"
#include "store/warnings.h"

#include <stdlib.h>

int mamori_pg_warning_put(struct mamori_store *st, const struct mamori_warning_row *r, int *inserted,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *inserted = 0;
    mamori_pg_text(&p, r->tenant);
    mamori_pg_text(&p, r->requester);
    mamori_pg_text(&p, r->ticket_id);
    mamori_pg_text(&p, r->source);
    mamori_pg_text(&p, r->source_key);
    mamori_pg_text(&p, r->given_by);
    mamori_pg_int(&p, r->given_at);
    if ((rc = mamori_pg_run(st, "recording a warning",
                            "INSERT INTO warnings(tenant, requester, ticket_id, source, source_key, given_by,"
                            " given_at) VALUES($1, $2, $3, $4, $5, $6, $7)"
                            " ON CONFLICT (tenant, source_key) DO NOTHING",
                            &p, &res, err)) != 0)
        return rc;
    *inserted = mamori_pg_changed(res) > 0;
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_warnings_list(struct mamori_store *st, const char *tenant, const char *requester, long long *at,
                            char **tickets, size_t max, size_t *total, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    size_t n, i;
    int rc;

    *total = 0;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, requester);
    if ((rc = mamori_pg_run(st, "reading warnings",
                            "SELECT given_at, ticket_id FROM warnings WHERE tenant = $1 AND requester = $2"
                            " ORDER BY given_at, id",
                            &p, &res, err)) != 0)
        return rc;
    n = (size_t)PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        at[i] = mamori_pg_ll(res, (int)i, 0);
        if ((tickets[i] = mamori_pg_dup(res, (int)i, 1)) == NULL) {
            while (i-- > 0) {
                free(tickets[i]);
                tickets[i] = NULL;
            }
            PQclear(res);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    PQclear(res);
    *total = n;
    return MAMORI_OK;
}

int mamori_pg_restriction_put(struct mamori_store *st, const struct mamori_restriction_row *r, int *inserted,
                              struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *inserted = 0;
    mamori_pg_text(&p, r->tenant);
    mamori_pg_text(&p, r->requester);
    mamori_pg_text(&p, r->ticket_id);
    mamori_pg_text(&p, r->decided_by);
    mamori_pg_int(&p, r->decided_at);
    mamori_pg_text(&p, r->via);
    if ((rc = mamori_pg_run(st, "recording a restriction",
                            "INSERT INTO restrictions(tenant, requester, ticket_id, decided_by, decided_at, via)"
                            " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, requester) DO NOTHING",
                            &p, &res, err)) != 0)
        return rc;
    *inserted = mamori_pg_changed(res) > 0;
    PQclear(res);
    return MAMORI_OK;
}
