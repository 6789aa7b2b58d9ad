/*
 * outbound.h -- the rules every outbound request of mamori follows, whoever
 * sends it (note write-back, escalation channels, pollers): the libcurl
 * options every handle gets, which URLs a tenant may reach, how long a
 * Retry-After asks to wait, and the backoff between retries. Set up here
 * once, so the senders cannot drift apart.
 */
#ifndef MAMORI_OUTBOUND_H
#define MAMORI_OUTBOUND_H

#include <stddef.h>

#include <curl/curl.h>

#include "base/error.h"
#include "config/settings.h"

/* Which protocols a handle may speak. */
enum mamori_outbound_protocols {
    MAMORI_OUTBOUND_HTTPS,          /* https only */
    MAMORI_OUTBOUND_HTTP_OR_HTTPS,  /* plain http too ([deliver] allow_http, loopback stand-ins) */
    MAMORI_OUTBOUND_SMTP            /* smtp and smtps (STARTTLS is the channel's choice) */
};

/* The options every outbound handle gets: [deliver] timeout (and a connect
 * timeout of at most 10 s), TLS peer and host always verified (against
 * [deliver] ca_file when set), redirects never followed (a redirect could
 * carry a message or a token to another host), no signals (the processes
 * are single-threaded but curl must not raise SIGALRM), and only the given
 * protocols (CURLOPT_PROTOCOLS_STR, or the bitmask before libcurl 7.85). */
void mamori_outbound_setup(CURL *e, const struct mamori_settings *s, enum mamori_outbound_protocols protocols);

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
