/*
 * tenant.h -- one company: tenants.d/<id>.conf.
 *
 *   [tenant]     id, name, language, connector, webhook secret, API token, ...
 *   [helpdesk]   url, credentials_file / credentials_env, and the
 *                connector's own keys (see each connector)
 *   [plugin X]   one section per plugin, in chain order: path = the .so,
 *                every other key is the plugin's own option
 *
 * Secrets are never inline: each is `<name>_file = PATH` or
 * `<name>_env = VARIABLE`.
 */
#ifndef MAMORI_TENANT_H
#define MAMORI_TENANT_H

#include <stddef.h>

#include <mamori/plugin.h>

#include "base/error.h"
#include "base/ini_file.h"
#include "config/consult.h"
#include "config/restriction.h"
#include "config/secret.h"
#include "plugin/loader.h"

struct mamori_settings;
struct mamori_connector;
struct mamori_escalation_config;

/* A key = value from the file, with its line, for later validation. */
struct mamori_option {
    char *key;
    char *value;
    int line;
};

struct mamori_option_list {
    struct mamori_option *items;
    size_t count, cap;
};

/* Value of key in list, or NULL. */
const char *mamori_option_get(const struct mamori_option_list *list, const char *key);

struct mamori_chain_entry {
    char *name;                       /* from [plugin NAME] */
    char *path;                       /* path = ... */
    int line;                         /* line of the section's first key */
    struct mamori_option_list options;
    struct mamori_plugin_handle handle;
};

struct mamori_channel_rule {
    char *from;     /* the helpdesk's value (via) or a tag; owned */
    const char *to; /* one of mamori's channel names (static) */
    int is_tag;     /* 1: from `tag =`; 0: from `via =` */
    int line;
};

struct mamori_tenant {
    char *file;
    char *dir;
    char *id;                         /* [a-z0-9][a-z0-9_-]* , at most 63 bytes */
    char *name;                       /* display name (company); defaults to id */
    char *language;                   /* "ja" (default) or "en" */
    char *connector_name;
    const struct mamori_connector *connector;
    long replay_window;               /* seconds; from settings unless set */

    struct mamori_secret_ref webhook_secret_ref;
    struct mamori_secret_ref api_token_ref;
    struct mamori_secret webhook_secret;
    struct mamori_secret api_token;   /* bearer for POST /v1/annotate; len 0: disabled */

    /* [helpdesk] */
    char *helpdesk_url;
    struct mamori_secret_ref helpdesk_credentials_ref;
    struct mamori_secret helpdesk_credentials;
    struct mamori_option_list helpdesk_options;

    /* Notes on legitimate complaints: "calm" note, or "none". */
    int note_on_legitimate;
    /* Keep quoted evidence in the store (and in notes). */
    int keep_evidence;
    long retention_days;              /* 0: server default */

    /* [channel_map]: the helpdesk's channel values and tags that name one
     * of mamori's channels (a Zendesk voice ticket that is a call note). */
    struct mamori_channel_rule *channel_map;
    size_t channel_map_count;

    /* [escalation], [line], [channel NAME] (escalation_config.h); NULL when
     * the tenant escalates nowhere. Owned. */
    struct mamori_escalation_config *escalation;

    /* [consult] (consult.h): consult prefixes and routes, warnings, the
     * restriction decision tag; defaults when the section is absent. */
    struct mamori_consult_config consult;
    /* The policy's "contact_restriction" block (restriction.h), read from
     * the first plugin's policy file at activation. */
    struct mamori_restriction_policy restriction;

    struct mamori_chain_entry *chain;
    size_t chain_count, chain_cap;

    /* Why this tenant could not be activated (a generation loaded with
     * MAMORI_GEN_DEGRADED_OK), or NULL. A failed tenant is not served. */
    char *failure;
};

struct mamori_ticket;

/* Apply the tenant's [channel_map] to a parsed ticket: a rule of `tag =`
 * matching one of the ticket's tags wins (the first in the file), else a
 * rule of `via =` matching the helpdesk's channel value (case-insensitive);
 * no match leaves the connector's channel. 0 or MAMORI_ENOMEM. */
int mamori_tenant_map_channel(const struct mamori_tenant *t, struct mamori_ticket *ticket);

/* Read one tenant file (no secrets loaded, no plugins opened yet). */
int mamori_tenant_read(struct mamori_tenant *t, const char *path, const struct mamori_settings *s,
                       struct mamori_error *err);

/* Load secrets, dlopen and open the chain's plugins: prepare, then
 * open_plugins, in the calling process. */
int mamori_tenant_activate(struct mamori_tenant *t, const struct mamori_settings *s, const struct mamori_host *host,
                           struct mamori_error *err);

/* Load secrets, dlopen the chain's plugins and check their options; no
 * plugin code beyond the entry point runs (open() does not). */
int mamori_tenant_prepare(struct mamori_tenant *t, const struct mamori_settings *s, struct mamori_error *err);

/* Call open() of each prepared plugin of the chain not opened yet, in chain
 * order. before_open (may be NULL) is told which plugin is about to open:
 * should it crash, the caller can name it (daemon/plugin_check.c). */
int mamori_tenant_open_plugins(struct mamori_tenant *t, const struct mamori_host *host,
                               void (*before_open)(void *ctx, const struct mamori_tenant *t, const char *plugin),
                               void *ctx, struct mamori_error *err);

/* Close plugins, wipe secrets, free. Safe on a zeroed tenant. */
void mamori_tenant_free(struct mamori_tenant *t);

/* The typed keys of [tenant] and of [helpdesk] (url, credentials; each
 * connector adds its own: struct mamori_connector keys), ended by a NULL
 * name: what the loader checks and doc/mamori-tenant.5 lists. */
extern const struct mamori_key_section mamori_tenant_sections[];

/* The key entry of a [helpdesk] key of connector (its own or the tenant's),
 * or NULL. */
const struct mamori_key *mamori_tenant_helpdesk_key(const struct mamori_connector *connector, const char *key);

/* A numeric [helpdesk] key (integer, duration in its unit, size, bool) as
 * its table reads it ("5m" is 300), or def when unset. Values were checked
 * at load, so a bad one cannot reach here. */
long long mamori_tenant_helpdesk_number(const struct mamori_tenant *t, const char *key, long long def);

/* Whether id is a valid tenant id. */
int mamori_tenant_id_valid(const char *id);

#endif
