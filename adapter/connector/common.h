/*
 * connector/common.h -- helpers the helpdesk connectors share: signature
 * schemes built from signature.h, shared-secret checks for platforms that
 * do not sign, HTML to text, times to UTC, JSON path look-ups, and the
 * loop guard for mamori's own notes.
 *
 * Everything here is borrowed-in, owned-out: strings returned through
 * `char **` are the caller's to free.
 */
#ifndef MAMORI_CONNECTOR_COMMON_H
#define MAMORI_CONNECTOR_COMMON_H

#include <stddef.h>

#include <jansson.h>

#include "base/signature.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "plugin/ticket.h"

/* Keys every connector accepts in [helpdesk] (the deliverer's limits and
 * the note format); spliced into each connector's key table, which ends
 * with MAMORI_CX_KEYS_END. */
#define MAMORI_CX_COMMON_KEYS                                                                                         \
    {.name = "concurrency", .type = MAMORI_KEY_INTEGER, .min = 1, .max = 64, .def = "[deliver] concurrency",         \
     .description = "Write-back requests in flight for this tenant."},                                              \
    {.name = "rate_per_minute", .type = MAMORI_KEY_INTEGER, .min = 1, .max = 100000,                                 \
     .def = "[deliver] rate_per_minute",                                                                             \
     .description = "At most this many write-back requests a minute; the helpdesk's rate-limit headers and "        \
                    "Retry-After pace it further (mamori.conf(5), [deliver] rate_per_minute)."},                   \
    {.name = "note_format", .type = MAMORI_KEY_ENUM, .values = "text|markdown|html|textile", .def = "the connector's", \
     .description = "How the note is rendered."}
#define MAMORI_CX_KEYS_END {.name = NULL}
/* Ids of users in helpdesks that number them (JSON-safe integers). */
#define MAMORI_CX_MAX_ID 9007199254740991LL

enum mamori_cx_encoding { MAMORI_CX_HEX, MAMORI_CX_BASE64 };

/* Verify `received` (a header value, possibly with `prefix` such as
 * "sha256=") against HMAC(tenant webhook secret, parts...) in the given
 * encoding, in constant time. header names the header in messages.
 * 0 or MAMORI_EAUTH. */
int mamori_cx_hmac_verify(const struct mamori_webhook *in, const char *header, const char *prefix,
                          enum mamori_hmac_alg alg, enum mamori_cx_encoding enc, const struct mamori_bytes *parts,
                          size_t nparts, struct mamori_error *err);

/* For platforms that cannot sign: accept the delivery when ONE of these
 * carries the tenant's webhook secret (compared in constant time):
 *   Authorization: Basic base64(<secret>)    (secret is "user:password")
 *   X-Mamori-Token: <secret>
 *   the path suffix /hooks/<tenant>/<connector>/<secret>  (when allow_path)
 * 0 or MAMORI_EAUTH naming what was missing. */
int mamori_cx_shared_secret_verify(const struct mamori_webhook *in, int allow_path, struct mamori_error *err);

/* Plain text of an HTML fragment: tags dropped, block ends and <br> become
 * newlines, entities decoded, script/style skipped, runs of blank lines
 * squeezed. NULL on allocation failure. */
char *mamori_html_to_text(const char *html, size_t len, size_t *out_len);

/* Parse an ISO-8601 / RFC 3339 time ("2025-06-10T10:23:45.123+0900",
 * "...Z", "+09:00", or "2025-06-10 10:23:45" without a zone, which is taken
 * to be at default_offset seconds east of UTC) into Unix seconds. */
int mamori_cx_parse_time(const char *s, long default_offset, long long *out);

/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into out[21]. */
void mamori_cx_format_utc(long long t, char out[21]);

/* Set *dst to the UTC form of s (NULL s leaves *dst alone). A time that
 * does not parse is MAMORI_EINVAL naming `what`. */
int mamori_cx_set_time(char **dst, const char *s, long default_offset, const char *what, struct mamori_error *err);

/* Parse "+09:00", "-0530", "Z", "UTC" into seconds east of UTC. */
int mamori_cx_parse_offset(const char *s, long *out);

/* json_object_get along a dotted path ("detail.via.channel"); NULL when
 * any part is missing. Borrowed. */
json_t *mamori_cx_get(json_t *root, const char *path);

/* String at path, or NULL (integers are not converted: use take_id). */
const char *mamori_cx_str(json_t *root, const char *path);

/* Set an owned string from the string at path (absent leaves *dst alone). */
int mamori_cx_take_str(char **dst, json_t *root, const char *path);

/* Set body text: HTML converted when is_html, else copied. */
int mamori_cx_set_body(struct mamori_ticket *t, const char *text, size_t len, int is_html);

/* Whether text is one of mamori's own notes (the marker and the note
 * reference line are both present). */
int mamori_cx_is_own_note(const char *text);

/* Set ignore_reason (owned copy). */
int mamori_cx_ignore(struct mamori_ticket *t, const char *reason);

/* [helpdesk] option of the tenant, or NULL. */
const char *mamori_cx_option(const struct mamori_tenant *t, const char *key);

/* event_id = prefix + ":" + hex(sha256(parts...))[0..32]: a derived key
 * for platforms without delivery ids. */
int mamori_cx_derived_id(char **dst, const char *prefix, const char *a, const char *b, const char *c);

/* printf into a new owned string (NULL on failure). */
char *mamori_cx_printf(const char *fmt, ...) MAMORI_ATTR_PRINTF(1, 2);

#endif
