/* retention.c -- see retention.h. */
#include "config.h"

#include "daemon/retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/strv.h"
#include "config/escalation.h"
#include "store/audit.h"

/* Rows removed per write transaction: small enough that a webhook waiting
 * for the lock waits milliseconds, large enough that a year of backlog
 * goes in seconds. */
#define BATCH 500

/* An escalation is due once nothing has happened to it for the whole
 * period: opened, acknowledged, handed to the backup, retained, followed
 * up. Open ones go too: after the period their deadline is long past, and
 * the quoted evidence in `message` must not outlive the events it came
 * from. */
#define ESCALATION_LAST_ACTIVITY                                                                                   \
    "max(created_at, coalesce(acked_at, 0), coalesce(backup_at, 0), coalesce(retained_at, 0), "                  \
    "coalesce(last_followup_at, 0))"

long mamori_retention_dedupe_keep(const struct mamori_generation *gen, const char *tenant_id)
{
    long longest = gen->settings.replay_window;

    for (size_t i = 0; i < gen->tenant_count; i++) {
        const struct mamori_tenant *t = &gen->tenants[i];
        /* A tenant no longer configured gets the longest of all. */
        if (tenant_id != NULL && mamori_generation_tenant(gen, tenant_id) != NULL && strcmp(t->id, tenant_id) != 0)
            continue;
        if (t->replay_window > longest)
            longest = t->replay_window;
        if (t->escalation != NULL && t->escalation->has_line && t->escalation->line_replay_window > longest)
            longest = t->escalation->line_replay_window;
    }
    /* A signed timestamp may be early or late by the window: a delivery
     * received at r can carry a timestamp up to r + w and still verify
     * until r + 2w. */
    return 2 * longest;
}

long mamori_retention_days(const struct mamori_generation *gen, const char *tenant_id)
{
    const struct mamori_tenant *t = mamori_generation_tenant(gen, tenant_id);

    if (t != NULL && t->retention_days > 0)
        return t->retention_days;
    return gen->settings.retention_days;
}

static int db_fail(struct mamori_store *st, struct mamori_error *err, const char *what)
{
    return mamori_error_set(err, MAMORI_EDB, "retention: %s: %s", what, sqlite3_errmsg(st->db));
}

/* Every tenant that has rows, from the indexes (no table scan). */
static int list_tenants(struct mamori_store *st, struct mamori_strv *out, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT tenant FROM events UNION SELECT DISTINCT tenant FROM outbox UNION "
                           "SELECT DISTINCT tenant FROM escalations UNION SELECT DISTINCT tenant FROM line_events", -1,
                           &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "listing tenants");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        if (t != NULL && mamori_strv_push(out, t, (size_t)-1) != 0) {
            sqlite3_finalize(s);
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? MAMORI_OK : db_fail(st, err, "listing tenants");
}

/* One table's purge for one tenant. select_sql picks up to BATCH ids of
 * due rows (?1 tenant, ?2 cutoff); delete_sql removes one id (?1) again
 * checking it is due (?2 tenant, ?3 cutoff), so a row changed between the
 * read and the write is never removed by mistake. The read runs outside
 * the write lock: only the deletes hold it. */
static int purge_table(struct mamori_store *st, const char *what, const char *count_sql, const char *select_sql,
                       const char *delete_sql, const char *tenant, time_t cutoff, int dry_run, int64_t *removed,
                       struct mamori_error *err)
{
    sqlite3_stmt *sel = NULL, *del = NULL;
    int64_t ids[BATCH];
    int rc = MAMORI_OK;

    *removed = 0;
    if (dry_run) {
        if (sqlite3_prepare_v2(st->db, count_sql, -1, &sel, NULL) != SQLITE_OK)
            return db_fail(st, err, what);
        sqlite3_bind_text(sel, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_int64(sel, 2, (sqlite3_int64)cutoff);
        if (sqlite3_step(sel) == SQLITE_ROW)
            *removed = sqlite3_column_int64(sel, 0);
        else
            rc = db_fail(st, err, what);
        sqlite3_finalize(sel);
        return rc;
    }
    if (sqlite3_prepare_v2(st->db, select_sql, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, delete_sql, -1, &del, NULL) != SQLITE_OK) {
        rc = db_fail(st, err, what);
        goto out;
    }
    for (;;) {
        size_t n = 0;
        int step;

        sqlite3_reset(sel);
        sqlite3_bind_text(sel, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_int64(sel, 2, (sqlite3_int64)cutoff);
        sqlite3_bind_int(sel, 3, BATCH);
        while (n < BATCH && (step = sqlite3_step(sel)) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(sel, 0);
        sqlite3_reset(sel); /* end the read before taking the write lock */
        if (n == 0)
            break;
        if ((rc = mamori_store_begin(st, err)) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            sqlite3_reset(del);
            sqlite3_bind_int64(del, 1, ids[i]);
            sqlite3_bind_text(del, 2, tenant, -1, SQLITE_STATIC);
            sqlite3_bind_int64(del, 3, (sqlite3_int64)cutoff);
            if (sqlite3_step(del) != SQLITE_DONE) {
                rc = db_fail(st, err, what);
                mamori_store_rollback(st);
                goto out;
            }
            *removed += sqlite3_changes(st->db);
        }
        if ((rc = mamori_store_commit(st, err)) != 0)
            goto out;
        if (n < BATCH)
            break;
    }
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    return rc;
}

static int record_purge(struct mamori_store *st, const char *tenant, long days, time_t cutoff,
                        const struct mamori_retention_report *removed, time_t now, struct mamori_error *err)
{
    char data[256], at[32];
    struct tm tm;
    int rc;

    gmtime_r(&cutoff, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* Keys sorted, like every other audit record's data. */
    snprintf(data, sizeof data,
             "{\"before\":\"%s\",\"escalations\":%" PRId64 ",\"events\":%" PRId64 ",\"outbox\":%" PRId64
             ",\"retention_days\":%ld}",
             at, removed->escalations, removed->events, removed->outbox, days);
    if ((rc = mamori_store_begin(st, err)) != 0)
        return rc;
    if ((rc = mamori_audit_append(st, tenant, "purged", "retention", data, now, err)) != 0) {
        mamori_store_rollback(st);
        return rc;
    }
    return mamori_store_commit(st, err);
}

int mamori_retention_purge(struct mamori_store *st, const struct mamori_generation *gen, const char *only_tenant,
                           int dry_run, time_t now, struct mamori_retention_report *report,
                           struct mamori_error *err)
{
    struct mamori_strv tenants = MAMORI_STRV_INIT;
    int rc;

    memset(report, 0, sizeof *report);
    if ((rc = list_tenants(st, &tenants, err)) != 0)
        goto out;
    for (size_t i = 0; i < tenants.count; i++) {
        const char *t = tenants.items[i];
        long days = mamori_retention_days(gen, t);
        struct mamori_retention_report one = {0, 0, 0, 0};
        int64_t messages = 0, line_events = 0;
        time_t cutoff, dedupe_cutoff;

        if (only_tenant != NULL && strcmp(only_tenant, t) != 0)
            continue;
        if (days <= 0)
            continue;
        cutoff = now - (time_t)days * 86400;
        /* The ids that dedupe events and LINE deliveries must outlive every
         * replay window, or a captured delivery could be posted again. */
        dedupe_cutoff = now - (time_t)mamori_retention_dedupe_keep(gen, t);
        if (dedupe_cutoff > cutoff)
            dedupe_cutoff = cutoff;
        if ((rc = purge_table(st, "events",
                              "SELECT count(*) FROM events WHERE tenant=?1 AND received_at<?2",
                              "SELECT id FROM events WHERE tenant=?1 AND received_at<?2 ORDER BY id LIMIT ?3",
                              "DELETE FROM events WHERE id=?1 AND tenant=?2 AND received_at<?3", t, dedupe_cutoff, dry_run,
                              &one.events, err)) != 0 ||
            (rc = purge_table(st, "outbox",
                              "SELECT count(*) FROM outbox WHERE tenant=?1 AND created_at<?2 AND state!='pending'",
                              "SELECT id FROM outbox WHERE tenant=?1 AND created_at<?2 AND state!='pending' "
                              "ORDER BY id LIMIT ?3",
                              "DELETE FROM outbox WHERE id=?1 AND tenant=?2 AND created_at<?3 AND state!='pending'",
                              t, cutoff, dry_run, &one.outbox, err)) != 0 ||
            (rc = purge_table(st, "escalations",
                              "SELECT count(*) FROM escalations WHERE tenant=?1 AND " ESCALATION_LAST_ACTIVITY "<?2",
                              "SELECT id FROM escalations WHERE tenant=?1 AND " ESCALATION_LAST_ACTIVITY "<?2 "
                              "ORDER BY id LIMIT ?3",
                              "DELETE FROM escalations WHERE id=?1 AND tenant=?2 AND " ESCALATION_LAST_ACTIVITY "<?3",
                              t, cutoff, dry_run, &one.escalations, err)) != 0 ||
            /* The messages of escalations just removed (they were sent
             * before the escalation's last activity, so before the cutoff). */
            (rc = purge_table(st, "escalation messages",
                              "SELECT count(*) FROM escalation_messages m WHERE tenant=?1 AND sent_at<?2 AND "
                              "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=m.escalation_id)",
                              "SELECT id FROM escalation_messages m WHERE tenant=?1 AND sent_at<?2 AND "
                              "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=m.escalation_id) ORDER BY id LIMIT ?3",
                              "DELETE FROM escalation_messages WHERE id=?1 AND tenant=?2 AND sent_at<?3 AND "
                              "NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=escalation_id)",
                              t, cutoff, dry_run, &messages, err)) != 0 ||
            (rc = purge_table(st, "LINE events",
                              "SELECT count(*) FROM line_events WHERE tenant=?1 AND received_at<?2",
                              "SELECT rowid FROM line_events WHERE tenant=?1 AND received_at<?2 "
                              "ORDER BY rowid LIMIT ?3",
                              "DELETE FROM line_events WHERE rowid=?1 AND tenant=?2 AND received_at<?3", t, dedupe_cutoff,
                              dry_run, &line_events, err)) != 0) {
            mamori_error_prefix(err, "tenant %s", t);
            goto out;
        }
        report->events += one.events;
        report->outbox += one.outbox;
        report->escalations += one.escalations;
        /* Message rows and LINE event ids follow their escalations and
         * carry no customer text: not worth a line of their own. */
        if (one.events + one.outbox + one.escalations + messages + line_events == 0)
            continue;
        report->tenants++;
        if (dry_run)
            continue;
        if ((rc = record_purge(st, t, days, cutoff, &one, now, err)) != 0) {
            mamori_error_prefix(err, "tenant %s: recording the purge in the audit chain", t);
            goto out;
        }
        mamori_log_notice("purged", "tenant %s: removed %" PRId64 " events, %" PRId64
                          " finished outbox jobs and %" PRId64 " escalations older than %ld days", t, one.events,
                          one.outbox, one.escalations, days);
    }
out:
    mamori_strv_free(&tenants);
    return rc;
}
