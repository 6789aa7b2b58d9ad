/*
 * send.h -- the deliverer's part for escalation messages: outbox
 * jobs of kind "escalation", sent on the deliverer's own curl multi handle
 * with the same rules as helpdesk write-backs (deliver.h):
 *
 *   2xx (LINE: also 409, the retry key was accepted before)  done
 *   429 / 503      wait Retry-After (that channel pauses), then retry
 *   5xx, 408, 425, timeouts, connection errors   retry with backoff+jitter
 *   other 4xx      dead letter at once (bad token, URL gone)
 *   mail           5xx SMTP replies, refused login, no STARTTLS, bad
 *                  certificate: dead letter; 4xx and connection trouble: retry
 *   max_attempts   dead letter (`mamori outbox retry ID` revives)
 *
 * At most [deliver] concurrency messages per tenant at once. TLS is always
 * verified ([deliver] ca_file adds a CA); redirects are never followed;
 * plain http only with allow_http and only to loopback; a LINE request
 * never leaves [line] api_url. Every delivered message and every dead
 * letter is an audit record (who was told what, when, and its SHA-256);
 * LINE message ids are kept so a quoted reply finds its escalation.
 * Unfinished jobs go back to the outbox on stop; a restarted deliverer
 * resumes them (the LINE retry key makes a resend safe).
 *
 * It also runs the acknowledgement deadline check (escalate.h) and sends
 * the due escalation digests (digest.h) every few seconds, on the one
 * node holding the "escalation_deadlines" lease.
 */
#ifndef MAMORI_CHANNEL_SEND_H
#define MAMORI_CHANNEL_SEND_H

#include <curl/curl.h>

#include "config/generation.h"
#include "store/store.h"

struct mamori_channel_sender;

/* Set up; *out is owned by the caller (close it). Uses st and multi, which
 * must outlive it. Returns 0 or MAMORI_ENOMEM. */
int mamori_channel_sender_open(struct mamori_channel_sender **out, const struct mamori_generation *gen,
                               struct mamori_store *st, CURLM *multi);

/* Take up due jobs and run the deadline check when it is time. Call it in
 * the deliverer's loop; it returns at once when there is nothing to do. */
void mamori_channel_sender_poll(struct mamori_channel_sender *s);

/* A transfer finished: 1 if easy was one of ours (then it is handled and
 * cleaned up), 0 otherwise. */
int mamori_channel_sender_done(struct mamori_channel_sender *s, CURL *easy, CURLcode result);

/* How many messages have their request out (sent, the answer not in): a
 * stopping deliverer lets them finish within [deliver] stop_grace, as its
 * write-backs. NULL is 0. */
int mamori_channel_sender_in_flight(const struct mamori_channel_sender *s);

/* Give unfinished jobs back to the outbox and free everything. NULL is fine. */
void mamori_channel_sender_close(struct mamori_channel_sender *s);

#endif
