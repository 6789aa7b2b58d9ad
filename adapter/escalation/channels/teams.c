/*
 * teams.c -- Microsoft Teams through a Workflows (Power Automate)
 * "post to a channel when a webhook request is received" flow. The flow's
 * URL carries its credential (sig=) and is read from url_file. Body:
 *
 *   {"type": "message", "attachments": [{"contentType":
 *    "application/vnd.microsoft.card.adaptive", "contentUrl": null,
 *    "content": <Adaptive Card 1.4>}]}
 *
 * Legacy MessageCard payloads fail on Workflows URLs, so only the Adaptive
 * Card is sent. Workflows answers 202 Accepted.
 */
#include "config.h"

#include <string.h>

#include "base/buf.h"
#include "escalation/channel.h"
#include "escalation/message.h"

static int add(json_t *body, json_t *item)
{
    return item == NULL || json_array_append_new(body, item) != 0 ? MAMORI_ENOMEM : MAMORI_OK;
}

static json_t *text_block(const char *text, const char *weight, const char *size, const char *color)
{
    json_t *b = json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", text, "wrap", 1);
    if (b != NULL && weight != NULL)
        json_object_set_new(b, "weight", json_string(weight));
    if (b != NULL && size != NULL)
        json_object_set_new(b, "size", json_string(size));
    if (b != NULL && color != NULL)
        json_object_set_new(b, "color", json_string(color));
    return b;
}

static int fact(json_t *facts, const char *title, const char *value)
{
    return add(facts, json_pack("{s:s, s:s}", "title", title, "value", value));
}

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static int list(json_t *body, const json_t *arr, const char *heading, const char *open, const char *close, int numbered)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    size_t i;
    json_t *v;
    int rc;

    if (json_array_size(arr) == 0)
        return MAMORI_OK;
    if ((rc = add(body, text_block(heading, "bolder", NULL, NULL))) != 0)
        return rc;
    json_array_foreach(arr, i, v)
    {
        mamori_buf_reset(&b);
        if (numbered)
            mamori_buf_printf(&b, "%zu. ", i + 1);
        mamori_buf_printf(&b, "%s%s%s", open, json_string_value(v) ? json_string_value(v) : "", close);
        if (b.failed || (rc = add(body, text_block(b.data, NULL, NULL, NULL))) != 0) {
            mamori_buf_free(&b);
            return MAMORI_ENOMEM;
        }
    }
    mamori_buf_free(&b);
    return MAMORI_OK;
}

static int teams_render(const struct mamori_escalation_config *c, const struct mamori_channel *ch,
                        const char *recipient, const json_t *model, int purpose, json_t **request)
{
    const char *lang = str(model, "language"), *level = str(model, "level");
    const struct mamori_esc_labels *w = mamori_escalation_labels(lang);
    struct mamori_buf b = MAMORI_BUF_INIT;
    json_t *body = json_array(), *facts = json_array(), *card = NULL;
    const json_t *arr;
    char when[64];
    size_t i;
    json_t *v;
    int ja = strcmp(lang, "en") != 0, rc = MAMORI_ENOMEM;

    (void)ch, (void)recipient;
    *request = NULL;
    if (body == NULL || facts == NULL)
        goto out;
    if (MAMORI_ESC_IS_DIGEST(purpose)) {
        /* A digest is a list: its title and the text, as LINE and mail show it. */
        if (mamori_escalation_title(model, purpose, &b) != 0 || add(body, text_block(b.data, "bolder", "large", NULL)) != 0)
            goto out;
        mamori_buf_reset(&b);
        if (mamori_escalation_text(model, purpose, MAMORI_ESC_STYLE_TEXT, 0, c, &b) != 0 ||
            add(body, json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", b.data, "wrap", 1)) != 0)
            goto out;
        goto card;
    }
    if (strcmp(level, "police") == 0 && add(body, text_block(w->police_first, "bolder", "medium", "attention")) != 0)
        goto out;
    if (purpose == MAMORI_ESC_BACKUP) {
        mamori_buf_printf(&b, "%s%ld%s", w->backup_a, c->ack_deadline / 60, w->backup_b);
        if (b.failed || add(body, text_block(b.data, "bolder", NULL, "warning")) != 0)
            goto out;
        mamori_buf_reset(&b);
    }
    mamori_buf_printf(&b, "%s: %s — %s", w->title, mamori_escalation_level_label(lang, level), str(model, "company"));
    if (b.failed || add(body, text_block(b.data, "bolder", "large", NULL)) != 0)
        goto out;
    mamori_buf_reset(&b);
    mamori_buf_printf(&b, "%s #%s", str(model, "helpdesk"), str(model, "ticket_id"));
    if (b.failed || fact(facts, w->ticket, b.data) != 0 ||
        fact(facts, w->level_h, mamori_escalation_level_label(lang, level)) != 0)
        goto out;
    mamori_buf_reset(&b);
    json_array_foreach(json_object_get(model, "categories"), i, v)
        mamori_buf_printf(&b, "%s%s", i ? w->sep : "", str(v, "label"));
    if (fact(facts, w->categories, b.data ? b.data : w->none) != 0)
        goto out;
    mamori_buf_reset(&b);
    arr = json_object_get(model, "legal_basis");
    if (json_array_size(arr)) {
        json_array_foreach(arr, i, v)
            mamori_buf_printf(&b, "%s%s", i ? w->sep : "", json_string_value(v) ? json_string_value(v) : "");
        if (b.failed || fact(facts, w->legal, b.data) != 0)
            goto out;
        mamori_buf_reset(&b);
    }
    if (json_is_object(json_object_get(model, "customer"))) {
        const json_t *cu = json_object_get(model, "customer");
        mamori_buf_printf(&b, "%s %s", str(cu, "name"), str(cu, "email"));
        if (b.failed || fact(facts, w->customer, b.data) != 0)
            goto out;
        mamori_buf_reset(&b);
    }
    mamori_escalation_local_time(json_integer_value(json_object_get(model, "received_at")),
                                 (int)json_integer_value(json_object_get(model, "utc_offset")), when, sizeof when);
    if (fact(facts, w->received, when) != 0 || add(body, json_pack("{s:s, s:O}", "type", "FactSet", "facts", facts)) != 0)
        goto out;
    if (list(body, json_object_get(model, "evidence"), w->evidence, ja ? "「" : "\"", ja ? "」" : "\"", 0) != 0 ||
        list(body, json_object_get(model, "advice"), w->advice, "", "", 1) != 0 ||
        list(body, json_object_get(model, "reasons"), w->reasons, "・", "", 0) != 0)
        goto out;
    if (add(body, json_pack("{s:s, s:s, s:b, s:s, s:b}", "type", "TextBlock", "text", w->footer, "wrap", 1, "size",
                            "small", "isSubtle", 1)) != 0)
        goto out;
    if (json_string_value(json_object_get(model, "ticket_url")) != NULL &&
        add(body, json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "type", "ActionSet", "actions", "type", "Action.OpenUrl",
                            "title", w->open_ticket, "url", str(model, "ticket_url"))) != 0)
        goto out;
card:
    card = json_pack("{s:s, s:s, s:s, s:O}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json", "type",
                     "AdaptiveCard", "version", "1.4", "body", body);
    if (card == NULL)
        goto out;
    *request = json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments", "contentType",
                         "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
    rc = *request ? MAMORI_OK : MAMORI_ENOMEM;
out:
    mamori_buf_free(&b);
    json_decref(body);
    json_decref(facts);
    return rc;
}

static int teams_prepare(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                         struct mamori_error *err)
{
    int rc;

    if (job->channel->url_secret.len == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "[channel %s] has no workflow URL loaded", job->channel->name);
    send->url = mamori_strndup((const char *)job->channel->url_secret.data, job->channel->url_secret.len);
    if (send->url == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_channel_json_body(job, send, err)) != 0)
        return rc;
    if (mamori_channel_header(send, "Content-Type", "application/json") != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    send->what = "Teams workflow";
    return MAMORI_OK;
}

static int teams_result(const struct mamori_channel_job *job, long status, const char *body, size_t len, json_t *facts)
{
    (void)job, (void)status, (void)body, (void)len, (void)facts;
    return MAMORI_OK;
}

const struct mamori_channel_type mamori_channel_teams = {
    .kind = MAMORI_CHANNEL_TEAMS,
    .display = "Teams",
    .render = teams_render,
    .prepare = teams_prepare,
    .result = teams_result,
    .conflict_is_success = 0,
};
