/*
 * signature.h -- HMAC over several pieces, encodings, and constant-time
 * comparison (OpenSSL libcrypto). Every webhook signature scheme is built
 * from these.
 */
#ifndef MAMORI_SIGNATURE_H
#define MAMORI_SIGNATURE_H

#include <stddef.h>

#include "base/error.h"

enum mamori_hmac_alg { MAMORI_HMAC_SHA1, MAMORI_HMAC_SHA256 };

#define MAMORI_HMAC_MAX 32

struct mamori_bytes {
    const void *data;
    size_t len;
};

/* HMAC(key, part[0] || part[1] || ...). out must hold MAMORI_HMAC_MAX bytes;
 * *out_len receives 20 or 32. Returns 0 or MAMORI_EINVAL. */
int mamori_hmac(enum mamori_hmac_alg alg, const void *key, size_t key_len, const struct mamori_bytes *parts,
                size_t nparts, unsigned char *out, size_t *out_len);

/* SHA-256 of data into out[32]. */
int mamori_sha256(const void *data, size_t len, unsigned char out[32]);

/* Lowercase hex of data into out (2*len+1 bytes). */
void mamori_hex_encode(const unsigned char *data, size_t len, char *out);

/* Standard base64 with padding into out (4*ceil(len/3)+1 bytes). */
void mamori_base64_encode(const unsigned char *data, size_t len, char *out);

/* Compare a received text signature with the expected one in constant time
 * with respect to the contents (lengths are not secret). Returns 1 on match.
 * Hex comparisons ignore case. */
int mamori_signature_equal(const char *received, size_t received_len, const char *expected, int ignore_case);

/* Fill buf with n random bytes from the OS; 0 or MAMORI_EIO. */
int mamori_random_bytes(void *buf, size_t n);

/* A random id of 2*n hex characters (n <= 32) into out. */
int mamori_random_hex(char *out, size_t n);

#endif
