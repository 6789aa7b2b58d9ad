/* signature.c -- see signature.h. */
#include "config.h"

#include "base/signature.h"

#include <ctype.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* Fetching an algorithm is a locked name lookup in OpenSSL 3: do it once
 * per process and keep the objects (they stay valid across fork). */
static EVP_MAC *hmac_alg(void)
{
    static EVP_MAC *mac;
    if (mac == NULL)
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    return mac;
}

static EVP_MD *sha256_alg(void)
{
    static EVP_MD *md;
    if (md == NULL)
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
    return md;
}

/* One MAC context per digest, kept for the process: a fresh context per
 * call costs an allocation, a digest fetch (a locked name lookup) and a
 * free, and a webhook computes several HMACs (the signature, the
 * requester's keyed hash, the audit chain). EVP_MAC_init with a new key
 * resets the kept context. `busy` makes concurrent or re-entrant callers
 * (none today: the adapter's processes are single-threaded) fall back to a
 * context of their own instead of sharing this one. */
struct kept_mac {
    EVP_MAC_CTX *ctx;
    int busy;
};

static EVP_MAC_CTX *hmac_ctx_new(enum mamori_hmac_alg alg)
{
    EVP_MAC *mac = hmac_alg();
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    char sha1[] = "SHA1", sha256[] = "SHA256";
    OSSL_PARAM params[2];

    if (ctx == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, alg == MAMORI_HMAC_SHA1 ? sha1 : sha256, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_CTX_set_params(ctx, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int mamori_hmac(enum mamori_hmac_alg alg, const void *key, size_t key_len, const struct mamori_bytes *parts,
                size_t nparts, unsigned char *out, size_t *out_len)
{
    static struct kept_mac kept[2];
    struct kept_mac *k = &kept[alg == MAMORI_HMAC_SHA1 ? 0 : 1];
    EVP_MAC_CTX *ctx = NULL, *own = NULL;
    int rc = MAMORI_EINVAL, mine = 0;

    /* Without a key EVP_MAC_init would keep the previous caller's key in
     * the kept context: such a call gets a fresh one, as before. */
    if (key != NULL && key_len > 0 && !__atomic_exchange_n(&k->busy, 1, __ATOMIC_ACQUIRE)) {
        mine = 1;
        if (k->ctx == NULL)
            k->ctx = hmac_ctx_new(alg);
        ctx = k->ctx;
    }
    if (ctx == NULL)
        ctx = own = hmac_ctx_new(alg);
    if (ctx == NULL || !EVP_MAC_init(ctx, key, key_len, NULL))
        goto out;
    for (size_t i = 0; i < nparts; i++)
        if (parts[i].len && !EVP_MAC_update(ctx, parts[i].data, parts[i].len))
            goto out;
    if (!EVP_MAC_final(ctx, out, out_len, MAMORI_HMAC_MAX))
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(own);
    if (mine)
        __atomic_store_n(&k->busy, 0, __ATOMIC_RELEASE);
    return rc;
}

int mamori_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    const EVP_MD *md = sha256_alg();
    return md != NULL && EVP_Digest(data, len, out, &n, md, NULL) == 1 && n == 32 ? 0 : MAMORI_EINVAL;
}

void mamori_hex_encode(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

void mamori_base64_encode(const unsigned char *data, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

int mamori_signature_equal(const char *received, size_t received_len, const char *expected, int ignore_case)
{
    size_t len = strlen(expected);
    unsigned char diff = 0;

    if (received_len != len)
        return 0;
    if (!ignore_case)
        return CRYPTO_memcmp(received, expected, len) == 0;
    /* Fold case without data-dependent branches. */
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)received[i], b = (unsigned char)expected[i];
        unsigned char a_up = (unsigned char)((unsigned)(a - 'A') < 26u);
        a = (unsigned char)(a | (a_up << 5));
        diff |= (unsigned char)(a ^ b);
    }
    return diff == 0;
}

int mamori_random_bytes(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -3;
}

int mamori_random_hex(char *out, size_t n)
{
    unsigned char raw[32];

    if (n > sizeof raw || mamori_random_bytes(raw, n) != 0)
        return -3;
    mamori_hex_encode(raw, n, out);
    return 0;
}
