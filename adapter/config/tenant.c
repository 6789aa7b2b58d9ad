/* tenant.c -- see tenant.h. */
#include "config.h"

#include "config/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "base/ini_file.h"
#include "base/strv.h"
#include "config/escalation.h"
#include "config/settings.h"
#include "connector/connector.h"

const char *mamori_option_get(const struct mamori_option_list *list, const char *key)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].key, key) == 0)
            return list->items[i].value;
    return NULL;
}

static int option_add(struct mamori_option_list *list, const char *key, const char *value, int line,
                      struct mamori_error *err)
{
    struct mamori_option *o;

    if (mamori_option_get(list, key) != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is set twice", key);
    if (mamori_grow((void **)&list->items, &list->cap, list->count + 1, sizeof *list->items) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    o = &list->items[list->count];
    o->key = mamori_strdup(key);
    o->value = mamori_strdup(value);
    o->line = line;
    if (o->key == NULL || o->value == NULL) {
        free(o->key);
        free(o->value);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    list->count++;
    return MAMORI_OK;
}

static void option_list_free(struct mamori_option_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].key);
        free(list->items[i].value);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

int mamori_tenant_id_valid(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_'));
        if (!ok)
            return 0;
    }
    return 1;
}

static int set_once(char **dst, const char *key, const char *value, struct mamori_error *err)
{
    if (*dst != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is set twice", key);
    *dst = mamori_strdup(value);
    return *dst ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

struct read_ctx {
    struct mamori_tenant *t;
    const struct mamori_settings *s;
    int id_line;
    int connector_line;
};

static int on_tenant_key(struct read_ctx *c, const char *key, const char *value, int line, struct mamori_error *err)
{
    struct mamori_tenant *t = c->t;
    int handled, rc;

    if ((rc = mamori_secret_ref_option(&t->webhook_secret_ref, "webhook_secret", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if ((rc = mamori_secret_ref_option(&t->api_token_ref, "api_token", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "id") == 0) {
        if (!mamori_tenant_id_valid(value))
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "id \"%s\" is not valid: use 1-63 of a-z, 0-9, '-' and '_', starting with a "
                                    "letter or digit",
                                    value);
        c->id_line = line;
        return set_once(&t->id, key, value, err);
    }
    if (strcmp(key, "name") == 0)
        return set_once(&t->name, key, value, err);
    if (strcmp(key, "language") == 0) {
        if (strcmp(value, "ja") != 0 && strcmp(value, "en") != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "language \"%s\": use ja or en", value);
        free(t->language);
        t->language = mamori_strdup(value);
        return t->language ? MAMORI_OK : MAMORI_ENOMEM;
    }
    if (strcmp(key, "connector") == 0) {
        if (mamori_connector_find(value) == NULL) {
            char known[256] = "";
            size_t pos = 0;
            for (const struct mamori_connector *const *k = mamori_connector_all(); *k != NULL; k++) {
                int n = snprintf(known + pos, sizeof known - pos, "%s%s", pos ? ", " : "", (*k)->name);
                if (n < 0 || (size_t)n >= sizeof known - pos)
                    break;
                pos += (size_t)n;
            }
            return mamori_error_set(err, MAMORI_EINVAL, "unknown connector \"%s\" (known: %s)", value, known);
        }
        c->connector_line = line;
        return set_once(&t->connector_name, key, value, err);
    }
    if (strcmp(key, "replay_window") == 0)
        return mamori_ini_long(value, 1, 86400, &t->replay_window, err);
    if (strcmp(key, "note_on_legitimate") == 0) {
        if (strcmp(value, "calm") == 0)
            t->note_on_legitimate = 1;
        else if (strcmp(value, "none") == 0)
            t->note_on_legitimate = 0;
        else
            return mamori_error_set(err, MAMORI_EINVAL, "note_on_legitimate \"%s\": use calm or none", value);
        return MAMORI_OK;
    }
    if (strcmp(key, "keep_evidence") == 0)
        return mamori_ini_bool(value, &t->keep_evidence, err);
    if (strcmp(key, "retention_days") == 0)
        return mamori_ini_long(value, 0, 36500, &t->retention_days, err);
    return mamori_error_set(err, MAMORI_EINVAL, "unknown key \"%s\" in [tenant]; see mamori-tenant(5)", key);
}

static int on_helpdesk_key(struct read_ctx *c, const char *key, const char *value, int line, struct mamori_error *err)
{
    struct mamori_tenant *t = c->t;
    int handled, rc;

    if ((rc = mamori_secret_ref_option(&t->helpdesk_credentials_ref, "credentials", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "url") == 0) {
        if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "url \"%s\" must start with https://", value);
        return set_once(&t->helpdesk_url, key, value, err);
    }
    /* Connector-specific keys are checked once the connector is known. */
    return option_add(&t->helpdesk_options, key, value, line, err);
}

static int on_plugin_key(struct read_ctx *c, const char *name, const char *key, const char *value, int line,
                         struct mamori_error *err)
{
    struct mamori_tenant *t = c->t;
    struct mamori_chain_entry *e = NULL;

    if (name[0] == '\0')
        return mamori_error_set(err, MAMORI_EINVAL, "a plugin section needs a name: [plugin NAME]");
    for (size_t i = 0; i < t->chain_count; i++)
        if (strcmp(t->chain[i].name, name) == 0)
            e = &t->chain[i];
    /* inih reports a section once per key; a section that reappears after
     * another one would reorder the chain, so the chain is built in the
     * order sections first appear and a repeat is refused. */
    if (e != NULL && e != &t->chain[t->chain_count - 1])
        return mamori_error_set(err, MAMORI_EINVAL, "[plugin %s] appears twice", name);
    if (e == NULL) {
        if (mamori_grow((void **)&t->chain, &t->chain_cap, t->chain_count + 1, sizeof *t->chain) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        e = &t->chain[t->chain_count];
        memset(e, 0, sizeof *e);
        e->name = mamori_strdup(name);
        if (e->name == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        e->line = line;
        t->chain_count++;
    }
    if (strcmp(key, "path") == 0)
        return set_once(&e->path, key, value, err);
    return option_add(&e->options, key, value, line, err);
}

static int on_key(void *user, const char *section, const char *key, const char *value, int line,
                  struct mamori_error *err)
{
    struct read_ctx *c = user;

    if (strcmp(section, "tenant") == 0)
        return on_tenant_key(c, key, value, line, err);
    if (strcmp(section, "helpdesk") == 0)
        return on_helpdesk_key(c, key, value, line, err);
    if (mamori_escalation_config_section(section))
        return mamori_escalation_config_key(&c->t->escalation, section, key, value, line, c->t->dir, err);
    if (strncmp(section, "plugin ", 7) == 0) {
        const char *name = section + 7;
        while (*name == ' ')
            name++;
        return on_plugin_key(c, name, key, value, line, err);
    }
    return mamori_error_set(err, MAMORI_EINVAL,
                            "unknown section [%s] (known: tenant, helpdesk, plugin NAME, escalation, line, channel NAME)",
                            section[0] ? section : "(none: keys must follow a [section])");
}

int mamori_tenant_read(struct mamori_tenant *t, const char *path, const struct mamori_settings *s,
                       struct mamori_error *err)
{
    struct read_ctx c;
    const char *slash, *base;
    size_t base_len;
    int rc;

    memset(t, 0, sizeof *t);
    memset(&c, 0, sizeof c);
    c.t = t;
    c.s = s;
    t->file = mamori_strdup(path);
    slash = strrchr(path, '/');
    t->dir = slash ? mamori_strndup(path, (size_t)(slash - path)) : mamori_strdup(".");
    t->replay_window = s->replay_window;
    if (t->file == NULL || t->dir == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if ((rc = mamori_ini_parse(path, on_key, &c, err)) != 0)
        return rc;

    base = slash ? slash + 1 : path;
    base_len = strlen(base);
    if (base_len > 5 && strcmp(base + base_len - 5, ".conf") == 0)
        base_len -= 5;
    if (t->id == NULL) {
        t->id = mamori_strndup(base, base_len);
        if (t->id == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        if (!mamori_tenant_id_valid(t->id))
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "%s: no id in [tenant] and the file name \"%s\" is not a valid id", path, t->id);
    } else if (strlen(t->id) != base_len || strncmp(t->id, base, base_len) != 0) {
        return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: id \"%s\" does not match the file name (%s.conf)", path,
                                c.id_line, t->id, t->id);
    }
    if (t->name == NULL && (t->name = mamori_strdup(t->id)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (t->language == NULL && (t->language = mamori_strdup("ja")) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (t->connector_name == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "%s: [tenant] needs connector = (e.g. generic, zendesk)", path);
    t->connector = mamori_connector_find(t->connector_name);
    if (!mamori_secret_ref_set(&t->webhook_secret_ref))
        return mamori_error_set(err, MAMORI_EINVAL,
                                "%s: [tenant] needs webhook_secret_file = PATH or webhook_secret_env = VARIABLE", path);
    for (size_t i = 0; i < t->helpdesk_options.count; i++) {
        const struct mamori_option *o = &t->helpdesk_options.items[i];
        int known = 0;
        for (const char *const *k = t->connector->option_keys; k != NULL && *k != NULL; k++)
            known |= strcmp(*k, o->key) == 0;
        if (!known)
            return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: unknown key \"%s\" in [helpdesk] for connector %s",
                                    path, o->line, o->key, t->connector->name);
    }
    if ((rc = mamori_escalation_config_finish(t->escalation, t, s, err)) != 0)
        return rc;
    if (t->chain_count == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "%s: no [plugin NAME] section: the tenant would annotate nothing",
                                path);
    for (size_t i = 0; i < t->chain_count; i++)
        if (t->chain[i].path == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: [plugin %s] needs path = (e.g. rules.so)", path,
                                    t->chain[i].line, t->chain[i].name);
    return MAMORI_OK;
}

int mamori_tenant_activate(struct mamori_tenant *t, const struct mamori_settings *s, const struct mamori_host *host,
                           struct mamori_error *err)
{
    int rc;

    if ((rc = mamori_secret_load(&t->webhook_secret, &t->webhook_secret_ref, "webhook secret", err)) != 0)
        return mamori_error_prefix(err, "%s:%d", t->file, t->webhook_secret_ref.line);
    if (mamori_secret_ref_set(&t->api_token_ref) &&
        (rc = mamori_secret_load(&t->api_token, &t->api_token_ref, "api token", err)) != 0)
        return mamori_error_prefix(err, "%s:%d", t->file, t->api_token_ref.line);
    if (mamori_secret_ref_set(&t->helpdesk_credentials_ref) &&
        (rc = mamori_secret_load(&t->helpdesk_credentials, &t->helpdesk_credentials_ref, "helpdesk credentials",
                                 err)) != 0)
        return mamori_error_prefix(err, "%s:%d", t->file, t->helpdesk_credentials_ref.line);
    if ((rc = mamori_escalation_config_activate(t->escalation, t->file, err)) != 0)
        return rc;

    for (size_t i = 0; i < t->chain_count; i++) {
        struct mamori_chain_entry *e = &t->chain[i];
        struct mamori_plugin_option *opts = NULL;
        struct mamori_plugin_config cfg;

        if ((rc = mamori_plugin_load(&e->handle, e->name, e->path, s->plugin_dir, err)) != 0)
            return mamori_error_prefix(err, "%s:%d: tenant %s", t->file, e->line, t->id);
        for (size_t j = 0; j < e->options.count; j++)
            if (!mamori_plugin_accepts_option(&e->handle, e->options.items[j].key))
                return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: plugin %s does not accept option \"%s\"", t->file,
                                        e->options.items[j].line, e->handle.desc->name, e->options.items[j].key);
        if (e->options.count && (opts = calloc(e->options.count, sizeof *opts)) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        for (size_t j = 0; j < e->options.count; j++) {
            opts[j].key = e->options.items[j].key;
            opts[j].value = e->options.items[j].value;
        }
        memset(&cfg, 0, sizeof cfg);
        cfg.struct_size = sizeof cfg;
        cfg.tenant_id = t->id;
        cfg.language = t->language;
        cfg.config_dir = t->dir;
        cfg.option_count = e->options.count;
        cfg.options = opts;
        rc = mamori_plugin_open(&e->handle, host, &cfg, err);
        free(opts);
        if (rc != 0)
            return mamori_error_prefix(err, "%s:%d: tenant %s", t->file, e->line, t->id);
    }
    return MAMORI_OK;
}

void mamori_tenant_free(struct mamori_tenant *t)
{
    for (size_t i = 0; i < t->chain_count; i++) {
        mamori_plugin_unload(&t->chain[i].handle);
        free(t->chain[i].name);
        free(t->chain[i].path);
        option_list_free(&t->chain[i].options);
    }
    free(t->chain);
    free(t->file);
    free(t->dir);
    free(t->id);
    free(t->name);
    free(t->language);
    free(t->connector_name);
    free(t->helpdesk_url);
    mamori_secret_ref_free(&t->webhook_secret_ref);
    mamori_secret_ref_free(&t->api_token_ref);
    mamori_secret_ref_free(&t->helpdesk_credentials_ref);
    mamori_secret_free(&t->webhook_secret);
    mamori_secret_free(&t->api_token);
    mamori_secret_free(&t->helpdesk_credentials);
    option_list_free(&t->helpdesk_options);
    mamori_escalation_config_free(t->escalation);
    free(t->failure);
    memset(t, 0, sizeof *t);
}
