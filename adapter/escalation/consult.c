/* consult.c -- see consult.h. */
#include "config.h"

#include "escalation/consult.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/signature.h"
#include "config/escalation.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/channel.h"
#include "escalation/escalate.h"
#include "escalation/info_note.h"
#include "escalation/message.h"
#include "store/audit_json.h"
#include "store/consultations.h"
#include "store/escalations.h"
#include "store/outbox.h"

#define LEVEL_PREFIX "consult-"

const char *mamori_consult_target_name(int target)
{
    return target == MAMORI_CONSULT_SUPERVISOR ? "supervisor" : "lawyer";
}

int64_t mamori_consult_level_number(const char *level)
{
    char *end;
    long long n;

    if (level == NULL || strncmp(level, LEVEL_PREFIX, strlen(LEVEL_PREFIX)) != 0)
        return 0;
    n = strtoll(level + strlen(LEVEL_PREFIX), &end, 10);
    return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

static int is_en(const struct mamori_tenant *t)
{
    const char *lang = t->escalation && t->escalation->language ? t->escalation->language : t->language;
    return lang != NULL && strcmp(lang, "en") == 0;
}

/* No route: the agent is told, the audit chain records it. */
static int unrouted(struct mamori_store *st, const struct mamori_consult *c, const char *digest_hex, time_t now,
                    struct mamori_error *err)
{
    const struct mamori_tenant *t = c->tenant;
    int en = is_en(t), sup = c->target == MAMORI_CONSULT_SUPERVISOR;
    struct mamori_buf src = MAMORI_BUF_INIT;
    struct mamori_info_note n;
    int rc;

    mamori_log_warn("consult_unrouted", "tenant %s ticket %s: a %s consultation has no route; set [consult] %s (or "
                    "[escalation] %s)", t->id, c->ticket->ticket_id, mamori_consult_target_name(c->target),
                    sup ? "supervisor_route" : "route", sup ? "supervisor" : "lawyer");
    rc = mamori_audit_append_json(st, t->id, "consultation_unrouted", c->ticket->ticket_id,
                    json_pack("{s:s, s:s, s:s?, s:s}", "target", mamori_consult_target_name(c->target), "event_id",
                              c->event_id, "asked_by", c->asked_by, "question_sha256", digest_hex),
                    now, err);
    if (rc != 0)
        return rc;
    mamori_buf_printf(&src, "consult:%s", c->event_id);
    memset(&n, 0, sizeof n);
    n.source = mamori_buf_str(&src);
    n.title = sup ? (en ? "Not sent: no supervisor route is set for consultations"
                        : "相談は送信されていません：上長への相談先が設定されていません")
                  : (en ? "Not sent: no lawyer route is set for consultations"
                        : "相談は送信されていません：弁護士への相談先が設定されていません");
    n.text = en ? "Ask your administrator to set [consult] route (mamori-tenant(5)); until then, call the lawyer or "
                  "your supervisor directly."
                : "管理者に [consult] route の設定を依頼してください（mamori-tenant(5)）。それまでは弁護士・上長に直接ご連絡ください。";
    rc = src.failed ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                    : mamori_info_note_enqueue(st, t, c->ticket, &n, now, err);
    mamori_buf_free(&src);
    return rc;
}

/* The model of an escalation with the consultation's number and question. */
static json_t *consult_model(const struct mamori_consult *c, int64_t number, long long now)
{
    const struct mamori_escalation_config *ec = c->tenant->escalation;
    int level = c->target == MAMORI_CONSULT_SUPERVISOR ? MAMORI_ESCALATE_SUPERVISOR : MAMORI_ESCALATE_LAWYER;
    json_t *m = mamori_escalation_model(ec, c->tenant, c->ticket, c->annotation, level, now);
    char *q = NULL;

    if (m == NULL)
        return NULL;
    /* The agent's words may name the customer: the same redaction as the
     * evidence. */
    q = ec->redact_customer ? mamori_escalation_redact(c->question, c->ticket->requester_name,
                                                        c->ticket->requester_email, ec->language)
                            : mamori_strdup(c->question);
    if (q == NULL || json_object_set_new(m, "consult", json_pack("{s:I, s:s, s:s}", "number", (json_int_t)number,
                                                                 "target", mamori_consult_target_name(c->target),
                                                                 "question", q)) != 0) {
        free(q);
        json_decref(m);
        return NULL;
    }
    free(q);
    return m;
}

static void describe_channels(const struct mamori_escalation_config *ec, const struct mamori_strv *names, char *out,
                              size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < names->count && n < cap; i++) {
        const struct mamori_channel *ch = mamori_escalation_channel(ec, names->items[i]);
        int w = snprintf(out + n, cap - n, "%s%s (%s)", i ? ", " : "", names->items[i],
                         ch ? mamori_channel_kind_name(ch->kind) : "?");
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

static char *join_categories(const struct mamori_annotation *a)
{
    struct mamori_buf b = MAMORI_BUF_INIT;

    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].harassment)
            mamori_buf_printf(&b, "%s%s", b.len ? "," : "", a->categories[i].id);
    mamori_buf_puts(&b, "");
    return mamori_buf_steal(&b);
}

static int sent_note(struct mamori_store *st, const struct mamori_consult *c, const struct mamori_consult_result *res,
                     time_t now, struct mamori_error *err)
{
    int en = is_en(c->tenant), sup = c->target == MAMORI_CONSULT_SUPERVISOR;
    struct mamori_buf src = MAMORI_BUF_INIT, title = MAMORI_BUF_INIT;
    struct mamori_info_note n;
    int rc;

    mamori_buf_printf(&src, "consult:%s", c->event_id);
    if (en)
        mamori_buf_printf(&title, "Consultation #%lld sent to the %s: %s", (long long)res->number,
                          sup ? "supervisor" : "lawyer", res->channels);
    else
        mamori_buf_printf(&title, "相談 #%lld を%sに送信しました：%s", (long long)res->number, sup ? "上長" : "弁護士",
                          res->channels);
    memset(&n, 0, sizeof n);
    n.source = mamori_buf_str(&src);
    n.title = mamori_buf_str(&title);
    n.text = en ? "The answer will be posted here as an internal note. The customer sees nothing of this."
                : "回答はこのチケットに社内メモとして届きます。お客様には表示されません。";
    n.tag = "mamori-consulted";
    rc = src.failed || title.failed ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                                    : mamori_info_note_enqueue(st, c->tenant, c->ticket, &n, now, err);
    mamori_buf_free(&src);
    mamori_buf_free(&title);
    return rc;
}

int mamori_consult_commit(struct mamori_store *st, const struct mamori_consult *c, time_t now,
                          struct mamori_consult_result *res, struct mamori_error *err)
{
    const struct mamori_tenant *t = c->tenant;
    const struct mamori_strv *route = c->target == MAMORI_CONSULT_SUPERVISOR ? &t->consult.supervisor_route
                                                                             : &t->consult.route;
    struct mamori_consultation_row row;
    struct mamori_escalation_row er;
    struct mamori_escalation_job *jobs = NULL;
    size_t count = 0, cap = 0;
    struct mamori_buf chans = MAMORI_BUF_INIT;
    char level[48], digest_hex[65], *ids = NULL, *cats = NULL;
    unsigned char digest[32];
    json_t *model = NULL, *told = NULL;
    int64_t esc_id = 0;
    int rc;

    memset(res, 0, sizeof *res);
    if (mamori_sha256(c->question, strlen(c->question), digest) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    mamori_hex_encode(digest, 32, digest_hex);
    if (t->escalation == NULL || route->count == 0)
        return unrouted(st, c, digest_hex, now, err);
    for (size_t i = 0; i < route->count; i++)
        mamori_buf_printf(&chans, "%s%s", i ? "," : "", route->items[i]);
    memset(&row, 0, sizeof row);
    row.tenant = t->id;
    row.ticket_id = c->ticket->ticket_id;
    row.target = mamori_consult_target_name(c->target);
    row.event_id = c->event_id;
    row.asked_by = c->asked_by;
    row.question_sha256 = digest_hex;
    row.channels = mamori_buf_str(&chans);
    row.created_at = (long long)now;
    if (chans.failed) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mamori_consultation_insert(st, &row, &res->number, err)) != 0)
        goto out;
    snprintf(level, sizeof level, LEVEL_PREFIX "%lld", (long long)res->number);
    describe_channels(t->escalation, route, res->channels, sizeof res->channels);
    if ((model = consult_model(c, res->number, (long long)now)) == NULL || (ids = mamori_escalation_ticket_ids_json(c->ticket)) == NULL ||
        (cats = join_categories(c->annotation)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mamori_escalation_render_jobs(t, route, model, MAMORI_ESC_NOTIFY, c->ticket->ticket_id, level, &jobs,
                                            &count, &cap, err)) != 0)
        goto out;
    memset(&er, 0, sizeof er);
    er.tenant = (char *)t->id;
    er.ticket_id = c->ticket->ticket_id;
    er.level = level;
    er.connector = (char *)t->connector->name;
    er.event_id = (char *)c->event_id;
    er.ticket = ids;
    er.categories = cats;
    er.channels = (char *)mamori_buf_str(&chans);
    er.created_at = (long long)now;
    if ((rc = mamori_escalation_insert(st, &er, &esc_id, err)) != 0)
        goto out;
    for (size_t i = 0; i < count; i++)
        if ((rc = mamori_outbox_enqueue(st, t->id, jobs[i].kind, "escalation", jobs[i].key, jobs[i].payload, now, NULL,
                                        err)) != 0)
            goto out;
    res->messages = count;
    if ((told = mamori_escalation_told(jobs, count)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mamori_audit_append_json(st, t->id, "consultation_opened", c->ticket->ticket_id,
                         json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:O}", "consultation", (json_int_t)res->number,
                                   "target", row.target, "level", level, "event_id", c->event_id, "asked_by",
                                   c->asked_by, "question_sha256", digest_hex, "categories", cats, "told", told),
                         now, err)) != 0)
        goto out;
    rc = sent_note(st, c, res, now, err);
    if (rc == 0)
        mamori_log_info("consultation", "tenant %s ticket %s: consultation #%lld to the %s (%zu message(s))", t->id,
                        c->ticket->ticket_id, (long long)res->number, row.target, count);
out:
    mamori_escalation_jobs_free(jobs, count);
    mamori_buf_free(&chans);
    json_decref(model);
    json_decref(told);
    free(ids);
    free(cats);
    return rc;
}
