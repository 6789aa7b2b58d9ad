/*
 * settings.h -- the main configuration file, /etc/mamori/mamori.conf.
 *
 * Every key is typed in mamori_settings_sections (settings.c): the loader
 * checks values against it and doc/mamori.conf.5 lists it (doc/dump_keys.c).
 * Unknown sections or keys and bad values are errors naming file and line.
 * Relative paths are relative to the directory of the file.
 * (The file is settings.h, not config.h: that name belongs to autoconf.)
 */
#ifndef MAMORI_SETTINGS_H
#define MAMORI_SETTINGS_H

#include <stddef.h>

#include "base/error.h"
#include "base/ini_file.h"
#include "config/secret.h"

#define MAMORI_DEFAULT_CONFIG SYSCONFDIR "/mamori/mamori.conf"

/* The longest replay window any key accepts ([webhook] and [tenant]
 * replay_window, [line] replay_window), in seconds. Dedupe ids must outlive
 * twice the longest window in use (a timestamp may be early or late by the
 * window), which daemon/retention.c and escalation/send.c rely on. */
#define MAMORI_REPLAY_WINDOW_MAX 86400

enum mamori_sync_mode { MAMORI_SYNC_FULL = 0, MAMORI_SYNC_NORMAL = 1 };

struct mamori_settings {
    char *path;                 /* the file read */
    char *dir;                  /* its directory */

    /* [server] */
    char *listen;               /* unix path or host:port; NULL: inherited socket on fd 0 */
    int listen_line;
    unsigned listen_mode;       /* unix socket permissions; default 0660 */
    char *listen_group;         /* unix socket group name, or NULL */
    long workers;               /* 0: number of cores */
    size_t max_body;            /* bytes; default 1 MiB */
    int log_level;
    int use_syslog;
    long shutdown_timeout;      /* seconds a draining worker may take */
    long body_timeout;          /* seconds a worker waits for more of a request body */
    long request_deadline;      /* seconds one request may take before the supervisor kills its worker */
    long quarantine_strikes;    /* deadline kills on one ticket before it is quarantined; 0: never */
    struct mamori_secret_ref health_token_ref; /* bearer token for /healthz details; unset: none */
    struct mamori_secret_ref training_key_ref; /* HMAC key of training links (GET /t/...); unset: links as written */
    struct mamori_secret_ref report_token_ref; /* bearer token of GET /admin/<tenant>/report; unset: page off */
    char *public_url;           /* how agents reach this daemon (https://host), for training links; or NULL */

    /* [store] */
    char *store_path;                  /* a sqlite file, or [store] url: a PostgreSQL URL (may hold a password) */
    int store_is_url;                  /* [store] url was given: path is ignored */
    int sync_mode;              /* enum mamori_sync_mode */
    long busy_timeout_ms;
    char *identity_key_file;    /* key for hashing requester ids */
    char *audit_key_file;       /* HMAC key of the audit chain */
    long retention_days;        /* 0: keep forever */

    /* [plugins] */
    char *plugin_dir;

    /* [tenants] */
    char *tenant_dir;

    /* [webhook] */
    long replay_window;         /* seconds */

    /* [deliver] */
    long deliver_max_attempts;
    long deliver_timeout;       /* seconds per request */
    long deliver_concurrency;   /* per tenant */
    char *ca_file;              /* extra CA bundle for helpdesk TLS, or NULL */
    int allow_http;             /* allow plain http:// helpdesk URLs (tests, loopback) */
    long deliver_retry_base;    /* seconds before the first retry; doubles each time (with jitter) */
    long deliver_retry_max;     /* longest wait between retries, seconds */
    long deliver_rate;          /* requests per minute per tenant */
    long deliver_stop_grace;    /* seconds a stopping deliverer may take to finish the jobs in flight */
};

/* Defaults, then the file. On error err reads "FILE:LINE: ...". */
int mamori_settings_load(struct mamori_settings *s, const char *path, struct mamori_error *err);

/* Defaults only (for tools that run without a config file). */
int mamori_settings_defaults(struct mamori_settings *s);

void mamori_settings_free(struct mamori_settings *s);

/* The typed keys of every section of mamori.conf (base/ini_file.h), ended
 * by a NULL name: what the loader checks and doc/mamori.conf.5 lists. */
extern const struct mamori_key_section mamori_settings_sections[];


#endif
