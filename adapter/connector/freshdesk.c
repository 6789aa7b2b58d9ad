/*
 * connector/freshdesk.c -- Freshdesk automation-rule webhooks in, a
 * private note and tags out.
 *
 * Freshdesk does not sign webhooks: the rule's "Requires authentication"
 * Basic user:password (or an X-Mamori-Token header) must equal the tenant's
 * webhook secret. The payload is the admin's template; mamori expects the
 * documented one: {"freshdesk_webhook": {ticket_id, triggered_event,
 * ticket_subject, ticket_description, ticket_latest_public_comment,
 * ticket_source, ticket_tags, requester_name, requester_email, ...}}
 * (doc/helpdesks.md has it to paste). There is no delivery id, so the event
 * id is derived from ticket, trigger and text. A private note's text, when
 * the template carries ticket_latest_private_comment, is read only for what
 * agents ask of mamori (ingest/agent.h). Freshdesk's API v2 has no call
 * that blocks a contact ("blocked" is only a state contacts are listed
 * by), so there is no restrict_action: a restriction decision is recorded
 * and the agents are told to block by hand. Deleting the contact is no
 * substitute and is never done.
 *
 * Write-back: POST /api/v2/tickets/{id}/notes {"body": html, "private": true};
 * tags: PUT /api/v2/tickets/{id} {"tags": [...]} replaces the list, so the
 * current tags are read first (GET /api/v2/tickets/{id}) and merged.
 * No idempotency key: after an unclear attempt the note is looked for in
 * GET /api/v2/tickets/{id}/conversations before it is sent again.
 * Auth: Basic base64(<API key>:X), the API key in the credentials file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/common.h"
#include "note/note.h"

static int freshdesk_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    return mamori_cx_shared_secret_verify(in, 0, err);
}

static const char *source_channel(const char *s)
{
    if (s == NULL)
        return "other";
    if (strcasecmp(s, "Portal") == 0 || strcasecmp(s, "Feedback Widget") == 0 || strcasecmp(s, "Feedback widget") == 0)
        return "web";
    if (strcasecmp(s, "Outbound Email") == 0)
        return "email";
    if (strcasecmp(s, "Twitter") == 0 || strcasecmp(s, "Facebook") == 0 || strcasecmp(s, "WhatsApp") == 0)
        return "sns";
    return mamori_channel_normalize(s);
}

static int freshdesk_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t,
                           struct mamori_error *err)
{
    json_t *w = json_object_get(root, "freshdesk_webhook");
    const char *trig, *body, *tags;
    int rc;

    (void)in;
    if (!json_is_object(w))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Freshdesk webhook (expected a freshdesk_webhook object)");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(w, "ticket_id"), "ticket_id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"freshdesk_webhook.ticket_id\" is missing");
    trig = mamori_cx_str(w, "triggered_event");
    body = mamori_cx_str(w, "ticket_latest_public_comment");
    if (body == NULL || body[0] == '\0')
        body = mamori_cx_str(w, "ticket_description");
    /* Two private notes differ by their own text, not the customer's. */
    if ((rc = mamori_cx_derived_id(&t->event_id, "fd", t->ticket_id, trig,
                                   trig != NULL && strstr(trig, "note_type:private") != NULL &&
                                           mamori_cx_str(w, "ticket_latest_private_comment") != NULL
                                       ? mamori_cx_str(w, "ticket_latest_private_comment")
                                       : body)) != 0 ||
        (rc = mamori_cx_take_str(&t->subject, w, "ticket_subject")) != 0 ||
        (rc = mamori_cx_take_str(&t->ticket_url, w, "ticket_url")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_name, w, "requester_name")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, w, "requester_email")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_id, w, "requester_email")) != 0 ||
        (rc = mamori_ticket_set_channel(t, mamori_cx_str(w, "ticket_source"), source_channel(mamori_cx_str(w, "ticket_source")))) != 0)
        return rc == MAMORI_ENOMEM ? rc : rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    tags = mamori_cx_str(w, "ticket_tags");
    for (const char *p = tags; p != NULL && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && *p == ' ')
            p++, n--;
        while (n && p[n - 1] == ' ')
            n--;
        if (n && mamori_strv_push(&t->tags, p, n) != 0)
            return MAMORI_ENOMEM;
        if (e == NULL)
            break;
        p = e + 1;
    }
    if (trig != NULL && strstr(trig, "note_type:private") != NULL) {
        /* An agent's private note: never customer text, but it may consult
         * the lawyer or record a warning (ingest/agent.h) when the rule's
         * template carries its text (ticket_latest_private_comment). */
        const char *note = mamori_cx_str(w, "ticket_latest_private_comment");
        const char *desc = mamori_cx_str(w, "ticket_description");
        if ((rc = mamori_cx_ignore(t, "private note")) != 0)
            return rc;
        t->agent_event = 1;
        if (note != NULL && (t->agent_note = mamori_html_to_text(note, strlen(note), NULL)) == NULL)
            return MAMORI_ENOMEM;
        if (t->agent_note != NULL && mamori_cx_is_own_note(t->agent_note)) {
            /* mamori's own note: nothing to look at. */
            t->agent_event = 0;
            return MAMORI_OK;
        }
        return desc != NULL ? mamori_cx_set_body(t, desc, strlen(desc), 1) : MAMORI_OK;
    }
    if ((rc = mamori_cx_set_body(t, body, body ? strlen(body) : 0, 1)) != 0)
        return rc;
    if (mamori_cx_is_own_note(t->body))
        return mamori_cx_ignore(t, "mamori's own note");
    return MAMORI_OK;
}

enum { FD_CHECK, FD_NOTE, FD_TAGS_READ, FD_TAGS_WRITE };

static int freshdesk_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    char *id, *cred, *up;
    int rc = MAMORI_WB_SEND;

    if (step > FD_TAGS_WRITE)
        return MAMORI_WB_END;
    if ((step == FD_CHECK && (!wb->uncertain || mamori_wb_note_done(wb))) || (step == FD_NOTE && mamori_wb_note_done(wb)) ||
        (step >= FD_TAGS_READ && wb->tags->count == 0))
        return MAMORI_WB_SKIP;
    if ((cred = mamori_wb_credentials(wb)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file (the API key) is not set");
    id = mamori_wb_escape(mamori_wb_ticket_id(wb));
    up = mamori_cx_printf("%s:X", cred);
    mamori_wb_secret_free(cred);
    if (id == NULL || up == NULL) {
        rc = MAMORI_ENOMEM;
        goto out;
    }
    switch (step) {
    case FD_CHECK:
        req->method = "GET";
        req->path = mamori_cx_printf("/api/v2/tickets/%s/conversations", id);
        break;
    case FD_NOTE:
        req->method = "POST";
        req->path = mamori_cx_printf("/api/v2/tickets/%s/notes", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:s, s:b}", "body", wb->note, "private", 1)) != 0)
            rc = MAMORI_ENOMEM;
        break;
    case FD_TAGS_READ:
        req->method = "GET";
        req->path = mamori_cx_printf("/api/v2/tickets/%s", id);
        break;
    default: {
        int none;
        json_t *merged = mamori_wb_tags_to_write(wb, &none);
        if (merged == NULL) {
            rc = none ? MAMORI_WB_SKIP : MAMORI_ENOMEM;
            break;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/api/v2/tickets/%s", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:o}", "tags", merged)) != 0)
            rc = MAMORI_ENOMEM;
    }
    }
    if (rc == MAMORI_WB_SEND && (req->path == NULL || mamori_wb_basic_auth(req, up) != 0))
        rc = MAMORI_ENOMEM;
out:
    free(id);
    mamori_wb_secret_free(up);
    return rc;
}

static int freshdesk_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                               struct mamori_error *err)
{
    (void)status;
    if (step == FD_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    else if (step == FD_NOTE)
        mamori_wb_set_note_done(wb);
    else if (step == FD_TAGS_READ) {
        json_t *j = json_loadb(body, len, 0, NULL), *tags = json_object_get(j, "tags");
        if (!json_is_array(tags)) {
            json_decref(j);
            return mamori_error_set(err, MAMORI_EINVAL, "GET ticket: no \"tags\" array in the answer");
        }
        json_object_set(wb->progress, "current_tags", tags);
        json_decref(j);
    }
    return MAMORI_OK;
}

static const struct mamori_key freshdesk_keys[] = {MAMORI_CX_COMMON_KEYS, MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_freshdesk = {
    .name = "freshdesk",
    .display_name = "Freshdesk",
    .keys = freshdesk_keys,
    .verify = freshdesk_verify,
    .parse = freshdesk_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_HTML,
    .wb_build = freshdesk_wb_build,
    .wb_result = freshdesk_wb_result,
};
