/*
 * connector/generic.c -- mamori's own webhook (doc/generic-webhook.md).
 *
 * Body: the normalized ticket as JSON (ticket.h). Signature:
 *
 *   X-Mamori-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Several v1= entries may be given (secret rotation); any match passes.
 * The timestamp must be within the tenant's replay window.
 *
 * Write-back (when the tenant's [helpdesk] url is set): one POST to that
 * url, signed the same way with the tenant's webhook secret, carrying
 * {"event_id", "ticket_id", "reference", "note", "note_format", "tags",
 * "annotation"} and "Idempotency-Key: <reference>" (the same on every
 * retry, so the receiver can drop repeats).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/signature.h"
#include "config/tenant.h"
#include "connector/common.h"
#include "connector/connector.h"

#define HEADER "X-Mamori-Signature"
#define MAX_SIGS 4

static int generic_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    const char *h = mamori_webhook_header(in, HEADER);
    const struct mamori_tenant *t = in->tenant;
    const char *sigs[MAX_SIGS];
    size_t sig_len[MAX_SIGS], nsigs = 0;
    char tbuf[24] = "", expected[2 * MAMORI_HMAC_MAX + 1];
    unsigned char mac[MAMORI_HMAC_MAX];
    size_t mac_len = 0;
    time_t ts;
    int ok = 0;

    if (h == NULL || h[0] == '\0')
        return mamori_error_set(err, MAMORI_EAUTH, "missing " HEADER " header");
    /* t=...,v1=...[,v1=...] in any order. */
    for (const char *p = h; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ')
            p++, len--;
        if (len > 2 && strncmp(p, "t=", 2) == 0) {
            if (len - 2 >= sizeof tbuf || tbuf[0] != '\0')
                goto malformed;
            memcpy(tbuf, p + 2, len - 2);
            tbuf[len - 2] = '\0';
        } else if (len > 3 && strncmp(p, "v1=", 3) == 0) {
            if (nsigs == MAX_SIGS)
                goto malformed;
            sigs[nsigs] = p + 3;
            sig_len[nsigs++] = len - 3;
        } else if (len > 0 && memchr(p, '=', len) == NULL) {
            goto malformed;
        } /* other schemes (v0=, v2=) are ignored, as Stripe-style headers allow */
        p += len;
        if (*p == ',')
            p++;
    }
    if (tbuf[0] == '\0' || nsigs == 0 || mamori_parse_unix_time(tbuf, &ts) != 0)
        goto malformed;
    if (!mamori_within_window(ts, in->now, t->replay_window))
        return mamori_error_set(err, MAMORI_EAUTH,
                                HEADER " timestamp is outside the replay window of %ld s (check the sender's clock)",
                                t->replay_window);
    {
        struct mamori_bytes parts[3] = {{tbuf, strlen(tbuf)}, {".", 1}, {in->body, in->body_len}};
        if (mamori_hmac(MAMORI_HMAC_SHA256, t->webhook_secret.data, t->webhook_secret.len, parts, 3, mac, &mac_len) != 0)
            return mamori_error_set(err, MAMORI_EAUTH, "signature could not be computed");
    }
    mamori_hex_encode(mac, mac_len, expected);
    /* Compare every candidate so timing does not reveal which one matched. */
    for (size_t i = 0; i < nsigs; i++)
        ok |= mamori_signature_equal(sigs[i], sig_len[i], expected, 1);
    if (!ok)
        return mamori_error_set(err, MAMORI_EAUTH, HEADER " does not match the body");
    return MAMORI_OK;
malformed:
    return mamori_error_set(err, MAMORI_EAUTH, "malformed " HEADER " header (expected t=<unix seconds>,v1=<hex>)");
}

/* An internal note ("internal": true) is an agent's event, as a Zendesk
 * private comment is: its [consult] prefixes (@弁護士, @警告) and the
 * tenant's warning, consult and restriction tags act on it
 * (ingest/agent.h). "agent": {"id"} names who wrote it (recorded as who
 * asked, warned or decided). The note itself is never customer text: the
 * body the plugin chain may read for a consultation's evidence becomes the
 * customer's text the sender put in "description", or nothing. mamori's own
 * note sent back is only ignored. */
static int agent_note(json_t *root, struct mamori_ticket *out, struct mamori_error *err)
{
    const char *d = mamori_cx_str(root, "description");
    int rc;

    if (out->agent_note != NULL && mamori_cx_is_own_note(out->agent_note))
        return MAMORI_OK;
    out->agent_event = 1;
    if ((rc = mamori_ticket_take_id(&out->agent_id, mamori_cx_get(root, "agent.id"), "agent.id", err)) != 0)
        return rc;
    free(out->body);
    out->body = NULL;
    out->body_len = 0;
    return d != NULL && *d ? mamori_cx_set_body(out, d, strlen(d), 0) : MAMORI_OK;
}

static int generic_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *out,
                         struct mamori_error *err)
{
    int rc;

    (void)in;
    if ((rc = mamori_ticket_from_json(out, root, 1, err)) != 0)
        return rc;
    return json_is_true(json_object_get(root, "internal")) ? agent_note(root, out, err) : MAMORI_OK;
}

static int generic_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    const struct mamori_tenant *t = wb->tenant;
    unsigned char mac[MAMORI_HMAC_MAX];
    char hex[2 * MAMORI_HMAC_MAX + 1], ts[24];
    size_t mac_len = 0;
    json_t *body;

    if (step > 0)
        return MAMORI_WB_END;
    body = json_pack("{s:O?, s:s?, s:s, s:s, s:s, s:o, s:O?}", "event_id", json_object_get(wb->ticket, "event_id"),
                     "ticket_id", mamori_wb_ticket_id(wb), "reference", wb->ref, "note", wb->note, "note_format",
                     wb->note_format == 2 ? "html" : wb->note_format == 1 ? "markdown" : wb->note_format == 3 ? "textile" : "text",
                     "tags", mamori_wb_merge_tags(wb, NULL), "annotation", json_object_get(wb->job, "annotation"));
    req->method = "POST";
    req->path = mamori_strdup("");
    req->content_type = "application/json";
    if (body == NULL || req->path == NULL || mamori_wb_json_body(req, body) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    snprintf(ts, sizeof ts, "%lld", wb->now);
    {
        struct mamori_bytes parts[3] = {{ts, strlen(ts)}, {".", 1}, {req->body, strlen(req->body)}};
        if (mamori_hmac(MAMORI_HMAC_SHA256, t->webhook_secret.data, t->webhook_secret.len, parts, 3, mac, &mac_len) != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "cannot sign the callback");
    }
    mamori_hex_encode(mac, mac_len, hex);
    if (mamori_wb_header(req, HEADER ": t=%s,v1=%s", ts, hex) != 0 || mamori_wb_header(req, "Idempotency-Key: %s", wb->ref) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return MAMORI_WB_SEND;
}

static int generic_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                             struct mamori_error *err)
{
    (void)step, (void)status, (void)body, (void)len, (void)err;
    mamori_wb_set_note_done(wb);
    return MAMORI_OK;
}

static const struct mamori_key generic_keys[] = {MAMORI_CX_COMMON_KEYS, MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_generic = {
    .name = "generic",
    .display_name = "mamori generic webhook",
    .keys = generic_keys,
    .verify = generic_verify,
    .parse = generic_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = 0, /* MAMORI_NOTE_TEXT */
    .wb_build = generic_wb_build,
    .wb_result = generic_wb_result,
};
