/* consultations.c -- see consultations.h (sqlite; PostgreSQL in
 * pg_consultations.c). None of this is on the customer webhook path, so
 * statements are prepared per call. */
#include "config.h"

#include "store/consultations.h"

#include "store/pg.h"

#include <stdlib.h>

#include <sqlite3.h>

#include "base/strv.h"

static int db_error(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    return mamori_error_set(err, MAMORI_EDB, "%s: %s", what, sqlite3_errmsg(st->db));
}

int mamori_consultation_insert(struct mamori_store *st, const struct mamori_consultation_row *r, int64_t *number,
                               struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_consultation_insert(st, r, number, err);
    sqlite3_stmt *s;
    int rc;

    *number = 0;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO consultations(tenant, ticket_id, target, event_id, asked_by,"
                                   " question_sha256, channels, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                                   " ON CONFLICT(tenant, event_id) DO NOTHING",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "recording a consultation");
    sqlite3_bind_text(s, 1, r->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->ticket_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->event_id, -1, SQLITE_STATIC);
    if (r->asked_by != NULL)
        sqlite3_bind_text(s, 5, r->asked_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->question_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->channels ? r->channels : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)r->created_at);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        rc = db_error(st, err, "recording a consultation");
    else if (sqlite3_changes(st->db) == 0)
        rc = MAMORI_ECONFLICT;
    else {
        *number = (int64_t)sqlite3_last_insert_rowid(st->db);
        rc = MAMORI_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

static char *column_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    return v ? mamori_strdup((const char *)v) : NULL;
}

int mamori_consultation_ticket_facts(struct mamori_store *st, const char *tenant, const char *ticket_id, int *known,
                                     char **categories, char **response, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_consultation_ticket_facts(st, tenant, ticket_id, known, categories, response, err);
    sqlite3_stmt *s;
    int rc;

    *known = 0;
    *categories = *response = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*), (SELECT categories FROM events WHERE tenant = ?1 AND"
                                   " ticket_id = ?2 AND is_harassment = 1 ORDER BY id DESC LIMIT 1),"
                                   " (SELECT response FROM events WHERE tenant = ?1 AND ticket_id = ?2 AND"
                                   " is_harassment = 1 ORDER BY id DESC LIMIT 1)"
                                   " FROM events WHERE tenant = ?1 AND ticket_id = ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return db_error(st, err, "reading the ticket's events");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *known = sqlite3_column_int64(s, 0) > 0;
        *categories = column_dup(s, 1);
        *response = column_dup(s, 2);
        rc = (sqlite3_column_type(s, 1) != SQLITE_NULL && *categories == NULL) ||
                     (sqlite3_column_type(s, 2) != SQLITE_NULL && *response == NULL)
                 ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                 : MAMORI_OK;
    } else {
        rc = db_error(st, err, "reading the ticket's events");
    }
    sqlite3_finalize(s);
    if (rc != 0) {
        free(*categories);
        free(*response);
        *categories = *response = NULL;
    }
    return rc;
}

int mamori_consultation_ticket_elsewhere(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                         int *found, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_pg_consultation_ticket_elsewhere(st, tenant, ticket_id, found, err);
    sqlite3_stmt *s;
    int rc;

    *found = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM events WHERE ticket_id = ?2 AND tenant <> ?1 LIMIT 1", -1, &s,
                           NULL) != SQLITE_OK)
        return db_error(st, err, "reading the ticket's events");
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ticket_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *found = 1;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? MAMORI_OK : db_error(st, err, "reading the ticket's events");
    sqlite3_finalize(s);
    return rc;
}
