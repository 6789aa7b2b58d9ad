/* pg_events.c -- the PostgreSQL statements of store.h (events, contact
 * history), meta.h, strikes.h and poll_cursor.h; see pg.h. */
#include "config.h"

#include "store/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"

int mamori_pg_event_get(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                        char **response, int *status, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *response = NULL;
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, connector);
    mamori_pg_text(&p, event_id);
    if ((rc = mamori_pg_run(st, "looking up an event",
                            "SELECT status, response FROM events WHERE tenant=$1 AND connector=$2 AND event_id=$3", &p,
                            &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0) {
        rc = MAMORI_ENOTFOUND;
    } else {
        *status = (int)mamori_pg_ll(res, 0, 0);
        *response = mamori_pg_dup(res, 0, 1);
        rc = *response ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

int mamori_pg_event_put(struct mamori_store *st, const struct mamori_event_row *row, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, row->tenant);
    mamori_pg_text(&p, row->connector);
    mamori_pg_text(&p, row->event_id);
    mamori_pg_text(&p, row->ticket_id);
    mamori_pg_int(&p, (long long)row->received_at);
    mamori_pg_int(&p, row->status);
    mamori_pg_text(&p, row->response);
    mamori_pg_text(&p, row->requester);
    mamori_pg_int(&p, row->is_harassment);
    mamori_pg_text(&p, row->severity ? row->severity : "none");
    mamori_pg_text(&p, row->categories ? row->categories : "");
    mamori_pg_text(&p, row->escalation ? row->escalation : "none");
    /* The unique index is the dedupe across nodes: a concurrent delivery
     * of the same event waits here for the first one's transaction, then
     * inserts nothing. ON CONFLICT keeps the transaction usable. */
    if ((rc = mamori_pg_run(st, "recording an event",
                            "INSERT INTO events(tenant, connector, event_id, ticket_id, received_at, status, response,"
                            " requester, is_harassment, severity, categories, escalation)"
                            " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                            " ON CONFLICT (tenant, connector, event_id) DO NOTHING",
                            &p, &res, err)) != 0)
        return rc;
    rc = mamori_pg_changed(res) == 1 ? MAMORI_OK
                                      : mamori_error_set(err, MAMORI_ECONFLICT, "event %s already recorded", row->event_id);
    PQclear(res);
    return rc;
}

/* One count(*)-like number from a query. */
static int one_number(struct mamori_store *st, const char *what, const char *sql, const struct mamori_pg_params *p,
                      int64_t *out, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *out = 0;
    if ((rc = mamori_pg_run(st, what, sql, p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) > 0)
        *out = mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                               struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    return one_number(st, "counting annotations", "SELECT count(*) FROM events WHERE tenant=$1 AND ticket_id=$2", &p,
                      out, err);
}

int mamori_pg_contact_count(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t since,
                            int64_t *out, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    /* Every node's events are in this one table: the history is the
     * requester's across nodes. */
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, requester_hash);
    mamori_pg_int(&p, (long long)since);
    return one_number(st, "counting contacts",
                      "SELECT count(*) FROM events WHERE tenant=$1 AND requester=$2 AND received_at>=$3", &p, out, err);
}

int mamori_pg_event_summary(struct mamori_store *st, time_t since, int64_t *total, int64_t *recent, time_t *last,
                            struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *total = *recent = 0;
    *last = 0;
    mamori_pg_int(&p, (long long)since);
    if ((rc = mamori_pg_run(st, "events",
                            "SELECT count(*), count(*) FILTER (WHERE received_at >= $1::bigint),"
                            " coalesce((SELECT received_at FROM events ORDER BY id DESC LIMIT 1), 0) FROM events",
                            &p, &res, err)) != 0)
        return rc;
    *total = mamori_pg_ll(res, 0, 0);
    *recent = mamori_pg_ll(res, 0, 1);
    *last = (time_t)mamori_pg_ll(res, 0, 2);
    PQclear(res);
    return MAMORI_OK;
}

/* ---- meta ---- */

int mamori_pg_meta_set(struct mamori_store *st, const char *key, const char *value, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, key);
    mamori_pg_text(&p, value);
    return mamori_pg_run(st, "meta",
                         "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2", &p,
                         NULL, err);
}

int mamori_pg_meta_get(struct mamori_store *st, const char *key, char **value, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *value = NULL;
    mamori_pg_text(&p, key);
    if ((rc = mamori_pg_run(st, "meta", "SELECT value FROM meta WHERE key = $1", &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = MAMORI_ENOTFOUND;
    else
        rc = (*value = mamori_strdup(PQgetvalue(res, 0, 0))) != NULL
                 ? MAMORI_OK
                 : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    PQclear(res);
    return rc;
}

/* ---- strikes ---- */

int mamori_pg_strikes_add(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *event_id,
                          time_t now, int64_t *count, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_text(&p, event_id);
    mamori_pg_int(&p, (long long)now);
    return one_number(st, "recording a strike",
                      "INSERT INTO strikes(tenant, ticket_id, strikes, last_event, last_at) VALUES($1, $2, 1, $3, $4)"
                      " ON CONFLICT (tenant, ticket_id) DO UPDATE SET strikes = strikes.strikes + 1,"
                      " last_event = $3, last_at = $4 RETURNING strikes",
                      &p, count, err);
}

int mamori_pg_strikes_get(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *count,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    return one_number(st, "reading strikes", "SELECT strikes FROM strikes WHERE tenant = $1 AND ticket_id = $2", &p,
                      count, err);
}

int mamori_pg_strikes_release(struct mamori_store *st, const char *tenant, const char *ticket_id,
                              struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    if ((rc = mamori_pg_run(st, "releasing a ticket", "DELETE FROM strikes WHERE tenant = $1 AND ticket_id = $2", &p,
                            &res, err)) != 0)
        return rc;
    rc = mamori_pg_changed(res) > 0 ? MAMORI_OK
                                    : mamori_error_set(err, MAMORI_ENOTFOUND, "ticket %s of tenant %s has no strikes",
                                                       ticket_id, tenant);
    PQclear(res);
    return rc;
}

/* ---- poll cursors ---- */

int mamori_pg_poll_cursor_get(struct mamori_store *st, const char *tenant, char *out, size_t cap)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int found = 0;

    mamori_pg_text(&p, tenant);
    if (mamori_pg_run(st, "poll cursor", "SELECT cursor FROM poll_cursor WHERE tenant = $1", &p, &res, NULL) != 0)
        return 0;
    if (PQntuples(res) > 0) {
        snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
        found = 1;
    }
    PQclear(res);
    return found;
}

int mamori_pg_poll_cursor_set(struct mamori_store *st, const char *tenant, const char *cursor, time_t ok_at,
                              struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, cursor);
    mamori_pg_int(&p, (long long)ok_at);
    return mamori_pg_run(st, "poll cursor",
                         "INSERT INTO poll_cursor(tenant, cursor, updated_at) VALUES($1, $2, $3::bigint)"
                         " ON CONFLICT (tenant) DO UPDATE SET cursor = $2,"
                         " updated_at = CASE WHEN $3::bigint > 0 THEN $3::bigint ELSE poll_cursor.updated_at END",
                         &p, NULL, err);
}

int mamori_pg_strikes_each(struct mamori_store *st, int64_t min,
                           int (*fn)(void *ctx, const char *tenant, const char *ticket_id, int64_t strikes,
                                     const char *last_event, time_t last_at),
                           void *ctx, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_int(&p, (long long)min);
    if ((rc = mamori_pg_run(st, "strikes",
                            "SELECT tenant, ticket_id, strikes, coalesce(last_event, '-'), last_at FROM strikes"
                            " WHERE strikes >= $1 ORDER BY tenant, ticket_id",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = fn(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), mamori_pg_ll(res, i, 2), PQgetvalue(res, i, 3),
                (time_t)mamori_pg_ll(res, i, 4));
    PQclear(res);
    return rc;
}

int mamori_pg_poll_cursor_each(struct mamori_store *st,
                               int (*fn)(void *ctx, const char *tenant, const char *cursor, time_t ok_at), void *ctx,
                               struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "poll cursor", "SELECT tenant, cursor, updated_at FROM poll_cursor ORDER BY tenant",
                            NULL, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = fn(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), (time_t)mamori_pg_ll(res, i, 2));
    PQclear(res);
    return rc;
}
