/*
 * generation.h -- one complete, validated configuration: settings, every
 * tenant with its secrets loaded and its plugin chain opened, and the
 * identity key. mamori-fcgi loads it with MAMORI_GEN_DEFER_OPEN: the
 * supervisor never runs a plugin's open(); a child checks them
 * (daemon/plugin_check.h) and another opens them and forks the workers
 * (daemon/supervisor.c, "Opener"). The supervisor builds a new generation on SIGHUP and only
 * replaces the old one if every part of the new one loaded.
 */
#ifndef MAMORI_GENERATION_H
#define MAMORI_GENERATION_H

#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "config/secret.h"
#include "config/settings.h"
#include "config/tenant.h"

struct mamori_generation {
    unsigned long number;
    time_t loaded_at;
    struct mamori_settings settings;
    struct mamori_tenant *tenants;   /* in file-name order */
    size_t tenant_count;
    struct mamori_secret identity_key;
    struct mamori_secret audit_key;     /* [store] audit_key_file: the audit chain's HMAC key */
    struct mamori_secret health_token;  /* [server] health_token; len 0 when unset */
    struct mamori_secret training_key;  /* [server] training_key; len 0 when unset */
    struct mamori_secret report_token;  /* [server] report_token; len 0 when unset */
};

enum {
    MAMORI_GEN_CREATE_KEY = 0x1,     /* create the identity key file if missing */
    MAMORI_GEN_NO_PLUGINS = 0x2,     /* read tenants but do not load plugins or secrets */
    MAMORI_GEN_CHECK = 0x4,          /* --check-config: a missing identity key is fine if it can be created */
    MAMORI_GEN_DEGRADED_OK = 0x8,    /* first start: a tenant whose secrets or plugins fail is kept as
                                      * "failed" (its webhooks get 503) instead of failing everything */
    MAMORI_GEN_DEFER_OPEN = 0x10,    /* dlopen and check the plugins but do not call their open():
                                      * mamori_generation_open_plugins() does, in another process */
};

/* Build a generation from the config file. *out is owned by the caller.
 * With MAMORI_GEN_DEGRADED_OK a tenant that fails to activate is kept with
 * tenant->failure set (and logged); *failed_tenants, if not NULL, receives
 * how many. Without it any failure fails the whole load. */
int mamori_generation_load(struct mamori_generation **out, const char *config_path, unsigned long number,
                           int flags, struct mamori_error *err);

/* Open the plugins of every tenant not failed yet (a generation loaded
 * with MAMORI_GEN_DEFER_OPEN). With degraded_ok a tenant whose open()
 * fails is marked failed (and logged) and the others go on; without, the
 * first failure is returned. before_open: see mamori_tenant_open_plugins. */
int mamori_generation_open_plugins(struct mamori_generation *g, int degraded_ok,
                                   void (*before_open)(void *ctx, const struct mamori_tenant *t, const char *plugin),
                                   void *ctx, struct mamori_error *err);

/* Mark t failed for why (a copy), and log it. 0 or MAMORI_ENOMEM. */
int mamori_generation_tenant_failed(struct mamori_tenant *t, const char *why, struct mamori_error *err);

/* Number of tenants that failed to activate (MAMORI_GEN_DEGRADED_OK). */
size_t mamori_generation_failed_tenants(const struct mamori_generation *g);

/* The tenant with this id, or NULL. */
const struct mamori_tenant *mamori_generation_tenant(const struct mamori_generation *g, const char *id);

void mamori_generation_free(struct mamori_generation *g);

/* Load (or create, mode 0600, when create is set) the identity key. */
int mamori_identity_key_load(struct mamori_secret *out, const char *path, int create, struct mamori_error *err);

/* The same for the audit chain's key ([store] audit_key_file). */
int mamori_audit_key_load(struct mamori_secret *out, const char *path, int create, struct mamori_error *err);

/* A key file of 32 random bytes (hex), created mode 0600 when create is set
 * and it is missing. what names it in messages, why is logged on creation. */
int mamori_key_file_load(struct mamori_secret *out, const char *path, int create, const char *what, const char *why,
                         struct mamori_error *err);

#endif
