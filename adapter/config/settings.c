/* settings.c -- see settings.h. */
#include "config.h"

#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

#include "base/ini_file.h"
#include "base/log.h"
#include "base/strv.h"

static int set_str(char **dst, const char *v)
{
    char *c = mamori_strdup(v);
    if (c == NULL)
        return MAMORI_ENOMEM;
    free(*dst);
    *dst = c;
    return MAMORI_OK;
}

static int set_path(struct mamori_settings *s, char **dst, const char *v)
{
    char *c;

    if (v[0] == '\0')
        return MAMORI_EINVAL;
    c = mamori_path_join(s->dir, v);
    if (c == NULL)
        return MAMORI_ENOMEM;
    free(*dst);
    *dst = c;
    return MAMORI_OK;
}

/* Unset: audit.key in the directory of the identity key, so a store whose
 * keys live elsewhere (tests, upgrades) keeps both together. */
static int audit_key_default(struct mamori_settings *s)
{
    const char *slash;
    char *dir;

    if (s->audit_key_file != NULL)
        return MAMORI_OK;
    slash = strrchr(s->identity_key_file, '/');
    dir = slash ? mamori_strndup(s->identity_key_file, (size_t)(slash - s->identity_key_file == 0 ? 1 : slash - s->identity_key_file))
                : mamori_strdup(".");
    if (dir == NULL)
        return MAMORI_ENOMEM;
    s->audit_key_file = mamori_path_join(dir, "audit.key");
    free(dir);
    return s->audit_key_file ? MAMORI_OK : MAMORI_ENOMEM;
}

int mamori_settings_defaults(struct mamori_settings *s)
{
    memset(s, 0, sizeof *s);
    s->workers = 0;
    s->listen_mode = 0660;
    s->max_body = 1024 * 1024;
    s->log_level = MAMORI_LOG_LEVEL_INFO;
    s->shutdown_timeout = 30;
    s->body_timeout = 10;
    s->request_deadline = 30;
    s->quarantine_strikes = 3;
    s->sync_mode = MAMORI_SYNC_FULL;
    s->busy_timeout_ms = 5000;
    s->retention_days = 0;
    s->replay_window = 300;
    s->deliver_max_attempts = 12;
    s->deliver_timeout = 30;
    s->deliver_concurrency = 4;
    s->deliver_retry_base = 5;
    s->deliver_retry_max = 3600;
    s->deliver_stop_grace = 20;
    s->deliver_rate = 600; /* deliver/pace.h MAMORI_PACE_DEFAULT_RATE */
    if (set_str(&s->store_path, STATEDIR "/mamori.db") != 0 ||
        set_str(&s->identity_key_file, STATEDIR "/identity.key") != 0 ||
        set_str(&s->plugin_dir, PLUGINDIR) != 0 || set_str(&s->tenant_dir, SYSCONFDIR "/mamori/tenants.d") != 0)
        return MAMORI_ENOMEM;
    return audit_key_default(s);
}

#define KEY_END {NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL}

static const struct mamori_key server_keys[] = {
    {"listen", MAMORI_KEY_STRING, 0, 0, NULL, NULL, NULL, NULL,
     "Where to accept FastCGI connections: a unix socket path (/run/mamori/mamori.sock) or host:port "
     "(127.0.0.1:9000, [::1]:9000). Unset: use the socket passed by systemd (mamori.socket) or inherited on "
     "standard input. Changing it needs a restart.", NULL},
    {"listen_mode", MAMORI_KEY_MODE, 0, 0777, NULL, NULL, NULL, "0660",
     "Permissions of a unix socket mamori creates itself.", NULL},
    {"listen_group", MAMORI_KEY_STRING, 0, 0, NULL, NULL, NULL, NULL,
     "Group of a unix socket mamori creates itself: the web server's (www-data), so that with listen_mode = 0660 "
     "only it and mamori can connect. Unset: the daemon's own group.", NULL},
    {"workers", MAMORI_KEY_INTEGER, 1, 256, NULL, "auto", NULL, "auto",
     "Worker processes; auto is one per core.", NULL},
    {"max_body", MAMORI_KEY_SIZE, 1024, 64 * 1024 * 1024, NULL, NULL, NULL, "1M",
     "Largest request body accepted; larger ones get 413.", NULL},
    {"log_level", MAMORI_KEY_ENUM, 0, 0, "err|warning|notice|info|debug|error|warn", NULL, NULL, "info",
     "The least important log lines written (error and warn are other names of err and warning).", NULL},
    {"syslog", MAMORI_KEY_BOOL, 0, 0, NULL, NULL, NULL, "no",
     "Send the log lines to syslog (facility daemon) instead of standard error; under systemd, standard error "
     "goes to the journal.", NULL},
    {"body_timeout", MAMORI_KEY_DURATION, 1, 3600, NULL, NULL, "seconds", "10s",
     "How long a worker waits for more of a request body before it gives up on the request (408): a client "
     "that announces a body and stalls holds a worker only this long. nginx buffers bodies before passing them "
     "on; servers that stream them (Apache mod_proxy_fcgi) rely on this.", NULL},
    {"request_deadline", MAMORI_KEY_DURATION, 1, 3600, NULL, NULL, "seconds", "30s",
     "How long one request may keep a worker busy (body, plugins, commit). The supervisor kills a worker past "
     "it (a plugin that never returns) and starts another, and logs event=worker_deadline with the tenant and "
     "ticket; the worker answers the request 503 with Retry-After before it dies (502 from the web server if "
     "a plugin blocked the signal and it had to be SIGKILLed), and the helpdesk retries. Keep it "
     "above body_timeout and the slowest plugin chain. The web server's own read timeout (nginx's "
     "fastcgi_read_timeout, 30s in the shipped snippet) answers 504 but does not free the worker; this does.",
     NULL},
    {"quarantine_strikes", MAMORI_KEY_INTEGER, 0, 1000, NULL, NULL, NULL, "3",
     "After this many workers lost on one ticket (killed at request_deadline, or crashed in its plugins), "
     "the ticket is quarantined: its "
     "webhooks are answered 200 with status \"quarantined\" without running the plugins, until `mamori "
     "quarantine release TENANT TICKET`. 0: never quarantine.", NULL},
    {"shutdown_timeout", MAMORI_KEY_DURATION, 1, 3600, NULL, NULL, "seconds", "30s",
     "How long a draining worker may take to finish its request on reload or stop. Keep the unit's "
     "TimeoutStopSec= above it.", NULL},
    {"training_key", MAMORI_KEY_SECRET, 0, 0, NULL, NULL, NULL, NULL,
     "The HMAC key that signs training links in notes (training_key_file = PATH or training_key_env = VAR; at "
     "least 32 random bytes). With public_url set, every training link in a note becomes "
     "<public_url>/t/<signed token>: mamori records the first open per ticket and link, then forwards to the page. "
     "Unset: links are written as the policy has them and training reach is not measured.", NULL},
    {"public_url", MAMORI_KEY_STRING, 0, 0, NULL, NULL, NULL, NULL,
     "The address agents reach this daemon at (https://mamori.example.co.jp), for training links (GET /t/...; "
     "the shipped web-server snippets expose /t/).", NULL},
    {"report_token", MAMORI_KEY_SECRET, 0, 0, NULL, NULL, NULL, NULL,
     "A bearer token for the read-only report page GET /admin/<tenant>/report (report_token_file = PATH or "
     "report_token_env = VAR). Unset: the page answers 404. The shipped web-server snippets do not expose "
     "/admin/ unless an admin enables the commented block.", NULL},
    {"health_token", MAMORI_KEY_SECRET, 0, 0, NULL, NULL, NULL, NULL,
     "A bearer token that shows /healthz's details (every tenant and why one is not loaded) to a monitor "
     "outside the web server's allow list of /healthz/details. Unset: only that allow list sees them.", NULL},
    KEY_END};

static const struct mamori_key store_keys[] = {
    {"path", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, "/var/lib/mamori/mamori.db", "The sqlite store.", NULL},
    {"url", MAMORI_KEY_STRING, 0, 0, NULL, NULL, NULL, NULL,
     "A PostgreSQL store instead of the sqlite file, for several nodes sharing one store: "
     "postgresql://USER@HOST:PORT/DATABASE (or ?host=/socket/dir). Overrides path. Keep the password out of this "
     "file: libpq reads it from the service user's ~/.pgpass (or PGPASSFILE). Each connection names itself to "
     "PostgreSQL as application_name mamori@HOSTNAME unless the URL sets its own (&application_name=node1), so "
     "pg_stat_activity, pg_locks and mamori status tell the nodes apart. See doc/ha.md.", NULL},
    {"synchronous", MAMORI_KEY_ENUM, 0, 0, "full|normal", NULL, NULL, "full",
     "full: a webhook is acknowledged only once its transaction is on disk. normal is faster and may lose the "
     "last acknowledged webhooks on a power cut (never on a crash of mamori itself).", NULL},
    {"busy_timeout", MAMORI_KEY_DURATION, 0, 600000, NULL, NULL, "milliseconds", "5s",
     "How long a process waits for another's write lock before answering 503.", NULL},
    {"identity_key_file", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, "/var/lib/mamori/identity.key",
     "The key requester ids are hashed with (requesters are never stored in clear). Created, mode 0600, at "
     "first start. Losing it resets every requester's contact history.", NULL},
    {"audit_key_file", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, "audit.key next to identity_key_file",
     "The HMAC-SHA256 key of the audit chain (see mamori(1), audit verify). Created, mode 0600, at first start. "
     "Keep it out of the store's backups: whoever holds the store without it cannot rewrite the chain unnoticed. "
     "Losing it leaves the keyed records unverifiable.", NULL},
    {"retention_days", MAMORI_KEY_INTEGER, 0, 36500, NULL, NULL, "days", "0",
     "Events, annotations and finished outbox jobs (which hold the customer text and evidence excerpts), "
     "escalations and incident records with no activity for this long, training links, consultations, "
     "warnings and contact restrictions made before it, and the ids of handled LINE events older than this are "
     "removed "
     "by the housekeeper every hour and by mamori purge; a tenant's own retention_days overrides it. The audit "
     "chain is kept and records each purge. 0 keeps everything (the shipped file sets 365).", NULL},
    KEY_END};

static const struct mamori_key plugins_keys[] = {
    {"dir", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, "/usr/lib/<multiarch>/mamori/plugins",
     "Where plugin names in tenant files are looked up. A plugin must be a regular file owned by root or the "
     "service user and not writable by group or others.", NULL},
    KEY_END};

static const struct mamori_key tenants_keys[] = {
    {"dir", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, "tenants.d next to this file",
     "The tenant directory: every *.conf file in it is one tenant (see mamori-tenant(5)).", NULL},
    KEY_END};

static const struct mamori_key webhook_keys[] = {
    {"replay_window", MAMORI_KEY_DURATION, 1, MAMORI_REPLAY_WINDOW_MAX, NULL, NULL, "seconds", "5m",
     "How far a signed timestamp may be from now. A tenant may set its own.", NULL},
    KEY_END};

static const struct mamori_key deliver_keys[] = {
    {"max_attempts", MAMORI_KEY_INTEGER, 1, 1000, NULL, NULL, NULL, "12",
     "Tries before a job is dead-lettered.", NULL},
    {"timeout", MAMORI_KEY_DURATION, 1, 600, NULL, NULL, "seconds", "30s", "Per request.", NULL},
    {"concurrency", MAMORI_KEY_INTEGER, 1, 64, NULL, NULL, NULL, "4", "Requests in flight per tenant.", NULL},
    {"retry_base", MAMORI_KEY_DURATION, 1, 3600, NULL, NULL, "seconds", "5s",
     "Wait before the first retry of a failed job; it doubles with every further try (with jitter), and a "
     "helpdesk's Retry-After is honoured.", NULL},
    {"retry_max", MAMORI_KEY_DURATION, 1, 86400, NULL, NULL, "seconds", "1h",
     "The longest wait between two tries.", NULL},
    {"rate_per_minute", MAMORI_KEY_INTEGER, 1, 100000, NULL, NULL, NULL, "600",
     "At most this many write-back requests a minute per tenant, with a burst of two seconds' worth (a "
     "tenant's [helpdesk] rate_per_minute overrides it). This is only mamori's ceiling: the deliverer also "
     "follows the helpdesk's own rate-limit headers (Zendesk X-Rate-Limit-Remaining, Freshdesk "
     "X-Ratelimit-Remaining, Help Scout X-RateLimit-Remaining-Minute, RateLimit-Remaining) and waits for the "
     "announced reset when nothing is left, and a 429's Retry-After holds the whole tenant. The default lets "
     "a burst of about a hundred tickets reach a helpdesk that answers normally within seconds; set it lower "
     "to leave room in the account's limit for other integrations (doc/helpdesks.md, per plan).", NULL},
    {"stop_grace", MAMORI_KEY_DURATION, 0, 3600, NULL, NULL, "seconds", "20s",
     "On stop or reload the deliverer takes no new job but finishes the write-backs (every step of each) and "
     "escalation messages it has in flight for up to this long; what is left then is given back to the outbox "
     "and a restart checks the helpdesk before sending it again (a cut-off Slack, Teams or mail message may "
     "be sent twice). It is cut to one second less than [server] shutdown_timeout, "
     "after which the supervisor kills what still runs. 0: give everything back at once.", NULL},
    {"ca_file", MAMORI_KEY_PATH, 0, 0, NULL, NULL, NULL, NULL,
     "An extra CA bundle for helpdesk TLS (a private CA). Unset: the system's.", NULL},
    {"allow_http", MAMORI_KEY_BOOL, 0, 0, NULL, NULL, NULL, "no",
     "Allow plain http:// helpdesk URLs (loopback tests only).", NULL},
    KEY_END};

const struct mamori_key_section mamori_settings_sections[] = {
    {"server", server_keys},   {"store", store_keys},     {"plugins", plugins_keys},
    {"tenants", tenants_keys}, {"webhook", webhook_keys}, {"deliver", deliver_keys},
    {NULL, NULL}};

/* Store a checked value; the table has already refused bad ones. */
static int store_value(struct mamori_settings *s, const char *section, const char *key, const char *value,
                       const struct mamori_key_value *v, int line)
{
#define IS(sec, k) (strcmp(section, sec) == 0 && strcmp(key, k) == 0)
    if (IS("server", "public_url")) {
        /* Without a trailing slash: links are public_url + "/t/...". */
        size_t n = strlen(value);
        while (n > 0 && value[n - 1] == '/')
            n--;
        free(s->public_url);
        s->public_url = n ? mamori_strndup(value, n) : NULL;
        return n && s->public_url == NULL ? MAMORI_ENOMEM : MAMORI_OK;
    }
    if (IS("server", "listen")) {
        if (value[0] == '\0') {
            free(s->listen);
            s->listen = NULL;
            return MAMORI_OK;
        }
        s->listen_line = line;
        if (value[0] == '/' || strchr(value, ':') != NULL)
            return set_str(&s->listen, value);
        return set_path(s, &s->listen, value);
    }
    if (IS("server", "listen_mode"))
        s->listen_mode = (unsigned)v->number;
    else if (IS("server", "listen_group"))
        return set_str(&s->listen_group, value);
    else if (IS("server", "workers"))
        s->workers = v->is_word ? 0 : (long)v->number;
    else if (IS("server", "max_body"))
        s->max_body = (size_t)v->number;
    else if (IS("server", "log_level"))
        s->log_level = mamori_log_level_parse(value);
    else if (IS("server", "syslog"))
        s->use_syslog = (int)v->number;
    else if (IS("server", "body_timeout"))
        s->body_timeout = (long)v->number;
    else if (IS("server", "request_deadline"))
        s->request_deadline = (long)v->number;
    else if (IS("server", "quarantine_strikes"))
        s->quarantine_strikes = (long)v->number;
    else if (IS("server", "shutdown_timeout"))
        s->shutdown_timeout = (long)v->number;
    else if (IS("store", "path"))
        return s->store_is_url ? MAMORI_OK : set_path(s, &s->store_path, value); /* url wins, in any order */
    else if (IS("store", "url")) {
        s->store_is_url = 1;
        return set_str(&s->store_path, value);
    }
    else if (IS("store", "synchronous"))
        s->sync_mode = v->number == 0 ? MAMORI_SYNC_FULL : MAMORI_SYNC_NORMAL;
    else if (IS("store", "busy_timeout"))
        s->busy_timeout_ms = (long)v->number;
    else if (IS("store", "identity_key_file"))
        return set_path(s, &s->identity_key_file, value);
    else if (IS("store", "audit_key_file"))
        return set_path(s, &s->audit_key_file, value);
    else if (IS("store", "retention_days"))
        s->retention_days = (long)v->number;
    else if (IS("plugins", "dir"))
        return set_path(s, &s->plugin_dir, value);
    else if (IS("tenants", "dir"))
        return set_path(s, &s->tenant_dir, value);
    else if (IS("webhook", "replay_window"))
        s->replay_window = (long)v->number;
    else if (IS("deliver", "max_attempts"))
        s->deliver_max_attempts = (long)v->number;
    else if (IS("deliver", "timeout"))
        s->deliver_timeout = (long)v->number;
    else if (IS("deliver", "concurrency"))
        s->deliver_concurrency = (long)v->number;
    else if (IS("deliver", "ca_file"))
        return set_path(s, &s->ca_file, value);
    else if (IS("deliver", "allow_http"))
        s->allow_http = (int)v->number;
    else if (IS("deliver", "retry_base"))
        s->deliver_retry_base = (long)v->number;
    else if (IS("deliver", "retry_max"))
        s->deliver_retry_max = (long)v->number;
    else if (IS("deliver", "stop_grace"))
        s->deliver_stop_grace = (long)v->number;
    else if (IS("deliver", "rate_per_minute"))
        s->deliver_rate = (long)v->number;
    else
        return MAMORI_EINVAL; /* a key in the table that is not stored: a bug caught by test_config */
#undef IS
    return MAMORI_OK;
}

static int on_key(void *user, const char *section, const char *key, const char *value, int line,
                  struct mamori_error *err)
{
    struct mamori_settings *s = user;
    const struct mamori_key_section *sec = mamori_settings_sections;
    struct mamori_key_value v;
    int handled, rc;

    while (sec->name != NULL && strcmp(sec->name, section) != 0)
        sec++;
    if (sec->name == NULL)
        return mamori_error_set(err, MAMORI_EINVAL,
                                "unknown section [%s] (known: server, store, plugins, tenants, webhook, deliver)",
                                section[0] ? section : "(none: keys must follow a [section])");
    if ((rc = mamori_key_check(sec->keys, section, "mamori.conf(5)", key, value, NULL, &v, err)) != 0)
        return rc;
    if (strcmp(section, "server") == 0 &&
        ((rc = mamori_secret_ref_option(&s->health_token_ref, "health_token", key, value, line, s->dir, &handled,
                                        err)) != 0 ||
         handled ||
         (rc = mamori_secret_ref_option(&s->training_key_ref, "training_key", key, value, line, s->dir, &handled,
                                        err)) != 0 ||
         handled ||
         (rc = mamori_secret_ref_option(&s->report_token_ref, "report_token", key, value, line, s->dir, &handled,
                                        err)) != 0 ||
         handled))
        return rc;
    if (strcmp(section, "store") == 0 && strcmp(key, "url") == 0 && strncmp(value, "postgresql://", 13) != 0 &&
        strncmp(value, "postgres://", 11) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "[store] url must be a PostgreSQL URL (postgresql://...); for "
                                "a sqlite file use [store] path");
    rc = store_value(s, section, key, value, &v, line);
    if (rc == MAMORI_ENOMEM)
        return mamori_error_set(err, rc, "out of memory");
    if (rc != 0)
        return mamori_error_set(err, rc, "%s: not stored (a bug in settings.c)", key);
    return MAMORI_OK;
}

int mamori_settings_load(struct mamori_settings *s, const char *path, struct mamori_error *err)
{
    const char *slash;
    int rc;

    if ((rc = mamori_settings_defaults(s)) != 0)
        return mamori_error_set(err, rc, "out of memory");
    s->path = mamori_strdup(path);
    slash = strrchr(path, '/');
    s->dir = slash ? mamori_strndup(path, (size_t)(slash - path == 0 ? 1 : slash - path)) : mamori_strdup(".");
    if (s->path == NULL || s->dir == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    /* Derived from identity_key_file after the file is read, unless set. */
    free(s->audit_key_file);
    s->audit_key_file = NULL;
    /* Paths in the file are relative to the file; the defaults are not. */
    free(s->tenant_dir);
    s->tenant_dir = mamori_path_join(s->dir, "tenants.d");
    if (s->tenant_dir == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_ini_parse(path, "configuration file", on_key, s, err)) != 0)
        return rc;
    return audit_key_default(s) == 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

void mamori_settings_free(struct mamori_settings *s)
{
    free(s->path);
    free(s->dir);
    free(s->listen);
    free(s->listen_group);
    free(s->store_path);
    free(s->identity_key_file);
    free(s->audit_key_file);
    free(s->plugin_dir);
    free(s->tenant_dir);
    free(s->ca_file);
    mamori_secret_ref_free(&s->health_token_ref);
    mamori_secret_ref_free(&s->training_key_ref);
    mamori_secret_ref_free(&s->report_token_ref);
    free(s->public_url);
    memset(s, 0, sizeof *s);
}
