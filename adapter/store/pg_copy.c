/* pg_copy.c -- see copy.h. Reads with sqlite, writes with libpq: the one
 * file that speaks to both backends. */
#include "config.h"

#include "store/copy.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/pg.h"

/* The sqlite schema whose tables are listed below; a store at another
 * version is refused rather than copied in part. 6: consultations,
 * warnings, restrictions; 7: incidents and training_links; 8: escalation
 * digests. */
#define COPY_SQLITE_SCHEMA 8

struct table {
    const char *name, *columns;
    int ncols;
    const char *serial; /* the id column to move the sequence past, or NULL */
};

static const struct table tables[MAMORI_COPY_TABLES] = {
    {"meta", "key, value", 2, NULL},
    {"events", "id, tenant, connector, event_id, ticket_id, received_at, status, response, requester, is_harassment,"
               " severity, categories, escalation", 13, "id"},
    {"outbox", "id, tenant, connector, kind, dedupe_key, payload, state, attempts, next_attempt_at, lease_until,"
               " last_error, created_at, updated_at, done_at, progress, lease_owner", 16, "id"},
    {"poll_cursor", "tenant, cursor, updated_at", 3, NULL},
    {"escalations", "id, tenant, ticket_id, level, connector, event_id, ticket, categories, channels, message,"
                    " created_at, ack_due_at, acked_at, acked_by, backup_at, retained_at, retained_by, followups,"
                    " last_followup_at, held_until, digest_id", 21, "id"},
    {"escalation_messages", "id, escalation_id, tenant, channel, recipient, platform_id, sent_at, digest_id", 8, "id"},
    {"lawyers", "tenant, line_user_id, name, state, first_seen_at, approved_at, updated_at", 7, NULL},
    {"line_events", "tenant, event_id, received_at", 3, NULL},
    {"audit", "seq, at, tenant, kind, subject, data, prev_hash, hash, keyed", 9, NULL},
    {"strikes", "tenant, ticket_id, strikes, last_event, last_at", 5, NULL},
    {"incidents", "id, tenant, ticket_id, connector, channel, requester, marked_by, is_harassment, severity,"
                  " categories, escalation, care_requested, outcome, detail, first_at, updated_at", 16, "id"},
    {"training_links", "tenant, ticket_id, url, category, title, issued_at, opened_at", 7, NULL},
    {"consultations", "id, tenant, ticket_id, target, event_id, asked_by, question_sha256, channels, created_at", 9,
     "id"},
    {"warnings", "id, tenant, requester, ticket_id, source, source_key, given_by, given_at", 8, "id"},
    {"restrictions", "tenant, requester, ticket_id, decided_by, decided_at, via", 6, NULL},
    {"escalation_digests", "id, tenant, window_end, escalations, channels, created_at, acked_at, acked_by", 8, "id"},
};

const char *const mamori_copy_table_names[MAMORI_COPY_TABLES] = {
    "meta", "events", "outbox", "poll_cursor", "escalations", "escalation_messages", "lawyers", "line_events",
    "audit", "strikes", "incidents", "training_links", "consultations", "warnings", "restrictions",
    "escalation_digests",
};

static int copy_table(struct mamori_store *from, struct mamori_store *to, const struct table *t, int64_t *rows,
                      struct mamori_error *err)
{
    char sql[700], ins[900];
    sqlite3_stmt *s = NULL;
    int rc, n;

    snprintf(sql, sizeof sql, "SELECT %s FROM %s", t->columns, t->name);
    n = snprintf(ins, sizeof ins, "INSERT INTO %s(%s) VALUES(", t->name, t->columns);
    for (int i = 1; i <= t->ncols; i++)
        n += snprintf(ins + n, sizeof ins - (size_t)n, "%s$%d", i > 1 ? ", " : "", i);
    snprintf(ins + n, sizeof ins - (size_t)n, ")");
    if (sqlite3_prepare_v2(from->db, sql, -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "reading %s from %s: %s", t->name, from->path,
                                sqlite3_errmsg(from->db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct mamori_pg_params p = {0};
        for (int i = 0; i < t->ncols; i++)
            mamori_pg_text(&p, (const char *)sqlite3_column_text(s, i));
        if ((rc = mamori_pg_run(to, t->name, ins, &p, NULL, err)) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
        (*rows)++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return mamori_error_set(err, MAMORI_EDB, "reading %s from %s: %s", t->name, from->path,
                                sqlite3_errmsg(from->db));
    if (t->serial != NULL) {
        /* New rows on PostgreSQL continue after the copied ids. */
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1, false) FROM %s",
                 t->name, t->serial, t->serial, t->name);
        if ((rc = mamori_pg_run(to, t->name, sql, NULL, NULL, err)) != 0)
            return rc;
    }
    return MAMORI_OK;
}

int mamori_store_copy(struct mamori_store *from, struct mamori_store *to, struct mamori_copy_report *report,
                      struct mamori_error *err)
{
    PGresult *res;
    int version = 0, rc;

    memset(report, 0, sizeof *report);
    if (from->db == NULL || to->pg == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "store copy goes from a sqlite file to a postgresql:// URL");
    if (mamori_store_file_version(from, &version) != 0 || version != COPY_SQLITE_SCHEMA)
        return mamori_error_set(err, MAMORI_EINVAL,
                                "%s has sqlite schema %d; this mamori copies schema %d (start this version of "
                                "mamori-fcgi on it once, or use the mamori that matches it)",
                                from->path, version, COPY_SQLITE_SCHEMA);
    if ((rc = mamori_pg_run(to, "checking the target",
                            "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM audit)", NULL, &res, err)) !=
        0)
        return rc;
    rc = mamori_pg_ll(res, 0, 0) == 0
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EINVAL, "%s already holds events or audit records: store copy only fills "
                                "an empty store (create a new database)", to->path);
    PQclear(res);
    if (rc != 0)
        return rc;

    /* One read transaction: a consistent snapshot of a store mamori-fcgi
     * keeps writing to (WAL readers do not block its writers). */
    if (sqlite3_exec(from->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "%s: %s", from->path, sqlite3_errmsg(from->db));
    if ((rc = mamori_store_begin(to, err)) != 0)
        goto out;
    /* The audit chain's lock: no node appends while the copy runs. */
    if ((rc = mamori_pg_run(to, "audit", "SELECT pg_advisory_xact_lock(1835889257, 1)", NULL, NULL, err)) != 0 ||
        (rc = mamori_pg_run(to, "meta", "DELETE FROM meta", NULL, NULL, err)) != 0) {
        mamori_store_rollback(to);
        goto out;
    }
    for (int i = 0; i < MAMORI_COPY_TABLES; i++) {
        if ((rc = copy_table(from, to, &tables[i], &report->rows[i], err)) != 0) {
            mamori_store_rollback(to);
            goto out;
        }
    }
    {
        struct mamori_pg_params p = {0};
        mamori_pg_text(&p, from->path);
        if ((rc = mamori_pg_run(to, "meta",
                                "INSERT INTO meta(key, value) VALUES('copied_from', $1)"
                                " ON CONFLICT (key) DO UPDATE SET value = $1",
                                &p, NULL, err)) != 0) {
            mamori_store_rollback(to);
            goto out;
        }
    }
    rc = mamori_store_commit(to, err);
out:
    sqlite3_exec(from->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
