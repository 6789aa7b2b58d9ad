/*
 * slack.c -- Slack incoming webhook: POST to the webhook URL (the
 * URL is the credential: url_file, never logged) with
 *   {"text": <one-line fallback for notifications>,
 *    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ...}}]}
 * (a digest: as many sections as its list needs).
 * Slack answers 200 "ok"; anything else is an error string.
 */
#include "config.h"

#include <string.h>

#include "base/buf.h"
#include "escalation/channel.h"
#include "escalation/message.h"

/* A section's text may hold 3,000 characters. */
#define SLACK_SECTION_MAX 2900

/* A digest's list may be longer than one section: sections of whole
 * lines, each under SLACK_SECTION_MAX bytes (so under as many characters),
 * at most DIGEST_SECTIONS of them (the text says how many more tickets
 * there are; a long line is cut). */
#define DIGEST_SECTIONS 10

static int digest_blocks(const char *text, json_t *blocks)
{
    const char *p = text;

    for (int n = 0; *p != '\0' && n < DIGEST_SECTIONS; n++) {
        size_t len = strlen(p), cut = len;
        struct mamori_buf part = MAMORI_BUF_INIT;
        if (len > SLACK_SECTION_MAX) {
            cut = SLACK_SECTION_MAX;
            while (cut > 0 && p[cut - 1] != '\n')
                cut--;
            if (cut == 0) /* one line longer than a section: cut at a character */
                for (cut = SLACK_SECTION_MAX; cut > 0 && ((unsigned char)p[cut] & 0xC0) == 0x80; cut--)
                    ;
        }
        mamori_buf_append(&part, p, cut);
        if (part.failed || json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                                                    "type", "mrkdwn", "text",
                                                                    mamori_buf_str(&part))) != 0) {
            mamori_buf_free(&part);
            return MAMORI_ENOMEM;
        }
        mamori_buf_free(&part);
        p += cut;
    }
    return MAMORI_OK;
}

static int slack_render(const struct mamori_escalation_config *c, const struct mamori_channel *ch,
                        const char *recipient, const json_t *model, int purpose, json_t **request)
{
    struct mamori_buf text = MAMORI_BUF_INIT, title = MAMORI_BUF_INIT;
    int rc;

    (void)ch, (void)recipient;
    rc = mamori_escalation_text(model, purpose, MAMORI_ESC_STYLE_SLACK, 0, c, &text);
    if (rc == 0)
        rc = mamori_escalation_title(model, purpose, &title);
    if (rc == 0 && MAMORI_ESC_IS_DIGEST(purpose)) {
        json_t *blocks = json_array();
        rc = blocks != NULL ? digest_blocks(mamori_buf_str(&text), blocks) : MAMORI_ENOMEM;
        *request = rc == 0 ? json_pack("{s:s, s:O}", "text", mamori_buf_str(&title), "blocks", blocks) : NULL;
        rc = rc == 0 && *request == NULL ? MAMORI_ENOMEM : rc;
        json_decref(blocks);
    } else if (rc == 0) {
        mamori_escalation_truncate(&text, SLACK_SECTION_MAX);
        *request = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", mamori_buf_str(&title), "blocks", "type",
                             "section", "text", "type", "mrkdwn", "text", mamori_buf_str(&text));
        rc = *request ? MAMORI_OK : MAMORI_ENOMEM;
    }
    mamori_buf_free(&text);
    mamori_buf_free(&title);
    return rc;
}

static int slack_prepare(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                         struct mamori_error *err)
{
    int rc;

    if (job->channel->url_secret.len == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "[channel %s] has no webhook URL loaded", job->channel->name);
    send->url = mamori_strndup((const char *)job->channel->url_secret.data, job->channel->url_secret.len);
    if (send->url == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_channel_json_body(job, send, err)) != 0)
        return rc;
    if (mamori_channel_header(send, "Content-Type", "application/json; charset=utf-8") != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    send->what = "Slack webhook";
    return MAMORI_OK;
}

static int slack_result(const struct mamori_channel_job *job, long status, const char *body, size_t len, json_t *facts)
{
    (void)job, (void)status, (void)facts;
    /* Only "ok" is success; Slack reports problems in the body. */
    if (len >= 2 && strncmp(body, "ok", 2) == 0)
        return MAMORI_OK;
    return len == 0 ? MAMORI_OK : MAMORI_EINVAL;
}

const struct mamori_channel_type mamori_channel_slack = {
    .kind = MAMORI_CHANNEL_SLACK,
    .display = "Slack",
    .render = slack_render,
    .prepare = slack_prepare,
    .result = slack_result,
    .conflict_is_success = 0,
};
