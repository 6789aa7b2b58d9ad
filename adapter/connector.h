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

#include "annotation.h"
#include "error.h"
#include "ticket.h"

struct mamori_tenant;

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

struct mamori_connector {
    const char *name;                 /* as in the URL and `connector =` */
    const char *display_name;         /* "Zendesk" */
    /* Keys accepted in the tenant's [helpdesk] section besides url and
     * credentials_*, NULL-terminated (may be NULL). */
    const char *const *option_keys;

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
