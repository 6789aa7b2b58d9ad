/* pace.c -- see pace.h. */
#include "config.h"

#include "deliver/pace.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver/outbound.h"

void mamori_pace_init(struct mamori_pace *p, long rate_per_minute, double now)
{
    memset(p, 0, sizeof *p);
    p->rate_per_sec = (double)(rate_per_minute > 0 ? rate_per_minute : MAMORI_PACE_DEFAULT_RATE) / 60.0;
    /* A burst of two seconds' worth: short spikes pass, a backlog is paced. */
    p->burst = p->rate_per_sec * 2.0 < 1.0 ? 1.0 : p->rate_per_sec * 2.0;
    p->tokens = p->burst;
    p->refilled_at = now;
    p->held_until = 0;
    p->remaining = -1;
    p->limit = -1;
}

static void refill(struct mamori_pace *p, double now)
{
    if (now > p->refilled_at) {
        p->tokens += (now - p->refilled_at) * p->rate_per_sec;
        if (p->tokens > p->burst)
            p->tokens = p->burst;
        p->refilled_at = now;
    }
}

int mamori_pace_take(struct mamori_pace *p, double now)
{
    if (now < p->held_until)
        return 0;
    /* Until the helpdesk has answered once, its count is unknown and a
     * window may be nearly spent already (a restart, another integration):
     * one request learns it before the others follow. */
    if (!p->answered && p->inflight > 0)
        return 0;
    /* The helpdesk said nothing is left (less what is in flight). Requests
     * in flight will bring a fresh count; with none in flight and no reset
     * announced (or a count that never comes back), one request goes alone
     * to learn it, and its 429 says how long to wait. */
    if (p->remaining == 0 && p->inflight > 0)
        return 0;
    refill(p, now);
    if (p->tokens < 1.0)
        return 0;
    p->tokens -= 1.0;
    p->inflight++;
    if (p->remaining > 0)
        p->remaining--;
    return 1;
}

double mamori_pace_done(struct mamori_pace *p, const struct mamori_rate_headers *h, double now)
{
    long wait;

    if (p->inflight > 0)
        p->inflight--;
    if (h != NULL)
        p->answered = 1;
    if (h == NULL || h->remaining < 0)
        return p->held_until > now ? p->held_until - now : 0;
    if (h->limit >= 0)
        p->limit = h->limit;
    /* The answer's count may not include the requests still in flight:
     * count them as spent, so the window is never overrun. */
    p->remaining = h->remaining - p->inflight;
    if (p->remaining < 0)
        p->remaining = 0;
    if (h->remaining == 0 && (wait = h->reset >= 0 ? h->reset : h->retry_after) >= 0) {
        /* The window is spent and the helpdesk said when it starts again:
         * wait for that (one more second: the value is whole seconds,
         * rounded down), then start from a full window. */
        mamori_pace_hold(p, now + (double)wait + 1.0);
        p->remaining = p->limit;
    }
    return p->held_until > now ? p->held_until - now : 0;
}

void mamori_pace_hold(struct mamori_pace *p, double until)
{
    if (until > p->held_until)
        p->held_until = until;
}

void mamori_rate_headers_init(struct mamori_rate_headers *h)
{
    h->limit = h->remaining = h->reset = h->retry_after = -1;
}

/* The leading whole number of a header value ("100", "100, 100;w=60"), or
 * -1. */
static long leading_number(const char *v, size_t n)
{
    long x = 0;
    size_t i = 0;

    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i == n || !isdigit((unsigned char)v[i]))
        return -1;
    for (; i < n && isdigit((unsigned char)v[i]); i++) {
        if (x > (1L << 40))
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* Keep the stricter of two counts (a helpdesk may send an account-wide and
 * an endpoint's limit at once). */
static void keep_min(long *slot, long v)
{
    if (v >= 0 && (*slot < 0 || v < *slot))
        *slot = v;
}

void mamori_rate_headers_parse(struct mamori_rate_headers *h, const char *line, size_t len, long long now_wall)
{
    static const char *const limits[] = {"X-Rate-Limit", "X-RateLimit-Total", "X-RateLimit-Limit-Minute",
                                         "X-RateLimit-Limit", "RateLimit-Limit", NULL};
    static const char *const remainings[] = {"X-Rate-Limit-Remaining", "X-RateLimit-Remaining",
                                             "X-RateLimit-Remaining-Minute", "RateLimit-Remaining", NULL};
    const char *colon = memchr(line, ':', len);
    const char *v;
    size_t nl, vl;
    long x;

    if (colon == NULL)
        return;
    nl = (size_t)(colon - line);
    v = colon + 1;
    vl = len - nl - 1;
    while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
#define NAME_IS(s) (strlen(s) == nl && strncasecmp(line, s, nl) == 0)
    for (size_t i = 0; limits[i]; i++)
        if (NAME_IS(limits[i]))
            keep_min(&h->limit, leading_number(v, vl));
    for (size_t i = 0; remainings[i]; i++)
        if (NAME_IS(remainings[i]))
            keep_min(&h->remaining, leading_number(v, vl));
    if (NAME_IS("X-RateLimit-Retry-After") || NAME_IS("RateLimit-Reset")) {
        keep_min(&h->reset, leading_number(v, vl));
    } else if (NAME_IS("X-RateLimit-Reset")) {
        /* Seconds from now, or (GitHub's shape) the Unix time of the reset. */
        x = leading_number(v, vl);
        if (x > 1000000000L)
            x = x > now_wall ? (long)(x - now_wall) : 0;
        keep_min(&h->reset, x);
    } else if (NAME_IS("Retry-After")) {
        char buf[64];
        if (vl >= sizeof buf)
            return;
        memcpy(buf, v, vl);
        buf[vl] = '\0';
        keep_min(&h->retry_after, mamori_deliver_retry_after(buf, now_wall));
    }
#undef NAME_IS
}

long mamori_rate_headers_wait(const struct mamori_rate_headers *h)
{
    if (h->retry_after >= 0)
        return h->retry_after;
    return h->reset;
}
