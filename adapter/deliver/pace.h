/*
 * pace.h -- how fast the deliverer may send a tenant's write-back requests.
 *
 * Two limits, the stricter wins:
 *  - our own ceiling, a token bucket of [deliver] rate_per_minute (a
 *    tenant's [helpdesk] rate_per_minute) with a burst of two seconds'
 *    worth, so a burst of tickets goes through at once when the helpdesk
 *    has room;
 *  - the helpdesk's own count, from the rate-limit headers it sends with
 *    its answers (Zendesk X-Rate-Limit / X-Rate-Limit-Remaining; Freshdesk
 *    X-Ratelimit-Total / X-Ratelimit-Remaining; Help Scout
 *    X-RateLimit-Limit-Minute / X-RateLimit-Remaining-Minute /
 *    X-RateLimit-Retry-After; the IETF draft's RateLimit-Limit /
 *    RateLimit-Remaining / RateLimit-Reset) and Retry-After. When the
 *    helpdesk says nothing is left, the tenant waits for the reset it
 *    announced; when it announced none, one request at a time goes to learn
 *    the wait (its 429 carries Retry-After). The first request of a tenant
 *    goes alone, to learn the count before the others follow.
 *
 * Times are seconds on a monotonic clock, passed in by the caller (so tests
 * drive the clock); header values that are dates are turned into seconds
 * from now when parsed. No I/O, no allocation.
 */
#ifndef MAMORI_PACE_H
#define MAMORI_PACE_H

#include <stddef.h>

/* The default of [deliver] rate_per_minute: 10 requests a second with a
 * burst of 20 lets an 85-ticket burst reach the helpdesk in under 10 s
 * when it answers normally; the helpdesk's headers and 429s pace it
 * further. */
#define MAMORI_PACE_DEFAULT_RATE 600

/* What one answer said about the helpdesk's rate limit; -1: not sent. */
struct mamori_rate_headers {
    long limit;       /* requests in the window */
    long remaining;   /* requests left in the window */
    long reset;       /* seconds until the window starts again */
    long retry_after; /* Retry-After, seconds */
};

struct mamori_pace {
    double rate_per_sec, burst, tokens, refilled_at;
    double held_until; /* no request starts before this */
    long inflight;     /* requests sent and not answered */
    long remaining;    /* the helpdesk's last count less what was sent since; -1: unknown */
    long limit;        /* the helpdesk's window size; -1: unknown */
    int answered;      /* the helpdesk has answered a request */
};

void mamori_pace_init(struct mamori_pace *p, long rate_per_minute, double now);

/* Whether a request may start at `now`. 1: it may, and is counted (call
 * mamori_pace_done when it is answered or fails); 0: not yet. */
int mamori_pace_take(struct mamori_pace *p, double now);

/* A request counted by mamori_pace_take has ended; h: the headers of its
 * answer (NULL when there was none: timeout, connection error). Returns the
 * seconds the tenant is now held for (0: not held). */
double mamori_pace_done(struct mamori_pace *p, const struct mamori_rate_headers *h, double now);

/* Hold every request of the tenant until `until` (a 429's Retry-After). */
void mamori_pace_hold(struct mamori_pace *p, double until);

void mamori_rate_headers_init(struct mamori_rate_headers *h);

/* Read one response header line ("Name: value\r\n", len bytes, not
 * NUL-terminated); lines that are not rate-limit headers are ignored.
 * now_wall (time(NULL)) turns an HTTP-date Retry-After into seconds. */
void mamori_rate_headers_parse(struct mamori_rate_headers *h, const char *line, size_t len, long long now_wall);

/* The wait a 429 or 503 asks for: Retry-After, else the reset the
 * rate-limit headers announce, else -1. */
long mamori_rate_headers_wait(const struct mamori_rate_headers *h);

#endif
