/*
 * connector/zendesk.c -- Zendesk event webhooks (ticket.created,
 * ticket.comment_added; ticket.tags_changed and agents' comments only for
 * what agents ask of mamori, ingest/agent.h) in, a private comment and
 * tags out.
 *
 * Signature: X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret,
 * <X-Zendesk-Webhook-Signature-Timestamp value> || raw body)); the secret is
 * used as its literal bytes. The timestamp is signed as an opaque string and
 * parsed only for the replay window.
 *
 * Write-back: PUT /api/v2/tickets/{id}.json with
 *   {"ticket": {"comment": {"body"|"html_body": note, "public": false},
 *               "additional_tags": [...]}}
 * A note job carrying {"restrict": {"requester_id"}} (a person decided to
 * restrict the customer, ingest/agent.h) then suspends the requester:
 * PUT /api/v2/users/{id}.json {"user": {"suspended": true}}.
 * Basic auth from the credentials file ("agent@example.com/token:TOKEN").
 * additional_tags adds without replacing (no read needed). The request
 * carries Idempotency-Key (setting idempotency_key, default on: Zendesk
 * documents the header for ticket creation; for updates it is UNCONFIRMED,
 * so a retry after an unclear outcome also looks for the note first).
 *
 * [helpdesk] keys: api_user_id (mamori's agent: its comments are ignored),
 * idempotency_key (on|off), tags_via (additional_tags, the default, or
 * tags_endpoint: PUT /api/v2/tickets/{id}/tags.json {"tags": [...]}, which
 * adds too -- additional_tags on Update Ticket is UNCONFIRMED in the
 * research, so the documented alternative is a setting).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connector/common.h"
#include "note/note.h"

static int zendesk_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    const char *ts = mamori_webhook_header(in, "X-Zendesk-Webhook-Signature-Timestamp");
    long long t;

    if (ts == NULL || ts[0] == '\0')
        return mamori_error_set(err, MAMORI_EAUTH, "missing X-Zendesk-Webhook-Signature-Timestamp header");
    if (mamori_cx_parse_time(ts, 0, &t) != 0)
        return mamori_error_set(err, MAMORI_EAUTH, "malformed X-Zendesk-Webhook-Signature-Timestamp header");
    if (!mamori_within_window((time_t)t, in->now, in->tenant->replay_window))
        return mamori_error_set(err, MAMORI_EAUTH,
                                "X-Zendesk-Webhook-Signature-Timestamp is outside the replay window of %ld s",
                                in->tenant->replay_window);
    {
        struct mamori_bytes parts[2] = {{ts, strlen(ts)}, {in->body, in->body_len}};
        return mamori_cx_hmac_verify(in, "X-Zendesk-Webhook-Signature", NULL, MAMORI_HMAC_SHA256, MAMORI_CX_BASE64,
                                     parts, 2, err);
    }
}

static int zendesk_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t,
                         struct mamori_error *err)
{
    const char *type = mamori_cx_str(root, "type");
    const char *self = mamori_cx_option(in->tenant, "api_user_id");
    json_t *detail = json_object_get(root, "detail"), *comment = mamori_cx_get(root, "event.comment"), *tags;
    int created, tags_changed, rc;

    if (!json_is_object(root) || type == NULL || !json_is_object(detail))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Zendesk event webhook (expected type and detail)");
    if ((rc = mamori_ticket_take_id(&t->event_id, json_object_get(root, "id"), "id", err)) != 0)
        return rc;
    if (t->event_id == NULL) {
        const char *inv = mamori_webhook_header(in, "X-Zendesk-Webhook-Invocation-Id");
        if (inv == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "\"id\" (the event id) is missing");
        if ((rc = mamori_ticket_set(&t->event_id, inv)) != 0)
            return rc;
    }
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(detail, "id"), "detail.id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"detail.id\" (the ticket id) is missing");
    created = strcmp(type, "zen:event-type:ticket.created") == 0;
    tags_changed = strcmp(type, "zen:event-type:ticket.tags_changed") == 0;
    if (!created && !tags_changed && strcmp(type, "zen:event-type:ticket.comment_added") != 0)
        return mamori_cx_ignore(t, "event type is neither ticket.created nor ticket.comment_added");
    if ((rc = mamori_cx_take_str(&t->subject, detail, "subject")) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    if ((rc = mamori_ticket_take_id(&t->requester_id, json_object_get(detail, "requester_id"), "requester_id",
                                    err)) != 0 ||
        (rc = mamori_ticket_set_channel(t, mamori_cx_str(detail, "via.channel"), NULL)) != 0 ||
        (rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(detail, "created_at"), 0, "created_at", err)) != 0)
        return rc;
    tags = json_object_get(detail, "tags");
    if (json_is_array(tags)) {
        size_t i;
        json_t *v;
        json_array_foreach(tags, i, v) if (json_is_string(v) && mamori_strv_push(&t->tags, json_string_value(v), (size_t)-1))
            return MAMORI_ENOMEM;
    }
    if (in->tenant->helpdesk_url && (t->ticket_url = mamori_cx_printf("%s/agent/tickets/%s", in->tenant->helpdesk_url,
                                                                       t->ticket_id)) == NULL)
        return MAMORI_ENOMEM;
    if (created) {
        const char *d = mamori_cx_str(detail, "description");
        return mamori_cx_set_body(t, d, d ? strlen(d) : 0, 0);
    }
    if (tags_changed) {
        /* An agent (detail.actor_id) tagged the ticket: a warning macro, the
         * restriction decision, a consult tag (ingest/agent.h). Tags mamori
         * wrote itself come back with its own API user as the actor. The
         * event's own fields (tags added, removed) are not needed:
         * detail.tags is the ticket's tags after the change. */
        char *actor = NULL;
        const char *d = mamori_cx_str(detail, "description");
        if ((rc = mamori_ticket_take_id(&actor, json_object_get(detail, "actor_id"), "actor_id", err)) != 0)
            return rc;
        if (self != NULL && actor != NULL && strcmp(self, actor) == 0) {
            free(actor);
            return mamori_cx_ignore(t, "tags changed by mamori's own API user");
        }
        t->agent_event = 1;
        t->agent_id = actor;
        if ((rc = mamori_cx_ignore(t, "tags changed (an agent's action, never customer text)")) != 0)
            return rc;
        return d != NULL ? mamori_cx_set_body(t, d, strlen(d), 0) : MAMORI_OK;
    }
    if (!json_is_object(comment))
        return mamori_error_set(err, MAMORI_EINVAL, "comment_added without event.comment");
    {
        const char *body = mamori_cx_str(comment, "body");
        char *author = NULL;
        json_t *pub = json_object_get(comment, "is_public");
        if ((rc = mamori_ticket_take_id(&author, mamori_cx_get(comment, "author.id"), "author.id", err)) != 0)
            return rc;
        rc = MAMORI_OK;
        if (self != NULL && author != NULL && strcmp(self, author) == 0)
            rc = mamori_cx_ignore(t, "comment written by mamori's own API user");
        else if (mamori_cx_is_own_note(body))
            rc = mamori_cx_ignore(t, "mamori's own note");
        else if (json_is_false(pub) || json_is_true(mamori_cx_get(comment, "author.is_staff"))) {
            /* An agent's note or reply: never customer text, but it may
             * consult the lawyer or record a warning (ingest/agent.h). The
             * ticket's description is the customer's text to quote. */
            const char *d = mamori_cx_str(detail, "description");
            rc = mamori_cx_ignore(t, json_is_false(pub) ? "internal note (not public)" : "comment written by staff");
            t->agent_event = 1;
            if (rc == 0 && body != NULL && (t->agent_note = strdup(body)) == NULL)
                rc = MAMORI_ENOMEM;
            if (rc == 0 && author != NULL) {
                t->agent_id = author;
                author = NULL;
            }
            if (rc == 0 && d != NULL)
                rc = mamori_cx_set_body(t, d, strlen(d), 0);
        }
        free(author);
        if (rc != 0 || t->ignore_reason != NULL)
            return rc;
        return mamori_cx_set_body(t, body, body ? strlen(body) : 0, 0);
    }
}

enum { ZD_CHECK, ZD_UPDATE, ZD_TAGS, ZD_SUSPEND };

static int tags_via_endpoint(const struct mamori_wb *wb)
{
    const char *v = mamori_cx_option(wb->tenant, "tags_via");
    return v != NULL && strcmp(v, "tags_endpoint") == 0;
}

static int zendesk_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    char *id = mamori_wb_escape(mamori_wb_ticket_id(wb)), *cred = mamori_wb_credentials(wb);
    const char *idem = mamori_cx_option(wb->tenant, "idempotency_key");
    int rc = MAMORI_WB_SEND;

    if (id == NULL || cred == NULL) {
        free(id);
        mamori_wb_secret_free(cred);
        return cred == NULL ? mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file is not set") : MAMORI_ENOMEM;
    }
    if (step == ZD_CHECK) {
        if (!wb->uncertain || mamori_wb_note_done(wb)) {
            rc = MAMORI_WB_SKIP;
            goto out;
        }
        req->method = "GET";
        req->path = mamori_cx_printf("/api/v2/tickets/%s/comments.json?sort_order=desc", id);
    } else if (step == ZD_UPDATE) {
        json_t *ticket = json_object();
        int html = wb->note_format == MAMORI_NOTE_HTML;
        if (ticket == NULL) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
        if (!mamori_wb_note_done(wb))
            json_object_set_new(ticket, "comment",
                                json_pack("{s:s, s:b}", html ? "html_body" : "body", wb->note, "public", 0));
        if (wb->tags->count && !tags_via_endpoint(wb)) {
            json_t *tags = mamori_wb_merge_tags(wb, NULL);
            if (tags == NULL) {
                json_decref(ticket);
                rc = MAMORI_ENOMEM;
                goto out;
            }
            json_object_set_new(ticket, "additional_tags", tags);
        }
        if (json_object_size(ticket) == 0) {
            json_decref(ticket);
            rc = MAMORI_WB_SKIP;
            goto out;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/api/v2/tickets/%s.json", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:o}", "ticket", ticket)) != 0) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
        if ((idem == NULL || strcmp(idem, "off") != 0) && mamori_wb_header(req, "Idempotency-Key: %s", wb->ref) != 0) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
    } else if (step == ZD_TAGS && wb->tags->count && tags_via_endpoint(wb)) {
        req->method = "PUT";
        req->path = mamori_cx_printf("/api/v2/tickets/%s/tags.json", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:o}", "tags", mamori_wb_merge_tags(wb, NULL))) != 0) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
    } else if (step == ZD_TAGS) {
        rc = MAMORI_WB_SKIP;
        goto out;
    } else if (step == ZD_SUSPEND) {
        /* A person's decision to restrict the requester (ingest/agent.h):
         * Update User with suspended = true. Setting it twice is harmless. */
        const char *who = json_string_value(json_object_get(json_object_get(wb->job, "restrict"), "requester_id"));
        char *uid;
        if (who == NULL || json_is_true(json_object_get(wb->progress, "suspended"))) {
            rc = MAMORI_WB_SKIP;
            goto out;
        }
        if ((uid = mamori_wb_escape(who)) == NULL) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/api/v2/users/%s.json", uid);
        free(uid);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:{s:b}}", "user", "suspended", 1)) != 0) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
    } else {
        rc = MAMORI_WB_END;
        goto out;
    }
    if (req->path == NULL || mamori_wb_basic_auth(req, cred) != 0)
        rc = MAMORI_ENOMEM;
out:
    free(id);
    mamori_wb_secret_free(cred);
    return rc;
}

static int zendesk_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                             struct mamori_error *err)
{
    (void)status;
    (void)err;
    if (step == ZD_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    if (step == ZD_UPDATE)
        mamori_wb_set_note_done(wb);
    if (step == ZD_SUSPEND && json_object_set_new(wb->progress, "suspended", json_true()) != 0)
        return MAMORI_ENOMEM;
    return MAMORI_OK;
}

static const struct mamori_key zendesk_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "api_user_id", .type = MAMORI_KEY_INTEGER, .min = 1, .max = MAMORI_CX_MAX_ID,
     .description = "mamori's agent: its comments are ignored."},
    {.name = "idempotency_key", .type = MAMORI_KEY_ENUM, .values = "on|off", .def = "on",
     .description = "Send Idempotency-Key with the ticket update."},
    {.name = "tags_via", .type = MAMORI_KEY_ENUM, .values = "additional_tags|tags_endpoint", .def = "additional_tags",
     .description = "How tags are added: additional_tags in the ticket update, or PUT /api/v2/tickets/ID/tags.json."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_zendesk = {
    .name = "zendesk",
    .display_name = "Zendesk",
    .keys = zendesk_keys,
    .verify = zendesk_verify,
    .parse = zendesk_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_TEXT,
    .wb_build = zendesk_wb_build,
    .wb_result = zendesk_wb_result,
    .restrict_action = "suspend",
};
