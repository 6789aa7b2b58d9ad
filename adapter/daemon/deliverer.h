/*
 * deliverer.h -- the deliverer: an aux process (roles.c) that drains the
 * outbox's "note" jobs into the helpdesks with libcurl's multi interface.
 *
 * Per job it runs the connector's write-back steps (connector.h), saving
 * progress after each, so a restart resumes. Failures:
 *   429 / 503      wait Retry-After (seconds or an HTTP date; the whole
 *                  tenant pauses, it is the account's limit), then retry;
 *   5xx, 408, 425, timeouts, connection errors
 *                  retry after retry_base * 2^(attempt-1) seconds (capped at
 *                  retry_max), with jitter so retries do not line up;
 *   other 4xx      permanent: dead letter at once, with the reason;
 *   max_attempts   reached: dead letter (`mamori outbox retry` revives).
 * Per tenant at most `concurrency` jobs run at once and at most
 * `rate_per_minute` requests start per minute ([deliver] defaults,
 * [helpdesk] overrides). TLS is verified; requests go only under the
 * tenant's [helpdesk] url (plain http only with allow_http, to loopback).
 */
#ifndef MAMORI_DELIVERER_H
#define MAMORI_DELIVERER_H

#include "config/generation.h"
#include "deliver/outbound.h"

/* Runs until SIGTERM; returns the exit status. */
int mamori_deliverer_run(const struct mamori_generation *gen);

/* Whether any tenant writes back (the supervisor starts the role then). */
int mamori_deliverer_wanted(const struct mamori_generation *gen);

#endif
