/*
 * connector/zammad.c -- Zammad trigger webhooks in, an internal note and
 * tags out.
 *
 * Signature: X-Hub-Signature: sha1=<hex HMAC-SHA1(token, raw body)> (the
 * webhook's "HMAC SHA1 Signature Token" is the tenant's webhook secret).
 * Event id: the article ("article:<id>"), not X-Zammad-Delivery, because a
 * trigger can fire twice for one new ticket (create, then update).
 *
 * Write-back: POST /api/v1/ticket_articles {ticket_id, body, content_type
 * text/html, type note, internal true, sender Agent, subject}; one
 * POST /api/v1/tags/add {item, object Ticket, o_id} per tag (adding is
 * idempotent). Auth: "Authorization: Token token=<access token>". No
 * idempotency key: after an unclear attempt, GET
 * /api/v1/ticket_articles/by_ticket/{id} is searched for the note first.
 *
 * [helpdesk] keys: api_user_id (articles created by it are ignored).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connector/common.h"
#include "note/note.h"

static int zammad_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    struct mamori_bytes part = {in->body, in->body_len};
    return mamori_cx_hmac_verify(in, "X-Hub-Signature", "sha1=", MAMORI_HMAC_SHA1, MAMORI_CX_HEX, &part, 1, err);
}

static int zammad_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t,
                        struct mamori_error *err)
{
    json_t *ticket = json_object_get(root, "ticket"), *article = json_object_get(root, "article"), *tags;
    const char *self = mamori_cx_option(in->tenant, "api_user_id"), *body, *ctype, *sender;
    char *aid = NULL, *creator = NULL;
    int rc;

    if (!json_is_object(ticket))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Zammad webhook (expected a ticket object)");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(ticket, "id"), "ticket.id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"ticket.id\" is missing");
    if (json_is_object(article) &&
        (rc = mamori_ticket_take_id(&aid, json_object_get(article, "id"), "article.id", err)) != 0)
        return rc;
    if (aid != NULL) {
        t->event_id = mamori_cx_printf("article:%s", aid);
        free(aid);
    } else {
        const char *d = mamori_webhook_header(in, "X-Zammad-Delivery");
        if (d == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "no article and no X-Zammad-Delivery header: nothing to dedupe on");
        t->event_id = mamori_cx_printf("delivery:%s", d);
    }
    if (t->event_id == NULL)
        return MAMORI_ENOMEM;
    if ((rc = mamori_cx_take_str(&t->subject, ticket, "title")) != 0 ||
        (rc = mamori_ticket_take_id(&t->requester_id, mamori_cx_get(ticket, "customer.id"), "customer.id", err)) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, ticket, "customer.email")) != 0 ||
        (rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(ticket, "created_at"), 0, "created_at", err)) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    if (mamori_cx_str(ticket, "customer.lastname") || mamori_cx_str(ticket, "customer.firstname"))
        if ((t->requester_name = mamori_cx_printf("%s %s", mamori_cx_str(ticket, "customer.lastname") ?
                                                                mamori_cx_str(ticket, "customer.lastname") : "",
                                                  mamori_cx_str(ticket, "customer.firstname") ?
                                                      mamori_cx_str(ticket, "customer.firstname") : "")) == NULL)
            return MAMORI_ENOMEM;
    if (in->tenant->helpdesk_url &&
        (t->ticket_url = mamori_cx_printf("%s/#ticket/zoom/%s", in->tenant->helpdesk_url, t->ticket_id)) == NULL)
        return MAMORI_ENOMEM;
    /* Tags are not in the documented default payload (UNCONFIRMED); take
     * them when a custom payload or a newer Zammad adds them. */
    tags = json_object_get(ticket, "tags");
    if (json_is_array(tags)) {
        size_t i;
        json_t *v;
        json_array_foreach(tags, i, v) if (json_is_string(v) && mamori_strv_push(&t->tags, json_string_value(v), (size_t)-1))
            return MAMORI_ENOMEM;
    }
    if (!json_is_object(article))
        return mamori_cx_ignore(t, "no article in the webhook: nothing new to read");
    if ((rc = mamori_ticket_set_channel(t, mamori_cx_str(article, "type"), NULL)) != 0)
        return rc;
    if ((rc = mamori_ticket_take_id(&creator, json_object_get(article, "created_by_id"), "created_by_id", err)) != 0)
        return rc;
    sender = mamori_cx_str(article, "sender");
    body = mamori_cx_str(article, "body");
    ctype = mamori_cx_str(article, "content_type");
    if (self != NULL && creator != NULL && strcmp(self, creator) == 0)
        rc = mamori_cx_ignore(t, "article created by mamori's own API user");
    else if (json_is_true(json_object_get(article, "internal")))
        rc = mamori_cx_ignore(t, "internal article");
    else if (sender != NULL && strcmp(sender, "Customer") != 0)
        rc = mamori_cx_ignore(t, "article not written by the customer");
    free(creator);
    if (rc != 0 || t->ignore_reason != NULL)
        return rc;
    if ((rc = mamori_cx_set_body(t, body, body ? strlen(body) : 0, ctype && strstr(ctype, "html") != NULL)) != 0)
        return rc;
    if (mamori_cx_is_own_note(t->body))
        return mamori_cx_ignore(t, "mamori's own note");
    return MAMORI_OK;
}

enum { ZM_CHECK, ZM_NOTE, ZM_TAG0 };

static int zammad_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    const char *tid = mamori_wb_ticket_id(wb);
    char *id, *cred, *end;
    long long num;
    json_t *jid;
    int rc = MAMORI_WB_SEND;

    if (step >= ZM_TAG0 + (int)wb->tags->count)
        return MAMORI_WB_END;
    if ((step == ZM_CHECK && (!wb->uncertain || mamori_wb_note_done(wb))) || (step == ZM_NOTE && mamori_wb_note_done(wb)))
        return MAMORI_WB_SKIP;
    if ((cred = mamori_wb_credentials(wb)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file (the access token) is not set");
    id = mamori_wb_escape(tid);
    /* Zammad ids are integers; send them as such when they are. */
    num = strtoll(tid, &end, 10);
    jid = (*tid && *end == '\0') ? json_integer(num) : json_string(tid);
    if (id == NULL || jid == NULL) {
        rc = MAMORI_ENOMEM;
        goto out;
    }
    if (step == ZM_CHECK) {
        req->method = "GET";
        req->path = mamori_cx_printf("/api/v1/ticket_articles/by_ticket/%s", id);
    } else if (step == ZM_NOTE) {
        req->method = "POST";
        req->path = mamori_cx_printf("/api/v1/ticket_articles");
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:O, s:s, s:s, s:s, s:b, s:s, s:s}", "ticket_id", jid, "body",
                                               wb->note, "content_type",
                                               wb->note_format == MAMORI_NOTE_HTML ? "text/html" : "text/plain", "type",
                                               "note", "internal", 1, "sender", "Agent", "subject",
                                               wb->note_subject)) != 0)
            rc = MAMORI_ENOMEM;
    } else {
        req->method = "POST";
        req->path = mamori_cx_printf("/api/v1/tags/add");
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:s, s:s, s:O}", "item", wb->tags->items[step - ZM_TAG0], "object",
                                               "Ticket", "o_id", jid)) != 0)
            rc = MAMORI_ENOMEM;
    }
    if (rc == MAMORI_WB_SEND && (req->path == NULL || mamori_wb_header(req, "Authorization: Token token=%s", cred) != 0))
        rc = MAMORI_ENOMEM;
out:
    json_decref(jid);
    free(id);
    mamori_wb_secret_free(cred);
    return rc;
}

static int zammad_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                            struct mamori_error *err)
{
    (void)status;
    (void)err;
    if (step == ZM_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    else if (step == ZM_NOTE)
        mamori_wb_set_note_done(wb);
    return MAMORI_OK;
}

static const struct mamori_key zammad_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "api_user_id", .type = MAMORI_KEY_INTEGER, .min = 1, .max = MAMORI_CX_MAX_ID,
     .description = "mamori's Zammad user: articles by it are ignored."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_zammad = {
    .name = "zammad",
    .display_name = "Zammad",
    .keys = zammad_keys,
    .verify = zammad_verify,
    .parse = zammad_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_HTML,
    .wb_build = zammad_wb_build,
    .wb_result = zammad_wb_result,
};
