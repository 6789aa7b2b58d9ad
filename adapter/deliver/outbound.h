/*
 * outbound.h -- the rules every outbound request of mamori follows, whoever
 * sends it (note write-back, escalation channels, pollers): which URLs a
 * tenant may reach, how long a Retry-After asks to wait, and the backoff
 * between retries. Pure functions: no I/O, unit-tested.
 */
#ifndef MAMORI_OUTBOUND_H
#define MAMORI_OUTBOUND_H

#include <stddef.h>

#include "base/error.h"

/* The first base_len bytes of base followed by path (which starts with a
 * slash): an owned string, or NULL on allocation failure. */
char *mamori_deliver_url_join(const char *base, size_t base_len, const char *path);

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
