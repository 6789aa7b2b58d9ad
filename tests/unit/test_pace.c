/*
 * test_pace.c -- the deliverer's pacing (adapter/deliver/pace.c) on a
 * simulated clock: the default lets a burst through, the helpdesk's
 * rate-limit headers (each platform's shape) hold the tenant when nothing
 * is left and release it at the reset. No wall-clock time is measured.
 */
#include "config.h"

#include <string.h>

#include "config/settings.h"
#include "deliver/pace.h"
#include "tap.h"

static void parse(struct mamori_rate_headers *h, const char *line)
{
    mamori_rate_headers_parse(h, line, strlen(line), 1000000000LL);
}

/* A helpdesk that answers every request `latency` seconds after it is sent
 * and says how much of its window is left (never running out here); the
 * deliverer's per-tenant concurrency of 4. Returns the simulated time the
 * last of n requests was answered. */
static double burst(long rate_per_minute, int n, double latency)
{
    struct mamori_pace p;
    double done_at[4], now = 0, last = 0;
    int inflight = 0, sent = 0, answered = 0;
    long left = 700;

    mamori_pace_init(&p, rate_per_minute, 0);
    while (answered < n && now < 1000) {
        for (int i = 0; i < inflight;) {
            if (done_at[i] <= now) {
                struct mamori_rate_headers h;
                char line[64];
                mamori_rate_headers_init(&h);
                parse(&h, "X-Rate-Limit: 700\r\n");
                snprintf(line, sizeof line, "X-Rate-Limit-Remaining: %ld\r\n", left);
                parse(&h, line);
                mamori_pace_done(&p, &h, now);
                done_at[i] = done_at[--inflight];
                answered++;
                last = now;
            } else {
                i++;
            }
        }
        while (sent < n && inflight < 4 && mamori_pace_take(&p, now)) {
            done_at[inflight++] = now + latency;
            sent++;
            left--;
        }
        now += 0.01;
    }
    return answered == n ? last : 1e9;
}

int main(void)
{
    struct mamori_settings s;
    struct mamori_pace p;
    struct mamori_rate_headers h;
    double t;

    plan(27);

    /* Issue 15: 85 tickets at once with default settings reach a helpdesk
     * that answers normally within 10 s (the old default of 60 a minute
     * took 83 s). */
    mamori_settings_defaults(&s);
    is_int(s.deliver_rate, MAMORI_PACE_DEFAULT_RATE, "[deliver] rate_per_minute defaults to pace.h's default");
    t = burst(s.deliver_rate, 85, 0.3);
    ok(t < 10.0, "default settings: an 85-ticket burst is all answered within 10 s of simulated time (%.1f s)", t);
    mamori_settings_free(&s);
    ok(burst(60, 85, 0.3) > 60.0, "a ceiling of 60 a minute still paces the same burst over more than a minute");

    /* Zendesk's shape. */
    mamori_rate_headers_init(&h);
    parse(&h, "x-rate-limit: 700\r\n");
    parse(&h, "X-Rate-Limit-Remaining: 2\r\n");
    parse(&h, "Content-Type: application/json\r\n");
    is_int(h.limit, 700, "Zendesk X-Rate-Limit read (any case)");
    is_int(h.remaining, 2, "Zendesk X-Rate-Limit-Remaining read");
    is_int(h.reset, -1, "no reset announced");
    mamori_pace_init(&p, 600, 0);
    ok(mamori_pace_take(&p, 0), "first request goes (count unknown)");
    mamori_pace_done(&p, &h, 0.1);
    ok(mamori_pace_take(&p, 0.2) && mamori_pace_take(&p, 0.2), "two left: two requests go");
    ok(!mamori_pace_take(&p, 0.2), "a third waits while the two are in flight");
    mamori_rate_headers_init(&h);
    parse(&h, "X-Rate-Limit: 700\r\n");
    parse(&h, "X-Rate-Limit-Remaining: 0\r\n");
    mamori_pace_done(&p, &h, 0.3);
    ok(!mamori_pace_take(&p, 0.4), "Remaining 0 and one still in flight: nothing goes");
    mamori_pace_done(&p, &h, 0.5);
    ok(mamori_pace_take(&p, 0.6), "Remaining 0, no reset announced, nothing in flight: one request goes to learn the wait");
    ok(!mamori_pace_take(&p, 0.6), "but only one");
    mamori_rate_headers_init(&h);
    parse(&h, "X-Rate-Limit-Remaining: 0\r\n");
    parse(&h, "Retry-After: 7\r\n");
    is_int(mamori_rate_headers_wait(&h), 7, "its 429 says how long (Retry-After)");
    mamori_pace_done(&p, &h, 1.0);
    ok(!mamori_pace_take(&p, 7.5), "held until the Retry-After has passed");
    ok(mamori_pace_take(&p, 9.1), "and resumes after it");

    /* Help Scout's shape: the reset is announced with the count. */
    mamori_rate_headers_init(&h);
    parse(&h, "X-RateLimit-Limit-Minute: 5\r\n");
    parse(&h, "X-RateLimit-Remaining-Minute: 0\r\n");
    parse(&h, "X-RateLimit-Retry-After: 3\r\n");
    is_int(h.limit, 5, "Help Scout X-RateLimit-Limit-Minute read");
    is_int(h.reset, 3, "Help Scout X-RateLimit-Retry-After read as the reset");
    mamori_pace_init(&p, 600, 100);
    ok(mamori_pace_take(&p, 100), "a request goes");
    ok(mamori_pace_done(&p, &h, 100) > 0, "Remaining 0 with a reset: the tenant is held");
    ok(!mamori_pace_take(&p, 102) && !mamori_pace_take(&p, 103.5), "no request before the reset");
    ok(mamori_pace_take(&p, 104.1) && mamori_pace_take(&p, 104.1), "after the reset, requests go again at full speed");

    /* Freshdesk's shape, and requests in flight count as spent. */
    mamori_rate_headers_init(&h);
    parse(&h, "X-Ratelimit-Total: 400\r\n");
    parse(&h, "X-Ratelimit-Remaining: 3\r\n");
    parse(&h, "X-Ratelimit-Used-CurrentRequest: 1\r\n");
    is_int(h.limit, 400, "Freshdesk X-Ratelimit-Total read");
    is_int(h.remaining, 3, "Freshdesk X-Ratelimit-Remaining read");
    mamori_pace_init(&p, 600, 0);
    {
        struct mamori_rate_headers none;
        mamori_rate_headers_init(&none);
        mamori_pace_take(&p, 0);
        mamori_pace_done(&p, &none, 0); /* a first answer without headers */
    }
    for (int i = 0; i < 4; i++)
        mamori_pace_take(&p, 0);
    mamori_pace_done(&p, &h, 0.1);
    ok(!mamori_pace_take(&p, 0.2), "3 left with 3 others in flight: nothing more goes");

    /* Two families at once (an account's and an endpoint's limit): the
     * stricter; dates and draft headers. */
    mamori_rate_headers_init(&h);
    parse(&h, "X-Rate-Limit-Remaining: 500\r\n");
    parse(&h, "RateLimit-Remaining: 4\r\n");
    parse(&h, "RateLimit-Reset: 12\r\n");
    is_int(h.remaining, 4, "the stricter of two remaining counts");
    is_int(h.reset, 12, "RateLimit-Reset read");
    mamori_rate_headers_init(&h);
    mamori_rate_headers_parse(&h, "Retry-After: Sun, 09 Sep 2001 01:47:00 GMT\r\n", 44, 1000000000LL);
    is_int(h.retry_after, 20, "an HTTP-date Retry-After is seconds from now");
    return done();
}
