/*
 * connector/rt.c -- Request Tracker 5: the scrip we ship
 * (packaging/rt/mamori-scrip.pl, stage TransactionBatch) posts
 * {"schema": "hdadapter-rt-scrip/1", transaction, ticket, content} in,
 * an internal comment (never a reply to the requestor) and a custom field
 * out.
 *
 * Signature (ours; RT has none): X-Hdadapter-Timestamp: <unix seconds>,
 * X-Hdadapter-Signature: sha256=<hex HMAC-SHA256(secret, ts "." raw body)>,
 * the timestamp within the replay window. Event id: "txn:<transaction id>".
 *
 * Write-back (REST2, core in RT 5):
 *   POST /REST/2.0/ticket/{id}/comment {"Subject", "Content", "ContentType"}
 *   tags: GET /REST/2.0/ticket/{id}, then PUT /REST/2.0/ticket/{id}
 *         {"CustomFields": {"<tags_custom_field>": [...]}} (merged; RT has
 *         no tags, so a multi-value custom field holds them)
 * Auth: "Authorization: token <auth token>". No idempotency key: after an
 * unclear attempt GET /REST/2.0/ticket/{id}/attachments?fields=Content is
 * searched for the note first.
 *
 * [helpdesk] keys: api_user (mamori's RT user name: its transactions are
 * ignored), tags_custom_field (name of the custom field for tags).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connector/common.h"
#include "note/note.h"

static int rt_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    const char *ts = mamori_webhook_header(in, "X-Hdadapter-Timestamp");
    time_t t;

    if (ts == NULL || ts[0] == '\0')
        return mamori_error_set(err, MAMORI_EAUTH, "missing X-Hdadapter-Timestamp header");
    if (mamori_parse_unix_time(ts, &t) != 0)
        return mamori_error_set(err, MAMORI_EAUTH, "malformed X-Hdadapter-Timestamp header (expected Unix seconds)");
    if (!mamori_within_window(t, in->now, in->tenant->replay_window))
        return mamori_error_set(err, MAMORI_EAUTH,
                                "X-Hdadapter-Timestamp is outside the replay window of %ld s (check RT's clock)",
                                in->tenant->replay_window);
    {
        struct mamori_bytes parts[3] = {{ts, strlen(ts)}, {".", 1}, {in->body, in->body_len}};
        return mamori_cx_hmac_verify(in, "X-Hdadapter-Signature", "sha256=", MAMORI_HMAC_SHA256, MAMORI_CX_HEX, parts,
                                     3, err);
    }
}

static int rt_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t, struct mamori_error *err)
{
    const char *schema = mamori_cx_str(root, "schema"), *self = mamori_cx_option(in->tenant, "api_user");
    const char *txtype = mamori_cx_str(root, "transaction.type"), *creator = mamori_cx_str(root, "transaction.creator");
    const char *body = mamori_cx_str(root, "content.body"), *ctype = mamori_cx_str(root, "content.content_type");
    const char *base = mamori_cx_str(root, "rt_base_url");
    json_t *req = json_array_get(mamori_cx_get(root, "ticket.requestors"), 0);
    char *txid = NULL;
    int rc;

    if (schema == NULL || strncmp(schema, "hdadapter-rt-scrip/", 19) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "not a payload of mamori's RT scrip (schema hdadapter-rt-scrip/1)");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, mamori_cx_get(root, "ticket.id"), "ticket.id", err)) != 0 ||
        (rc = mamori_ticket_take_id(&txid, mamori_cx_get(root, "transaction.id"), "transaction.id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL || txid == NULL) {
        free(txid);
        return mamori_error_set(err, MAMORI_EINVAL, "\"ticket.id\" and \"transaction.id\" are required");
    }
    t->event_id = mamori_cx_printf("txn:%s", txid);
    free(txid);
    if (t->event_id == NULL)
        return MAMORI_ENOMEM;
    if ((rc = mamori_cx_take_str(&t->subject, root, "ticket.subject")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_id, req, "email")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, req, "email")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_name, req, "name")) != 0 ||
        (rc = mamori_cx_take_str(&t->language, req, "lang")) != 0 ||
        (rc = mamori_ticket_set_channel(t, mamori_cx_str(root, "ticket.custom_fields.Channel"),
                                        mamori_cx_str(root, "ticket.custom_fields.Channel") ? NULL : "email")) != 0 ||
        (rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(root, "transaction.created"), 0, "transaction.created",
                                 err)) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    if (base == NULL)
        base = in->tenant->helpdesk_url;
    if (base != NULL && (t->ticket_url = mamori_cx_printf("%s/Ticket/Display.html?id=%s", base, t->ticket_id)) == NULL)
        return MAMORI_ENOMEM;
    if (self != NULL && creator != NULL && strcmp(self, creator) == 0)
        return mamori_cx_ignore(t, "transaction by mamori's own RT user");
    if (txtype != NULL && strcmp(txtype, "Create") != 0 && strcmp(txtype, "Correspond") != 0)
        return mamori_cx_ignore(t, "transaction is neither Create nor Correspond (comments are internal)");
    if ((rc = mamori_cx_set_body(t, body, body ? strlen(body) : 0, ctype && strstr(ctype, "html"))) != 0)
        return rc;
    if (mamori_cx_is_own_note(t->body))
        return mamori_cx_ignore(t, "mamori's own note");
    return MAMORI_OK;
}

enum { RT_CHECK, RT_NOTE, RT_TAGS_READ, RT_TAGS_WRITE };

static int rt_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    const char *cf = mamori_cx_option(wb->tenant, "tags_custom_field");
    char *id, *cred;
    int rc = MAMORI_WB_SEND;

    if (step > RT_TAGS_WRITE)
        return MAMORI_WB_END;
    if ((step == RT_CHECK && (!wb->uncertain || mamori_wb_note_done(wb))) || (step == RT_NOTE && mamori_wb_note_done(wb)) ||
        (step >= RT_TAGS_READ && (cf == NULL || wb->tags->count == 0)))
        return MAMORI_WB_SKIP;
    if ((cred = mamori_wb_credentials(wb)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file (the RT auth token) is not set");
    if ((id = mamori_wb_escape(mamori_wb_ticket_id(wb))) == NULL) {
        mamori_wb_secret_free(cred);
        return MAMORI_ENOMEM;
    }
    switch (step) {
    case RT_CHECK:
        req->method = "GET";
        req->path = mamori_cx_printf("/REST/2.0/ticket/%s/attachments?fields=Content&per_page=100", id);
        break;
    case RT_NOTE:
        req->method = "POST";
        req->path = mamori_cx_printf("/REST/2.0/ticket/%s/comment", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:s, s:s, s:s}", "Subject", wb->note_subject, "Content", wb->note,
                                               "ContentType",
                                               wb->note_format == MAMORI_NOTE_HTML ? "text/html" : "text/plain")) != 0)
            rc = MAMORI_ENOMEM;
        break;
    case RT_TAGS_READ:
        req->method = "GET";
        req->path = mamori_cx_printf("/REST/2.0/ticket/%s", id);
        break;
    default: {
        int none;
        json_t *merged = mamori_wb_tags_to_write(wb, &none);
        if (merged == NULL) {
            rc = none ? MAMORI_WB_SKIP : MAMORI_ENOMEM;
            break;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/REST/2.0/ticket/%s", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:{s:o}}", "CustomFields", cf, merged)) != 0)
            rc = MAMORI_ENOMEM;
    }
    }
    if (rc == MAMORI_WB_SEND && (req->path == NULL || mamori_wb_header(req, "Authorization: token %s", cred) != 0))
        rc = MAMORI_ENOMEM;
    free(id);
    mamori_wb_secret_free(cred);
    return rc;
}

static int rt_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                        struct mamori_error *err)
{
    (void)status;
    (void)err;
    if (step == RT_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    else if (step == RT_NOTE)
        mamori_wb_set_note_done(wb);
    else if (step == RT_TAGS_READ) {
        const char *cf = mamori_cx_option(wb->tenant, "tags_custom_field");
        json_t *j = json_loadb(body, len, 0, NULL), *fields = json_object_get(j, "CustomFields"), *v;
        json_t *cur = json_array();
        size_t i;
        if (cur == NULL) {
            json_decref(j);
            return MAMORI_ENOMEM;
        }
        json_array_foreach(fields, i, v) {
            const char *name = mamori_cx_str(v, "name");
            json_t *vals = json_object_get(v, "values");
            if (name != NULL && cf != NULL && strcmp(name, cf) == 0 && json_is_array(vals))
                json_array_extend(cur, vals);
        }
        json_object_set_new(wb->progress, "current_tags", cur);
        json_decref(j);
    }
    return MAMORI_OK;
}

static const struct mamori_key rt_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "api_user", .type = MAMORI_KEY_STRING, .description = "mamori's RT user: its transactions are ignored."},
    {.name = "tags_custom_field", .type = MAMORI_KEY_STRING,
     .description = "The custom field the tags are written to; unset: no tags."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_rt = {
    .name = "rt",
    .display_name = "Request Tracker",
    .keys = rt_keys,
    .verify = rt_verify,
    .parse = rt_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_TEXT,
    .wb_build = rt_wb_build,
    .wb_result = rt_wb_result,
};
