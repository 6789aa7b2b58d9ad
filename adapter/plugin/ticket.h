/*
 * ticket.h -- the normalized ticket: what every connector turns its
 * helpdesk's payload into, and what plugins read through the host API.
 * It is also the body of the `generic` connector and of POST /v1/annotate
 * (documented in doc/generic-webhook.md).
 */
#ifndef MAMORI_TICKET_H
#define MAMORI_TICKET_H

#include <stddef.h>

#include <jansson.h>

#include "base/error.h"
#include "base/strv.h"

struct mamori_ticket {
    char *event_id;          /* idempotency key of the delivery; may be NULL for /v1/annotate */
    char *ticket_id;         /* always a string (helpdesk ids exceed 32 bits) */
    char *ticket_url;
    char *requester_id;      /* used only to key history; stored as an HMAC */
    char *requester_name;
    char *requester_email;
    char *subject;
    size_t subject_len;
    char *body;              /* plain text: connectors convert HTML first */
    size_t body_len;
    char *channel;           /* email, web, chat, phone, phone_note, sns, api, other */
    char *channel_raw;       /* the helpdesk's own value (Zendesk via.channel ...), or NULL: what a
                              * tenant's [channel_map] via = matches */
    struct mamori_strv tags; /* current tags on the ticket */
    char *created_at;        /* RFC 3339 UTC, or NULL */
    char *language;          /* "ja", "en", ... or NULL */
    /* Set by connectors for events mamori must not annotate (its own notes,
     * internal comments, non-customer authors): the reason, or NULL. */
    char *ignore_reason;
    /* An agent's own comment (an internal note or a staff reply), which is
     * never judged as customer text: set by connectors that can tell,
     * together with ignore_reason, so the pipeline can look for the
     * tenant's consult and warning prefixes and its tags (ingest/agent.h)
     * and the note's `mamori:` command lines reach the incident record
     * (incident/agent.h). agent_note is its text, agent_id its author's
     * helpdesk id; both owned, may be NULL. body then holds the customer's
     * text of the ticket when the payload carries it (the evidence a
     * consultation quotes). */
    int agent_event;
    char *agent_note;
    char *agent_id;
    /* Connector-specific data its write-back needs (platform ids, the
     * helpdesk account, ...). Owned; may be NULL. */
    json_t *connector_data;
};

void mamori_ticket_init(struct mamori_ticket *t);
void mamori_ticket_free(struct mamori_ticket *t);

/* Known channel names; anything else maps to "other". */
const char *mamori_channel_normalize(const char *raw);

/* Fill t from the generic JSON shape. require_event_id: the webhook needs
 * one, /v1/annotate does not. On error, err says which field and why
 * (MAMORI_EINVAL). t must be initialized; it is left partially filled on
 * error and must still be freed. */
int mamori_ticket_from_json(struct mamori_ticket *t, json_t *root, int require_event_id,
                            struct mamori_error *err);

/* Set a string member from a JSON value that may be a string or an integer
 * (ids): *dst receives an owned copy. Missing or null leaves *dst NULL.
 * Anything else is MAMORI_EINVAL naming `what`. */
int mamori_ticket_take_id(char **dst, json_t *value, const char *what, struct mamori_error *err);

/* Set t->channel_raw to a copy of raw (may be NULL) and t->channel to
 * `normalized`, or to mamori_channel_normalize(raw) when that is NULL. */
int mamori_ticket_set_channel(struct mamori_ticket *t, const char *raw, const char *normalized);

/* Set an owned string member (replacing any earlier value). */
int mamori_ticket_set(char **dst, const char *value);

/* The ticket as generic JSON (a new reference; NULL on allocation failure).
 * requester_id is included only when include_requester is set. */
json_t *mamori_ticket_to_json(const struct mamori_ticket *t, int include_requester);

#endif
