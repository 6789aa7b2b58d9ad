/*
 * deliver.h -- the deliverer: an aux process (roles.c) that drains the
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
#ifndef MAMORI_DELIVER_H
#define MAMORI_DELIVER_H

#include "generation.h"

/* Runs until SIGTERM; returns the exit status. */
int mamori_deliverer_run(const struct mamori_generation *gen);

/* Whether any tenant writes back (the supervisor starts the role then). */
int mamori_deliverer_wanted(const struct mamori_generation *gen);

/* Whether url may be requested for a tenant whose base is `base`: same
 * scheme, host and port, path under base's path, no dot segments (also
 * percent-encoded ones), https unless allow_http and the host is loopback.
 * 1 if allowed; otherwise 0 with the reason in err. */
int mamori_deliver_url_allowed(const char *base, const char *url, int allow_http, struct mamori_error *err);

/* Seconds to wait from a Retry-After value (delta seconds or an HTTP date),
 * or -1 when it does not parse. */
long mamori_deliver_retry_after(const char *value, long long now);

/* Backoff before retry number `attempt` (1-based), in seconds: base *
 * 2^(attempt-1) capped at max, then jittered into [half, full]. */
long mamori_deliver_backoff(long base, long max, long attempt);

#endif
