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

int mamori_settings_defaults(struct mamori_settings *s)
{
    memset(s, 0, sizeof *s);
    s->workers = 0;
    s->listen_mode = 0660;
    s->max_body = 1024 * 1024;
    s->log_level = MAMORI_LOG_LEVEL_INFO;
    s->shutdown_timeout = 30;
    s->sync_mode = MAMORI_SYNC_FULL;
    s->busy_timeout_ms = 5000;
    s->retention_days = 0;
    s->replay_window = 300;
    s->deliver_max_attempts = 12;
    s->deliver_timeout = 30;
    s->deliver_concurrency = 4;
    s->deliver_retry_base = 5;
    s->deliver_retry_max = 3600;
    s->deliver_rate = 60;
    if (set_str(&s->store_path, STATEDIR "/mamori.db") != 0 ||
        set_str(&s->identity_key_file, STATEDIR "/identity.key") != 0 ||
        set_str(&s->plugin_dir, PLUGINDIR) != 0 || set_str(&s->tenant_dir, SYSCONFDIR "/mamori/tenants.d") != 0)
        return MAMORI_ENOMEM;
    return MAMORI_OK;
}

static int on_key(void *user, const char *section, const char *key, const char *value, int line,
                  struct mamori_error *err)
{
    struct mamori_settings *s = user;
#define IS(sec, k) (strcmp(section, sec) == 0 && strcmp(key, k) == 0)
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
    if (IS("server", "listen_mode")) {
        char *end;
        unsigned long m = strtoul(value, &end, 8);
        if (*value == '\0' || *end != '\0' || m > 0777)
            return mamori_error_set(err, MAMORI_EINVAL, "listen_mode \"%s\" is not an octal mode like 0660", value);
        s->listen_mode = (unsigned)m;
        return MAMORI_OK;
    }
    if (IS("server", "workers")) {
        if (strcmp(value, "auto") == 0) {
            s->workers = 0;
    s->listen_mode = 0660;
            return MAMORI_OK;
        }
        return mamori_ini_long(value, 1, 256, &s->workers, err);
    }
    if (IS("server", "max_body"))
        return mamori_ini_size(value, 1024, 64 * 1024 * 1024, &s->max_body, err);
    if (IS("server", "log_level")) {
        int lv = mamori_log_level_parse(value);
        if (lv < 0)
            return mamori_error_set(err, MAMORI_EINVAL, "log_level \"%s\": use err, warning, notice, info or debug",
                                    value);
        s->log_level = lv;
        return MAMORI_OK;
    }
    if (IS("server", "syslog"))
        return mamori_ini_bool(value, &s->use_syslog, err);
    if (IS("server", "shutdown_timeout"))
        return mamori_ini_long(value, 1, 3600, &s->shutdown_timeout, err);
    if (IS("store", "path"))
        return set_path(s, &s->store_path, value) ? mamori_error_set(err, MAMORI_EINVAL, "path must not be empty") : 0;
    if (IS("store", "synchronous")) {
        if (strcmp(value, "full") == 0)
            s->sync_mode = MAMORI_SYNC_FULL;
        else if (strcmp(value, "normal") == 0)
            s->sync_mode = MAMORI_SYNC_NORMAL;
        else
            return mamori_error_set(err, MAMORI_EINVAL, "synchronous \"%s\": use full or normal", value);
        return MAMORI_OK;
    }
    if (IS("store", "busy_timeout"))
        return mamori_ini_long(value, 0, 600000, &s->busy_timeout_ms, err);
    if (IS("store", "identity_key_file"))
        return set_path(s, &s->identity_key_file, value) ? mamori_error_set(err, MAMORI_EINVAL, "empty path") : 0;
    if (IS("store", "retention_days"))
        return mamori_ini_long(value, 0, 36500, &s->retention_days, err);
    if (IS("plugins", "dir"))
        return set_path(s, &s->plugin_dir, value) ? mamori_error_set(err, MAMORI_EINVAL, "empty path") : 0;
    if (IS("tenants", "dir"))
        return set_path(s, &s->tenant_dir, value) ? mamori_error_set(err, MAMORI_EINVAL, "empty path") : 0;
    if (IS("webhook", "replay_window"))
        return mamori_ini_long(value, 1, 86400, &s->replay_window, err);
    if (IS("deliver", "max_attempts"))
        return mamori_ini_long(value, 1, 1000, &s->deliver_max_attempts, err);
    if (IS("deliver", "timeout"))
        return mamori_ini_long(value, 1, 600, &s->deliver_timeout, err);
    if (IS("deliver", "concurrency"))
        return mamori_ini_long(value, 1, 64, &s->deliver_concurrency, err);
    if (IS("deliver", "ca_file"))
        return set_path(s, &s->ca_file, value) ? mamori_error_set(err, MAMORI_EINVAL, "empty path") : 0;
    if (IS("deliver", "allow_http"))
        return mamori_ini_bool(value, &s->allow_http, err);
    if (IS("deliver", "retry_base"))
        return mamori_ini_long(value, 1, 3600, &s->deliver_retry_base, err);
    if (IS("deliver", "retry_max"))
        return mamori_ini_long(value, 1, 86400, &s->deliver_retry_max, err);
    if (IS("deliver", "rate_per_minute"))
        return mamori_ini_long(value, 1, 100000, &s->deliver_rate, err);
#undef IS
    if (strcmp(section, "server") && strcmp(section, "store") && strcmp(section, "plugins") &&
        strcmp(section, "tenants") && strcmp(section, "webhook") && strcmp(section, "deliver"))
        return mamori_error_set(err, MAMORI_EINVAL,
                                "unknown section [%s] (known: server, store, plugins, tenants, webhook, deliver)",
                                section[0] ? section : "(none: keys must follow a [section])");
    return mamori_error_set(err, MAMORI_EINVAL, "unknown key \"%s\" in [%s]; see mamori.conf(5)", key, section);
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
    /* Paths in the file are relative to the file; the defaults are not. */
    free(s->tenant_dir);
    s->tenant_dir = mamori_path_join(s->dir, "tenants.d");
    if (s->tenant_dir == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return mamori_ini_parse(path, on_key, s, err);
}

void mamori_settings_free(struct mamori_settings *s)
{
    free(s->path);
    free(s->dir);
    free(s->listen);
    free(s->store_path);
    free(s->identity_key_file);
    free(s->plugin_dir);
    free(s->tenant_dir);
    free(s->ca_file);
    memset(s, 0, sizeof *s);
}
