/* pg_training_links.c -- the PostgreSQL statements of training_links.h
 * (see pg.h): the same rows and rules as training_links.c. */
#include "config.h"

#include "store/pg.h"

#include "store/training_links.h"

int mamori_pg_training_link_issue(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  const char *url, const char *category, const char *title, long long now,
                                  struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_text(&p, url);
    mamori_pg_text(&p, category ? category : "");
    mamori_pg_text(&p, title);
    mamori_pg_int(&p, now);
    return mamori_pg_run(st, "recording a training link",
                         "INSERT INTO training_links(tenant, ticket_id, url, category, title, issued_at)"
                         " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, ticket_id, url) DO NOTHING",
                         &p, NULL, err);
}

int mamori_pg_training_link_open(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                 const char *url, const char *category, long long issued_at, long long now,
                                 int *first, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *first = 0;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_text(&p, url);
    mamori_pg_text(&p, category ? category : "");
    mamori_pg_int(&p, issued_at);
    mamori_pg_int(&p, now);
    /* As in training_links.c: a row comes back only when this open set
     * opened_at (a new row, or one never opened). Concurrent opens on two
     * nodes: the second waits for the first's commit, then finds opened_at
     * set. */
    if ((rc = mamori_pg_run(st, "recording a training open",
                            "INSERT INTO training_links(tenant, ticket_id, url, category, issued_at, opened_at)"
                            " VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, ticket_id, url) DO UPDATE SET"
                            " opened_at = EXCLUDED.opened_at WHERE training_links.opened_at IS NULL RETURNING 1",
                            &p, &res, err)) != 0)
        return rc;
    *first = PQntuples(res) > 0;
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_training_link_each(struct mamori_store *st, const char *tenant, const char *ticket_id, long long from,
                                 long long to,
                                 int (*cb)(void *ctx, const char *ticket_id, const char *url, const char *category,
                                           const char *title, long long issued_at, long long opened_at),
                                 void *ctx, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    if (ticket_id != NULL)
        mamori_pg_text(&p, ticket_id);
    else {
        mamori_pg_int(&p, from);
        mamori_pg_int(&p, to);
    }
    if ((rc = mamori_pg_run(st, "reading training links",
                            ticket_id != NULL
                                ? "SELECT ticket_id, url, category, title, issued_at, opened_at FROM training_links"
                                  " WHERE tenant = $1 AND ticket_id = $2 ORDER BY issued_at, url"
                                : "SELECT ticket_id, url, category, title, issued_at, opened_at FROM training_links"
                                  " WHERE tenant = $1 AND issued_at >= $2 AND issued_at < $3 ORDER BY issued_at",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = cb(ctx, mamori_pg_str(res, i, 0), mamori_pg_str(res, i, 1), mamori_pg_str(res, i, 2),
                mamori_pg_str(res, i, 3), mamori_pg_ll(res, i, 4), mamori_pg_ll(res, i, 5));
    PQclear(res);
    return rc;
}

