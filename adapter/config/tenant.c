/* tenant.c -- see tenant.h. */
#include "config.h"

#include "config/tenant.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ini_file.h"
#include "base/strv.h"
#include "config/escalation.h"
#include "config/settings.h"
#include "connector/connector.h"
#include "plugin/ticket.h"

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

static int check_id(const char *value, struct mamori_error *err)
{
    return mamori_tenant_id_valid(value) ? MAMORI_OK
                                         : mamori_error_set(err, MAMORI_EINVAL,
                                                            "not valid: use 1-63 of a-z, 0-9, '-' and '_', starting "
                                                            "with a letter or digit");
}

static int check_connector(const char *value, struct mamori_error *err)
{
    char known[256] = "";
    size_t pos = 0;

    if (mamori_connector_find(value) != NULL)
        return MAMORI_OK;
    for (const struct mamori_connector *const *k = mamori_connector_all(); *k != NULL; k++) {
        int n = snprintf(known + pos, sizeof known - pos, "%s%s", pos ? ", " : "", (*k)->name);
        if (n < 0 || (size_t)n >= sizeof known - pos)
            break;
        pos += (size_t)n;
    }
    return mamori_error_set(err, MAMORI_EINVAL, "unknown connector (known: %s)", known);
}

static const struct mamori_key tenant_keys[] = {
    {.name = "id", .type = MAMORI_KEY_STRING, .check = check_id, .def = "the file name",
     .description = "When given it must equal the file name: 1 to 63 of a-z, 0-9, - and _, starting with a letter "
                    "or digit."},
    {.name = "name", .type = MAMORI_KEY_STRING, .def = "the id",
     .description = "Display name (the company). Also {company} in reply drafts, unless the policy sets its own "
                    "(placeholders.company in the policy wins: it is the lawyer's wording)."},
    {.name = "language", .type = MAMORI_KEY_ENUM, .values = "ja|en", .def = "ja",
     .description = "Language of the notes and of policy defaults."},
    {.name = "connector", .type = MAMORI_KEY_STRING, .check = check_connector,
     .description = "Required. The helpdesk: generic (mamori's own signed JSON), zendesk, freshdesk, zammad, "
                    "helpscout, jira (Jira Service Management), redmine, rt (Request Tracker 5) or znuny "
                    "(Znuny/OTRS)."},
    {.name = "webhook_secret", .type = MAMORI_KEY_SECRET,
     .description = "Required. The secret the helpdesk signs its webhooks with (the HMAC key), or, for helpdesks "
                    "that cannot sign (freshdesk, znuny, the redmine plugin), the Basic auth user:password or "
                    "X-Mamori-Token value they send."},
    {.name = "api_token", .type = MAMORI_KEY_SECRET,
     .description = "The bearer token for POST /v1/annotate; without it the tenant has no /v1/annotate."},
    {.name = "replay_window", .type = MAMORI_KEY_DURATION, .min = 1, .max = MAMORI_REPLAY_WINDOW_MAX, .unit = "seconds",
     .def = "[webhook] replay_window", .description = "How far a signed timestamp may be from now."},
    {.name = "note_on_legitimate", .type = MAMORI_KEY_ENUM, .values = "calm|none", .def = "none",
     .description = "calm: a short calm note on complaints the plugins found legitimate; none: no note."},
    {.name = "keep_evidence", .type = MAMORI_KEY_BOOL, .def = "no",
     .description = "Keep the quoted evidence in the store (and in notes)."},
    {.name = "retention_days", .type = MAMORI_KEY_INTEGER, .min = 0, .max = 36500, .unit = "days",
     .def = "[store] retention_days", .description = "This tenant's retention; 0: the server's."},
    {.name = NULL}};

static const struct mamori_key helpdesk_keys[] = {
    {.name = "url", .type = MAMORI_KEY_URL, .values = "https|http",
     .description = "The helpdesk's base URL, e.g. https://example.zendesk.com (http:// only with [deliver] "
                    "allow_http). Without it nothing is written back."},
    {.name = "credentials", .type = MAMORI_KEY_SECRET,
     .description = "The API credentials, in the form the connector names: zendesk agent@example.com/token:TOKEN; "
                    "freshdesk the API key; zammad an access token; helpscout client_id:client_secret; jira "
                    "email:api_token; redmine an API key; rt an auth token. generic and znuny need none."},
    {.name = NULL}};

/* The channels a rule may name: those of plugin.h's MAMORI_FIELD_CHANNEL. */
static const char *channel_name(const char *s, size_t n)
{
    static const char *const names[] = {"email", "web", "chat", "phone", "phone_note", "sns", "api", "other", NULL};

    for (size_t i = 0; names[i]; i++)
        if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
            return names[i];
    return NULL;
}

/* One "FROM:CHANNEL" item of a [channel_map] list (item, n bytes, trimmed):
 * *from and *from_len, *to. MAMORI_EINVAL saying what is wrong. */
static int channel_item(const char *item, size_t n, const char **from, size_t *from_len, const char **to,
                        struct mamori_error *err)
{
    const char *colon = memchr(item, ':', n);
    const char *f = item, *c;
    size_t fl, cl;

    if (colon == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%.*s\" is not FROM:CHANNEL (e.g. voice:phone_note)", (int)n, item);
    fl = (size_t)(colon - item);
    while (fl > 0 && (f[fl - 1] == ' ' || f[fl - 1] == '\t'))
        fl--;
    c = colon + 1;
    cl = (size_t)(item + n - c);
    while (cl > 0 && (*c == ' ' || *c == '\t'))
        c++, cl--;
    if (fl == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%.*s\": the helpdesk's value before the colon is empty", (int)n,
                                item);
    if ((*to = channel_name(c, cl)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL,
                                "\"%.*s\": %.*s is not one of mamori's channels (email, web, chat, phone, phone_note, "
                                "sns, api, other)", (int)n, item, (int)cl, c);
    *from = f;
    *from_len = fl;
    return MAMORI_OK;
}

/* Walk a comma-separated [channel_map] list; with t, store each rule. */
static int channel_list(const char *value, struct mamori_tenant *t, int is_tag, int line, struct mamori_error *err)
{
    const char *p = value;
    int rc;

    for (;;) {
        const char *e = strchr(p, ','), *from = NULL, *to = NULL;
        size_t n, from_len = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 0)
            return mamori_error_set(err, MAMORI_EINVAL, "an empty item in the list (two commas, or one at the end)");
        if ((rc = channel_item(p, n, &from, &from_len, &to, err)) != 0)
            return rc;
        if (t != NULL) {
            struct mamori_channel_rule *r;
            for (size_t i = 0; i < t->channel_map_count; i++)
                if (t->channel_map[i].is_tag == is_tag && strlen(t->channel_map[i].from) == from_len &&
                    strncasecmp(t->channel_map[i].from, from, from_len) == 0)
                    return mamori_error_set(err, MAMORI_EINVAL, "%s \"%.*s\" is mapped twice (first on line %d)",
                                            is_tag ? "tag" : "via", (int)from_len, from, t->channel_map[i].line);
            r = realloc(t->channel_map, (t->channel_map_count + 1) * sizeof *r);
            if (r == NULL)
                return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            t->channel_map = r;
            r += t->channel_map_count;
            if ((r->from = mamori_strndup(from, from_len)) == NULL)
                return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            r->to = to;
            r->is_tag = is_tag;
            r->line = line;
            t->channel_map_count++;
        }
        if (e == NULL)
            return MAMORI_OK;
        p = e + 1;
    }
}

static int check_channel_list(const char *value, struct mamori_error *err)
{
    return channel_list(value, NULL, 0, 0, err);
}

static const struct mamori_key channel_map_keys[] = {
    {.name = "via", .type = MAMORI_KEY_STRING, .check = check_channel_list,
     .description = "The helpdesk's channel values and the channel each one is to mamori, as FROM:CHANNEL, "
                    "comma-separated: voice:phone_note, native_messaging:chat. FROM is the value the connector "
                    "reads (Zendesk via.channel, Freshdesk source, Zammad article type, Help Scout type, Znuny "
                    "CommunicationChannel, RT's Channel custom field; case does not matter); CHANNEL is one of "
                    "email, web, chat, phone, phone_note, sns, api, other. Unlisted values keep the built-in "
                    "mapping (Zendesk voice is phone)."},
    {.name = "tag", .type = MAMORI_KEY_STRING, .check = check_channel_list,
     .description = "Ticket tags that decide the channel, as TAG:CHANNEL, comma-separated: call_memo:phone_note. "
                    "A matching tag wins over via (the first listed, when several match)."},
    {.name = NULL}};

const struct mamori_key_section mamori_tenant_sections[] = {
    {"tenant", tenant_keys}, {"helpdesk", helpdesk_keys}, {"channel_map", channel_map_keys}, {NULL, NULL}};

int mamori_tenant_map_channel(const struct mamori_tenant *t, struct mamori_ticket *ticket)
{
    const struct mamori_channel_rule *hit = NULL;

    for (size_t i = 0; i < t->channel_map_count && hit == NULL; i++) {
        const struct mamori_channel_rule *r = &t->channel_map[i];
        if (!r->is_tag)
            continue;
        for (size_t k = 0; k < ticket->tags.count; k++)
            if (strcasecmp(ticket->tags.items[k], r->from) == 0) {
                hit = r;
                break;
            }
    }
    for (size_t i = 0; i < t->channel_map_count && hit == NULL && ticket->channel_raw != NULL; i++)
        if (!t->channel_map[i].is_tag && strcasecmp(t->channel_map[i].from, ticket->channel_raw) == 0)
            hit = &t->channel_map[i];
    if (hit == NULL)
        return MAMORI_OK;
    return mamori_ticket_set(&ticket->channel, hit->to);
}

const struct mamori_key *mamori_tenant_helpdesk_key(const struct mamori_connector *connector, const char *key)
{
    const struct mamori_key *k = mamori_key_find(helpdesk_keys, key);
    return k != NULL ? k : connector != NULL ? mamori_key_find(connector->keys, key) : NULL;
}

long long mamori_tenant_helpdesk_number(const struct mamori_tenant *t, const char *key, long long def)
{
    const char *v = mamori_option_get(&t->helpdesk_options, key);
    const struct mamori_key *k = mamori_tenant_helpdesk_key(t->connector, key);
    struct mamori_key_value out;

    if (v == NULL || k == NULL || mamori_key_parse(k, key, v, &out, NULL) != 0 || out.is_word)
        return def;
    return out.number;
}

/* The [helpdesk] keys of the connector, checked once it is known (keys
 * come in any order): err reads "FILE:LINE: ...". */
static int check_helpdesk_options(const struct mamori_tenant *t, const char *path, struct mamori_error *err)
{
    for (size_t i = 0; i < t->helpdesk_options.count; i++) {
        const struct mamori_option *o = &t->helpdesk_options.items[i];
        const char *near;
        int rc;
        if (mamori_key_find(t->connector->keys, o->key) == NULL) {
            /* The nearest of the connector's keys and the tenant's own (url, credentials_*). */
            if ((near = mamori_key_suggest(t->connector->keys, o->key)) == NULL)
                near = mamori_key_suggest(helpdesk_keys, o->key);
            if (near != NULL)
                return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: unknown key \"%s\" in [helpdesk] -- did you mean "
                                        "\"%s\"? (see the %s keys in mamori-tenant(5))", path, o->line, o->key, near,
                                        t->connector->name);
            return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: unknown key \"%s\" in [helpdesk] (see the %s keys in "
                                    "mamori-tenant(5))", path, o->line, o->key, t->connector->name);
        }
        if ((rc = mamori_key_check(t->connector->keys, "helpdesk", "mamori-tenant(5)", o->key, o->value, NULL, NULL,
                                   err)) != 0)
            return mamori_error_prefix(err, "%s:%d", path, o->line), rc;
    }
    return MAMORI_OK;
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
    struct mamori_key_value v;
    int handled, rc;

    if ((rc = mamori_key_check(tenant_keys, "tenant", "mamori-tenant(5)", key, value, NULL, &v, err)) != 0)
        return rc;
    if ((rc = mamori_secret_ref_option(&t->webhook_secret_ref, "webhook_secret", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if ((rc = mamori_secret_ref_option(&t->api_token_ref, "api_token", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "id") == 0) {
        c->id_line = line;
        return set_once(&t->id, key, value, err);
    }
    if (strcmp(key, "name") == 0)
        return set_once(&t->name, key, value, err);
    if (strcmp(key, "language") == 0) {
        free(t->language);
        t->language = mamori_strdup(value);
        return t->language ? MAMORI_OK : MAMORI_ENOMEM;
    }
    if (strcmp(key, "connector") == 0) {
        c->connector_line = line;
        return set_once(&t->connector_name, key, value, err);
    }
    if (strcmp(key, "replay_window") == 0)
        t->replay_window = (long)v.number;
    else if (strcmp(key, "note_on_legitimate") == 0)
        t->note_on_legitimate = v.number == 0; /* calm|none */
    else if (strcmp(key, "keep_evidence") == 0)
        t->keep_evidence = (int)v.number;
    else if (strcmp(key, "retention_days") == 0)
        t->retention_days = (long)v.number;
    else
        return mamori_error_set(err, MAMORI_EINVAL, "%s: not stored (a bug in tenant.c)", key);
    return MAMORI_OK;
}

static int on_helpdesk_key(struct read_ctx *c, const char *key, const char *value, int line, struct mamori_error *err)
{
    struct mamori_tenant *t = c->t;
    int handled, rc;

    /* The tenant's own keys are checked here; the connector's once it is
     * known (check_helpdesk_options). */
    if (mamori_key_find(helpdesk_keys, key) != NULL &&
        (rc = mamori_key_check(helpdesk_keys, "helpdesk", "mamori-tenant(5)", key, value, NULL, NULL, err)) != 0)
        return rc;
    if ((rc = mamori_secret_ref_option(&t->helpdesk_credentials_ref, "credentials", key, value, line, t->dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "url") == 0) {
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
    if (strcmp(section, "channel_map") == 0) {
        struct mamori_key_value v;
        int rc = mamori_key_check(channel_map_keys, "channel_map", "mamori-tenant(5)", key, value, NULL, &v, err);
        return rc != 0 ? rc : channel_list(value, c->t, strcmp(key, "tag") == 0, line, err);
    }
    if (mamori_escalation_config_section(section))
        return mamori_escalation_config_key(&c->t->escalation, section, key, value, line, c->t->dir, err);
    if (strcmp(section, "consult") == 0)
        return mamori_consult_config_key(&c->t->consult, key, value, err);
    if (strncmp(section, "plugin ", 7) == 0) {
        const char *name = section + 7;
        while (*name == ' ')
            name++;
        return on_plugin_key(c, name, key, value, line, err);
    }
    return mamori_error_set(err, MAMORI_EINVAL,
                            "unknown section [%s] (known: tenant, helpdesk, channel_map, plugin NAME, escalation, line, "
                            "channel NAME, consult)",
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
    if ((rc = mamori_ini_parse(path, "tenant file", on_key, &c, err)) != 0)
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
    if ((rc = check_helpdesk_options(t, path, err)) != 0)
        return rc;
    if ((rc = mamori_escalation_config_finish(t->escalation, t, s, err)) != 0)
        return rc;
    if ((rc = mamori_consult_config_finish(&t->consult, t->escalation, path, err)) != 0)
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

    if ((rc = mamori_tenant_prepare(t, s, err)) != 0)
        return rc;
    return mamori_tenant_open_plugins(t, host, NULL, NULL, err);
}

int mamori_tenant_prepare(struct mamori_tenant *t, const struct mamori_settings *s, struct mamori_error *err)
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
    if ((rc = mamori_restriction_policy_load(t, err)) != 0)
        return mamori_error_prefix(err, "%s: tenant %s", t->file, t->id);

    for (size_t i = 0; i < t->chain_count; i++) {
        struct mamori_chain_entry *e = &t->chain[i];

        if ((rc = mamori_plugin_load(&e->handle, e->name, e->path, s->plugin_dir, err)) != 0)
            return mamori_error_prefix(err, "%s:%d: tenant %s", t->file, e->line, t->id);
        for (size_t j = 0; j < e->options.count; j++)
            if (!mamori_plugin_accepts_option(&e->handle, e->options.items[j].key))
                return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: plugin %s does not accept option \"%s\"", t->file,
                                        e->options.items[j].line, e->handle.desc->name, e->options.items[j].key);
    }
    return MAMORI_OK;
}

int mamori_tenant_open_plugins(struct mamori_tenant *t, const struct mamori_host *host,
                               void (*before_open)(void *ctx, const struct mamori_tenant *t, const char *plugin),
                               void *ctx, struct mamori_error *err)
{
    int rc;

    for (size_t i = 0; i < t->chain_count; i++) {
        struct mamori_chain_entry *e = &t->chain[i];
        struct mamori_plugin_option *opts = NULL;
        struct mamori_plugin_config cfg;

        if (e->handle.opened)
            continue;
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
        if (before_open != NULL)
            before_open(ctx, t, e->name);
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
    for (size_t i = 0; i < t->channel_map_count; i++)
        free(t->channel_map[i].from);
    free(t->channel_map);
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
    mamori_consult_config_free(&t->consult);
    mamori_restriction_policy_free(&t->restriction);
    free(t->failure);
    memset(t, 0, sizeof *t);
}
