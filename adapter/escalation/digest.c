/* digest.c -- see digest.h. */
#include "config.h"

#include "escalation/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mamori/plugin.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/strv.h"
#include "config/generation.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/escalate.h"
#include "escalation/message.h"
#include "store/audit_json.h"
#include "store/outbox.h"

#define DUE_BATCH 8

/* Escalation rows kept past the store's callback. */
struct rows {
    struct mamori_escalation_row *v;
    size_t n, cap;
};

static void rows_free(struct rows *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        mamori_escalation_row_free(&rs->v[i]);
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

static int dup_opt(char **out, const char *s)
{
    *out = NULL;
    return s != NULL && (*out = mamori_strdup(s)) == NULL;
}

static int collect(void *ctx, const struct mamori_escalation_row *r)
{
    struct rows *rs = ctx;
    struct mamori_escalation_row *d;
    int bad = 0;

    if (mamori_grow((void **)&rs->v, &rs->cap, rs->n + 1, sizeof *rs->v) != 0)
        return MAMORI_ENOMEM;
    d = &rs->v[rs->n++];
    *d = *r;
    bad |= dup_opt(&d->tenant, r->tenant);
    bad |= dup_opt(&d->ticket_id, r->ticket_id);
    bad |= dup_opt(&d->level, r->level);
    bad |= dup_opt(&d->connector, r->connector);
    bad |= dup_opt(&d->event_id, r->event_id);
    bad |= dup_opt(&d->ticket, r->ticket);
    bad |= dup_opt(&d->categories, r->categories);
    bad |= dup_opt(&d->channels, r->channels);
    bad |= dup_opt(&d->message, r->message);
    bad |= dup_opt(&d->acked_by, r->acked_by);
    bad |= dup_opt(&d->retained_by, r->retained_by);
    return bad ? MAMORI_ENOMEM : MAMORI_OK;
}

int mamori_escalation_digest_hold(struct mamori_store *st, const struct mamori_escalation_config *c,
                                  const char *tenant_id, int level, long long now, long long *held_until,
                                  struct mamori_error *err)
{
    long long end = 0;
    long opened = 0;
    int rc;

    *held_until = 0;
    /* A police-level case is never made to wait. */
    if (c == NULL || c->digest_period <= 0 || level >= MAMORI_ESCALATE_POLICE)
        return MAMORI_OK;
    if ((rc = mamori_digest_window(st, tenant_id, now - c->digest_period, now, &end, &opened, err)) != 0)
        return rc;
    if (end > now)
        *held_until = end;
    else if (opened >= c->digest_after)
        *held_until = now + c->digest_period;
    return MAMORI_OK;
}

/* Whether the comma-separated list has name. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list ? list : ""; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}

/* One digest item: the ticket, its link and categories (from the kept
 * message model, else from the row), never a quote. */
static json_t *item_of(const struct mamori_escalation_row *r)
{
    json_t *m = r->message ? json_loads(r->message, 0, NULL) : NULL;
    json_t *tk = r->ticket ? json_loads(r->ticket, 0, NULL) : NULL;
    json_t *cats = json_object_get(m, "categories"), *item;
    const char *url = json_string_value(json_object_get(m, "ticket_url"));

    if (url == NULL)
        url = json_string_value(json_object_get(tk, "ticket_url"));
    if (json_is_array(cats)) {
        json_incref(cats);
    } else if ((cats = json_array()) != NULL) {
        struct mamori_strv ids = MAMORI_STRV_INIT;
        if (mamori_strv_split(&ids, r->categories ? r->categories : "") != 0) {
            json_decref(cats);
            cats = NULL;
        }
        for (size_t i = 0; cats != NULL && i < ids.count; i++)
            if (ids.items[i][0] != '\0' &&
                json_array_append_new(cats, json_pack("{s:s, s:s}", "id", ids.items[i], "label", ids.items[i])) != 0) {
                json_decref(cats);
                cats = NULL;
            }
        mamori_strv_free(&ids);
    }
    item = cats ? json_pack("{s:s, s:s?, s:s, s:o}", "ticket_id", r->ticket_id, "ticket_url", url, "level", r->level,
                            "categories", cats)
                : NULL;
    json_decref(m);
    json_decref(tk);
    return item;
}

/* The model of digest id for one channel: the held escalations routed
 * to it (see message.h); channel NULL: all of them. */
static json_t *digest_model(const struct mamori_tenant *t, const struct rows *rs, const char *channel, int64_t id,
                            long long now)
{
    const struct mamori_escalation_config *c = t->escalation;
    json_t *items = json_array(), *m = NULL;
    long long from = 0, to = 0;
    int top = MAMORI_ESCALATE_NONE;
    char number[32];

    if (items == NULL)
        return NULL;
    for (size_t i = 0; i < rs->n; i++) {
        const struct mamori_escalation_row *r = &rs->v[i];
        int lv = mamori_escalation_parse(r->level);
        if (channel != NULL && !listed(r->channels, channel))
            continue;
        if (json_array_append_new(items, item_of(r)) != 0) {
            json_decref(items);
            return NULL;
        }
        top = lv > top ? lv : top;
        from = from == 0 || r->created_at < from ? r->created_at : from;
        to = r->created_at > to ? r->created_at : to;
    }
    snprintf(number, sizeof number, "digest-%lld", (long long)id);
    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[], s:I, s:s, s:i, s:{s:I, s:I, s:I, s:I, s:O}}", "company", t->name,
                  "tenant", t->id, "helpdesk", t->connector ? t->connector->display_name : "", "ticket_id", number,
                  "level", mamori_escalation_name(top), "categories", "received_at", (json_int_t)now, "language",
                  c->language, "utc_offset", c->utc_offset, "digest", "number", (json_int_t)id, "count",
                  (json_int_t)json_array_size(items), "from", (json_int_t)from, "to", (json_int_t)to, "items", items);
    json_decref(items);
    return m;
}

/* Tag every job as part of digest id (the sender records its message
 * ids against the digest, so a quoted 確認 finds it). */
static int mark_jobs(struct mamori_escalation_job *jobs, size_t count, int64_t id)
{
    for (size_t i = 0; i < count; i++) {
        json_t *pl = json_loads(jobs[i].payload, 0, NULL);
        char *s = NULL;
        if (pl == NULL || json_object_set_new(pl, "digest", json_integer(id)) != 0 ||
            (s = json_dumps(pl, JSON_COMPACT)) == NULL) {
            json_decref(pl);
            return MAMORI_ENOMEM;
        }
        json_decref(pl);
        free(jobs[i].payload);
        jobs[i].payload = s;
    }
    return MAMORI_OK;
}

/* Inside the transaction: the jobs for every channel of the digest. */
static int render_all(const struct mamori_tenant *t, const struct mamori_strv *chans, const struct rows *rs, int64_t id,
                      long long now, struct mamori_escalation_job **jobs, size_t *count, size_t *cap,
                      struct mamori_error *err)
{
    char number[32];
    int rc = MAMORI_OK;

    snprintf(number, sizeof number, "digest-%lld", (long long)id);
    for (size_t i = 0; rc == 0 && i < chans->count; i++) {
        struct mamori_strv one = {.items = &chans->items[i], .count = 1};
        json_t *model = digest_model(t, rs, chans->items[i], id, now);
        rc = model ? mamori_escalation_render_jobs(t, &one, model, MAMORI_ESC_DIGEST, number, "digest", jobs, count,
                                                   cap, err)
                   : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        json_decref(model);
    }
    if (rc == 0 && mark_jobs(*jobs, *count, id) != 0)
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return rc;
}

/* The digest of one window, in one transaction: the held rows are read
 * (and on PostgreSQL locked) inside it, so a second runner -- `mamori
 * escalation tick` beside the deliverer -- finds them digested and makes
 * nothing. *made: 1 when a digest was made. */
static int digest_one(struct mamori_store *st, const struct mamori_generation *gen, const char *tenant_id,
                      long long window_end, long long now, int *made, struct mamori_error *err)
{
    const struct mamori_tenant *t = mamori_generation_tenant(gen, tenant_id);
    const struct mamori_escalation_config *c = t ? t->escalation : NULL;
    struct mamori_strv chans = MAMORI_STRV_INIT, names = MAMORI_STRV_INIT;
    struct mamori_escalation_job *jobs = NULL;
    struct mamori_buf list = MAMORI_BUF_INIT;
    struct rows rs = {0};
    size_t count = 0, cap = 0, assigned = 0;
    json_t *audit = NULL, *escs = json_array();
    int64_t id = 0;
    char subject[48];
    int rc;

    *made = 0;
    if (escs == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_store_begin(st, err)) != 0)
        goto out;
    if ((rc = mamori_digest_held(st, tenant_id, window_end, collect, &rs, err)) != 0 || rs.n == 0) {
        mamori_store_rollback(st);
        goto out;
    }
    /* The channels, in the order the escalations were routed; a channel
     * no longer configured is left out (its escalations are still in the
     * digest for the others, and in the audit record). */
    for (size_t i = 0; i < rs.n && rc == 0; i++) {
        mamori_strv_free(&names);
        if (mamori_strv_split(&names, rs.v[i].channels ? rs.v[i].channels : "") != 0)
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        for (size_t k = 0; rc == 0 && k < names.count; k++)
            if (c != NULL && mamori_escalation_channel(c, names.items[k]) != NULL &&
                mamori_strv_push_unique(&chans, names.items[k]) != 0)
                rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < chans.count; i++)
        mamori_buf_printf(&list, "%s%s", i ? "," : "", chans.items[i]);
    mamori_buf_puts(&list, "");
    if (rc == 0 && list.failed)
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (rc == 0)
        rc = mamori_digest_create(st, tenant_id, window_end, (long)rs.n, mamori_buf_str(&list), now, &id, err);
    if (rc == 0 && t != NULL && chans.count > 0)
        rc = render_all(t, &chans, &rs, id, now, &jobs, &count, &cap, err);
    for (size_t i = 0; rc == 0 && i < rs.n; i++) {
        const struct mamori_escalation_row *r = &rs.v[i];
        int lv = mamori_escalation_parse(r->level), changed = 0;
        /* Told now: the deadline runs from the digest, as a single
         * message's runs from its sending. */
        int ack = c != NULL && c->ack_deadline > 0 && lv > 0 && (c->ack_levels & (1u << lv));
        rc = mamori_digest_assign(st, r->id, id, ack ? now + c->ack_deadline : 0, ack, &changed, err);
        if (rc == 0 && changed) {
            assigned++;
            if (json_array_append_new(escs, json_pack("{s:I, s:s, s:s}", "escalation_id", (json_int_t)r->id,
                                                      "ticket_id", r->ticket_id, "level", r->level)) != 0)
                rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = mamori_outbox_enqueue(st, tenant_id, jobs[i].kind, "escalation", jobs[i].key, jobs[i].payload,
                                   (time_t)now, NULL, err);
    snprintf(subject, sizeof subject, "digest-%lld", (long long)id);
    if (rc == 0) {
        char end[32];
        time_t te = (time_t)window_end;
        struct tm tm;
        gmtime_r(&te, &tm);
        strftime(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", &tm);
        audit = json_pack("{s:I, s:s, s:O, s:o}", "digest", (json_int_t)id, "window_end", end, "escalations", escs,
                          "told", mamori_escalation_told(jobs, count));
        rc = audit ? mamori_audit_append_json(st, tenant_id, "escalation_digest", subject, json_incref(audit),
                                              (time_t)now, err)
                   : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    if (rc != 0) {
        mamori_store_rollback(st);
        goto out;
    }
    if ((rc = mamori_store_commit(st, err)) != 0)
        goto out;
    *made = 1;
    if (count > 0)
        mamori_log_notice("escalation_digest", "tenant %s: digest #%lld of %zu held escalation(s), %zu message(s) "
                          "queued to %s", tenant_id, (long long)id, assigned, count, mamori_buf_str(&list));
    else
        mamori_log_warn("escalation_digest", "tenant %s: digest #%lld of %zu held escalation(s) has no configured "
                        "channel to go to; nobody is told (see [escalation] and [channel NAME])", tenant_id,
                        (long long)id, assigned);
out:
    mamori_escalation_jobs_free(jobs, count);
    mamori_strv_free(&chans);
    mamori_strv_free(&names);
    mamori_buf_free(&list);
    json_decref(audit);
    json_decref(escs);
    rows_free(&rs);
    return rc;
}

int mamori_escalation_digest_tick(struct mamori_store *st, const struct mamori_generation *gen, long long now,
                                  int *sent, struct mamori_error *err)
{
    struct mamori_digest_due due[DUE_BATCH];
    size_t n = 0;
    int rc;

    if (sent != NULL)
        *sent = 0;
    if ((rc = mamori_digest_due(st, now, due, DUE_BATCH, &n, err)) != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int made = 0;
        if ((rc = digest_one(st, gen, due[i].tenant, due[i].window_end, now, &made, err)) == 0 && sent != NULL)
            *sent += made;
    }
    mamori_digest_due_free(due, n);
    return rc;
}

/* Overdue: a deadline at or before deadline_now, nobody acknowledged,
 * the backup not told yet. */
static int overdue_only(struct rows *rs, long long deadline_now)
{
    size_t k = 0;

    for (size_t i = 0; i < rs->n; i++) {
        const struct mamori_escalation_row *r = &rs->v[i];
        if (r->ack_due_at != 0 && r->ack_due_at <= deadline_now && r->acked_at == 0 && r->backup_at == 0)
            rs->v[k++] = rs->v[i];
        else
            mamori_escalation_row_free(&rs->v[i]);
    }
    rs->n = k;
    return (int)k;
}

int mamori_escalation_digest_backup(struct mamori_store *st, const struct mamori_generation *gen, int64_t id,
                                    long long deadline_now, long long now, int *fired, struct mamori_error *err)
{
    const struct mamori_tenant *t;
    const struct mamori_escalation_config *c;
    struct mamori_escalation_job *jobs = NULL;
    struct rows rs = {0};
    size_t count = 0, cap = 0;
    json_t *escs = json_array(), *model = NULL;
    char number[48];
    int rc;

    *fired = 0;
    snprintf(number, sizeof number, "digest-%lld", (long long)id);
    if (escs == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_digest_escalations(st, id, collect, &rs, err)) != 0 || overdue_only(&rs, deadline_now) == 0)
        goto out;
    t = mamori_generation_tenant(gen, rs.v[0].tenant);
    c = t ? t->escalation : NULL;
    if (c != NULL && c->backup.count > 0) {
        if ((model = digest_model(t, &rs, NULL, id, now)) == NULL) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = mamori_escalation_render_jobs(t, &c->backup, model, MAMORI_ESC_DIGEST_BACKUP, number, "digest",
                                                &jobs, &count, &cap, err)) != 0)
            goto out;
        if (mark_jobs(jobs, count, id) != 0) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((rc = mamori_store_begin(st, err)) != 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < rs.n; i++) {
        rc = mamori_escalation_mark_backup(st, rs.v[i].id, now, err);
        if (rc == MAMORI_ENOTFOUND) { /* acknowledged meanwhile */
            rc = MAMORI_OK;
            continue;
        }
        if (rc == 0) {
            (*fired)++;
            if (json_array_append_new(escs, json_pack("{s:I, s:s, s:s}", "escalation_id", (json_int_t)rs.v[i].id,
                                                      "ticket_id", rs.v[i].ticket_id, "level", rs.v[i].level)) != 0)
                rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    /* Nothing left to tell when all were acknowledged meanwhile. */
    for (size_t i = 0; rc == 0 && *fired > 0 && i < count; i++)
        rc = mamori_outbox_enqueue(st, rs.v[0].tenant, jobs[i].kind, "escalation", jobs[i].key, jobs[i].payload,
                                   (time_t)now, NULL, err);
    if (rc == 0 && *fired > 0)
        rc = mamori_audit_append_json(st, rs.v[0].tenant, count ? "escalation_backup" : "escalation_unacknowledged",
                                      number,
                                      json_pack("{s:I, s:O, s:o}", "digest", (json_int_t)id, "escalations", escs,
                                                "told", mamori_escalation_told(jobs, count)),
                                      (time_t)now, err);
    if (rc != 0) {
        mamori_store_rollback(st);
        *fired = 0;
        goto out;
    }
    if ((rc = mamori_store_commit(st, err)) != 0) {
        *fired = 0;
        goto out;
    }
    if (*fired > 0 && count > 0)
        mamori_log_notice("escalation_backup", "tenant %s digest #%lld: %d escalation(s) not acknowledged in time; "
                          "%zu backup message(s) queued, one digest", rs.v[0].tenant, (long long)id, *fired, count);
    else if (*fired > 0)
        mamori_log_warn("escalation_unacknowledged", "tenant %s digest #%lld: %d escalation(s) not acknowledged in "
                        "time and no [escalation] backup to tell", rs.v[0].tenant, (long long)id, *fired);
out:
    mamori_escalation_jobs_free(jobs, count);
    json_decref(model);
    json_decref(escs);
    rows_free(&rs);
    return rc;
}

int mamori_escalation_digest_ack(struct mamori_store *st, const char *tenant, int64_t id, const char *by,
                                 const char *name, const char *via, const char *message_id, long long now,
                                 int (*each)(void *ctx, const struct mamori_escalation_row *r), void *ctx,
                                 int *acked, struct mamori_error *err)
{
    struct rows rs = {0};
    char subject[48];
    int rc, changed = 0;

    *acked = 0;
    snprintf(subject, sizeof subject, "digest-%lld", (long long)id);
    if ((rc = mamori_digest_ack(st, tenant, id, by, now, &changed, err)) != 0 ||
        (rc = mamori_digest_escalations(st, id, collect, &rs, err)) != 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < rs.n; i++) {
        const struct mamori_escalation_row *r = &rs.v[i];
        int n = 0;
        if (strcmp(r->tenant, tenant) != 0 || r->acked_at != 0)
            continue;
        rc = mamori_escalation_ack(st, tenant, r->ticket_id, by, now, &n, err);
        if (rc == 0 && n > 0) {
            (*acked)++;
            rc = mamori_audit_append_json(st, tenant, "escalation_acknowledged", r->ticket_id,
                                          json_pack("{s:I, s:s, s:s, s:s?, s:s, s:I, s:i, s:s?}", "escalation_id",
                                                    (json_int_t)r->id, "level", r->level, "by", by, "name", name, "via",
                                                    via, "digest", (json_int_t)id, "escalations", n,
                                                    "line_message_id", message_id),
                                          (time_t)now, err);
            if (rc == 0 && each != NULL)
                rc = each(ctx, r);
        }
    }
    if (rc == 0 && (changed || *acked))
        rc = mamori_audit_append_json(st, tenant, "digest_acknowledged", subject,
                                      json_pack("{s:I, s:s, s:s?, s:s, s:i, s:s?}", "digest", (json_int_t)id, "by", by,
                                                "name", name, "via", via, "escalations", *acked, "line_message_id",
                                                message_id),
                                      (time_t)now, err);
out:
    rows_free(&rs);
    return rc;
}
