/* escalate.c -- see escalate.h. */
#include "config.h"

#include "escalation/escalate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/signature.h"
#include "config/escalation.h"
#include "config/generation.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/channel.h"
#include "escalation/digest.h"
#include "escalation/lawyer.h"
#include "escalation/message.h"
#include "escalation/route.h"
#include "store/audit.h"
#include "store/escalations.h"
#include "store/outbox.h"

#define OVERDUE_BATCH 32

void mamori_escalation_plan_init(struct mamori_escalation_plan *p)
{
    memset(p, 0, sizeof *p);
}

json_t *mamori_escalation_told(const struct mamori_escalation_job *jobs, size_t count)
{
    json_t *told = json_array();

    for (size_t i = 0; told != NULL && i < count; i++) {
        json_t *pl = json_loads(jobs[i].payload, 0, NULL);
        json_array_append_new(told, json_pack("{s:O?, s:O?, s:O?, s:O?}", "channel", json_object_get(pl, "channel"),
                                              "type", json_object_get(pl, "type"), "recipient",
                                              json_object_get(pl, "recipient"), "sha256", json_object_get(pl, "sha256")));
        json_decref(pl);
    }
    return told;
}

void mamori_escalation_jobs_free(struct mamori_escalation_job *jobs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(jobs[i].key);
        free(jobs[i].kind);
        free(jobs[i].payload);
    }
    free(jobs);
}

void mamori_escalation_plan_free(struct mamori_escalation_plan *p)
{
    free(p->ticket_id);
    free(p->event_id);
    free(p->ticket_json);
    free(p->message_json);
    free(p->categories);
    free(p->channels);
    free(p->audit);
    mamori_escalation_jobs_free(p->jobs, p->job_count);
    memset(p, 0, sizeof *p);
}

int mamori_escalation_wanted(const struct mamori_generation *gen)
{
    for (size_t i = 0; i < gen->tenant_count; i++)
        if (gen->tenants[i].escalation != NULL && gen->tenants[i].escalation->channel_count > 0)
            return 1;
    return 0;
}

static void iso_time(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *mamori_escalation_ticket_ids_json(const struct mamori_ticket *t)
{
    json_t *o = json_object(), *tags = json_array();
    char *s = NULL;
    int bad = o == NULL || tags == NULL;

#define OPT(k, v)                                                                                                      \
    if (!bad && (v) != NULL)                                                                                           \
        bad |= json_object_set_new(o, k, json_string(v)) != 0;
    OPT("event_id", t->event_id)
    OPT("ticket_id", t->ticket_id)
    OPT("ticket_url", t->ticket_url)
    OPT("channel", t->channel)
    OPT("created_at", t->created_at)
    OPT("language", t->language)
#undef OPT
    for (size_t i = 0; !bad && i < t->tags.count; i++)
        bad |= json_array_append_new(tags, json_string(t->tags.items[i])) != 0;
    if (!bad)
        bad |= json_object_set(o, "tags", tags) != 0;
    if (!bad && t->connector_data != NULL)
        bad |= json_object_set(o, "connector_data", t->connector_data) != 0;
    if (!bad)
        s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    json_decref(tags);
    return s;
}

int mamori_escalation_render_jobs(const struct mamori_tenant *t, const struct mamori_strv *channels,
                                  const json_t *model, int purpose, const char *ticket_id, const char *level,
                                  struct mamori_escalation_job **jobs, size_t *count, size_t *cap,
                                  struct mamori_error *err)
{
    const struct mamori_escalation_config *c = t->escalation;
    const char *purpose_name = purpose == MAMORI_ESC_BACKUP   ? "backup"
                               : purpose == MAMORI_ESC_DIGEST ? "digest"
                               : purpose == MAMORI_ESC_DIGEST_BACKUP ? "digest_backup"
                                                              : "notify";

    for (size_t i = 0; i < channels->count; i++) {
        const struct mamori_channel *ch = mamori_escalation_channel(c, channels->items[i]);
        const struct mamori_channel_type *type = ch ? mamori_channel_type_of(ch->kind) : NULL;
        if (type == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "channel %s is not configured", channels->items[i]);
        for (size_t r = 0; r < mamori_channel_recipients(ch); r++) {
            const char *recipient = mamori_channel_recipient(ch, r);
            struct mamori_escalation_job *j;
            struct mamori_buf key = MAMORI_BUF_INIT;
            json_t *request = NULL, *payload;
            char *req_text, hex[65];
            unsigned char d[32];
            int rc;

            if ((rc = type->render(c, ch, recipient, model, purpose, &request)) != 0)
                return mamori_error_set(err, rc, "cannot render the %s message", type->display);
            req_text = json_dumps(request, JSON_COMPACT);
            if (req_text == NULL || mamori_sha256(req_text, strlen(req_text), d) != 0) {
                free(req_text);
                json_decref(request);
                return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            }
            mamori_hex_encode(d, 32, hex);
            free(req_text);
            payload = json_pack("{s:s, s:{s:s}, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "tenant", t->id, "ticket",
                                "ticket_id", ticket_id, "level", level, "channel", ch->name, "type",
                                mamori_channel_kind_name(ch->kind), "recipient", recipient, "purpose", purpose_name,
                                "request", request, "sha256", hex);
            mamori_buf_printf(&key, "%s:esc:%s:%s:%s:%s:%s", t->id, ticket_id, level, ch->name, recipient, purpose_name);
            if (payload == NULL || key.failed ||
                mamori_grow((void **)jobs, cap, *count + 1, sizeof **jobs) != 0) {
                json_decref(payload);
                mamori_buf_free(&key);
                return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            }
            j = &(*jobs)[*count];
            j->key = mamori_buf_steal(&key);
            j->kind = mamori_strdup(mamori_channel_kind_name(ch->kind));
            j->payload = json_dumps(payload, JSON_COMPACT);
            json_decref(payload);
            (*count)++;
            if (j->key == NULL || j->kind == NULL || j->payload == NULL)
                return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
    }
    return MAMORI_OK;
}

struct scan {
    int level;                     /* the level looked for */
    int found;                     /* an escalation at that level exists */
    long long found_at, acked_at;
    long long retained_at;
    char *retained_by;             /* LINE user id */
};

static int scan_cb(void *ctx, const struct mamori_escalation_row *r)
{
    struct scan *s = ctx;

    if (mamori_escalation_parse(r->level) == s->level) {
        s->found = 1;
        s->found_at = r->created_at;
        s->acked_at = r->acked_at;
    }
    if (r->retained_at > 0 && (s->retained_at == 0 || r->retained_at < s->retained_at)) {
        s->retained_at = r->retained_at;
        free(s->retained_by);
        if ((s->retained_by = mamori_strdup(r->retained_by ? r->retained_by : "")) == NULL)
            return MAMORI_ENOMEM;
    }
    return 0;
}

static void channels_status(struct mamori_escalation_plan *p, const struct mamori_escalation_config *c,
                            const struct mamori_strv *names)
{
    int en = strcmp(c->language, "en") == 0;
    size_t n = strlen(p->status);

    n += (size_t)snprintf(p->status + n, n < sizeof p->status ? sizeof p->status - n : 0, "%s",
                          en ? "Notifying: " : "エスカレーション通知: ");
    for (size_t i = 0; i < names->count && n < sizeof p->status; i++) {
        const struct mamori_channel *ch = mamori_escalation_channel(c, names->items[i]);
        n += (size_t)snprintf(p->status + n, sizeof p->status - n, "%s%s (%s)", i ? (en ? ", " : "、") : "",
                              names->items[i], ch ? mamori_channel_kind_name(ch->kind) : "?");
    }
    if (p->quiet && n < sizeof p->status)
        snprintf(p->status + n, sizeof p->status - n, "%s", en ? " (quiet-hours route)" : "（夜間ルート）");
}

int mamori_escalation_prepare(struct mamori_escalation_plan *p, struct mamori_store *st, const struct mamori_tenant *t,
                              const struct mamori_ticket *ticket, struct mamori_annotation *a, time_t now,
                              struct mamori_error *err)
{
    const struct mamori_escalation_config *c = t->escalation;
    struct mamori_strv names = MAMORI_STRV_INIT;
    struct mamori_buf cats = MAMORI_BUF_INIT, chans = MAMORI_BUF_INIT;
    struct scan sc;
    json_t *model = NULL, *audit = NULL, *told = NULL;
    int rc = MAMORI_OK, ack;

    mamori_escalation_plan_init(p);
    p->tenant = t;
    if (c == NULL || c->channel_count == 0 || ticket->ticket_id == NULL)
        return MAMORI_OK;
    memset(&sc, 0, sizeof sc);
    sc.level = a->escalation_level;
    if ((rc = mamori_escalation_rows_for_ticket(st, t->id, ticket->ticket_id, scan_cb, &sc, err)) != 0)
        goto out;
    if (sc.retained_at > 0) {
        struct mamori_lawyer_row lw;
        int have = sc.retained_by && mamori_lawyer_get(st, t->id, sc.retained_by, &lw, NULL) == 0;
        mamori_lawyer_retained_status(c->language, have ? lw.name : NULL, sc.retained_at, c->utc_offset, p->status,
                                      sizeof p->status);
        if (have)
            mamori_lawyer_row_free(&lw);
        if (mamori_strv_push_unique(&a->tags, MAMORI_TAG_LAWYER_RETAINED) != 0) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (a->escalation_level <= MAMORI_ESCALATE_NONE)
        goto out;
    p->ticket_id = mamori_strdup(ticket->ticket_id);
    p->event_id = mamori_strdup(ticket->event_id ? ticket->event_id : "");
    if (p->ticket_id == NULL || p->event_id == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if (sc.found) {
        /* One escalation per ticket and level: this message is a follow-up. */
        char when[64];
        int en = strcmp(c->language, "en") == 0;
        p->level = a->escalation_level;
        p->followup = 1;
        if (p->status[0] == '\0') {
            mamori_escalation_local_time(sc.found_at, c->utc_offset, when, sizeof when);
            snprintf(p->status, sizeof p->status,
                     en ? "Escalated already on %s (%s); no new message is sent, this one is added to its record."
                        : "この件は %s にエスカレーション済みです（%s）。新たな通知は送らず、記録に追加します。",
                     when, sc.acked_at ? (en ? "acknowledged" : "弁護士確認済み") : (en ? "not acknowledged yet" : "未確認"));
        }
        goto out;
    }
    if ((rc = mamori_escalation_route(c, a->escalation_level, a, (long long)now, &names, &p->quiet)) != 0) {
        rc = mamori_error_set(err, rc, "out of memory");
        goto out;
    }
    if (names.count == 0) {
        mamori_log_warn("escalation_unrouted", "ticket %s: escalation level %s has no route in [escalation]; nobody "
                        "is told (add e.g. %s = CHANNEL)", ticket->ticket_id,
                        mamori_escalation_name(a->escalation_level), mamori_escalation_name(a->escalation_level));
        goto out;
    }
    p->level = a->escalation_level;
    if ((model = mamori_escalation_model(c, t, ticket, a, p->level, (long long)now)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    /* During a burst the escalation may wait for the period's digest
     * (digest.h): no message now, and no deadline until the digest. */
    if ((rc = mamori_escalation_digest_hold(st, c, t->id, p->level, (long long)now, &p->held_until, err)) != 0)
        goto out;
    if (p->held_until == 0 &&
        (rc = mamori_escalation_render_jobs(t, &names, model, MAMORI_ESC_NOTIFY, ticket->ticket_id,
                                            mamori_escalation_name(p->level), &p->jobs, &p->job_count, &p->job_cap,
                                            err)) != 0)
        goto out;
    ack = c->ack_deadline > 0 && (c->ack_levels & (1u << p->level));
    p->ack_due_at = ack && p->held_until == 0 ? (long long)now + c->ack_deadline : 0;
    /* The model (with the quoted evidence) is kept only while a backup
     * notice or the digest may still need it. */
    if ((ack || p->held_until) && (p->message_json = json_dumps(model, JSON_COMPACT)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].harassment)
            mamori_buf_printf(&cats, "%s%s", cats.len ? "," : "", a->categories[i].id);
    for (size_t i = 0; i < names.count; i++)
        mamori_buf_printf(&chans, "%s%s", i ? "," : "", names.items[i]);
    mamori_buf_puts(&cats, "");
    mamori_buf_puts(&chans, "");
    p->categories = mamori_buf_steal(&cats);
    p->channels = mamori_buf_steal(&chans);
    p->ticket_json = mamori_escalation_ticket_ids_json(ticket);
    told = mamori_escalation_told(p->jobs, p->job_count);
    {
        char due[32] = "", held[32] = "";
        if (p->ack_due_at)
            iso_time(p->ack_due_at, due);
        if (p->held_until)
            iso_time(p->held_until, held);
        audit = json_pack("{s:s, s:s, s:s, s:O, s:s?, s:b}", "level", mamori_escalation_name(p->level), "event_id",
                          p->event_id, "categories", p->categories ? p->categories : "", "told", told,
                          "ack_due_at", p->ack_due_at ? due : NULL, "quiet_hours", p->quiet);
        /* Held for a digest: when it is due, and the channels it will tell. */
        if (audit != NULL && p->held_until &&
            (json_object_set_new(audit, "held_until", json_string(held)) != 0 ||
             json_object_set_new(audit, "held_for", json_string(p->channels ? p->channels : "")) != 0)) {
            json_decref(audit);
            audit = NULL;
        }
    }
    if (p->categories == NULL || p->channels == NULL || p->ticket_json == NULL || told == NULL || audit == NULL ||
        (p->audit = json_dumps(audit, JSON_COMPACT)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if (p->status[0] == '\0')
        channels_status(p, c, &names);
    if (p->held_until) {
        char when[64];
        size_t n = strlen(p->status);
        mamori_escalation_local_time(p->held_until, c->utc_offset, when, sizeof when);
        snprintf(p->status + n, sizeof p->status - n,
                 strcmp(c->language, "en") == 0 ? " (many escalations at once: in the digest sent at %s)"
                                                : "（多数のため %s にまとめて通知）",
                 when);
    }
out:
    free(sc.retained_by);
    mamori_strv_free(&names);
    mamori_buf_free(&cats);
    mamori_buf_free(&chans);
    json_decref(model);
    json_decref(audit);
    json_decref(told);
    if (rc != 0) {
        /* Keep nothing half-built; the caller answers 503. */
        mamori_escalation_plan_free(p);
        p->tenant = t;
    }
    return rc;
}

static int audit_followup(struct mamori_store *st, const struct mamori_escalation_plan *p, long followups, time_t now,
                          struct mamori_error *err)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "level", mamori_escalation_name(p->level), "event_id", p->event_id,
                          "followups", (json_int_t)followups);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    int rc = s ? mamori_audit_append(st, p->tenant->id, "escalation_followup", p->ticket_id, s, now, err)
               : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    free(s);
    json_decref(o);
    return rc;
}

int mamori_escalation_commit(struct mamori_escalation_plan *p, struct mamori_store *st, time_t now,
                             struct mamori_error *err)
{
    struct mamori_escalation_row row;
    int64_t id = 0;
    long followups = 0;
    int rc;

    if (p->tenant == NULL || p->level <= MAMORI_ESCALATE_NONE)
        return MAMORI_OK;
    if (!p->followup) {
        memset(&row, 0, sizeof row);
        row.tenant = (char *)p->tenant->id;
        row.ticket_id = p->ticket_id;
        row.level = (char *)mamori_escalation_name(p->level);
        row.connector = (char *)p->tenant->connector->name;
        row.event_id = p->event_id;
        row.ticket = p->ticket_json;
        row.categories = p->categories;
        row.channels = p->channels;
        row.message = p->message_json;
        row.created_at = (long long)now;
        row.ack_due_at = p->ack_due_at;
        row.held_until = p->held_until;
        if ((rc = mamori_escalation_insert(st, &row, &id, err)) != 0)
            return rc;
        if (id != 0) {
            for (size_t i = 0; i < p->job_count; i++)
                if ((rc = mamori_outbox_enqueue(st, p->tenant->id, p->jobs[i].kind, "escalation", p->jobs[i].key,
                                                p->jobs[i].payload, now, NULL, err)) != 0)
                    return rc;
            return mamori_audit_append(st, p->tenant->id, "escalation_opened", p->ticket_id, p->audit, now, err);
        }
        /* A concurrent webhook about the same ticket opened it first. */
        p->followup = 1;
    }
    if ((rc = mamori_escalation_followup(st, p->tenant->id, p->ticket_id, mamori_escalation_name(p->level),
                                         (long long)now, &followups, err)) != 0)
        return rc;
    return audit_followup(st, p, followups, now, err);
}

/* ---- the deadline ---- */

static int backup_one(struct mamori_store *st, const struct mamori_generation *gen, int64_t id, long long deadline_now,
                      long long now, int *fired, struct mamori_error *err)
{
    struct mamori_escalation_row r;
    const struct mamori_tenant *t;
    const struct mamori_escalation_config *c;
    struct mamori_escalation_job *jobs = NULL;
    size_t count = 0, cap = 0;
    json_t *model = NULL, *audit = NULL, *told = NULL;
    char *audit_text = NULL, due[32];
    int rc;

    *fired = 0;
    if ((rc = mamori_escalation_get(st, id, &r, err)) != 0)
        return rc;
    /* Told in a digest: the backup gets the digest's overdue ones at once. */
    if (r.digest_id != 0) {
        rc = mamori_escalation_digest_backup(st, gen, r.digest_id, deadline_now, now, fired, err);
        mamori_escalation_row_free(&r);
        return rc;
    }
    t = mamori_generation_tenant(gen, r.tenant);
    c = t ? t->escalation : NULL;
    model = r.message ? json_loads(r.message, 0, NULL) : NULL;
    if (c != NULL && model != NULL && c->backup.count > 0 &&
        (rc = mamori_escalation_render_jobs(t, &c->backup, model, MAMORI_ESC_BACKUP, r.ticket_id, r.level, &jobs,
                                            &count, &cap, err)) != 0)
        goto out;
    told = mamori_escalation_told(jobs, count);
    iso_time(r.ack_due_at, due);
    audit = json_pack("{s:I, s:s, s:s, s:O}", "escalation_id", (json_int_t)r.id, "level", r.level, "ack_due_at", due,
                      "told", told);
    if (told == NULL || audit == NULL || (audit_text = json_dumps(audit, JSON_COMPACT)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mamori_store_begin(st, err)) != 0)
        goto out;
    rc = mamori_escalation_mark_backup(st, r.id, now, err);
    if (rc == MAMORI_ENOTFOUND) {
        mamori_store_rollback(st);
        rc = MAMORI_OK; /* acknowledged meanwhile */
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = mamori_outbox_enqueue(st, r.tenant, jobs[i].kind, "escalation", jobs[i].key, jobs[i].payload, now, NULL,
                                   err);
    if (rc == 0)
        rc = mamori_audit_append(st, r.tenant, count ? "escalation_backup" : "escalation_unacknowledged", r.ticket_id,
                                 audit_text, now, err);
    if (rc != 0) {
        mamori_store_rollback(st);
        goto out;
    }
    if ((rc = mamori_store_commit(st, err)) != 0)
        goto out;
    *fired = 1;
    if (count)
        mamori_log_notice("escalation_backup", "tenant %s ticket %s: no acknowledgement of the %s escalation by %s; "
                          "%zu backup message(s) queued", r.tenant, r.ticket_id, r.level, due, count);
    else
        mamori_log_warn("escalation_unacknowledged", "tenant %s ticket %s: no acknowledgement of the %s escalation by "
                        "%s and no [escalation] backup to tell", r.tenant, r.ticket_id, r.level, due);
out:
    mamori_escalation_jobs_free(jobs, count);
    json_decref(model);
    json_decref(audit);
    json_decref(told);
    free(audit_text);
    mamori_escalation_row_free(&r);
    return rc;
}

int mamori_escalation_tick(struct mamori_store *st, const struct mamori_generation *gen, long long deadline_now,
                           long long now, int *fired, struct mamori_error *err)
{
    int64_t ids[OVERDUE_BATCH];
    size_t n = 0;
    int rc;

    if (fired != NULL)
        *fired = 0;
    if ((rc = mamori_escalation_overdue(st, deadline_now, ids, OVERDUE_BATCH, &n, err)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int one = 0;
        if ((rc = backup_one(st, gen, ids[i], deadline_now, now, &one, err)) != 0)
            return rc;
        if (fired != NULL)
            *fired += one;
    }
    return MAMORI_OK;
}
