/*
 * connector/helpscout.c -- Help Scout webhooks (convo.created,
 * convo.customer.reply.created) in, a note and tags out.
 *
 * Signature: X-HelpScout-Signature = base64(HMAC-SHA1(secret, raw body)).
 * The event name is in X-HelpScout-Event; everything else (convo.tags,
 * helpscout.test, ...) is ignored. convo.note.created, an agent's note, is
 * never judged as customer text: it is read only for what agents ask of
 * mamori (ingest/agent.h) -- a consultation, a warning, or, with the
 * decision tag on the conversation, the decision to restrict the customer,
 * recorded with the note's author (its thread's createdBy). mamori's own
 * notes come back as convo.note.created too and are ignored. There is no
 * delivery id: the event id is event + conversation + newest customer
 * thread (+ the note's thread for a note).
 *
 * Help Scout's block list (Manage -> Company -> spam settings, Allow and
 * Block) has no endpoint in the Mailbox API 2.0, so there is no
 * restrict_action: a decision is recorded and the agents are told to add
 * the address by hand. Marking the conversation as spam is not used: it
 * hides the conversation and only trains the filter.
 *
 * Write-back (Mailbox API 2.0), with an OAuth2 client-credentials token
 * (POST /v2/oauth2/token; credentials file "client_id:client_secret"; the
 * token is cached per tenant and fetched again after a 401):
 *   POST /v2/conversations/{id}/notes {"text": html}      (notes are internal)
 *   GET  /v2/conversations/{id}  then  PUT /v2/conversations/{id}/tags
 *        {"tags": [...]}  (PUT replaces the list: read, merge, write)
 * No idempotency key: after an unclear attempt GET
 * /v2/conversations/{id}/threads is searched for the note first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "connector/common.h"
#include "note/note.h"

static int helpscout_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    struct mamori_bytes part = {in->body, in->body_len};
    return mamori_cx_hmac_verify(in, "X-HelpScout-Signature", NULL, MAMORI_HMAC_SHA1, MAMORI_CX_BASE64, &part, 1,
                                 err);
}

/* The newest thread of type `type` in threads, or NULL. */
static json_t *newest_thread(json_t *threads, const char *type)
{
    json_t *newest = NULL, *th;
    size_t i;

    json_array_foreach(threads, i, th) {
        const char *ty = mamori_cx_str(th, "type"), *at = mamori_cx_str(th, "createdAt");
        if (ty == NULL || strcmp(ty, type) != 0)
            continue;
        if (newest == NULL || (at && mamori_cx_str(newest, "createdAt") && strcmp(at, mamori_cx_str(newest, "createdAt")) > 0))
            newest = th;
    }
    return newest;
}

/* convo.note.created: an agent's note (agent.h), never customer text. The
 * customer's newest thread is the text a consultation quotes. */
static int helpscout_note(struct mamori_ticket *t, json_t *note, json_t *customer, struct mamori_error *err)
{
    const char *html = mamori_cx_str(note, "body"), *body = mamori_cx_str(customer, "body");
    int rc;

    if ((rc = mamori_cx_ignore(t, "internal note")) != 0)
        return rc;
    if (html != NULL && (t->agent_note = mamori_html_to_text(html, strlen(html), NULL)) == NULL)
        return MAMORI_ENOMEM;
    if (t->agent_note == NULL || mamori_cx_is_own_note(t->agent_note))
        return MAMORI_OK; /* mamori's own note (or an empty one): nothing to look at */
    t->agent_event = 1;
    if ((rc = mamori_ticket_take_id(&t->agent_id, mamori_cx_get(note, "createdBy.id"), "createdBy.id", err)) != 0)
        return rc;
    return body != NULL ? mamori_cx_set_body(t, body, strlen(body), 1) : MAMORI_OK;
}

static int helpscout_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t,
                           struct mamori_error *err)
{
    const char *event = mamori_webhook_header(in, "X-HelpScout-Event"), *body, *when;
    json_t *threads = mamori_cx_get(root, "_embedded.threads"), *newest, *note, *th, *tags;
    char *thread_id = NULL, *note_id = NULL;
    size_t i;
    int rc, is_note;

    if (!json_is_object(root))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Help Scout conversation");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(root, "id"), "id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"id\" (the conversation id) is missing");
    if (event == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "missing X-HelpScout-Event header");
    newest = newest_thread(threads, "customer");
    is_note = strcmp(event, "convo.note.created") == 0;
    note = is_note ? newest_thread(threads, "note") : NULL;
    if (newest != NULL && (rc = mamori_ticket_take_id(&thread_id, json_object_get(newest, "id"), "thread id", err)) != 0)
        return rc;
    if (note != NULL && (rc = mamori_ticket_take_id(&note_id, json_object_get(note, "id"), "note thread id", err)) != 0) {
        free(thread_id);
        return rc;
    }
    if (note_id != NULL)
        t->event_id = mamori_cx_printf("%s:%s:%s:%s", event, t->ticket_id, thread_id ? thread_id : "-", note_id);
    else
        t->event_id = mamori_cx_printf("%s:%s:%s", event, t->ticket_id, thread_id ? thread_id : "-");
    free(thread_id);
    free(note_id);
    if (t->event_id == NULL)
        return MAMORI_ENOMEM;
    if ((rc = mamori_cx_take_str(&t->subject, root, "subject")) != 0 ||
        (rc = mamori_ticket_take_id(&t->requester_id, mamori_cx_get(root, "primaryCustomer.id"), "primaryCustomer.id",
                                    err)) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, root, "primaryCustomer.email")) != 0 ||
        (rc = mamori_ticket_set_channel(t, mamori_cx_str(root, "type"), NULL)) != 0 ||
        (rc = mamori_cx_take_str(&t->ticket_url, root, "_links.web.href")) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    if (mamori_cx_str(root, "primaryCustomer.first") &&
        (t->requester_name = mamori_cx_printf("%s %s", mamori_cx_str(root, "primaryCustomer.first"),
                                              mamori_cx_str(root, "primaryCustomer.last") ?
                                                  mamori_cx_str(root, "primaryCustomer.last") : "")) == NULL)
        return MAMORI_ENOMEM;
    tags = json_object_get(root, "tags");
    json_array_foreach(tags, i, th) {
        const char *tag = mamori_cx_str(th, "tag");
        if (tag != NULL && mamori_strv_push(&t->tags, tag, (size_t)-1) != 0)
            return MAMORI_ENOMEM;
    }
    if (is_note)
        return note != NULL ? helpscout_note(t, note, newest, err) : mamori_cx_ignore(t, "no note thread in the conversation");
    if (strcmp(event, "convo.created") != 0 && strcmp(event, "convo.customer.reply.created") != 0)
        return mamori_cx_ignore(t, "event is neither convo.created nor convo.customer.reply.created");
    if (newest == NULL)
        return mamori_cx_ignore(t, "no customer thread in the conversation");
    when = mamori_cx_str(newest, "createdAt");
    if ((rc = mamori_cx_set_time(&t->created_at, when, 0, "createdAt", err)) != 0)
        return rc;
    body = mamori_cx_str(newest, "body");
    if ((rc = mamori_cx_set_body(t, body, body ? strlen(body) : 0, 1)) != 0)
        return rc;
    if (mamori_cx_is_own_note(t->body))
        return mamori_cx_ignore(t, "mamori's own note");
    return MAMORI_OK;
}

enum { HS_TOKEN, HS_CHECK, HS_NOTE, HS_TAGS_READ, HS_TAGS_WRITE };

static int token_request(struct mamori_wb *wb, struct mamori_wb_request *req, struct mamori_error *err)
{
    char *cred = mamori_wb_credentials(wb), *colon, *id = NULL, *secret = NULL;
    int rc = MAMORI_WB_SEND;

    if (cred == NULL || (colon = strchr(cred, ':')) == NULL) {
        mamori_wb_secret_free(cred);
        return mamori_error_set(err, MAMORI_EINVAL,
                                "[helpdesk] credentials_file must hold \"client_id:client_secret\" of a Help Scout app");
    }
    *colon = '\0';
    id = curl_easy_escape(NULL, cred, 0);
    secret = curl_easy_escape(NULL, colon + 1, 0);
    req->method = "POST";
    req->path = mamori_cx_printf("/v2/oauth2/token");
    req->content_type = "application/x-www-form-urlencoded";
    if (id == NULL || secret == NULL || req->path == NULL ||
        (req->body = mamori_cx_printf("grant_type=client_credentials&client_id=%s&client_secret=%s", id, secret)) == NULL)
        rc = MAMORI_ENOMEM;
    if (secret)
        explicit_bzero(secret, strlen(secret));
    curl_free(id);
    curl_free(secret);
    mamori_wb_secret_free(cred);
    return rc;
}

static int helpscout_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    char *id;
    int rc = MAMORI_WB_SEND;

    if (step > HS_TAGS_WRITE)
        return MAMORI_WB_END;
    if (step == HS_TOKEN)
        return (wb->cache->token != NULL && wb->cache->token_expires > wb->now + 60) ? MAMORI_WB_SKIP
                                                                                     : token_request(wb, req, err);
    if ((step == HS_CHECK && (!wb->uncertain || mamori_wb_note_done(wb))) || (step == HS_NOTE && mamori_wb_note_done(wb)) ||
        (step >= HS_TAGS_READ && wb->tags->count == 0))
        return MAMORI_WB_SKIP;
    if (wb->cache->token == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "no OAuth token (the token step did not run)");
    if ((id = mamori_wb_escape(mamori_wb_ticket_id(wb))) == NULL)
        return MAMORI_ENOMEM;
    switch (step) {
    case HS_CHECK:
        req->method = "GET";
        req->path = mamori_cx_printf("/v2/conversations/%s/threads", id);
        break;
    case HS_NOTE:
        req->method = "POST";
        req->path = mamori_cx_printf("/v2/conversations/%s/notes", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:s}", "text", wb->note)) != 0)
            rc = MAMORI_ENOMEM;
        break;
    case HS_TAGS_READ:
        req->method = "GET";
        req->path = mamori_cx_printf("/v2/conversations/%s", id);
        break;
    default: {
        int none;
        json_t *merged = mamori_wb_tags_to_write(wb, &none);
        if (merged == NULL) {
            rc = none ? MAMORI_WB_SKIP : MAMORI_ENOMEM;
            break;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/v2/conversations/%s/tags", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:o}", "tags", merged)) != 0)
            rc = MAMORI_ENOMEM;
    }
    }
    if (rc == MAMORI_WB_SEND &&
        (req->path == NULL || mamori_wb_header(req, "Authorization: Bearer %s", wb->cache->token) != 0))
        rc = MAMORI_ENOMEM;
    free(id);
    return rc;
}

static int helpscout_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                               struct mamori_error *err)
{
    (void)status;
    if (step == HS_TOKEN) {
        json_t *j = json_loadb(body, len, 0, NULL);
        const char *tok = json_string_value(json_object_get(j, "access_token"));
        json_int_t exp = json_integer_value(json_object_get(j, "expires_in"));
        if (tok == NULL) {
            json_decref(j);
            return mamori_error_set(err, MAMORI_EAUTH, "the token answer has no access_token");
        }
        mamori_wb_secret_free(wb->cache->token);
        wb->cache->token = mamori_strdup(tok);
        wb->cache->token_expires = wb->now + (exp > 0 ? exp : 300);
        json_decref(j);
        return wb->cache->token ? MAMORI_OK : MAMORI_ENOMEM;
    }
    if (step == HS_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    else if (step == HS_NOTE)
        mamori_wb_set_note_done(wb);
    else if (step == HS_TAGS_READ) {
        json_t *j = json_loadb(body, len, 0, NULL), *tags = json_object_get(j, "tags"), *cur = json_array(), *v;
        size_t i;
        if (cur == NULL) {
            json_decref(j);
            return MAMORI_ENOMEM;
        }
        json_array_foreach(tags, i, v) {
            const char *s = json_is_string(v) ? json_string_value(v) : mamori_cx_str(v, "tag");
            if (s != NULL)
                json_array_append_new(cur, json_string(s));
        }
        json_object_set_new(wb->progress, "current_tags", cur);
        json_decref(j);
    }
    return MAMORI_OK;
}

static const struct mamori_key helpscout_keys[] = {MAMORI_CX_COMMON_KEYS, MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_helpscout = {
    .name = "helpscout",
    .display_name = "Help Scout",
    .keys = helpscout_keys,
    .verify = helpscout_verify,
    .parse = helpscout_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_HTML,
    .wb_build = helpscout_wb_build,
    .wb_result = helpscout_wb_result,
};
