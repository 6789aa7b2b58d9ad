/* escalations.c -- see escalations.h. Statements are prepared per
 * call: these paths run a few times per escalation, not per webhook. */
#include "config.h"

#include "store/escalations.h"

#include "store/pg.h"

#include <stdlib.h>
#include <string.h>

#include "base/strv.h"

#define ROW_COLUMNS                                                                                                  \
    "id, tenant, ticket_id, level, connector, event_id, ticket, categories, channels, message, acked_by,"         \
    " retained_by, created_at, coalesce(ack_due_at,0), coalesce(acked_at,0), coalesce(backup_at,0),"               \
    " coalesce(retained_at,0), coalesce(last_followup_at,0), followups, coalesce(held_until,0),"                   \
    " coalesce(digest_id,0)"

static int prep(struct mamori_store *st, const char *sql, sqlite3_stmt **s, struct mamori_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "escalations: %s", sqlite3_errmsg(st->db));
    return MAMORI_OK;
}

static int db_error(struct mamori_store *st, struct mamori_error *err)
{
    return mamori_error_set(err, MAMORI_EDB, "escalations: %s", sqlite3_errmsg(st->db));
}

static char *col(sqlite3_stmt *s, int i, int *bad)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    char *c;

    if (t == NULL)
        return NULL;
    if ((c = mamori_strdup((const char *)t)) == NULL)
        *bad = 1;
    return c;
}

void mamori_escalation_row_free(struct mamori_escalation_row *r)
{
    free(r->tenant);
    free(r->ticket_id);
    free(r->level);
    free(r->connector);
    free(r->event_id);
    free(r->ticket);
    free(r->categories);
    free(r->channels);
    free(r->message);
    free(r->acked_by);
    free(r->retained_by);
    memset(r, 0, sizeof *r);
}

static int read_row(sqlite3_stmt *s, struct mamori_escalation_row *r)
{
    int bad = 0;

    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->tenant = col(s, 1, &bad);
    r->ticket_id = col(s, 2, &bad);
    r->level = col(s, 3, &bad);
    r->connector = col(s, 4, &bad);
    r->event_id = col(s, 5, &bad);
    r->ticket = col(s, 6, &bad);
    r->categories = col(s, 7, &bad);
    r->channels = col(s, 8, &bad);
    r->message = col(s, 9, &bad);
    r->acked_by = col(s, 10, &bad);
    r->retained_by = col(s, 11, &bad);
    r->created_at = sqlite3_column_int64(s, 12);
    r->ack_due_at = sqlite3_column_int64(s, 13);
    r->acked_at = sqlite3_column_int64(s, 14);
    r->backup_at = sqlite3_column_int64(s, 15);
    r->retained_at = sqlite3_column_int64(s, 16);
    r->last_followup_at = sqlite3_column_int64(s, 17);
    r->followups = (long)sqlite3_column_int64(s, 18);
    r->held_until = sqlite3_column_int64(s, 19);
    r->digest_id = sqlite3_column_int64(s, 20);
    if (bad || r->tenant == NULL || r->ticket_id == NULL || r->level == NULL) {
        mamori_escalation_row_free(r);
        return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

/* Step s for one row into *r: MAMORI_OK, MAMORI_ENOTFOUND or an error. */
static int one_row(struct mamori_store *st, sqlite3_stmt *s, struct mamori_escalation_row *r, struct mamori_error *err)
{
    int rc = sqlite3_step(s);

    if (rc == SQLITE_ROW)
        rc = read_row(s, r) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    else if (rc == SQLITE_DONE)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no such escalation");
    else
        rc = db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

static int each_row(struct mamori_store *st, sqlite3_stmt *s,
                    int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx, struct mamori_error *err)
{
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_escalation_row r;
        if (read_row(s, &r) != 0) {
            sqlite3_finalize(s);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        rc = cb(ctx, &r);
        mamori_escalation_row_free(&r);
        if (rc != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK : db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

static int run(struct mamori_store *st, sqlite3_stmt *s, struct mamori_error *err)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK : db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_rows_for_ticket(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                      int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                      struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_rows_for_ticket(st, tenant, ticket_id, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = ?1 AND ticket_id = ?2 ORDER BY id", &s,
                   err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    return each_row(st, s, cb, ctx, err);
}

int mamori_escalation_insert(struct mamori_store *st, const struct mamori_escalation_row *r, int64_t *id,
                             struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_insert(st, r, id, err);
    sqlite3_stmt *s;
    int rc;

    *id = 0;
    if ((rc = prep(st, "INSERT OR IGNORE INTO escalations(tenant, ticket_id, level, connector, event_id, ticket,"
                       " categories, channels, message, created_at, ack_due_at, held_until)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, nullif(?11, 0), nullif(?12, 0))", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->level, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->event_id ? r->event_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->ticket ? r->ticket : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->categories ? r->categories : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, r->channels ? r->channels : "", -1, SQLITE_STATIC);
    if (r->message != NULL)
        sqlite3_bind_text(s, 9, r->message, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 10, r->created_at);
    sqlite3_bind_int64(s, 11, r->ack_due_at);
    sqlite3_bind_int64(s, 12, r->held_until);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        *id = sqlite3_changes(st->db) ? sqlite3_last_insert_rowid(st->db) : 0;
        rc = MAMORI_OK;
    } else {
        rc = db_error(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_followup(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *level,
                               long long now, long *followups, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_followup(st, tenant, ticket_id, level, now, followups, err);
    sqlite3_stmt *s;
    int rc;

    *followups = 0;
    if ((rc = prep(st, "UPDATE escalations SET followups = followups + 1, last_followup_at = ?4"
                       " WHERE tenant = ?1 AND ticket_id = ?2 AND level = ?3 RETURNING followups", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, level, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *followups = (long)sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK : db_error(st, err);
    } else {
        rc = rc == SQLITE_DONE ? mamori_error_set(err, MAMORI_ENOTFOUND, "no such escalation") : db_error(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_get(struct mamori_store *st, int64_t id, struct mamori_escalation_row *r,
                          struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_get(st, id, r, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return one_row(st, s, r, err);
}

int mamori_escalation_get_level(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *level,
                                struct mamori_escalation_row *r, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_get_level(st, tenant, ticket_id, level, r, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = ?1 AND ticket_id = ?2 AND level = ?3",
                   &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, level, -1, SQLITE_STATIC);
    return one_row(st, s, r, err);
}

int mamori_escalation_match(struct mamori_store *st, const char *tenant, const char *message_id,
                            const char *ticket_ref, const char *const *recipients, long long since,
                            struct mamori_escalation_row *r, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_match(st, tenant, message_id, ticket_ref, recipients, since, r, err);
    sqlite3_stmt *s;
    int rc;

    if (message_id != NULL) {
        if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = (SELECT escalation_id FROM"
                           " escalation_messages WHERE tenant = ?1 AND platform_id = ?2 ORDER BY id DESC LIMIT 1)",
                       &s, err)) != 0)
            return rc;
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, message_id, -1, SQLITE_STATIC);
        if ((rc = one_row(st, s, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    if (ticket_ref != NULL) {
        if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = ?1 AND ticket_id = ?2"
                           " ORDER BY created_at DESC, id DESC LIMIT 1", &s, err)) != 0)
            return rc;
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, ticket_ref, -1, SQLITE_STATIC);
        if ((rc = one_row(st, s, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    for (size_t i = 0; recipients != NULL && recipients[i] != NULL; i++) {
        if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE id = (SELECT escalation_id FROM"
                           " escalation_messages WHERE tenant = ?1 AND recipient = ?2 AND sent_at >= ?3"
                           " ORDER BY sent_at DESC, id DESC LIMIT 1)", &s, err)) != 0)
            return rc;
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, recipients[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, since);
        if ((rc = one_row(st, s, r, err)) != MAMORI_ENOTFOUND)
            return rc;
    }
    return mamori_error_set(err, MAMORI_ENOTFOUND, "no escalation matches");
}

/* One message sent about an escalation, or (escalation_id 0) about a
 * digest: the sqlite side of both message_put functions. */
static int message_insert(struct mamori_store *st, int64_t escalation_id, int64_t digest_id, const char *tenant,
                          const char *channel, const char *recipient, const char *platform_id, long long now,
                          struct mamori_error *err)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "INSERT INTO escalation_messages(escalation_id, tenant, channel, recipient, platform_id,"
                       " sent_at, digest_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, escalation_id);
    sqlite3_bind_text(s, 2, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, recipient, -1, SQLITE_STATIC);
    if (platform_id != NULL)
        sqlite3_bind_text(s, 5, platform_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    if (digest_id != 0)
        sqlite3_bind_int64(s, 7, digest_id);
    return run(st, s, err);
}

int mamori_escalation_message_put(struct mamori_store *st, int64_t escalation_id, const char *tenant,
                                  const char *channel, const char *recipient, const char *platform_id, long long now,
                                  struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_message_put(st, escalation_id, tenant, channel, recipient, platform_id, now, err);
    return message_insert(st, escalation_id, 0, tenant, channel, recipient, platform_id, now, err);
}

int mamori_escalation_ack(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *by,
                          long long now, int *changed, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_ack(st, tenant, ticket_id, by, now, changed, err);
    sqlite3_stmt *s;
    int rc;

    *changed = 0;
    if ((rc = prep(st, "UPDATE escalations SET acked_at = ?3, acked_by = ?4, message = NULL"
                       " WHERE tenant = ?1 AND ticket_id = ?2 AND acked_at IS NULL", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        *changed = sqlite3_changes(st->db);
        rc = MAMORI_OK;
    } else {
        rc = db_error(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_retain(struct mamori_store *st, int64_t id, const char *by, long long now,
                             struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_retain(st, id, by, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE escalations SET retained_at = coalesce(retained_at, ?2), retained_by = ?3 WHERE id = ?1",
                   &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
    return run(st, s, err);
}

int mamori_escalation_overdue(struct mamori_store *st, long long now, int64_t *ids, size_t max, size_t *n,
                              struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_overdue(st, now, ids, max, n, err);
    sqlite3_stmt *s;
    int rc;

    *n = 0;
    if ((rc = prep(st, "SELECT id FROM escalations WHERE ack_due_at IS NOT NULL AND acked_at IS NULL AND backup_at IS NULL"
                       " AND ack_due_at <= ?1 ORDER BY ack_due_at, id LIMIT ?2", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? MAMORI_OK : db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_mark_backup(struct mamori_store *st, int64_t id, long long now, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_mark_backup(st, id, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "UPDATE escalations SET backup_at = ?2, message = NULL WHERE id = ?1 AND backup_at IS NULL"
                       " AND acked_at IS NULL", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        rc = sqlite3_changes(st->db) ? MAMORI_OK
                                     : mamori_error_set(err, MAMORI_ENOTFOUND, "acknowledged or told meanwhile");
    else
        rc = db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_escalation_list(struct mamori_store *st, const char *tenant, int open_only, size_t max,
                           int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                           struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_escalation_list(st, tenant, open_only, max, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE (?1 IS NULL OR tenant = ?1)"
                       " AND (?2 = 0 OR acked_at IS NULL) ORDER BY id DESC LIMIT ?3", &s, err)) != 0)
        return rc;
    if (tenant != NULL)
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, open_only != 0);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    return each_row(st, s, cb, ctx, err);
}

/* ---- lawyers ---- */

void mamori_lawyer_row_free(struct mamori_lawyer_row *r)
{
    free(r->tenant);
    free(r->user);
    free(r->name);
    free(r->state);
    memset(r, 0, sizeof *r);
}

static int read_lawyer(sqlite3_stmt *s, struct mamori_lawyer_row *r)
{
    int bad = 0;

    memset(r, 0, sizeof *r);
    r->tenant = col(s, 0, &bad);
    r->user = col(s, 1, &bad);
    r->name = col(s, 2, &bad);
    r->state = col(s, 3, &bad);
    r->first_seen_at = sqlite3_column_int64(s, 4);
    r->approved_at = sqlite3_column_int64(s, 5);
    r->updated_at = sqlite3_column_int64(s, 6);
    if (bad || r->tenant == NULL || r->user == NULL || r->state == NULL) {
        mamori_lawyer_row_free(r);
        return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

#define LAWYER_COLUMNS "tenant, line_user_id, name, state, coalesce(first_seen_at,0), coalesce(approved_at,0), updated_at"

int mamori_lawyer_get(struct mamori_store *st, const char *tenant, const char *user, struct mamori_lawyer_row *r,
                      struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_lawyer_get(st, tenant, user, r, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " LAWYER_COLUMNS " FROM lawyers WHERE tenant = ?1 AND line_user_id = ?2", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = read_lawyer(s, r) ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    else if (rc == SQLITE_DONE)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND, "no such LINE user");
    else
        rc = db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_lawyer_seen(struct mamori_store *st, const char *tenant, const char *user, long long now, int *inserted,
                       struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_lawyer_seen(st, tenant, user, now, inserted, err);
    sqlite3_stmt *s;
    int rc;

    *inserted = 0;
    if ((rc = prep(st, "INSERT OR IGNORE INTO lawyers(tenant, line_user_id, state, first_seen_at, updated_at)"
                       " VALUES(?1, ?2, 'pending', ?3, ?3)", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        *inserted = sqlite3_changes(st->db) > 0;
        rc = MAMORI_OK;
    } else {
        rc = db_error(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_lawyer_set_state(struct mamori_store *st, const char *tenant, const char *user, const char *state,
                            const char *name, long long now, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_lawyer_set_state(st, tenant, user, state, name, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "INSERT INTO lawyers(tenant, line_user_id, name, state, approved_at, updated_at)"
                       " VALUES(?1, ?2, ?3, ?4, CASE WHEN ?4 = 'approved' THEN ?5 END, ?5)"
                       " ON CONFLICT(tenant, line_user_id) DO UPDATE SET state = excluded.state,"
                       " name = coalesce(excluded.name, lawyers.name),"
                       " approved_at = CASE WHEN excluded.state = 'approved' THEN ?5 ELSE lawyers.approved_at END,"
                       " updated_at = ?5", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    if (name != NULL)
        sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    return run(st, s, err);
}

int mamori_lawyer_list(struct mamori_store *st, const char *tenant,
                       int (*cb)(void *ctx, const struct mamori_lawyer_row *r), void *ctx, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_lawyer_list(st, tenant, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " LAWYER_COLUMNS " FROM lawyers WHERE ?1 IS NULL OR tenant = ?1"
                       " ORDER BY tenant, state, line_user_id", &s, err)) != 0)
        return rc;
    if (tenant != NULL)
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_lawyer_row r;
        if (read_lawyer(s, &r) != 0) {
            sqlite3_finalize(s);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        rc = cb(ctx, &r);
        mamori_lawyer_row_free(&r);
        if (rc != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK : db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_line_event_put(struct mamori_store *st, const char *tenant, const char *event_id, long long now,
                          struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_line_event_put(st, tenant, event_id, now, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "INSERT OR IGNORE INTO line_events(tenant, event_id, received_at) VALUES(?1, ?2, ?3)", &s, err)) !=
        0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        rc = sqlite3_changes(st->db) ? MAMORI_OK : MAMORI_ECONFLICT;
    else
        rc = db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_line_events_purge(struct mamori_store *st, long long before, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_line_events_purge(st, before, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "DELETE FROM line_events WHERE received_at < ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, before);
    return run(st, s, err);
}

/* ---- digests ---- */

/* Step s for one integer: *v (0 when no row), *found. */
static int one_int(struct mamori_store *st, sqlite3_stmt *s, long long *v, int *found, struct mamori_error *err)
{
    int rc = sqlite3_step(s);

    *v = 0;
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(s, 0);
        rc = MAMORI_OK;
    } else {
        rc = rc == SQLITE_DONE ? MAMORI_OK : db_error(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_digest_window(struct mamori_store *st, const char *tenant, long long since, long long now,
                         long long *window_end, long *opened, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_window(st, tenant, since, now, window_end, opened, err);
    sqlite3_stmt *s;
    long long v;
    int rc, found;

    *window_end = 0;
    *opened = 0;
    if ((rc = prep(st, "SELECT max(held_until) FROM escalations WHERE tenant = ?1 AND held_until > ?2"
                       " AND digest_id IS NULL", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    if ((rc = one_int(st, s, window_end, &found, err)) != 0)
        return rc;
    if ((rc = prep(st, "SELECT count(*) FROM escalations WHERE tenant = ?1 AND created_at >= ?2"
                       " AND level NOT LIKE 'consult-%'", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, since);
    rc = one_int(st, s, &v, &found, err);
    *opened = (long)v;
    return rc;
}

void mamori_digest_due_free(struct mamori_digest_due *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(d[i].tenant);
}

int mamori_digest_due(struct mamori_store *st, long long now, struct mamori_digest_due *out, size_t max, size_t *n,
                      struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_due(st, now, out, max, n, err);
    sqlite3_stmt *s;
    int rc;

    *n = 0;
    if ((rc = prep(st, "SELECT tenant, held_until FROM escalations WHERE held_until IS NOT NULL AND digest_id IS NULL"
                       " AND held_until <= ?1 GROUP BY tenant, held_until ORDER BY held_until, tenant LIMIT ?2",
                   &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
        int bad = 0;
        out[*n].tenant = col(s, 0, &bad);
        out[*n].window_end = sqlite3_column_int64(s, 1);
        if (bad || out[*n].tenant == NULL) {
            sqlite3_finalize(s);
            mamori_digest_due_free(out, *n);
            *n = 0;
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        (*n)++;
    }
    rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? MAMORI_OK : db_error(st, err);
    sqlite3_finalize(s);
    return rc;
}

int mamori_digest_held(struct mamori_store *st, const char *tenant, long long window_end,
                       int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                       struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_held(st, tenant, window_end, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE tenant = ?1 AND held_until = ?2"
                       " AND digest_id IS NULL ORDER BY id", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, window_end);
    return each_row(st, s, cb, ctx, err);
}

int mamori_digest_escalations(struct mamori_store *st, int64_t digest_id,
                              int (*cb)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                              struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_escalations(st, digest_id, cb, ctx, err);
    sqlite3_stmt *s;
    int rc;

    if ((rc = prep(st, "SELECT " ROW_COLUMNS " FROM escalations WHERE digest_id = ?1 ORDER BY id", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, digest_id);
    return each_row(st, s, cb, ctx, err);
}

int mamori_digest_create(struct mamori_store *st, const char *tenant, long long window_end, long escalations,
                         const char *channels, long long now, int64_t *id, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_create(st, tenant, window_end, escalations, channels, now, id, err);
    sqlite3_stmt *s;
    int rc;

    *id = 0;
    if ((rc = prep(st, "INSERT INTO escalation_digests(tenant, window_end, escalations, channels, created_at)"
                       " VALUES(?1, ?2, ?3, ?4, ?5)", &s, err)) != 0)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, window_end);
    sqlite3_bind_int64(s, 3, escalations);
    sqlite3_bind_text(s, 4, channels ? channels : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    if ((rc = run(st, s, err)) == 0)
        *id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int mamori_digest_assign(struct mamori_store *st, int64_t id, int64_t digest_id, long long ack_due_at,
                         int keep_message, int *changed, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_assign(st, id, digest_id, ack_due_at, keep_message, changed, err);
    sqlite3_stmt *s;
    int rc;

    *changed = 0;
    if ((rc = prep(st, "UPDATE escalations SET digest_id = ?2, ack_due_at = nullif(?3, 0),"
                       " message = CASE WHEN ?4 THEN message END WHERE id = ?1 AND digest_id IS NULL", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, digest_id);
    sqlite3_bind_int64(s, 3, ack_due_at);
    sqlite3_bind_int(s, 4, keep_message != 0);
    if ((rc = run(st, s, err)) == 0)
        *changed = sqlite3_changes(st->db);
    return rc;
}

int mamori_digest_message_put(struct mamori_store *st, int64_t digest_id, const char *tenant, const char *channel,
                              const char *recipient, const char *platform_id, long long now,
                              struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_message_put(st, digest_id, tenant, channel, recipient, platform_id, now, err);
    return message_insert(st, 0, digest_id, tenant, channel, recipient, platform_id, now, err);
}

int mamori_digest_match(struct mamori_store *st, const char *tenant, const char *message_id,
                        const char *const *recipients, long long since, int64_t *digest_id,
                        struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_match(st, tenant, message_id, recipients, since, digest_id, err);
    sqlite3_stmt *s;
    long long v;
    int rc, found;

    *digest_id = 0;
    if (message_id != NULL) {
        if ((rc = prep(st, "SELECT coalesce(digest_id, 0) FROM escalation_messages WHERE tenant = ?1"
                           " AND platform_id = ?2 ORDER BY id DESC LIMIT 1", &s, err)) != 0)
            return rc;
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, message_id, -1, SQLITE_STATIC);
        if ((rc = one_int(st, s, &v, &found, err)) != 0)
            return rc;
        if (found) {
            *digest_id = v;
            return v > 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOTFOUND, "a reply to an escalation");
        }
    }
    for (size_t i = 0; recipients != NULL && recipients[i] != NULL; i++) {
        if ((rc = prep(st, "SELECT coalesce(digest_id, 0) FROM escalation_messages WHERE tenant = ?1"
                           " AND recipient = ?2 AND sent_at >= ?3 ORDER BY sent_at DESC, id DESC LIMIT 1", &s,
                       err)) != 0)
            return rc;
        sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, recipients[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, since);
        if ((rc = one_int(st, s, &v, &found, err)) != 0)
            return rc;
        if (found) {
            *digest_id = v;
            return v > 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOTFOUND, "a reply to an escalation");
        }
    }
    return mamori_error_set(err, MAMORI_ENOTFOUND, "no digest matches");
}

void mamori_digest_row_free(struct mamori_digest_row *d)
{
    free(d->tenant);
    free(d->channels);
    free(d->acked_by);
    memset(d, 0, sizeof *d);
}

int mamori_digest_get(struct mamori_store *st, int64_t id, struct mamori_digest_row *d, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_get(st, id, d, err);
    sqlite3_stmt *s;
    int rc, bad = 0;

    memset(d, 0, sizeof *d);
    if ((rc = prep(st, "SELECT id, tenant, channels, acked_by, window_end, created_at, coalesce(acked_at, 0),"
                       " escalations FROM escalation_digests WHERE id = ?1", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        d->id = sqlite3_column_int64(s, 0);
        d->tenant = col(s, 1, &bad);
        d->channels = col(s, 2, &bad);
        d->acked_by = col(s, 3, &bad);
        d->window_end = sqlite3_column_int64(s, 4);
        d->created_at = sqlite3_column_int64(s, 5);
        d->acked_at = sqlite3_column_int64(s, 6);
        d->escalations = (long)sqlite3_column_int64(s, 7);
        rc = bad || d->tenant == NULL ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory") : MAMORI_OK;
    } else {
        rc = rc == SQLITE_DONE ? mamori_error_set(err, MAMORI_ENOTFOUND, "no digest %lld", (long long)id)
                               : db_error(st, err);
    }
    sqlite3_finalize(s);
    if (rc != 0)
        mamori_digest_row_free(d);
    return rc;
}

int mamori_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by, long long now,
                      int *changed, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_digest_ack(st, tenant, id, by, now, changed, err);
    sqlite3_stmt *s;
    int rc;

    *changed = 0;
    if ((rc = prep(st, "UPDATE escalation_digests SET acked_at = ?3, acked_by = ?4"
                       " WHERE id = ?1 AND tenant = ?2 AND acked_at IS NULL", &s, err)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
    if ((rc = run(st, s, err)) == 0)
        *changed = sqlite3_changes(st->db);
    return rc;
}
