/*
 * policy_sig.c -- Ed25519 signatures over policy files (OpenSSL EVP).
 *
 * FILE.sig holds the base64 of the 64-byte Ed25519 signature over the
 * exact bytes of FILE. Ed25519 signs the message itself (no digest), so
 * EVP_DigestSign/Verify are used one-shot with a NULL digest.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "rules.h"

#define SIG_LEN 64

static const char *ossl_reason(void)
{
    unsigned long e = ERR_get_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    return r ? r : "unknown OpenSSL error";
}

static int load_pubkey(const char *path, EVP_PKEY **out, struct rules_error *err)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    *out = NULL;
    if (f == NULL)
        return rules_err(err, RULES_EIO, "public key %s: %s", path, strerror(errno));
    k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL)
        return rules_err(err, RULES_EINVAL, "public key %s: not a PEM public key (%s)", path, ossl_reason());
    if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return rules_err(err, RULES_EINVAL, "public key %s: not an Ed25519 key (make one with: mamori policy keygen)",
                         path);
    }
    *out = k;
    return RULES_OK;
}

static int load_privkey(const char *path, EVP_PKEY **out, struct rules_error *err)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    *out = NULL;
    if (f == NULL)
        return rules_err(err, RULES_EIO, "private key %s: %s", path, strerror(errno));
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL)
        return rules_err(err, RULES_EINVAL, "private key %s: not a PEM private key (%s)", path, ossl_reason());
    if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return rules_err(err, RULES_EINVAL, "private key %s: not an Ed25519 key (make one with: mamori policy keygen)",
                         path);
    }
    *out = k;
    return RULES_OK;
}

/* Read FILE.sig and decode it into sig[64]. */
static int read_sig(const char *file, unsigned char sig[SIG_LEN], struct rules_error *err)
{
    char path[4096], text[512], clean[512];
    unsigned char raw[512];
    size_t n, m = 0;
    FILE *f;
    int dec, pad = 0;

    if ((size_t)snprintf(path, sizeof path, "%s.sig", file) >= sizeof path)
        return rules_err(err, RULES_EINVAL, "%s: path too long", file);
    f = fopen(path, "r");
    if (f == NULL)
        return rules_err(err, RULES_EAUTH, "%s: no signature (%s: %s); sign it with: mamori policy sign --key KEY %s",
                         file, path, strerror(errno), file);
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t')
            clean[m++] = text[i];
    clean[m] = '\0';
    if (m == 0 || m % 4 != 0 || m > 200)
        return rules_err(err, RULES_EAUTH, "%s: %s is not a base64 Ed25519 signature", file, path);
    while (pad < 2 && m > (size_t)pad && clean[m - 1 - (size_t)pad] == '=')
        pad++;
    dec = EVP_DecodeBlock(raw, (const unsigned char *)clean, (int)m);
    if (dec < 0 || dec - pad != SIG_LEN)
        return rules_err(err, RULES_EAUTH, "%s: %s is not a base64 Ed25519 signature (%d bytes)", file, path,
                         dec < 0 ? -1 : dec - pad);
    memcpy(sig, raw, SIG_LEN);
    return RULES_OK;
}

int mamori_rules_sig_verify(const char *pubkey_path, const char *file, const void *data, size_t len,
                            struct rules_error *err)
{
    unsigned char sig[SIG_LEN];
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    int rc;

    if ((rc = load_pubkey(pubkey_path, &key, err)) != 0) {
        rules_err_prefix(err, "%s", file);
        return rc == RULES_EIO ? RULES_EIO : RULES_EAUTH;
    }
    if ((rc = read_sig(file, sig, err)) != 0)
        goto done;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) != 1) {
        rc = rules_err(err, RULES_ENOMEM, "%s: cannot set up verification: %s", file, ossl_reason());
        goto done;
    }
    if (EVP_DigestVerify(md, sig, SIG_LEN, data, len) != 1) {
        ERR_clear_error();
        rc = rules_err(err, RULES_EAUTH,
                       "%s: signature does not verify with %s (the file was changed after signing, or it was signed "
                       "with another key)",
                       file, pubkey_path);
        goto done;
    }
    rc = RULES_OK;
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return rc;
}

int mamori_rules_sig_sign(const char *key_path, const void *data, size_t len, char **b64, struct rules_error *err)
{
    unsigned char sig[SIG_LEN];
    size_t siglen = sizeof sig;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    char *out = NULL;
    int rc;

    *b64 = NULL;
    if ((rc = load_privkey(key_path, &key, err)) != 0)
        return rc;
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
        EVP_DigestSign(md, sig, &siglen, data, len) != 1 || siglen != SIG_LEN) {
        rc = rules_err(err, RULES_EINTERNAL, "signing failed: %s", ossl_reason());
        goto done;
    }
    out = malloc(4 * ((SIG_LEN + 2) / 3) + 2);
    if (out == NULL) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto done;
    }
    EVP_EncodeBlock((unsigned char *)out, sig, SIG_LEN);
    *b64 = out;
    rc = RULES_OK;
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return rc;
}

static int write_pem(const char *path, EVP_PKEY *k, int private_key, struct rules_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, private_key ? 0600 : 0644);
    FILE *f;
    int ok;

    if (fd < 0)
        return rules_err(err, RULES_EIO, "%s: %s%s", path, strerror(errno),
                         errno == EEXIST ? " (refusing to overwrite a key)" : "");
    /* The mode given to open() is masked by the umask; a private key must
     * end up 0600 whatever the umask. */
    if (private_key && fchmod(fd, 0600) != 0) {
        close(fd);
        unlink(path);
        return rules_err(err, RULES_EIO, "%s: chmod: %s", path, strerror(errno));
    }
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(path);
        return rules_err(err, RULES_EIO, "%s: %s", path, strerror(errno));
    }
    ok = private_key ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) : PEM_write_PUBKEY(f, k);
    if (fclose(f) != 0)
        ok = 0;
    if (ok != 1) {
        unlink(path);
        return rules_err(err, RULES_EIO, "%s: cannot write the key", path);
    }
    return RULES_OK;
}

int mamori_rules_sig_keygen(const char *priv_path, const char *pub_path, struct rules_error *err)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    int rc;

    if (k == NULL)
        return rules_err(err, RULES_EINTERNAL, "key generation failed: %s", ossl_reason());
    rc = write_pem(priv_path, k, 1, err);
    if (rc == 0 && (rc = write_pem(pub_path, k, 0, err)) != 0)
        unlink(priv_path);
    EVP_PKEY_free(k);
    return rc;
}
