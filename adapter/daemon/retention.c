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
#include "store/incidents.h"
#include "store/training_links.h"
#include "store/purge.h"

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
             "{\"before\":\"%s\",\"escalations\":%" PRId64 ",\"events\":%" PRId64 ",\"incidents\":%" PRId64
             ",\"outbox\":%" PRId64 ",\"retention_days\":%ld}",
             at, removed->escalations, removed->events, removed->incidents, removed->outbox, days);
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
    if ((rc = mamori_purge_list_tenants(st, &tenants, err)) != 0)
        goto out;
    for (size_t i = 0; i < tenants.count; i++) {
        const char *t = tenants.items[i];
        long days = mamori_retention_days(gen, t);
        struct mamori_retention_report one = {0, 0, 0, 0, 0};
        int64_t removed[MAMORI_PURGE_TABLE_COUNT] = {0}, others = 0;
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
        /* In enum order: escalation messages after their escalations. */
        for (int table = 0; table < MAMORI_PURGE_TABLE_COUNT; table++) {
            time_t before = table == MAMORI_PURGE_EVENTS || table == MAMORI_PURGE_LINE_EVENTS ? dedupe_cutoff : cutoff;
            if ((rc = mamori_purge_table(st, (enum mamori_purge_table)table, t, before, dry_run, &removed[table],
                                         err)) != 0) {
                mamori_error_prefix(err, "tenant %s", t);
                goto out;
            }
        }
        /* Incident records (対応記録) go once nothing happened to them for
         * the retention period; training links, consultations, warnings
         * and restrictions by when they were made. */
        one.incidents = removed[MAMORI_PURGE_INCIDENTS];
        report->incidents += one.incidents;
        one.events = removed[MAMORI_PURGE_EVENTS];
        one.outbox = removed[MAMORI_PURGE_OUTBOX];
        one.escalations = removed[MAMORI_PURGE_ESCALATIONS];
        others = removed[MAMORI_PURGE_ESCALATION_MESSAGES] + removed[MAMORI_PURGE_LINE_EVENTS] +
                 removed[MAMORI_PURGE_TRAINING_LINKS] + removed[MAMORI_PURGE_CONSULTATIONS] +
                 removed[MAMORI_PURGE_WARNINGS] + removed[MAMORI_PURGE_RESTRICTIONS] + removed[MAMORI_PURGE_DIGESTS];
        report->events += one.events;
        report->outbox += one.outbox;
        report->escalations += one.escalations;
        /* Message rows and LINE event ids follow their escalations and
         * carry no customer text: not worth a line of their own. */
        if (one.events + one.outbox + one.escalations + one.incidents + others == 0)
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
