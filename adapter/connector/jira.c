/*
 * connector/jira.c -- Jira Service Management (Cloud) admin webhooks
 * (jira:issue_created, comment_created) in, an internal comment and labels
 * out.
 *
 * Signature: X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 * (admin webhooks registered with a secret; others cannot be verified and
 * are refused). Event id: X-Atlassian-Webhook-Identifier, which stays the
 * same across Jira's retries.
 *
 * Write-back:
 *   POST /rest/servicedeskapi/request/{key}/comment {"body": text, "public": false}
 *   PUT  /rest/api/3/issue/{key} {"update": {"labels": [{"add": "..."}]}}
 *        (labels are added one by one: no read needed; UNCONFIRMED shape,
 *        standard Jira REST)
 * Auth: Basic "email:api_token" from the credentials file. No idempotency
 * key: after an unclear attempt GET .../request/{key}/comment?internal=true
 * is searched for the note first.
 *
 * [helpdesk] keys: api_account_id (comments by mamori's account are ignored).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connector/common.h"
#include "note/note.h"

static int jira_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    struct mamori_bytes part = {in->body, in->body_len};
    return mamori_cx_hmac_verify(in, "X-Hub-Signature", "sha256=", MAMORI_HMAC_SHA256, MAMORI_CX_HEX, &part, 1, err);
}

static int jira_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t, struct mamori_error *err)
{
    const char *event = mamori_cx_str(root, "webhookEvent"), *ident, *self = mamori_cx_option(in->tenant, "api_account_id");
    json_t *issue = json_object_get(root, "issue"), *comment = json_object_get(root, "comment"), *labels, *v;
    json_t *who;
    size_t i;
    int created, rc;

    if (event == NULL || !json_is_object(issue))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Jira webhook (expected webhookEvent and issue)");
    if ((rc = mamori_cx_take_str(&t->ticket_id, issue, "key")) != 0)
        return rc;
    if (t->ticket_id == NULL && (rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(issue, "id"), "issue.id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"issue.key\" is missing");
    ident = mamori_webhook_header(in, "X-Atlassian-Webhook-Identifier");
    if (ident != NULL)
        rc = mamori_ticket_set(&t->event_id, ident);
    else
        rc = mamori_cx_derived_id(&t->event_id, "jira", event, t->ticket_id, mamori_cx_str(comment, "id"));
    if (rc != 0)
        return rc;
    if ((rc = mamori_cx_take_str(&t->subject, issue, "fields.summary")) != 0 ||
        (rc = mamori_ticket_set(&t->channel, "other")) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    labels = mamori_cx_get(issue, "fields.labels");
    json_array_foreach(labels, i, v) if (json_is_string(v) && mamori_strv_push(&t->tags, json_string_value(v), (size_t)-1))
        return MAMORI_ENOMEM;
    if (in->tenant->helpdesk_url &&
        (t->ticket_url = mamori_cx_printf("%s/browse/%s", in->tenant->helpdesk_url, t->ticket_id)) == NULL)
        return MAMORI_ENOMEM;
    created = strcmp(event, "jira:issue_created") == 0;
    if (!created && strcmp(event, "comment_created") != 0)
        return mamori_cx_ignore(t, "event is neither jira:issue_created nor comment_created");
    who = created ? mamori_cx_get(issue, "fields.reporter") : json_object_get(comment, "author");
    if ((rc = mamori_cx_take_str(&t->requester_id, who, "accountId")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_name, who, "displayName")) != 0 ||
        (rc = mamori_cx_set_time(&t->created_at, created ? mamori_cx_str(issue, "fields.created") : mamori_cx_str(comment, "created"),
                                 0, "created", err)) != 0)
        return rc;
    if (created) {
        const char *d = mamori_cx_str(issue, "fields.description");
        return mamori_cx_set_body(t, d, d ? strlen(d) : 0, 0);
    }
    if (!json_is_object(comment))
        return mamori_error_set(err, MAMORI_EINVAL, "comment_created without a comment");
    {
        const char *author = mamori_cx_str(comment, "author.accountId"), *kind = mamori_cx_str(comment, "author.accountType");
        const char *body = mamori_cx_str(comment, "body");
        if (self != NULL && author != NULL && strcmp(self, author) == 0)
            return mamori_cx_ignore(t, "comment written by mamori's own account");
        if (json_is_false(json_object_get(comment, "jsdPublic")))
            return mamori_cx_ignore(t, "internal comment");
        if (mamori_cx_is_own_note(body))
            return mamori_cx_ignore(t, "mamori's own note");
        if (kind != NULL && strcmp(kind, "customer") != 0)
            return mamori_cx_ignore(t, "comment not written by a customer");
        return mamori_cx_set_body(t, body, body ? strlen(body) : 0, 0);
    }
}

enum { JI_CHECK, JI_NOTE, JI_LABELS };

static int jira_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    char *id, *cred;
    int rc = MAMORI_WB_SEND;

    if (step > JI_LABELS)
        return MAMORI_WB_END;
    if ((step == JI_CHECK && (!wb->uncertain || mamori_wb_note_done(wb))) || (step == JI_NOTE && mamori_wb_note_done(wb)) ||
        (step == JI_LABELS && wb->tags->count == 0))
        return MAMORI_WB_SKIP;
    if ((cred = mamori_wb_credentials(wb)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file (email:api_token) is not set");
    if ((id = mamori_wb_escape(mamori_wb_ticket_id(wb))) == NULL) {
        mamori_wb_secret_free(cred);
        return MAMORI_ENOMEM;
    }
    if (step == JI_CHECK) {
        req->method = "GET";
        req->path = mamori_cx_printf("/rest/servicedeskapi/request/%s/comment?public=false&internal=true", id);
    } else if (step == JI_NOTE) {
        req->method = "POST";
        req->path = mamori_cx_printf("/rest/servicedeskapi/request/%s/comment", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:s, s:b}", "body", wb->note, "public", 0)) != 0)
            rc = MAMORI_ENOMEM;
    } else {
        json_t *adds = json_array();
        for (size_t i = 0; adds != NULL && i < wb->tags->count; i++)
            if (json_array_append_new(adds, json_pack("{s:s}", "add", wb->tags->items[i])) != 0) {
                json_decref(adds);
                adds = NULL;
            }
        req->method = "PUT";
        req->path = mamori_cx_printf("/rest/api/3/issue/%s", id);
        req->content_type = "application/json";
        if (adds == NULL || mamori_wb_json_body(req, json_pack("{s:{s:o}}", "update", "labels", adds)) != 0)
            rc = MAMORI_ENOMEM;
    }
    if (rc == MAMORI_WB_SEND && (req->path == NULL || mamori_wb_basic_auth(req, cred) != 0))
        rc = MAMORI_ENOMEM;
    free(id);
    mamori_wb_secret_free(cred);
    return rc;
}

static int jira_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                          struct mamori_error *err)
{
    (void)status;
    (void)err;
    if (step == JI_CHECK && mamori_wb_body_has_ref(wb, body, len))
        mamori_wb_set_note_done(wb);
    else if (step == JI_NOTE)
        mamori_wb_set_note_done(wb);
    return MAMORI_OK;
}

static const struct mamori_key jira_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "api_account_id", .type = MAMORI_KEY_STRING,
     .description = "mamori's Jira account id: comments by it are ignored."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_jira = {
    .name = "jira",
    .display_name = "Jira Service Management",
    .keys = jira_keys,
    .verify = jira_verify,
    .parse = jira_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_TEXT,
    .wb_build = jira_wb_build,
    .wb_result = jira_wb_result,
};
