/*
 * webhook.c -- mamori's own signed webhook, for a company's own
 * tooling (an on-call system, a ticket in another tracker). POST to url
 * with
 *
 *   X-Mamori-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *   Idempotency-Key: mamori-esc-<24 hex>     (the same on every retry)
 *   {"type": "mamori.escalation/1", "purpose": "notify"|"backup"|"digest"|"digest_backup",
 *    "text": <the message as plain text>, "escalation": <the model>}
 *
 * The signature scheme is the generic connector's (doc/generic-webhook.md),
 * so one verifier serves both directions.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"
#include "escalation/channel.h"
#include "escalation/message.h"

static int webhook_render(const struct mamori_escalation_config *c, const struct mamori_channel *ch,
                          const char *recipient, const json_t *model, int purpose, json_t **request)
{
    struct mamori_buf text = MAMORI_BUF_INIT;

    (void)ch, (void)recipient;
    if (mamori_escalation_text(model, purpose, MAMORI_ESC_STYLE_TEXT, 0, c, &text) != 0) {
        mamori_buf_free(&text);
        return MAMORI_ENOMEM;
    }
    *request = json_pack("{s:s, s:s, s:s, s:O}", "type", "mamori.escalation/1", "purpose",
                         purpose == MAMORI_ESC_BACKUP          ? "backup"
                         : purpose == MAMORI_ESC_DIGEST        ? "digest"
                         : purpose == MAMORI_ESC_DIGEST_BACKUP ? "digest_backup"
                                                               : "notify", "text", mamori_buf_str(&text),
                         "escalation", model);
    mamori_buf_free(&text);
    return *request ? MAMORI_OK : MAMORI_ENOMEM;
}

static int webhook_prepare(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                           struct mamori_error *err)
{
    const struct mamori_channel *ch = job->channel;
    unsigned char mac[MAMORI_HMAC_MAX];
    char hex[2 * MAMORI_HMAC_MAX + 1], ts[24], sig[128], idem[48];
    size_t mac_len = 0;
    int rc;

    if (ch->secret.len == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "[channel %s] has no signing secret loaded", ch->name);
    send->url = ch->url ? mamori_strdup(ch->url)
                        : mamori_strndup((const char *)ch->url_secret.data, ch->url_secret.len);
    if (send->url == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_channel_json_body(job, send, err)) != 0)
        return rc;
    snprintf(ts, sizeof ts, "%lld", job->now);
    {
        struct mamori_bytes parts[3] = {{ts, strlen(ts)}, {".", 1}, {send->body, send->body_len}};
        if (mamori_hmac(MAMORI_HMAC_SHA256, ch->secret.data, ch->secret.len, parts, 3, mac, &mac_len) != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "cannot sign the request");
    }
    mamori_hex_encode(mac, mac_len, hex);
    snprintf(sig, sizeof sig, "t=%s,v1=%s", ts, hex);
    snprintf(idem, sizeof idem, "mamori-esc-%.24s", job->key_hex);
    if (mamori_channel_header(send, "Content-Type", "application/json") != 0 ||
        mamori_channel_header(send, "X-Mamori-Signature", sig) != 0 ||
        mamori_channel_header(send, "Idempotency-Key", idem) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    send->what = "webhook";
    return MAMORI_OK;
}

static int webhook_result(const struct mamori_channel_job *job, long status, const char *body, size_t len,
                          json_t *facts)
{
    (void)job, (void)status, (void)body, (void)len, (void)facts;
    return MAMORI_OK;
}

const struct mamori_channel_type mamori_channel_webhook = {
    .kind = MAMORI_CHANNEL_WEBHOOK,
    .display = "webhook",
    .render = webhook_render,
    .prepare = webhook_prepare,
    .result = webhook_result,
    .conflict_is_success = 0,
};
