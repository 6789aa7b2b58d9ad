/*
 * escalation.h -- a tenant's escalation channels and routes (issue 5),
 * read from three kinds of section in tenants.d/<id>.conf:
 *
 *   [escalation]      routes per level and category, backup, quiet hours,
 *                     acknowledgement deadline, message language/redaction
 *   [line]            the tenant's LINE Official Account: channel secret
 *                     (inbound signature) and channel access token (push)
 *   [channel NAME]    one contact: type = line | slack | teams | smtp | webhook
 *
 * Every key is documented in mamori-tenant(5). Secrets (LINE secret and
 * token, Slack and Teams URLs, which are credentials, SMTP passwords,
 * webhook signing keys) are only ever `<name>_file` or `<name>_env`.
 *
 * Ownership: the config hangs off struct mamori_tenant (t->escalation) and
 * is freed with the tenant.
 */
#ifndef MAMORI_ESCALATION_CONFIG_H
#define MAMORI_ESCALATION_CONFIG_H

#include <stddef.h>

#include "base/error.h"
#include "base/ini_file.h"
#include "base/strv.h"
#include "config/secret.h"

struct mamori_settings;
struct mamori_tenant;

enum mamori_channel_kind {
    MAMORI_CHANNEL_LINE = 0,
    MAMORI_CHANNEL_SLACK,
    MAMORI_CHANNEL_TEAMS,
    MAMORI_CHANNEL_SMTP,
    MAMORI_CHANNEL_WEBHOOK,
    MAMORI_CHANNEL_KIND_COUNT
};

/* Number of escalation levels (enum mamori_escalation_level: none..police). */
#define MAMORI_ESC_LEVELS 5

struct mamori_channel {
    char *name;                        /* [channel NAME] */
    int kind;                          /* enum mamori_channel_kind; -1 until type = is read */
    int line;                          /* line of the section's first key */
    struct mamori_strv to;             /* LINE user/group/room ids, or mail addresses */
    char *url;                         /* webhook and smtp: not a secret */
    struct mamori_secret_ref url_ref;  /* slack, teams (and optionally webhook): the URL is a credential */
    struct mamori_secret_ref secret_ref;   /* webhook: HMAC key */
    char *from;                        /* smtp */
    char *username;                    /* smtp */
    struct mamori_secret_ref password_ref; /* smtp */
    int starttls;                      /* smtp: 1 (default) require STARTTLS on smtp://; 0 plain (loopback tests) */
    /* Loaded by mamori_escalation_config_activate(). */
    struct mamori_secret url_secret, secret, password;
};

struct mamori_category_route {
    char *category;
    struct mamori_strv channels;
};

struct mamori_escalation_config {
    char *language;                    /* "ja" or "en"; default: the tenant's */
    struct mamori_strv route[MAMORI_ESC_LEVELS];  /* channel names per level (index 0 unused) */
    struct mamori_category_route *categories;
    size_t category_count, category_cap;
    struct mamori_strv backup;         /* told when no acknowledgement arrives in time */
    struct mamori_strv quiet_route;    /* replaces the route during quiet hours */
    int quiet_from, quiet_to;          /* minutes after local midnight; -1: no quiet hours */
    int utc_offset;                    /* minutes east of UTC; default +540 (Japan) */
    long ack_deadline;                 /* seconds; 0: no deadline */
    unsigned ack_levels;               /* bit (1 << level) for levels that wait for an acknowledgement */
    long digest_period;                /* seconds; 0: no digest (escalation/digest.h) */
    long digest_after;                 /* escalations per period sent one by one before holding */
    int redact_customer;               /* remove the customer's name and contact details (default yes) */
    long evidence_chars;               /* per quote, in characters */
    long evidence_items;               /* quotes per message */
    char *ticket_url;                  /* template with {ticket_id}, for tickets without a url */

    /* [line] */
    char *line_api;                    /* default https://api.line.me */
    struct mamori_secret_ref line_secret_ref, line_token_ref;
    struct mamori_secret line_secret, line_token;
    int has_line;
    long line_replay_window;           /* seconds an event's timestamp may be from now; default 300 */

    struct mamori_channel *channels;
    size_t channel_count, channel_cap;
};

/* Whether a section name belongs to this module ("escalation", "line",
 * "channel NAME"). */
int mamori_escalation_config_section(const char *section);

/* Take one key of such a section. *cfg is allocated on first use (owned by
 * the tenant). dir resolves relative secret paths. err without file:line. */
int mamori_escalation_config_key(struct mamori_escalation_config **cfg, const char *section, const char *key,
                                 const char *value, int line, const char *dir, struct mamori_error *err);

/* After the whole file: fill defaults (language from the tenant) and check
 * references between keys. err reads "FILE:LINE: ..." or "FILE: ...". */
int mamori_escalation_config_finish(struct mamori_escalation_config *cfg, const struct mamori_tenant *t,
                                    const struct mamori_settings *s, struct mamori_error *err);

/* Load every secret the config names. */
int mamori_escalation_config_activate(struct mamori_escalation_config *cfg, const char *file,
                                      struct mamori_error *err);

void mamori_escalation_config_free(struct mamori_escalation_config *cfg);

/* The typed keys of [escalation], [line] and [channel NAME], ended by a
 * NULL name: what the loader checks and doc/mamori-tenant.5 lists. */
extern const struct mamori_key_section mamori_escalation_sections[];

/* The channel called name, or NULL. */
const struct mamori_channel *mamori_escalation_channel(const struct mamori_escalation_config *cfg, const char *name);

/* "line", "slack", ... and back (-1 when unknown). */
const char *mamori_channel_kind_name(int kind);
int mamori_channel_kind_parse(const char *name);

/* Parse "30m", "2h", "90s", "900" (seconds) into seconds; 0 or MAMORI_EINVAL. */
int mamori_escalation_parse_duration(const char *value, long *out);

/* Parse "+09:00" / "-05:30" / "Z" into minutes east of UTC. */
int mamori_escalation_parse_utc_offset(const char *value, int *out);

/* Parse "HH:MM-HH:MM" into minutes after midnight. */
int mamori_escalation_parse_hours(const char *value, int *from, int *to);

/* Whether a LINE id looks like one (U, C or R and 32 lowercase hex digits). */
int mamori_line_id_valid(const char *id);

#endif
