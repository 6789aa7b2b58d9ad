/*
 * channel.h -- one kind of escalation channel (channel_<kind>.c): LINE
 * push, Slack incoming webhook, Teams Workflows webhook, mail over SMTP,
 * and mamori's own signed webhook.
 *
 * A channel does two things at two times:
 *   render   on the webhook path (no network): the request for one
 *            recipient as JSON, stored in the outbox job. What is stored is
 *            exactly what will be sent (the HTTP body; for mail the parts
 *            of the message), so the audit digest covers the real content.
 *   prepare  in the deliverer, per attempt: URL, headers, credentials and
 *            body on a libcurl easy handle. Credentials come from the
 *            tenant's config at that moment, never from the job.
 * The sender (channel_send.c) does the rest: TLS, timeouts, URL checks,
 * retries, dead letters, the audit record.
 */
#ifndef MAMORI_CHANNEL_H
#define MAMORI_CHANNEL_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#include "base/error.h"
#include "config/escalation.h"
#include "escalation/message.h"

struct mamori_tenant;
struct mamori_settings;

/* One delivery attempt's owned resources. The sender creates the easy
 * handle and frees everything with mamori_channel_send_free(). */
struct mamori_channel_send {
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *rcpt;       /* smtp */
    char *url;                     /* may be a credential (Slack, Teams): never logged */
    char *base;                    /* the url must stay under this (LINE api_url), or NULL: the url itself */
    char *body;
    size_t body_len, read_pos;
    int is_smtp;
    int require_tls;               /* smtp: STARTTLS on smtp:// */
    const char *what;              /* for logs: "LINE push to U…" is built from it and the recipient */
};

void mamori_channel_send_free(struct mamori_channel_send *s);

/* What prepare() sees of one job. Borrowed. */
struct mamori_channel_job {
    const struct mamori_tenant *tenant;
    const struct mamori_escalation_config *cfg;
    const struct mamori_channel *channel;
    const struct mamori_settings *settings;
    const json_t *payload;         /* the outbox payload; payload.request is what render() made */
    const char *key_hex;           /* 64 hex digits of SHA-256(dedupe key): stable across attempts */
    long long now;
};

struct mamori_channel_type {
    int kind;                      /* enum mamori_channel_kind */
    const char *display;           /* "LINE", "Slack", ... */
    /* The request for recipient (new reference in *request). */
    int (*render)(const struct mamori_escalation_config *c, const struct mamori_channel *ch, const char *recipient,
                  const json_t *model, int purpose, json_t **request);
    /* Set up one attempt on send->easy. MAMORI_EINVAL (with err) is
     * permanent: the job is dead-lettered. */
    int (*prepare)(const struct mamori_channel_job *job, struct mamori_channel_send *send, struct mamori_error *err);
    /* A 2xx answer: facts for the record (LINE: the sent message ids, which
     * let a lawyer's quoted reply find its escalation) into facts. */
    int (*result)(const struct mamori_channel_job *job, long status, const char *body, size_t len, json_t *facts);
    /* HTTP 409 means "already accepted" (LINE with X-Line-Retry-Key). */
    int conflict_is_success;
};

/* The type for a kind, or NULL. */
const struct mamori_channel_type *mamori_channel_type_of(int kind);

/* The recipients of a channel: LINE ids one by one; one entry (the
 * channel name) for the others, whose one request reaches everyone. */
size_t mamori_channel_recipients(const struct mamori_channel *ch);
const char *mamori_channel_recipient(const struct mamori_channel *ch, size_t i);

/* A UUID (8-4-4-4-12, version 4 and variant bits set) from 64 hex digits:
 * the X-Line-Retry-Key, the same on every attempt of a job. */
void mamori_channel_uuid(const char *key_hex, char out[37]);

/* Shared by the HTTP kinds: body = the stored request, compact. */
int mamori_channel_json_body(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                             struct mamori_error *err);

/* Append a header line; 0 or MAMORI_ENOMEM. Refuses CR/LF (MAMORI_EINVAL). */
int mamori_channel_header(struct mamori_channel_send *send, const char *name, const char *value);

#endif
