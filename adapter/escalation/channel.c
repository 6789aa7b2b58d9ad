/* channel.c -- the registry of channel kinds and helpers they share. */
#include "config.h"

#include "escalation/channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

extern const struct mamori_channel_type mamori_channel_line, mamori_channel_slack, mamori_channel_teams,
    mamori_channel_smtp, mamori_channel_webhook;

static const struct mamori_channel_type *const types[MAMORI_CHANNEL_KIND_COUNT] = {
    &mamori_channel_line, &mamori_channel_slack, &mamori_channel_teams, &mamori_channel_smtp, &mamori_channel_webhook,
};

const struct mamori_channel_type *mamori_channel_type_of(int kind)
{
    return kind >= 0 && kind < MAMORI_CHANNEL_KIND_COUNT ? types[kind] : NULL;
}

void mamori_channel_send_free(struct mamori_channel_send *s)
{
    curl_slist_free_all(s->headers);
    curl_slist_free_all(s->rcpt);
    if (s->url != NULL) {
        explicit_bzero(s->url, strlen(s->url)); /* Slack and Teams URLs are credentials */
        free(s->url);
    }
    free(s->base);
    free(s->body);
    memset(s, 0, sizeof *s);
}

size_t mamori_channel_recipients(const struct mamori_channel *ch)
{
    return ch->kind == MAMORI_CHANNEL_LINE ? ch->to.count : 1;
}

const char *mamori_channel_recipient(const struct mamori_channel *ch, size_t i)
{
    return ch->kind == MAMORI_CHANNEL_LINE ? ch->to.items[i] : ch->name;
}

void mamori_channel_uuid(const char *h, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    char v[32];
    size_t k = 0;

    memcpy(v, h, 32);
    v[12] = '4';
    v[16] = hex[8 + (strchr(hex, v[16]) ? (strchr(hex, v[16]) - hex) & 3 : 0)];
    for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[k++] = '-';
        out[k++] = v[i];
    }
    out[k] = '\0';
}

int mamori_channel_json_body(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                             struct mamori_error *err)
{
    const json_t *req = json_object_get(job->payload, "request");

    if (!json_is_object(req))
        return mamori_error_set(err, MAMORI_EINVAL, "the job has no request");
    free(send->body);
    send->body = json_dumps(req, JSON_COMPACT);
    if (send->body == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    send->body_len = strlen(send->body);
    return MAMORI_OK;
}

int mamori_channel_header(struct mamori_channel_send *send, const char *name, const char *value)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    struct curl_slist *l;

    if (strpbrk(value, "\r\n") != NULL)
        return MAMORI_EINVAL;
    mamori_buf_printf(&b, "%s: %s", name, value);
    if (b.failed)
        return MAMORI_ENOMEM;
    l = curl_slist_append(send->headers, b.data);
    explicit_bzero(b.data, b.len); /* Authorization lines */
    mamori_buf_free(&b);
    if (l == NULL)
        return MAMORI_ENOMEM;
    send->headers = l;
    return MAMORI_OK;
}
