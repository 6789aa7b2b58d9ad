/* pg_escalations.c -- the PostgreSQL statements of escalations.h that the
 * webhook's commit path runs (see pg.h); the lawyer's LINE commands and the
 * deadline checks are not implemented on PostgreSQL yet. */
#include "config.h"

#include "store/pg.h"

#include <limits.h>
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

/* ---- one escalation, the deadline check, the lawyer's commands ---- */

/* The first row of a query into *r: 0, MAMORI_ENOTFOUND or an error. */
static int one_row(struct mamori_store *st, const char *sql, const struct mamori_pg_params *p,
                   struct mamori_escalation_row *r, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "escalations", sql, p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no such escalation");
    else
        rc = read_row(res, 0, r) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    PQclear(res);
    return rc;
}

int mamori_pg_escalation_get(struct mamori_store *st, int64_t id, struct mamori_escalation_row *r,
                             struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    return one_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = $1", &p, r, err);
}

int mamori_pg_escalation_get_level(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                   const char *level, struct mamori_escalation_row *r, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_text(&p, level);
    return one_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = $1 AND ticket_id = $2 AND level = $3",
                   &p, r, err);
}

int mamori_pg_escalation_match(struct mamori_store *st, const char *tenant, const char *message_id,
                               const char *ticket_ref, const char *const *recipients, long long since,
                               struct mamori_escalation_row *r, struct mamori_error *err)
{
    int rc;

    if (message_id != NULL) {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, tenant);
        mamori_pg_text(&p, message_id);
        if ((rc = one_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = (SELECT escalation_id FROM"
                              " escalation_messages WHERE tenant = $1 AND platform_id = $2 ORDER BY id DESC LIMIT 1)",
                          &p, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    if (ticket_ref != NULL) {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, tenant);
        mamori_pg_text(&p, ticket_ref);
        if ((rc = one_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = $1 AND ticket_id = $2"
                              " ORDER BY created_at DESC, id DESC LIMIT 1",
                          &p, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    for (size_t i = 0; recipients != NULL && recipients[i] != NULL; i++) {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, tenant);
        mamori_pg_text(&p, recipients[i]);
        mamori_pg_int(&p, since);
        if ((rc = one_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = (SELECT escalation_id FROM"
                              " escalation_messages WHERE tenant = $1 AND recipient = $2 AND sent_at >= $3"
                              " ORDER BY sent_at DESC, id DESC LIMIT 1)",
                          &p, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    return mamori_error_set(err, MAMORI_ENOTFOUND, "no escalation matches");
}

int mamori_pg_escalation_message_put(struct mamori_store *st, int64_t escalation_id, const char *tenant,
                                     const char *channel, const char *recipient, const char *platform_id,
                                     long long now, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, escalation_id);
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, channel);
    mamori_pg_text(&p, recipient);
    mamori_pg_text(&p, platform_id);
    mamori_pg_int(&p, now);
    return mamori_pg_run(st, "escalations",
                         "INSERT INTO escalation_messages(escalation_id, tenant, channel, recipient, platform_id,"
                         " sent_at) VALUES($1, $2, $3, $4, $5, $6)",
                         &p, NULL, err);
}

/* An UPDATE; *changed rows (may be NULL). */
static int update(struct mamori_store *st, const char *sql, const struct mamori_pg_params *p, long long *changed,
                  struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "escalations", sql, p, &res, err)) != 0)
        return rc;
    if (changed != NULL)
        *changed = mamori_pg_changed(res);
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_escalation_ack(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *by,
                             long long now, int *changed, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, ticket_id);
    mamori_pg_int(&p, now);
    mamori_pg_text(&p, by);
    rc = update(st, "UPDATE escalations SET acked_at = $3, acked_by = $4, message = NULL"
                    " WHERE tenant = $1 AND ticket_id = $2 AND acked_at IS NULL",
                &p, &n, err);
    *changed = (int)n;
    return rc;
}

int mamori_pg_escalation_retain(struct mamori_store *st, int64_t id, const char *by, long long now,
                                struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, now);
    mamori_pg_text(&p, by);
    return update(st, "UPDATE escalations SET retained_at = coalesce(retained_at, $2), retained_by = $3 WHERE id = $1",
                  &p, NULL, err);
}

int mamori_pg_escalation_overdue(struct mamori_store *st, long long now, int64_t *ids, size_t max, size_t *n,
                                 struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *n = 0;
    mamori_pg_int(&p, now);
    mamori_pg_int(&p, (long long)max);
    if ((rc = mamori_pg_run(st, "escalations",
                            "SELECT id FROM escalations WHERE ack_due_at IS NOT NULL AND acked_at IS NULL"
                            " AND backup_at IS NULL AND ack_due_at <= $1 ORDER BY ack_due_at, id LIMIT $2",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && *n < max; i++)
        ids[(*n)++] = mamori_pg_ll(res, i, 0);
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_escalation_mark_backup(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, now);
    /* Under the escalation's row lock: a node that checks the deadline
     * while another node's worker records the acknowledgement sees one
     * or the other, never both. */
    if ((rc = update(st, "UPDATE escalations SET backup_at = $2, message = NULL WHERE id = $1 AND backup_at IS NULL"
                         " AND acked_at IS NULL",
                     &p, &n, err)) != 0)
        return rc;
    return n ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOTFOUND, "acknowledged or told meanwhile");
}

int mamori_pg_escalation_list(struct mamori_store *st, const char *tenant, int open_only, size_t max,
                              int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                              struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, open_only != 0);
    /* (size_t)-1 asks for every row (the report does): sqlite reads it as
     * LIMIT -1, PostgreSQL refuses a negative LIMIT; LIMIT NULL is none. */
    if (max > (size_t)LLONG_MAX)
        mamori_pg_text(&p, NULL);
    else
        mamori_pg_int(&p, (long long)max);
    if ((rc = mamori_pg_run(st, "escalations",
                            "SELECT " ROW_COLUMNS " FROM escalations WHERE ($1::text IS NULL OR tenant = $1)"
                            " AND ($2::int = 0 OR acked_at IS NULL) ORDER BY id DESC LIMIT $3::bigint",
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

int mamori_pg_lawyer_seen(struct mamori_store *st, const char *tenant, const char *user, long long now, int *inserted,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, user);
    mamori_pg_int(&p, now);
    rc = update(st, "INSERT INTO lawyers(tenant, line_user_id, state, first_seen_at, updated_at)"
                    " VALUES($1, $2, 'pending', $3, $3) ON CONFLICT (tenant, line_user_id) DO NOTHING",
                &p, &n, err);
    *inserted = n > 0;
    return rc;
}

int mamori_pg_lawyer_set_state(struct mamori_store *st, const char *tenant, const char *user, const char *state,
                               const char *name, long long now, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, user);
    mamori_pg_text(&p, name);
    mamori_pg_text(&p, state);
    mamori_pg_int(&p, now);
    return update(st, "INSERT INTO lawyers(tenant, line_user_id, name, state, approved_at, updated_at)"
                      " VALUES($1, $2, $3, $4, CASE WHEN $4 = 'approved' THEN $5::bigint END, $5)"
                      " ON CONFLICT (tenant, line_user_id) DO UPDATE SET state = excluded.state,"
                      " name = coalesce(excluded.name, lawyers.name),"
                      " approved_at = CASE WHEN excluded.state = 'approved' THEN $5::bigint"
                      " ELSE lawyers.approved_at END, updated_at = $5",
                  &p, NULL, err);
}

int mamori_pg_lawyer_list(struct mamori_store *st, const char *tenant,
                          int (*cb)(void *ctx, const struct mamori_lawyer_row *r), void *ctx,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, tenant);
    if ((rc = mamori_pg_run(st, "lawyers",
                            "SELECT tenant, line_user_id, name, state, coalesce(first_seen_at,0),"
                            " coalesce(approved_at,0), updated_at FROM lawyers WHERE $1::text IS NULL OR tenant = $1"
                            " ORDER BY tenant, state, line_user_id",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        struct mamori_lawyer_row r;
        int bad = 0;
        memset(&r, 0, sizeof r);
        r.tenant = col(res, i, 0, &bad);
        r.user = col(res, i, 1, &bad);
        r.name = col(res, i, 2, &bad);
        r.state = col(res, i, 3, &bad);
        r.first_seen_at = mamori_pg_ll(res, i, 4);
        r.approved_at = mamori_pg_ll(res, i, 5);
        r.updated_at = mamori_pg_ll(res, i, 6);
        rc = bad ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : cb(ctx, &r);
        mamori_lawyer_row_free(&r);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_line_event_put(struct mamori_store *st, const char *tenant, const char *event_id, long long now,
                             struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, event_id);
    mamori_pg_int(&p, now);
    /* The primary key dedupes a LINE redelivery across nodes. */
    if ((rc = update(st, "INSERT INTO line_events(tenant, event_id, received_at) VALUES($1, $2, $3)"
                         " ON CONFLICT (tenant, event_id) DO NOTHING",
                     &p, &n, err)) != 0)
        return rc;
    return n ? MAMORI_OK : MAMORI_ECONFLICT;
}

int mamori_pg_line_events_purge(struct mamori_store *st, long long before, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, before);
    return update(st, "DELETE FROM line_events WHERE received_at < $1", &p, NULL, err);
}
