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

int mamori_hmac(enum mamori_hmac_alg alg, const void *key, size_t key_len, const struct mamori_bytes *parts,
                size_t nparts, unsigned char *out, size_t *out_len)
{
    EVP_MAC *mac = hmac_alg();
    EVP_MAC_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    char sha1[] = "SHA1", sha256[] = "SHA256";
    int rc = MAMORI_EINVAL;

    if (mac == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
        goto out;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, alg == MAMORI_HMAC_SHA1 ? sha1 : sha256, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, key, key_len, params))
        goto out;
    for (size_t i = 0; i < nparts; i++)
        if (parts[i].len && !EVP_MAC_update(ctx, parts[i].data, parts[i].len))
            goto out;
    if (!EVP_MAC_final(ctx, out, out_len, MAMORI_HMAC_MAX))
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
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
