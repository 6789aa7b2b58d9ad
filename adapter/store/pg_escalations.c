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
    " coalesce(retained_at,0), coalesce(last_followup_at,0), followups, coalesce(held_until,0),"                   \
    " coalesce(digest_id,0)"

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
    r->held_until = mamori_pg_ll(res, i, 19);
    r->digest_id = mamori_pg_ll(res, i, 20);
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
    mamori_pg_int(&p, r->held_until);
    if ((rc = mamori_pg_run(st, "escalations",
                            "INSERT INTO escalations(tenant, ticket_id, level, connector, event_id, ticket,"
                            " categories, channels, message, created_at, ack_due_at, held_until)"
                            " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11::bigint, 0),"
                            " nullif($12::bigint, 0))"
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

/* One message sent about an escalation, or (escalation_id 0) about a
 * digest (digest_id 0: none). */
static int message_insert(struct mamori_store *st, int64_t escalation_id, int64_t digest_id, const char *tenant,
                          const char *channel, const char *recipient, const char *platform_id, long long now,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, escalation_id);
    mamori_pg_text(&p, tenant);
    mamori_pg_text(&p, channel);
    mamori_pg_text(&p, recipient);
    mamori_pg_text(&p, platform_id);
    mamori_pg_int(&p, now);
    mamori_pg_int(&p, digest_id);
    return mamori_pg_run(st, "escalation messages",
                         "INSERT INTO escalation_messages(escalation_id, tenant, channel, recipient, platform_id,"
                         " sent_at, digest_id) VALUES($1, $2, $3, $4, $5, $6, NULLIF($7::bigint, 0))",
                         &p, NULL, err);
}

int mamori_pg_escalation_message_put(struct mamori_store *st, int64_t escalation_id, const char *tenant,
                                     const char *channel, const char *recipient, const char *platform_id,
                                     long long now, struct mamori_error *err)
{
    return message_insert(st, escalation_id, 0, tenant, channel, recipient, platform_id, now, err);
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

/* ---- digests ---- */

static int each_row(struct mamori_store *st, const char *sql, const struct mamori_pg_params *p,
                    int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = mamori_pg_run(st, "escalation digests", sql, p, &res, err)) != 0)
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

/* One integer: *v (0 when no row or NULL), *found. */
static int one_int(struct mamori_store *st, const char *sql, const struct mamori_pg_params *p, long long *v,
                   int *found, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    *v = 0;
    *found = 0;
    if ((rc = mamori_pg_run(st, "escalation digests", sql, p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) > 0) {
        *found = 1;
        *v = PQgetisnull(res, 0, 0) ? 0 : mamori_pg_ll(res, 0, 0);
    }
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_digest_window(struct mamori_store *st, const char *tenant, long long since, long long now,
                            long long *window_end, long *opened, struct mamori_error *err)
{
    struct mamori_pg_params p = {0}, q = {0};
    long long v;
    int rc, found;

    *opened = 0;
    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, now);
    if ((rc = one_int(st, "SELECT max(held_until) FROM escalations WHERE tenant = $1 AND held_until > $2"
                          " AND digest_id IS NULL", &p, window_end, &found, err)) != 0)
        return rc;
    mamori_pg_text(&q, tenant);
    mamori_pg_int(&q, since);
    rc = one_int(st, "SELECT count(*) FROM escalations WHERE tenant = $1 AND created_at >= $2"
                     " AND level NOT LIKE 'consult-%'", &q, &v, &found, err);
    *opened = (long)v;
    return rc;
}

int mamori_pg_digest_due(struct mamori_store *st, long long now, struct mamori_digest_due *out, size_t max, size_t *n,
                         struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    *n = 0;
    mamori_pg_int(&p, now);
    mamori_pg_int(&p, (long long)max);
    if ((rc = mamori_pg_run(st, "escalation digests",
                            "SELECT tenant, held_until FROM escalations WHERE held_until IS NOT NULL"
                            " AND digest_id IS NULL AND held_until <= $1 GROUP BY tenant, held_until"
                            " ORDER BY held_until, tenant LIMIT $2",
                            &p, &res, err)) != 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && *n < max; i++) {
        if ((out[*n].tenant = mamori_pg_dup(res, i, 0)) == NULL) {
            PQclear(res);
            mamori_digest_due_free(out, *n);
            *n = 0;
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        out[(*n)++].window_end = mamori_pg_ll(res, i, 1);
    }
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_digest_held(struct mamori_store *st, const char *tenant, long long window_end,
                          int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, window_end);
    /* Locked: a second runner waits, then finds them digested. */
    return each_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = $1 AND held_until = $2"
                        " AND digest_id IS NULL ORDER BY id FOR UPDATE", &p, cb, ctx, err);
}

int mamori_pg_digest_escalations(struct mamori_store *st, int64_t digest_id,
                                 int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                 struct mamori_error *err)
{
    struct mamori_pg_params p = {0};

    mamori_pg_int(&p, digest_id);
    return each_row(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE digest_id = $1 ORDER BY id", &p, cb, ctx,
                    err);
}

int mamori_pg_digest_create(struct mamori_store *st, const char *tenant, long long window_end, long escalations,
                            const char *channels, long long now, int64_t *id, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long v;
    int rc, found;

    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, window_end);
    mamori_pg_int(&p, escalations);
    mamori_pg_text(&p, channels ? channels : "");
    mamori_pg_int(&p, now);
    rc = one_int(st, "INSERT INTO escalation_digests(tenant, window_end, escalations, channels, created_at)"
                     " VALUES($1, $2, $3, $4, $5) RETURNING id", &p, &v, &found, err);
    *id = (int64_t)v;
    return rc;
}

int mamori_pg_digest_assign(struct mamori_store *st, int64_t id, int64_t digest_id, long long ack_due_at,
                            int keep_message, int *changed, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_int(&p, id);
    mamori_pg_int(&p, digest_id);
    mamori_pg_int(&p, ack_due_at);
    mamori_pg_int(&p, keep_message != 0);
    rc = update(st, "UPDATE escalations SET digest_id = $2, ack_due_at = nullif($3::bigint, 0),"
                    " message = CASE WHEN $4::integer <> 0 THEN message END WHERE id = $1 AND digest_id IS NULL",
                &p, &n, err);
    *changed = (int)n;
    return rc;
}

int mamori_pg_digest_message_put(struct mamori_store *st, int64_t digest_id, const char *tenant, const char *channel,
                                 const char *recipient, const char *platform_id, long long now,
                                 struct mamori_error *err)
{
    return message_insert(st, 0, digest_id, tenant, channel, recipient, platform_id, now, err);
}

int mamori_pg_digest_match(struct mamori_store *st, const char *tenant, const char *message_id,
                           const char *const *recipients, long long since, int64_t *digest_id,
                           struct mamori_error *err)
{
    long long v;
    int rc, found;

    *digest_id = 0;
    if (message_id != NULL) {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, tenant);
        mamori_pg_text(&p, message_id);
        if ((rc = one_int(st, "SELECT coalesce(digest_id, 0) FROM escalation_messages WHERE tenant = $1"
                              " AND platform_id = $2 ORDER BY id DESC LIMIT 1", &p, &v, &found, err)) != 0)
            return rc;
        if (found) {
            *digest_id = v;
            return v > 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOTFOUND, "a reply to an escalation");
        }
    }
    for (size_t i = 0; recipients != NULL && recipients[i] != NULL; i++) {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, tenant);
        mamori_pg_text(&p, recipients[i]);
        mamori_pg_int(&p, since);
        if ((rc = one_int(st, "SELECT coalesce(digest_id, 0) FROM escalation_messages WHERE tenant = $1"
                              " AND recipient = $2 AND sent_at >= $3 ORDER BY sent_at DESC, id DESC LIMIT 1", &p, &v,
                          &found, err)) != 0)
            return rc;
        if (found) {
            *digest_id = v;
            return v > 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOTFOUND, "a reply to an escalation");
        }
    }
    return mamori_error_set(err, MAMORI_ENOTFOUND, "no digest matches");
}

int mamori_pg_digest_get(struct mamori_store *st, int64_t id, struct mamori_digest_row *d, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc, bad = 0;

    memset(d, 0, sizeof *d);
    mamori_pg_int(&p, id);
    if ((rc = mamori_pg_run(st, "escalation digests",
                            "SELECT id, tenant, channels, acked_by, window_end, created_at, coalesce(acked_at, 0),"
                            " escalations FROM escalation_digests WHERE id = $1",
                            &p, &res, err)) != 0)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return mamori_error_set(err, MAMORI_ENOTFOUND, "no digest %lld", (long long)id);
    }
    d->id = mamori_pg_ll(res, 0, 0);
    d->tenant = col(res, 0, 1, &bad);
    d->channels = col(res, 0, 2, &bad);
    d->acked_by = col(res, 0, 3, &bad);
    d->window_end = mamori_pg_ll(res, 0, 4);
    d->created_at = mamori_pg_ll(res, 0, 5);
    d->acked_at = mamori_pg_ll(res, 0, 6);
    d->escalations = (long)mamori_pg_ll(res, 0, 7);
    PQclear(res);
    if (bad || d->tenant == NULL) {
        mamori_digest_row_free(d);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    return MAMORI_OK;
}

int mamori_pg_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by, long long now,
                         int *changed, struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    long long n = 0;
    int rc;

    mamori_pg_int(&p, id);
    mamori_pg_text(&p, tenant);
    mamori_pg_int(&p, now);
    mamori_pg_text(&p, by);
    rc = update(st, "UPDATE escalation_digests SET acked_at = $3, acked_by = $4"
                    " WHERE id = $1 AND tenant = $2 AND acked_at IS NULL",
                &p, &n, err);
    *changed = (int)n;
    return rc;
}
