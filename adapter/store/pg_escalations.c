/* pg_escalations.c -- the PostgreSQL statements of escalations.h that the
 * webhook's commit path runs (see pg.h); the lawyer's LINE commands and the
 * deadline checks are not implemented on PostgreSQL yet. */
#include "config.h"

#include "store/pg.h"

#include <stdlib.h>
#include <string.h>

#define ROW_COLUMNS                                                                                                  \
    "id, tenant, ticket_id, level, connector, event_id, ticket, categories, channels, message, acked_by,"         \
    " retained_by, created_at, coalesce(ack_due_at,0), coalesce(acked_at,0), coalesce(backup_at,0),"               \
    " coalesce(retained_at,0), coalesce(last_followup_at,0), followups"

static char *col(PGresult *res, int r, int c, int *bad)
{
    char *s = mamori_pg_dup(res, r, c);

    if (s == NULL && !PQgetisnull(res, r, c))
        *bad = 1;
    return s;
}

static int read_row(PGresult *res, int i, struct mamori_escalation_row *r)
{
    int bad = 0;

    memset(r, 0, sizeof *r);
    r->id = mamori_pg_ll(res, i, 0);
    r->tenant = col(res, i, 1, &bad);
    r->ticket_id = col(res, i, 2, &bad);
    r->level = col(res, i, 3, &bad);
    r->connector = col(res, i, 4, &bad);
    r->event_id = col(res, i, 5, &bad);
    r->ticket = col(res, i, 6, &bad);
    r->categories = col(res, i, 7, &bad);
    r->channels = col(res, i, 8, &bad);
    r->message = col(res, i, 9, &bad);
    r->acked_by = col(res, i, 10, &bad);
    r->retained_by = col(res, i, 11, &bad);
    r->created_at = mamori_pg_ll(res, i, 12);
    r->ack_due_at = mamori_pg_ll(res, i, 13);
    r->acked_at = mamori_pg_ll(res, i, 14);
    r->backup_at = mamori_pg_ll(res, i, 15);
    r->retained_at = mamori_pg_ll(res, i, 16);
    r->last_followup_at = mamori_pg_ll(res, i, 17);
    r->followups = (long)mamori_pg_ll(res, i, 18);
    if (bad || r->tenant == NULL || r->ticket_id == NULL || r->level == NULL) {
        mamori_escalation_row_free(r);
        return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

int mamori_pg_escalation_rows_for_ticket(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                         int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                         struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "escalations",
                            "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = $1 AND ticket_id = $2 ORDER BY id",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        struct mamori_escalation_row r;
        if (read_row(res, i, &r) != 0) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            break;
        }
        rc = cb(ctx, &r);
        mamori_escalation_row_free(&r);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_escalation_insert(struct mamori_store *st, const struct mamori_escalation_row *r, int64_t *id,
                                struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *id = 0;
    mamori_pg_text(&p, r->tenant);
    mamori_pg_text(&p, r->ticket_id);
    mamori_pg_text(&p, r->level);
    mamori_pg_text(&p, r->connector);
    mamori_pg_text(&p, r->event_id ? r->event_id : "");
    mamori_pg_text(&p, r->ticket ? r->ticket : "{}");
    mamori_pg_text(&p, r->categories ? r->categories : "");
    mamori_pg_text(&p, r->channels ? r->channels : "");
    mamori_pg_text(&p, r->message);
    mamori_pg_int(&p, r->created_at);
    mamori_pg_int(&p, r->ack_due_at);
    if ((rc = mamori_pg_run(st, "escalations",
                            "INSERT INTO escalations(tenant, ticket_id, level, connector, event_id, ticket,"
                            " categories, channels, message, created_at, ack_due_at)"
                            " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11::bigint, 0))"
                            " ON CONFLICT (tenant, ticket_id, level) DO NOTHING RETURNING id",
                            &p, &res, err)) != 0)
        return rc;
    *id = PQntuples(res) > 0 ? mamori_pg_ll(res, 0, 0) : 0;
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_escalation_followup(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  const char *level, long long now, long *followups, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *followups = 0;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_text(&p, level);
    mamori_pg_int(&p, now);
    if ((rc = mamori_pg_run(st, "escalations",
                            "UPDATE escalations SET followups = followups + 1, last_followup_at = $4"
                            " WHERE tenant = $1 AND ticket_id = $2 AND level = $3 RETURNING followups",
                            &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no such escalation");
    else
        *followups = (long)mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return rc;
}

int mamori_pg_lawyer_get(struct mamori_store *st, const char *tenant, const char *user, struct mamori_lawyer_row *r,
                         struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc, bad = 0;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, user);
    if ((rc = mamori_pg_run(st, "lawyers",
                            "SELECT tenant, line_user_id, name, state, coalesce(first_seen_at,0),"
                            " coalesce(approved_at,0), updated_at FROM lawyers WHERE tenant = $1 AND line_user_id = $2",
                            &p, &res, err)) != 0)
        return rc;
    memset(r, 0, sizeof *r);
    if (PQntuples(res) == 0) {
        PQclear(res);
        return mamori_error_set(err, MAMORI_ENOTFOUND, "no such LINE user");
    }
    r->tenant = col(res, 0, 0, &bad);
    r->user = col(res, 0, 1, &bad);
    r->name = col(res, 0, 2, &bad);
    r->state = col(res, 0, 3, &bad);
    r->first_seen_at = mamori_pg_ll(res, 0, 4);
    r->approved_at = mamori_pg_ll(res, 0, 5);
    r->updated_at = mamori_pg_ll(res, 0, 6);
    PQclear(res);
    if (bad || r->tenant == NULL || r->user == NULL || r->state == NULL) {
        mamori_lawyer_row_free(r);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    return MAMORI_OK;
}
