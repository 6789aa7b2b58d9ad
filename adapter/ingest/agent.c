/* agent.c -- see agent.h. */
#include "config.h"

#include "ingest/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "config/consult.h"
#include "config/escalation.h"
#include "escalation/consult.h"
#include "escalation/info_note.h"
#include "escalation/restrict.h"
#include "store/audit_json.h"
#include "store/warnings.h"

struct wants {
    int consult;                   /* -1, or enum mamori_consult_target */
    int consult_by_tag;            /* asked by the consult tag: once per ticket */
    const char *question;          /* borrowed from the note; NULL for a tag */
    int warn_note, warn_tag, decide;
};

static int has_tag_of(const struct mamori_ticket *tk, const struct mamori_strv *names)
{
    for (size_t i = 0; i < names->count; i++)
        if (mamori_strv_contains(&tk->tags, names->items[i]))
            return 1;
    return 0;
}

static void read_wants(const struct mamori_tenant *t, const struct mamori_ticket *tk, struct wants *w)
{
    const struct mamori_consult_config *c = &t->consult;
    const char *rest = NULL;

    memset(w, 0, sizeof *w);
    w->consult = -1;
    if (!tk->agent_event || tk->ticket_id == NULL)
        return;
    if (mamori_consult_has_prefix(&c->supervisor_prefix, tk->agent_note, &rest)) {
        w->consult = MAMORI_CONSULT_SUPERVISOR;
        w->question = rest;
    } else if (mamori_consult_has_prefix(&c->prefix, tk->agent_note, &rest)) {
        w->consult = MAMORI_CONSULT_LAWYER;
        w->question = rest;
    }
    if (w->consult < 0 && c->supervisor_tag != NULL && mamori_strv_contains(&tk->tags, c->supervisor_tag)) {
        w->consult = MAMORI_CONSULT_SUPERVISOR;
        w->consult_by_tag = 1;
    } else if (w->consult < 0 && c->tag != NULL && mamori_strv_contains(&tk->tags, c->tag)) {
        w->consult = MAMORI_CONSULT_LAWYER;
        w->consult_by_tag = 1;
    }
    w->warn_note = mamori_consult_has_prefix(&c->warning_prefix, tk->agent_note, NULL);
    w->warn_tag = has_tag_of(tk, &c->warning_tags);
    w->decide = c->restrict_tag != NULL && mamori_strv_contains(&tk->tags, c->restrict_tag);
}

int mamori_agent_event_acts(const struct mamori_tenant *t, const struct mamori_ticket *ticket)
{
    struct wants w;

    read_wants(t, ticket, &w);
    return w.consult >= 0 || w.warn_note || w.warn_tag || w.decide;
}

static int is_en(const struct mamori_tenant *t)
{
    return t->language != NULL && strcmp(t->language, "en") == 0;
}

static void local_date(const struct mamori_tenant *t, long long at, char out[16])
{
    time_t tt = (time_t)(at + (long long)(t->escalation ? t->escalation->utc_offset : 9 * 60) * 60);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* One warning (a tag once per ticket, a note once per event). */
static int record_warning(struct mamori_store *st, const struct mamori_tenant *t, const struct mamori_ticket *tk,
                          const char *requester, int by_tag, time_t now, json_t *answer, struct mamori_error *err)
{
    struct mamori_warning_row w;
    struct mamori_buf key = MAMORI_BUF_INIT, src = MAMORI_BUF_INIT, title = MAMORI_BUF_INIT;
    struct mamori_info_note n;
    long long at[1];
    char *tickets[1] = {NULL}, date[16];
    size_t total = 0;
    int inserted = 0, rc, en = is_en(t);

    if (by_tag)
        mamori_buf_printf(&key, "tag:%s", tk->ticket_id);
    else
        mamori_buf_printf(&key, "note:%s", tk->event_id);
    mamori_buf_printf(&src, "warning:%s", mamori_buf_str(&key));
    if (key.failed || src.failed) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    memset(&w, 0, sizeof w);
    w.tenant = t->id;
    w.requester = requester;
    w.ticket_id = tk->ticket_id;
    w.source = by_tag ? "tag" : "note";
    w.source_key = mamori_buf_str(&key);
    w.given_by = tk->agent_id;
    w.given_at = (long long)now;
    if ((rc = mamori_warning_put(st, &w, &inserted, err)) != 0)
        goto out;
    json_object_set_new(answer, "warning", json_string(inserted ? "recorded" : "known"));
    if (!inserted)
        goto out;
    if ((rc = mamori_warnings_list(st, t->id, requester, at, tickets, 0, &total, err)) != 0)
        goto out;
    if ((rc = mamori_audit_append_json(st, t->id, "warning_recorded", tk->ticket_id,
                         json_pack("{s:s, s:s, s:s?, s:s, s:I}", "source", w.source, "event_id", tk->event_id,
                                   "given_by", tk->agent_id, "requester", requester, "warnings", (json_int_t)total),
                         now, err)) != 0)
        goto out;
    local_date(t, (long long)now, date);
    if (en)
        mamori_buf_printf(&title, "Warning recorded (%s): warning %zu to this customer", date, total);
    else
        mamori_buf_printf(&title, "警告を記録しました（%s）：このお客様への警告 %zu 回目", date, total);
    memset(&n, 0, sizeof n);
    n.source = mamori_buf_str(&src);
    n.title = mamori_buf_str(&title);
    n.text = en ? "Recorded against the customer's pseudonymous id; a later harassing contact is marked more severe and "
                  "cites this warning."
                : "お客様の仮名IDに記録しました。今後このお客様から不当な要求等があれば、重大度を上げ、この警告を注記に示します。";
    n.tag = "mamori-warning-recorded";
    rc = title.failed ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                      : mamori_info_note_enqueue(st, t, tk, &n, now, err);
out:
    mamori_buf_free(&key);
    mamori_buf_free(&src);
    mamori_buf_free(&title);
    return rc;
}

/* A person decided to restrict the requester's contact (the decision tag). */
static int record_decision(struct mamori_store *st, const struct mamori_tenant *t, const struct mamori_ticket *tk,
                           const char *requester, time_t now, json_t *answer, struct mamori_error *err)
{
    struct mamori_restrict_decision d;
    const char *state = NULL;
    int rc;

    memset(&d, 0, sizeof d);
    d.tenant = t;
    d.ticket = tk;
    d.requester = requester;
    d.via = "tag";
    if ((rc = mamori_restrict_decide(st, &d, now, &state, err)) == 0)
        json_object_set_new(answer, "restriction", json_string(state));
    return rc;
}

/* The plugin chain over the customer's text the payload carried, for the
 * consultation's categories and evidence (inside the read snapshot). */
static int judge_customer_text(const struct mamori_ingest *ing, const struct mamori_tenant *t, time_t now,
                               struct mamori_ingest_result *res)
{
    if (res->ticket.body == NULL || res->ticket.body_len == 0)
        return MAMORI_OK;
    return mamori_ingest_run_chain(ing, t, now, res);
}

static enum mamori_ingest_outcome failed(struct mamori_ingest_result *res, enum mamori_ingest_stage stage, int rc)
{
    res->outcome = MAMORI_INGEST_FAILED;
    res->stage = stage;
    res->rc = rc;
    if (res->err.message[0] == '\0')
        mamori_error_set(&res->err, rc, "out of memory");
    return res->outcome;
}

static int write_all(const struct mamori_ingest *ing, const struct mamori_tenant *t, const struct wants *w,
                     const char *requester, time_t now, json_t *answer, struct mamori_ingest_result *res)
{
    struct mamori_ticket *tk = &res->ticket;
    struct mamori_store *st = ing->store;
    int rc = MAMORI_OK, en = is_en(t);

    if (w->consult >= 0) {
        struct mamori_consult c;
        struct mamori_consult_result cr;
        char tag_key[160];
        memset(&c, 0, sizeof c);
        c.tenant = t;
        c.ticket = tk;
        c.annotation = &res->annotation;
        c.target = w->consult;
        c.question = w->question && w->question[0] ? w->question : (en ? "(no question written)" : "（相談内容の記載なし）");
        if (w->consult_by_tag)
            c.question = en ? "(asked by the consult tag: please read the ticket)" : "（相談タグによる依頼：チケットをご確認ください）";
        c.asked_by = tk->agent_id;
        c.event_id = tk->event_id;
        /* A tag stays on the ticket: it asks once per ticket. */
        snprintf(tag_key, sizeof tag_key, "tag:%s:%s", mamori_consult_target_name(w->consult), tk->ticket_id);
        if (w->consult_by_tag)
            c.event_id = tag_key;
        rc = mamori_consult_commit(st, &c, now, &cr, &res->err);
        if (rc == MAMORI_ECONFLICT && w->consult_by_tag) {
            mamori_error_clear(&res->err);
            json_object_set_new(answer, "consult", json_string("known"));
        } else if (rc != 0) {
            return rc;
        } else
            json_object_set_new(answer, "consult", json_string(cr.number ? "sent" : "unrouted"));
        if (cr.number)
            json_object_set_new(answer, "consultation", json_integer((json_int_t)cr.number));
    }
    if ((w->warn_note || w->warn_tag || w->decide) && requester == NULL) {
        /* Nothing to key it on: say so rather than pretend. */
        json_object_set_new(answer, "warning", json_string("no_requester"));
        return mamori_audit_append_json(st, t->id, "agent_event_unkeyed", tk->ticket_id,
                          json_pack("{s:s, s:s}", "event_id", tk->event_id, "reason", "the event names no requester"),
                          now, &res->err);
    }
    if (w->warn_note && (rc = record_warning(st, t, tk, requester, 0, now, answer, &res->err)) != 0)
        return rc;
    if (w->warn_tag && (rc = record_warning(st, t, tk, requester, 1, now, answer, &res->err)) != 0)
        return rc;
    if (w->decide && (rc = record_decision(st, t, tk, requester, now, answer, &res->err)) != 0)
        return rc;
    return MAMORI_OK;
}

enum mamori_ingest_outcome mamori_agent_event(const struct mamori_ingest *ing, const struct mamori_tenant *t, time_t now,
                                              struct mamori_ingest_result *res)
{
    struct mamori_ticket *tk = &res->ticket;
    struct mamori_event_row row;
    struct wants w;
    char *stored = NULL, hash[65] = "";
    json_t *answer = NULL;
    int rc, status = 0;

    read_wants(t, tk, &w);
    if ((rc = mamori_store_read_begin(ing->store, &res->err)) != 0)
        return failed(res, MAMORI_INGEST_AT_DEDUPE, rc);
    rc = mamori_store_event_get(ing->store, t->id, t->connector->name, tk->event_id, &stored, &status, &res->err);
    if (rc == MAMORI_OK) {
        mamori_store_read_end(ing->store);
        res->outcome = MAMORI_INGEST_DUPLICATE;
        res->answer = stored;
        res->status = status;
        return res->outcome;
    }
    if (rc != MAMORI_ENOTFOUND) {
        mamori_store_read_end(ing->store);
        return failed(res, MAMORI_INGEST_AT_DEDUPE, rc);
    }
    mamori_error_clear(&res->err);
    rc = w.consult >= 0 ? judge_customer_text(ing, t, now, res) : MAMORI_OK;
    mamori_store_read_end(ing->store);
    if (rc != 0)
        return failed(res, MAMORI_INGEST_AT_CHAIN, rc);

    if (tk->requester_id != NULL &&
        mamori_store_requester_hash(ing->gen->identity_key.data, ing->gen->identity_key.len, t->id, tk->requester_id,
                                    hash) != 0)
        return failed(res, MAMORI_INGEST_AT_ANSWER, MAMORI_EINVAL);
    answer = json_pack("{s:s, s:s, s:s, s:s}", "status", "agent_event", "tenant", t->id, "event_id", tk->event_id,
                       "ticket_id", tk->ticket_id);
    if (answer == NULL)
        return failed(res, MAMORI_INGEST_AT_ANSWER, MAMORI_ENOMEM);
    if ((rc = mamori_store_begin(ing->store, &res->err)) != 0) {
        json_decref(answer);
        return failed(res, MAMORI_INGEST_AT_COMMIT, rc);
    }
    rc = write_all(ing, t, &w, hash[0] ? hash : NULL, now, answer, res);
    if (rc == 0 && (res->answer = json_dumps(answer, JSON_COMPACT)) == NULL)
        rc = mamori_error_set(&res->err, MAMORI_ENOMEM, "out of memory");
    if (rc == 0) {
        /* Recorded for dedupe only: not a contact, not an annotation. */
        memset(&row, 0, sizeof row);
        row.tenant = t->id;
        row.connector = t->connector->name;
        row.event_id = tk->event_id;
        row.ticket_id = tk->ticket_id;
        row.status = 200;
        row.response = res->answer;
        row.severity = "none";
        row.categories = "";
        row.escalation = "none";
        row.received_at = now;
        rc = mamori_store_event_put(ing->store, &row, &res->err);
    }
    json_decref(answer);
    if (rc != 0) {
        mamori_store_rollback(ing->store);
        free(res->answer);
        res->answer = NULL;
        if (rc == MAMORI_ECONFLICT) {
            mamori_error_clear(&res->err);
            if (mamori_store_event_get(ing->store, t->id, t->connector->name, tk->event_id, &res->answer, &res->status,
                                       &res->err) == 0) {
                res->outcome = MAMORI_INGEST_DUPLICATE;
                return res->outcome;
            }
            return failed(res, MAMORI_INGEST_AT_REREAD, MAMORI_EDB);
        }
        return failed(res, MAMORI_INGEST_AT_COMMIT, rc);
    }
    if ((rc = mamori_store_commit_deferred(ing->store, &res->err)) != 0) {
        free(res->answer);
        res->answer = NULL;
        return failed(res, MAMORI_INGEST_AT_COMMIT, rc);
    }
    res->outcome = MAMORI_INGEST_AGENT;
    res->status = 200;
    return res->outcome;
}
