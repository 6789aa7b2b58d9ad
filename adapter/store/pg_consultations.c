/* pg_consultations.c -- the PostgreSQL statements of consultations.h (see
 * pg.h). Same rules as consultations.c: one consultation per (tenant,
 * event), its number the row id. */
#include "config.h"

#include "store/consultations.h"
#include "store/pg.h"

#include <stdlib.h>

int mamori_pg_consultation_insert(struct mamori_store *st, const struct mamori_consultation_row *r, int64_t *number,
                                  struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    /* A row's id is taken from the sequence before ON CONFLICT looks, so
     * a plain INSERT of a redelivered note would burn a number: the NOT
     * EXISTS keeps numbers consecutive as on sqlite, and ON CONFLICT
     * still settles two nodes inserting the same event at once (a gap
     * then, as after any rollback). */
    *number = 0;
    mamori_pg_text(&p, r->tenant);
    mamori_pg_text(&p, r->ticket_id);
    mamori_pg_text(&p, r->target);
    mamori_pg_text(&p, r->event_id);
    mamori_pg_text(&p, r->asked_by);
    mamori_pg_text(&p, r->question_sha256);
    mamori_pg_text(&p, r->channels ? r->channels : "");
    mamori_pg_int(&p, r->created_at);
    if ((rc = mamori_pg_run(st, "recording a consultation",
                            "INSERT INTO consultations(tenant, ticket_id, target, event_id, asked_by,"
                            " question_sha256, channels, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8::bigint"
                            " WHERE NOT EXISTS(SELECT 1 FROM consultations WHERE tenant = $1 AND event_id = $4)"
                            " ON CONFLICT (tenant, event_id) DO NOTHING RETURNING id",
                            &p, &res, err)) != 0)
        return rc;
    /* No row back: the event asked already (the sqlite side's "no change"). */
    if (PQntuples(res) == 0)
        rc = MAMORI_ECONFLICT;
    else
        *number = (int64_t)mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return rc;
}

int mamori_pg_consultation_ticket_facts(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                        int *known, char **categories, char **response, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *known = 0;
    *categories = *response = NULL;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "reading the ticket's events",
                            "SELECT count(*), (SELECT categories FROM events WHERE tenant = $1 AND ticket_id = $2"
                            " AND is_harassment = 1 ORDER BY id DESC LIMIT 1),"
                            " (SELECT response FROM events WHERE tenant = $1 AND ticket_id = $2"
                            " AND is_harassment = 1 ORDER BY id DESC LIMIT 1)"
                            " FROM events WHERE tenant = $1 AND ticket_id = $2",
                            &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return mamori_error_set(err, MAMORI_EDB, "reading the ticket's events: no row");
    }
    *known = mamori_pg_ll(res, 0, 0) > 0;
    *categories = mamori_pg_dup(res, 0, 1);
    *response = mamori_pg_dup(res, 0, 2);
    if ((*categories == NULL && !PQgetisnull(res, 0, 1)) || (*response == NULL && !PQgetisnull(res, 0, 2))) {
        free(*categories);
        free(*response);
        *categories = *response = NULL;
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

int mamori_pg_consultation_ticket_elsewhere(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                            int *found, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *found = 0;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "reading the ticket's events",
                            "SELECT 1 FROM events WHERE ticket_id = $2 AND tenant <> $1 LIMIT 1", &p, &res, err)) != 0)
        return rc;
    *found = PQntuples(res) > 0;
    PQclear(res);
    return MAMORI_OK;
}
