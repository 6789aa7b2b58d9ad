/*
 * line.c -- LINE Messaging API push (POST {api_url}/v2/bot/message/push).
 *
 *   Authorization: Bearer <channel access token>   ([line] access_token_file)
 *   X-Line-Retry-Key: <UUID>    the same on every attempt of a job, so a
 *                               retry after a lost answer is answered 409
 *                               instead of sending twice (409 = success)
 *   {"to": id, "messages": [{"type": "text", "text": ...}], "notificationDisabled": false}
 *
 * The answer's sentMessages[].id is recorded: a lawyer who replies by
 * quoting the message sends its id back as quotedMessageId (handler_line.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/strv.h"
#include "escalation/channel.h"

/* LINE allows 5,000 characters per text message; keep a margin. */
#define LINE_TEXT_MAX 4900

static int line_render(const struct mamori_escalation_config *c, const struct mamori_channel *ch, const char *recipient,
                       const json_t *model, int purpose, json_t **request)
{
    struct mamori_buf text = MAMORI_BUF_INIT;

    (void)ch;
    if (mamori_escalation_text(model, purpose, MAMORI_ESC_STYLE_TEXT, 1, c, &text) != 0) {
        mamori_buf_free(&text);
        return MAMORI_ENOMEM;
    }
    mamori_escalation_truncate(&text, LINE_TEXT_MAX);
    *request = json_pack("{s:s, s:[{s:s, s:s}], s:b}", "to", recipient, "messages", "type", "text", "text",
                         mamori_buf_str(&text), "notificationDisabled", 0);
    mamori_buf_free(&text);
    return *request ? MAMORI_OK : MAMORI_ENOMEM;
}

static int line_prepare(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                        struct mamori_error *err)
{
    const struct mamori_escalation_config *c = job->cfg;
    struct mamori_buf url = MAMORI_BUF_INIT, auth = MAMORI_BUF_INIT;
    size_t bl;
    char uuid[37];
    int rc;

    if (c->line_token.len == 0 || c->line_api == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "no [line] access_token_file: cannot push to LINE");
    bl = strlen(c->line_api);
    while (bl > 0 && c->line_api[bl - 1] == '/')
        bl--;
    mamori_buf_append(&url, c->line_api, bl);
    mamori_buf_puts(&url, "/v2/bot/message/push");
    send->url = mamori_buf_steal(&url);
    send->base = mamori_strdup(c->line_api);
    if (send->url == NULL || send->base == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_channel_json_body(job, send, err)) != 0)
        return rc;
    mamori_channel_uuid(job->key_hex, uuid);
    mamori_buf_puts(&auth, "Bearer ");
    mamori_buf_append(&auth, c->line_token.data, c->line_token.len);
    rc = auth.failed ? MAMORI_ENOMEM : mamori_channel_header(send, "Authorization", auth.data);
    if (auth.data != NULL)
        explicit_bzero(auth.data, auth.len);
    mamori_buf_free(&auth);
    if (rc == 0)
        rc = mamori_channel_header(send, "Content-Type", "application/json");
    if (rc == 0)
        rc = mamori_channel_header(send, "X-Line-Retry-Key", uuid);
    if (rc != 0)
        return mamori_error_set(err, rc, rc == MAMORI_EINVAL ? "the access token has a line break" : "out of memory");
    send->what = "LINE push";
    return MAMORI_OK;
}

static int line_result(const struct mamori_channel_job *job, long status, const char *body, size_t len, json_t *facts)
{
    json_t *root, *sent, *ids, *v;
    size_t i;

    (void)job, (void)status;
    if (len == 0 || (root = json_loadb(body, len, 0, NULL)) == NULL)
        return MAMORI_OK; /* 409 answers and old API versions carry no ids */
    sent = json_object_get(root, "sentMessages");
    ids = json_array();
    json_array_foreach(sent, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (id != NULL && ids != NULL)
            json_array_append_new(ids, json_string(id));
    }
    if (ids != NULL)
        json_object_set_new(facts, "message_ids", ids);
    json_decref(root);
    return MAMORI_OK;
}

const struct mamori_channel_type mamori_channel_line = {
    .kind = MAMORI_CHANNEL_LINE,
    .display = "LINE",
    .render = line_render,
    .prepare = line_prepare,
    .result = line_result,
    .conflict_is_success = 1,
};
