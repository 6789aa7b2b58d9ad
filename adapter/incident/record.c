/* record.c -- see record.h. */
#include "config.h"

#include "incident/record.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"
#include "base/strv.h"
#include "connector/connector.h"
#include "incident/agent.h"
#include "store/audit.h"
#include "store/training_links.h"

/* Bounds on what one record keeps, so a ticket with a thousand messages
 * keeps a readable record (the audit chain has every event anyway). */
#define MAX_EVENTS 200
#define MAX_EVIDENCE 40
#define MAX_ACTIONS 200

static json_t *opt_string(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *mamori_incident_to_json(const struct mamori_incident_row *r)
{
    json_t *detail = r->detail != NULL ? json_loads(r->detail, 0, NULL) : NULL;
    json_t *o;

    if (detail == NULL)
        detail = json_object();
    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:I}", "tenant",
                  r->tenant, "ticket_id", r->ticket_id, "connector", r->connector, "channel",
                  r->channel ? r->channel : "other", "requester", opt_string(r->requester), "marked_by",
                  r->marked_by ? r->marked_by : "mamori", "is_harassment", r->is_harassment, "severity",
                  r->severity ? r->severity : "none", "categories", r->categories ? r->categories : "",
                  "escalation", r->escalation ? r->escalation : "none", "care_requested", r->care_requested,
                  "outcome", opt_string(r->outcome), "detail", detail, "first_at", (json_int_t)r->first_at,
                  "updated_at", (json_int_t)r->updated_at);
    return o;
}

int mamori_incident_digest(const struct mamori_incident_row *r, char out[65])
{
    json_t *o = mamori_incident_to_json(r);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    unsigned char d[32];
    int rc = MAMORI_ENOMEM;

    if (text != NULL && (rc = mamori_sha256(text, strlen(text), d)) == 0)
        mamori_hex_encode(d, 32, out);
    free(text);
    json_decref(o);
    return rc;
}

/* A comma-separated list with the ids of b added (order kept). */
static char *union_list(const char *a, const struct mamori_annotation *b)
{
    struct mamori_strv v = MAMORI_STRV_INIT;
    struct mamori_buf out = MAMORI_BUF_INIT;
    int bad = 0;

    for (const char *p = a; p != NULL && *p && !bad;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char *one = mamori_strndup(p, n);
        bad = one == NULL || (n > 0 && mamori_strv_push_unique(&v, one) < 0);
        free(one);
        p = c ? c + 1 : NULL;
    }
    for (size_t i = 0; b != NULL && i < b->category_count && !bad; i++)
        bad = mamori_strv_push_unique(&v, b->categories[i].id) < 0;
    for (size_t i = 0; i < v.count && !bad; i++)
        mamori_buf_printf(&out, "%s%s", i ? "," : "", v.items[i]);
    mamori_buf_puts(&out, "");
    mamori_strv_free(&v);
    if (bad || out.failed) {
        mamori_buf_free(&out);
        return NULL;
    }
    return mamori_buf_steal(&out);
}

static int replace(char **dst, const char *s)
{
    char *c = s != NULL ? mamori_strdup(s) : NULL;
    if (s != NULL && c == NULL)
        return MAMORI_ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

/* The array member key of o, created when missing (borrowed). */
static json_t *array_of(json_t *o, const char *key)
{
    json_t *a = json_object_get(o, key);
    if (json_is_array(a))
        return a;
    a = json_array();
    if (a == NULL || json_object_set_new(o, key, a) != 0)
        return NULL;
    return a;
}

/* What the annotation adds to detail: the event, evidence, the advice. */
static int add_annotation(json_t *detail, const struct mamori_tenant *t, const struct mamori_ticket *ticket,
                          const struct mamori_annotation *a, time_t now)
{
    json_t *events = array_of(detail, "events"), *evidence = array_of(detail, "evidence");
    json_t *cats = json_array(), *steps = json_array(), *links = json_array(), *advice;
    int bad = events == NULL || evidence == NULL || cats == NULL || steps == NULL || links == NULL;

    for (size_t i = 0; !bad && i < a->category_count; i++)
        bad = json_array_append_new(cats, json_string(a->categories[i].id)) != 0;
    if (!bad && json_array_size(events) < MAX_EVENTS)
        bad = json_array_append_new(events, json_pack("{s:o, s:I, s:s, s:O}", "event_id",
                                                      opt_string(ticket->event_id), "at", (json_int_t)now,
                                                      "severity",
                                                      mamori_severity_name(mamori_annotation_severity(a)),
                                                      "categories", cats)) != 0;
    for (size_t i = 0; !bad && i < a->category_count; i++) {
        const struct mamori_category_item *c = &a->categories[i];
        for (size_t j = 0; !bad && j < c->evidence_count && json_array_size(evidence) < MAX_EVIDENCE; j++) {
            const struct mamori_evidence_item *e = &c->evidence[j];
            json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:I}", "category", c->id, "label",
                                     c->label ? c->label : c->id, "field", e->field ? e->field : "body", "begin",
                                     (json_int_t)e->begin, "end", (json_int_t)e->end, "rule",
                                     opt_string(e->rule_id), "text",
                                     t->keep_evidence ? opt_string(e->text) : json_null(), "at", (json_int_t)now);
            bad = item == NULL || json_array_append_new(evidence, item) != 0;
        }
    }
    for (size_t i = 0; !bad && i < a->steps.count; i++)
        bad = json_array_append_new(steps, json_string(a->steps.items[i])) != 0;
    for (size_t i = 0; !bad && i < a->link_count; i++)
        bad = json_array_append_new(links, json_pack("{s:s, s:s}", "title", a->links[i].title ? a->links[i].title : "",
                                                     "url", a->links[i].url)) != 0;
    if (!bad && (a->steps.count || a->link_count || a->reply_draft != NULL)) {
        advice = json_pack("{s:O, s:O, s:o}", "first_response", steps, "training", links, "reply_draft",
                           opt_string(a->reply_draft));
        bad = advice == NULL || json_object_set_new(detail, "advice", advice) != 0;
    }
    json_decref(cats);
    json_decref(steps);
    json_decref(links);
    return bad ? MAMORI_ENOMEM : 0;
}

static int has_action(json_t *actions, const char *via, const char *text, const char *event_id)
{
    size_t i;
    json_t *x;
    json_array_foreach(actions, i, x) {
        const char *v = json_string_value(json_object_get(x, "via")),
                   *a = json_string_value(json_object_get(x, "action")),
                   *e = json_string_value(json_object_get(x, "event_id"));
        if (v && a && strcmp(v, via) == 0 && strcmp(a, text) == 0 &&
            (event_id == NULL || (e != NULL && strcmp(e, event_id) == 0)))
            return 1;
    }
    return 0;
}

/* What the agent's commands add to detail and the row. */
static int add_commands(struct mamori_incident_row *r, json_t *detail, const struct mamori_agent_commands *c,
                        const char *event_id, time_t now)
{
    json_t *actions = array_of(detail, "actions");
    int bad = actions == NULL;

    if (c->mark != MAMORI_AGENT_MARK_NONE) {
        const char *mark = c->mark == MAMORI_AGENT_MARK_HARASSMENT ? "harassment" : "complaint";
        if (c->mark == MAMORI_AGENT_MARK_HARASSMENT)
            r->is_harassment = 1;
        if (!bad && json_object_get(detail, "agent_mark") == NULL)
            bad = json_object_set_new(detail, "agent_mark", json_pack("{s:s, s:I}", "as", mark, "at",
                                                                      (json_int_t)now)) != 0;
    }
    if (c->care && !r->care_requested) {
        r->care_requested = 1;
        bad |= json_object_set_new(detail, "care_requested_at", json_integer((json_int_t)now)) != 0;
    }
    for (size_t i = 0; !bad && i < c->tag_actions.count && json_array_size(actions) < MAX_ACTIONS; i++)
        if (!has_action(actions, "tag", c->tag_actions.items[i], NULL))
            bad = json_array_append_new(actions, json_pack("{s:s, s:s, s:I}", "action", c->tag_actions.items[i],
                                                           "via", "tag", "at", (json_int_t)now)) != 0;
    for (size_t i = 0; !bad && i < c->note_actions.count && json_array_size(actions) < MAX_ACTIONS; i++)
        if (!has_action(actions, "note", c->note_actions.items[i], event_id ? event_id : ""))
            bad = json_array_append_new(actions, json_pack("{s:s, s:s, s:s, s:I}", "action",
                                                           c->note_actions.items[i], "via", "note", "event_id",
                                                           event_id ? event_id : "", "at", (json_int_t)now)) != 0;
    if (!bad && c->outcome != NULL && (r->outcome == NULL || strcmp(r->outcome, c->outcome) != 0))
        bad = replace(&r->outcome, c->outcome) != 0;
    return bad ? MAMORI_ENOMEM : 0;
}

/* The shared update: a (may be NULL) and the agent's commands applied to
 * the ticket's record, written with its audit record when it changed. */
static int apply(struct mamori_store *st, const struct mamori_tenant *t, const struct mamori_ticket *ticket,
                 const struct mamori_annotation *a, const char *requester, const struct mamori_agent_commands *c,
                 time_t now, int *changed, struct mamori_error *err)
{
    struct mamori_incident_row r;
    json_t *detail = NULL, *audit = NULL;
    char before[65] = "", after[65], *text = NULL, *cats;
    int exists, flagged = a != NULL && a->category_count > 0, rc;
    long long updated_at;

    *changed = 0;
    rc = mamori_incident_get(st, t->id, ticket->ticket_id, &r, err);
    if (rc != 0 && rc != MAMORI_ENOTFOUND)
        return rc;
    exists = rc == 0;
    if (!exists && !flagged && c->mark == MAMORI_AGENT_MARK_NONE)
        return 0;
    rc = MAMORI_ENOMEM;
    if (exists) {
        if (mamori_incident_digest(&r, before) != 0)
            goto out;
    } else {
        memset(&r, 0, sizeof r);
        r.first_at = (long long)now;
        if (replace(&r.tenant, t->id) || replace(&r.ticket_id, ticket->ticket_id) ||
            replace(&r.connector, t->connector->name) || replace(&r.channel, ticket->channel ? ticket->channel : "other") ||
            replace(&r.marked_by, flagged ? "mamori" : "agent") || replace(&r.severity, "none") ||
            replace(&r.categories, "") || replace(&r.escalation, "none"))
            goto out;
    }
    updated_at = r.updated_at;
    if (requester != NULL && r.requester == NULL && replace(&r.requester, requester) != 0)
        goto out;
    detail = r.detail != NULL ? json_loads(r.detail, 0, NULL) : NULL;
    if (detail == NULL && (detail = json_object()) == NULL)
        goto out;
    if (flagged) {
        int sev = mamori_annotation_severity(a), old = mamori_severity_parse(r.severity);
        int esc = a->escalation_level, old_esc = mamori_escalation_parse(r.escalation);
        if (mamori_annotation_is_harassment(a))
            r.is_harassment = 1;
        if (sev > old && replace(&r.severity, mamori_severity_name(sev)) != 0)
            goto out;
        if (esc > old_esc && replace(&r.escalation, mamori_escalation_name(esc)) != 0)
            goto out;
        if ((cats = union_list(r.categories, a)) == NULL)
            goto out;
        free(r.categories);
        r.categories = cats;
        if (add_annotation(detail, t, ticket, a, now) != 0)
            goto out;
    }
    if (add_commands(&r, detail, c, ticket->event_id, now) != 0)
        goto out;
    free(r.detail);
    if ((r.detail = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        goto out;
    /* Unchanged when only the time would differ (the same tags again). */
    r.updated_at = updated_at;
    if (mamori_incident_digest(&r, after) != 0)
        goto out;
    if (exists && strcmp(before, after) == 0 && !flagged) {
        rc = 0;
        goto out;
    }
    r.updated_at = (long long)now;
    if (mamori_incident_digest(&r, after) != 0)
        goto out;
    audit = json_pack("{s:s, s:o, s:s, s:s}", "cause", flagged ? "annotated" : "agent", "event_id",
                      opt_string(ticket->event_id), "record_sha256", after, "severity", r.severity);
    if (audit == NULL || (text = json_dumps(audit, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        goto out;
    if ((rc = mamori_incident_put(st, &r, err)) != 0 ||
        (rc = mamori_audit_append(st, t->id, exists ? "incident_updated" : "incident_recorded", ticket->ticket_id,
                                  text, now, err)) != 0)
        goto out;
    *changed = 1;
out:
    if (rc == MAMORI_ENOMEM)
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory updating the incident record");
    free(text);
    json_decref(audit);
    json_decref(detail);
    mamori_incident_row_free(&r);
    return rc;
}

int mamori_incident_on_event(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, const struct mamori_annotation *a,
                             const char *requester, int with_note, time_t now, struct mamori_error *err)
{
    struct mamori_agent_commands c;
    int changed, rc;

    if (mamori_agent_commands_read(ticket, &c) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory reading agent commands");
    rc = apply(st, t, ticket, a, requester, &c, now, &changed, err);
    mamori_agent_commands_free(&c);
    /* The links the note carries, with the ticket's first category: the
     * policy gives training links per category. */
    for (size_t i = 0; rc == 0 && with_note && i < a->link_count; i++)
        rc = mamori_training_link_issue(st, t->id, ticket->ticket_id, a->links[i].url,
                                        a->category_count ? a->categories[0].id : "", a->links[i].title,
                                        (long long)now, err);
    return rc;
}

int mamori_incident_on_agent(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, time_t now, int *changed, struct mamori_error *err)
{
    struct mamori_agent_commands c;
    int rc;

    *changed = 0;
    if (ticket->ticket_id == NULL)
        return 0;
    if (mamori_agent_commands_read(ticket, &c) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory reading agent commands");
    if (!mamori_agent_commands_any(&c)) {
        mamori_agent_commands_free(&c);
        return 0;
    }
    if ((rc = mamori_store_begin(st, err)) == 0) {
        rc = apply(st, t, ticket, NULL, NULL, &c, now, changed, err);
        if (rc == 0)
            rc = mamori_store_commit(st, err);
        else
            mamori_store_rollback(st);
    }
    mamori_agent_commands_free(&c);
    return rc;
}
