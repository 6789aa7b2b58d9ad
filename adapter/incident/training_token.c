/* training_token.c -- see training_token.h. */
#include "config.h"

#include "incident/training_token.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/signature.h"
#include "base/strv.h"

#define MAX_TOKEN 4096

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode(struct mamori_buf *out, const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        mamori_buf_putc(out, b64url[v >> 18 & 63]);
        mamori_buf_putc(out, b64url[v >> 12 & 63]);
        if (i + 1 < n)
            mamori_buf_putc(out, b64url[v >> 6 & 63]);
        if (i + 2 < n)
            mamori_buf_putc(out, b64url[v & 63]);
    }
}

/* Decode s[0..n) (no padding) into out (cap bytes); -1 on a bad character. */
static long decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    unsigned v = 0;
    int bits = 0;
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        const char *p = memchr(b64url, s[i], 64);
        if (p == NULL || s[i] == '\0')
            return -1;
        v = v << 6 | (unsigned)(p - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (len >= cap)
                return -1;
            out[len++] = (unsigned char)(v >> bits & 0xff);
        }
    }
    return (long)len;
}

static int mac(const unsigned char *key, size_t key_len, const char *payload, size_t n, unsigned char d[32])
{
    struct mamori_bytes part = {payload, n};
    size_t len = 32;
    return mamori_hmac(MAMORI_HMAC_SHA256, key, key_len, &part, 1, d, &len);
}

void mamori_training_claim_free(struct mamori_training_claim *c)
{
    free(c->tenant);
    free(c->ticket_id);
    free(c->url);
    free(c->category);
    memset(c, 0, sizeof *c);
}

int mamori_training_link_sign(const unsigned char *key, size_t key_len, const char *base,
                              const struct mamori_training_claim *c, struct mamori_buf *out)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s}", "c", c->category ? c->category : "", "i",
                          (json_int_t)c->issued_at, "k", c->ticket_id, "t", c->tenant, "u", c->url);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct mamori_buf payload = MAMORI_BUF_INIT;
    unsigned char d[32];
    int rc = MAMORI_ENOMEM;

    if (text == NULL)
        goto out;
    encode(&payload, (const unsigned char *)text, strlen(text));
    if (payload.failed || mac(key, key_len, payload.data, payload.len, d) != 0)
        goto out;
    mamori_buf_printf(out, "%s/t/%s.", base, mamori_buf_str(&payload));
    encode(out, d, 32);
    rc = out->failed ? MAMORI_ENOMEM : 0;
out:
    mamori_buf_free(&payload);
    free(text);
    json_decref(o);
    return rc;
}

static int take(char **dst, json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s == NULL || (*dst = mamori_strdup(s)) == NULL ? -1 : 0;
}

int mamori_training_link_verify(const unsigned char *key, size_t key_len, const char *token,
                                struct mamori_training_claim *c)
{
    const char *dot = strchr(token, '.');
    unsigned char d[32], got[33], *payload = NULL;
    size_t plen;
    long n;
    json_t *o = NULL;
    int rc = MAMORI_EAUTH;

    memset(c, 0, sizeof *c);
    if (dot == NULL || strlen(token) > MAX_TOKEN || key_len == 0)
        return MAMORI_EAUTH;
    plen = (size_t)(dot - token);
    if (decode(dot + 1, strlen(dot + 1), got, sizeof got) != 32 || mac(key, key_len, token, plen, d) != 0)
        return MAMORI_EAUTH;
    /* Constant time over the whole MAC. */
    {
        unsigned diff = 0;
        for (int i = 0; i < 32; i++)
            diff |= (unsigned)(d[i] ^ got[i]);
        if (diff != 0)
            return MAMORI_EAUTH;
    }
    if ((payload = malloc(plen + 1)) == NULL)
        return MAMORI_ENOMEM;
    if ((n = decode(token, plen, payload, plen)) < 0)
        goto out;
    payload[n] = '\0';
    if ((o = json_loads((const char *)payload, 0, NULL)) == NULL ||
        !json_is_integer(json_object_get(o, "i")) || take(&c->tenant, o, "t") != 0 ||
        take(&c->ticket_id, o, "k") != 0 || take(&c->url, o, "u") != 0 || take(&c->category, o, "c") != 0) {
        mamori_training_claim_free(c);
        goto out;
    }
    c->issued_at = (long long)json_integer_value(json_object_get(o, "i"));
    rc = 0;
out:
    json_decref(o);
    free(payload);
    return rc;
}
