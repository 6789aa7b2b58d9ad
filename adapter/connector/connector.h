/*
 * connector.h -- the interface every helpdesk connector implements.
 *
 * A connector is one file in adapter/connector/ that knows one helpdesk:
 * how it signs webhooks, how its payload maps onto the normalized ticket,
 * which events mamori caused itself, and how to write the note back. The
 * registry (connector.c) lists them; tenants name one in `connector =`.
 */
#ifndef MAMORI_CONNECTOR_H
#define MAMORI_CONNECTOR_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "base/ini_file.h"
#include "base/strv.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"

struct mamori_tenant;
struct mamori_settings;

/* One incoming webhook, as the connector sees it. All borrowed. */
struct mamori_webhook {
    const struct mamori_tenant *tenant;
    const char *body;                 /* raw bytes, exactly as received */
    size_t body_len;
    const char *content_type;
    /* Look up a request header by its HTTP name ("X-Mamori-Signature"),
     * case-insensitively; NULL when absent. */
    const char *(*header)(const void *ctx, const char *name);
    const void *header_ctx;
    time_t now;                       /* for replay windows; a test can fix it */
    const char *path_suffix;          /* anything after /hooks/<tenant>/<connector>/, or "" */
};

/* Convenience for connectors. */
const char *mamori_webhook_header(const struct mamori_webhook *in, const char *name);

/* ---- Write-back ----
 *
 * The deliverer writes a job back as a short sequence of HTTP requests
 * (steps), each built by the connector. Progress is saved in the outbox
 * after every step, so a restart resumes where it stopped. Where a
 * platform has no idempotency key, a step may first look for the job's
 * note reference among the ticket's notes (wb->uncertain says a previous
 * attempt may already have written it), so a note never lands twice. */

enum { MAMORI_WB_SKIP = 0, MAMORI_WB_SEND = 1, MAMORI_WB_END = 2 };

/* One request of a write-back. All members owned by the struct; release
 * with mamori_wb_request_free(). */
struct mamori_wb_request {
    const char *method;           /* "GET", "POST", "PUT" (static) */
    char *path;                   /* appended to the tenant's [helpdesk] url; starts with '/' */
    char *body;                   /* or NULL */
    const char *content_type;     /* static, or NULL */
    struct mamori_strv headers;   /* extra "Name: value" lines (auth goes here; never logged) */
};

void mamori_wb_request_free(struct mamori_wb_request *r);

/* Per-tenant state the deliverer keeps across jobs (an OAuth token). */
struct mamori_wb_cache {
    char *token;                  /* owned, or NULL */
    long long token_expires;      /* Unix seconds */
};

/* What a connector sees of one job while writing it back. Borrowed. */
struct mamori_wb {
    const struct mamori_tenant *tenant;
    json_t *job;                  /* the outbox payload: {ticket, annotation, ...} */
    json_t *ticket;               /* job.ticket */
    json_t *progress;             /* facts saved between steps and attempts (writable object) */
    const char *job_key;          /* the outbox dedupe key */
    const char *ref;              /* the note reference ("mamori-ref:…"), unique per job */
    const char *note;             /* the rendered note, in note_format */
    int note_format;              /* enum mamori_note_format actually used */
    const char *note_subject;     /* one short line for platforms that want a subject */
    const struct mamori_strv *tags;  /* tags to add */
    int uncertain;                /* an earlier attempt may have written the note */
    struct mamori_wb_cache *cache;
    long long now;
};

/* Path-escape s (every byte but unreserved ones) into a new string. */
char *mamori_wb_escape(const char *s);

/* Add "Name: value" to req->headers (formatted). 0 or MAMORI_ENOMEM. */
int mamori_wb_header(struct mamori_wb_request *req, const char *fmt, ...) MAMORI_ATTR_PRINTF(2, 3);

/* Set req->body from a JSON value (stolen reference) as compact UTF-8. */
int mamori_wb_json_body(struct mamori_wb_request *req, json_t *body);

/* The tenant's [helpdesk] credentials as a string (owned, wipe and free
 * with mamori_wb_secret_free), or NULL when none are configured. */
char *mamori_wb_credentials(const struct mamori_wb *wb);
void mamori_wb_secret_free(char *s);

/* Add "Authorization: Basic base64(user_pass)". */
int mamori_wb_basic_auth(struct mamori_wb_request *req, const char *user_pass);

/* Whether the note with wb->ref is somewhere in body (a listing of the
 * ticket's notes, JSON-escaped or not). */
int mamori_wb_body_has_ref(const struct mamori_wb *wb, const char *body, size_t len);

/* progress["note_done"] as a flag. */
int mamori_wb_note_done(const struct mamori_wb *wb);
void mamori_wb_set_note_done(struct mamori_wb *wb);

/* The ticket id of the job (job.ticket.ticket_id). */
const char *mamori_wb_ticket_id(const struct mamori_wb *wb);

/* The union of the tags in `current` (a JSON array of strings, or NULL)
 * and wb->tags, as a new JSON array; NULL on allocation failure. */
json_t *mamori_wb_merge_tags(const struct mamori_wb *wb, json_t *current);

/* The last step of a read-merge-write tag update (platforms whose API
 * replaces the whole list): the tags read earlier (the job's progress
 * "current_tags") merged with wb->tags, as a new JSON array. NULL with *none
 * set when nothing is new (skip the step); NULL without it when out of
 * memory. */
json_t *mamori_wb_tags_to_write(const struct mamori_wb *wb, int *none);

/* ---- Polling ----
 *
 * For helpdesks that cannot send webhooks (Redmine without them), the
 * poller asks instead. The connector says what to ask and what the answers
 * mean; the poller (daemon/poller.c) sends the GETs through the outbound
 * rules (deliver/outbound.c), keeps the cursor in the store and hands every
 * event to the ingest pipeline, where this connector's parse() takes it
 * like a webhook's payload (so event ids, and dedupe, are the same for
 * both). One round: list(); for each ticket of the answer, oldest change
 * first, ticket_events(), and detail_events() after one more GET when
 * ticket_events() asks for it. Times are Unix seconds. */
struct mamori_poll_ops {
    /* The GET listing the tickets changed at or after since, oldest change
     * first: *req filled (path and auth headers; method "GET"). */
    int (*list)(const struct mamori_tenant *t, long long since, struct mamori_wb_request *req,
                struct mamori_error *err);
    /* The tickets in a listing's answer (borrowed from it; NULL: none). */
    json_t *(*tickets)(json_t *listing);
    /* When a listed ticket last changed, as UTC "YYYY-MM-DDTHH:MM:SSZ"
     * (borrowed), or NULL: the cursor moves past it once handled. */
    const char *(*changed_at)(json_t *ticket);
    /* Append the listed ticket's events at or after since to the array
     * events (each an owned payload for parse()). 0 when that is all;
     * MAMORI_WB_SEND with *req set to a GET whose answer detail_events()
     * needs; or a negative code with err set. */
    int (*ticket_events)(const struct mamori_tenant *t, json_t *ticket, long long since, json_t *events,
                         struct mamori_wb_request *req, struct mamori_error *err);
    /* The events found in detail, the answer to ticket_events()'s GET. */
    int (*detail_events)(const struct mamori_tenant *t, json_t *ticket, json_t *detail, long long since,
                         json_t *events, struct mamori_error *err);
};

struct mamori_connector {
    const char *name;                 /* as in the URL and `connector =` */
    const char *display_name;         /* "Zendesk" */
    /* Keys accepted in the tenant's [helpdesk] section besides url and
     * credentials_*, typed (base/ini_file.h), ended by a NULL name. The
     * tenant loader checks values against it; mamori-tenant(5) lists it. */
    const struct mamori_key *keys;

    /* Check the delivery is authentic: 0, or MAMORI_EAUTH with a reason
     * that says what was wrong (missing, malformed, stale, mismatch) and
     * nothing that helps guess the secret. Runs before any parsing. */
    int (*verify)(const struct mamori_webhook *in, struct mamori_error *err);

    /* Turn the parsed payload into the normalized ticket: set event_id (the
     * platform's delivery or event id, or a derived key), and set
     * ignore_reason for events mamori must skip. MAMORI_EINVAL with a reason
     * for payloads that do not fit. */
    int (*parse)(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *out,
                 struct mamori_error *err);

    /* Optional: extra fields for the HTTP answer, for platforms that take the
     * write-back in the response (Znuny). Adds to `response`. */
    int (*respond)(const struct mamori_tenant *tenant, const struct mamori_ticket *ticket,
                   const struct mamori_annotation *annotation, json_t *response, struct mamori_error *err);

    /* Whether this connector writes back through the outbox. */
    int writes_back;

    /* ---- write-back (the deliverer; see "Write-back" below) ---- */

    /* The markup the platform's notes take (enum mamori_note_format);
     * a tenant may override it with [helpdesk] note_format. */
    int note_format;

    /* Build the request for write-back step `step` of wb (0, 1, 2, ...):
     * MAMORI_WB_SEND with *req filled, MAMORI_WB_SKIP to go on to the next
     * step, MAMORI_WB_END when the job is complete, or a negative code
     * (permanent failure: the job is dead-lettered with err). */
    int (*wb_build)(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err);

    /* Take a 2xx answer to step `step`: 0 to go on, or a negative code
     * (permanent failure). May record facts in wb->progress (persisted). */
    int (*wb_result)(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                     struct mamori_error *err);

    /* ---- polling (see "Polling" above); NULL: webhooks only ---- */
    const struct mamori_poll_ops *poll;

    /* What the write-back of a note job carrying {"restrict":
     * {"requester_id"}} does to that requester (issue 16: a person decided
     * to restrict the customer's contact), e.g. "suspend"; NULL when the
     * connector cannot, and the agents are told to do it by hand. */
    const char *restrict_action;
};

/* The connector called name, or NULL. */
const struct mamori_connector *mamori_connector_find(const char *name);

/* All connectors, NULL-terminated (for --help and docs). */
const struct mamori_connector *const *mamori_connector_all(void);

/* Shared helpers for signature schemes. */

/* Parse a decimal Unix timestamp; 0 or MAMORI_EINVAL. */
int mamori_parse_unix_time(const char *s, time_t *out);

/* Whether |now - t| is within window seconds. */
int mamori_within_window(time_t t, time_t now, long window);

#endif
