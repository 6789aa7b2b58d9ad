/* Unit tests: HMAC, encodings, constant-time comparison, and the generic
 * connector's X-Mamori-Signature scheme. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/signature.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "tap.h"

static const char *sig_header;

static const char *header(const void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "X-Mamori-Signature") == 0 ? sig_header : NULL;
}

static void sign(char *out, size_t cap, const char *secret, long t, const char *body)
{
    unsigned char mac[MAMORI_HMAC_MAX];
    char ts[32], hex[65];
    size_t n;

    snprintf(ts, sizeof ts, "%ld", t);
    struct mamori_bytes parts[3] = {{ts, strlen(ts)}, {".", 1}, {body, strlen(body)}};
    mamori_hmac(MAMORI_HMAC_SHA256, secret, strlen(secret), parts, 3, mac, &n);
    mamori_hex_encode(mac, n, hex);
    snprintf(out, cap, "t=%s,v1=%s", ts, hex);
}

static int verify(const struct mamori_tenant *t, const char *body, time_t now, struct mamori_error *err)
{
    struct mamori_webhook in;

    memset(&in, 0, sizeof in);
    in.tenant = t;
    in.body = body;
    in.body_len = strlen(body);
    in.header = header;
    in.now = now;
    return mamori_connector_find("generic")->verify(&in, err);
}

int main(void)
{
    unsigned char mac[MAMORI_HMAC_MAX];
    char hex[2 * MAMORI_HMAC_MAX + 1], b64[64], h[256], h2[256];
    struct mamori_bytes part;
    struct mamori_tenant t;
    struct mamori_error err;
    const char *body = "{\"event_id\":\"e1\"}";
    size_t n;

    plan(24);

    /* RFC 4231 test case 2 and RFC 2202 test case 2. */
    part.data = "what do ya want for nothing?";
    part.len = 28;
    mamori_hmac(MAMORI_HMAC_SHA256, "Jefe", 4, &part, 1, mac, &n);
    mamori_hex_encode(mac, n, hex);
    is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "HMAC-SHA256 matches RFC 4231");
    mamori_hmac(MAMORI_HMAC_SHA1, "Jefe", 4, &part, 1, mac, &n);
    mamori_hex_encode(mac, n, hex);
    is_str(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "HMAC-SHA1 matches RFC 2202");
    /* The MAC context is kept between calls: each call's key must replace
     * the last one's (RFC 4231 test case 1, then case 2 again). */
    {
        unsigned char key1[20];
        struct mamori_bytes hi = {"Hi There", 8};
        memset(key1, 0x0b, sizeof key1);
        mamori_hmac(MAMORI_HMAC_SHA256, key1, sizeof key1, &hi, 1, mac, &n);
        mamori_hex_encode(mac, n, hex);
        is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
               "HMAC-SHA256 with another key after the first matches RFC 4231 case 1");
        mamori_hmac(MAMORI_HMAC_SHA256, "Jefe", 4, &part, 1, mac, &n);
        mamori_hex_encode(mac, n, hex);
        is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
               "and the first key again gives RFC 4231 case 2 again");
    }
    mamori_base64_encode((const unsigned char *)"hello", 5, b64);
    is_str(b64, "aGVsbG8=", "base64 with padding");
    ok(mamori_signature_equal("abcDEF", 6, "abcdef", 1), "hex comparison ignores case");
    ok(!mamori_signature_equal("abcdeg", 6, "abcdef", 1), "a different signature does not match");
    ok(!mamori_signature_equal("abcde", 5, "abcdef", 1), "a shorter signature does not match");
    ok(!mamori_signature_equal("ABCDEF", 6, "abcdef", 0), "base64 comparison is case-sensitive");

    memset(&t, 0, sizeof t);
    t.id = (char *)"acme";
    t.replay_window = 300;
    t.webhook_secret.data = (unsigned char *)"s3cret";
    t.webhook_secret.len = 6;

    sign(h, sizeof h, "s3cret", 1700000000, body);
    sig_header = h;
    is_int(verify(&t, body, 1700000000, &err), 0, "a good signature verifies");
    is_int(verify(&t, body, 1700000299, &err), 0, "... also 299 s later");
    is_int(verify(&t, body, 1700000301, &err), MAMORI_EAUTH, "301 s later it is stale");
    contains_str(err.message, "replay window", "... and says so");
    is_int(verify(&t, body, 1699999600, &err), MAMORI_EAUTH, "a timestamp far in the future is refused too");
    is_int(verify(&t, "{\"event_id\":\"e2\"}", 1700000000, &err), MAMORI_EAUTH, "a changed body does not verify");
    contains_str(err.message, "does not match", "... and says it does not match");
    sign(h2, sizeof h2, "other", 1700000000, body);
    snprintf(h, sizeof h, "%s,v1=%s", h2, strchr(h2, ',') + 4);
    sig_header = h2;
    is_int(verify(&t, body, 1700000000, &err), MAMORI_EAUTH, "a signature with another secret does not verify");
    sign(h, sizeof h, "s3cret", 1700000000, body);
    snprintf(h2, sizeof h2, "t=1700000000,v1=00ff,v1=%s", strchr(h, ',') + 4);
    sig_header = h2;
    is_int(verify(&t, body, 1700000000, &err), 0, "one of several v1= entries may match (secret rotation)");
    sig_header = NULL;
    is_int(verify(&t, body, 1700000000, &err), MAMORI_EAUTH, "a missing header is refused");
    contains_str(err.message, "missing", "... as missing");
    sig_header = "v1=abcdef";
    is_int(verify(&t, body, 1700000000, &err), MAMORI_EAUTH, "a header without t= is refused");
    contains_str(err.message, "malformed", "... as malformed");
    sig_header = "t=soon,v1=abcdef";
    is_int(verify(&t, body, 1700000000, &err), MAMORI_EAUTH, "a non-numeric timestamp is malformed");
    ok(strstr(err.message, "s3cret") == NULL, "no message contains the secret");
    return done();
}
