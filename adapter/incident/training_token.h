/*
 * training_token.h -- the signed token of a training link in a note:
 * GET <public_url>/t/<token> records the first open per ticket and link
 * (store/training_links.h) and forwards to the page.
 *
 *   token = base64url(payload) "." base64url(HMAC-SHA256(training_key, base64url(payload)))
 *   payload = {"c": category, "i": issued_at, "k": ticket_id, "t": tenant, "u": url}  (compact JSON)
 *
 * The MAC makes the redirect closed: only URLs mamori put in a note are
 * forwarded to, and nobody can count opens for tickets they make up. The
 * token is as secret as the note it sits in; it is never logged (the
 * request path /t/... is logged as "/t/" followed by three stars).
 */
#ifndef MAMORI_TRAINING_TOKEN_H
#define MAMORI_TRAINING_TOKEN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

struct mamori_training_claim {
    char *tenant, *ticket_id, *url, *category; /* owned */
    long long issued_at;
};

void mamori_training_claim_free(struct mamori_training_claim *c);

/* Append base "/t/" token for the claim to out. 0 or MAMORI_ENOMEM. */
int mamori_training_link_sign(const unsigned char *key, size_t key_len, const char *base,
                              const struct mamori_training_claim *c, struct mamori_buf *out);

/* Check token and fill *c (owned by the caller). MAMORI_EAUTH when the
 * MAC does not verify or the token is malformed (nothing is filled). */
int mamori_training_link_verify(const unsigned char *key, size_t key_len, const char *token,
                                struct mamori_training_claim *c);

#endif
