/* escalation.c -- see escalation.h. */
#include "config.h"

#include "config/escalation.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "base/ini_file.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "plugin/annotation.h"

static const char *const kind_names[MAMORI_CHANNEL_KIND_COUNT] = {"line", "slack", "teams", "smtp", "webhook"};

const char *mamori_channel_kind_name(int kind)
{
    return kind >= 0 && kind < MAMORI_CHANNEL_KIND_COUNT ? kind_names[kind] : "unknown";
}

int mamori_channel_kind_parse(const char *name)
{
    for (int i = 0; i < MAMORI_CHANNEL_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

int mamori_line_id_valid(const char *id)
{
    size_t n = strlen(id);

    if (n != 33 || (id[0] != 'U' && id[0] != 'C' && id[0] != 'R'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

int mamori_escalation_parse_duration(const char *value, long *out)
{
    long long n;

    if (value == NULL || mamori_parse_duration(value, 1000, &n) != 0 || n > 30LL * 86400)
        return MAMORI_EINVAL;
    *out = (long)n;
    return MAMORI_OK;
}

int mamori_escalation_parse_utc_offset(const char *v, int *out)
{
    int sign, h, m;

    if (strcmp(v, "Z") == 0 || strcmp(v, "UTC") == 0) {
        *out = 0;
        return MAMORI_OK;
    }
    if ((v[0] != '+' && v[0] != '-') || strlen(v) != 6 || v[3] != ':' || !isdigit((unsigned char)v[1]) ||
        !isdigit((unsigned char)v[2]) || !isdigit((unsigned char)v[4]) || !isdigit((unsigned char)v[5]))
        return MAMORI_EINVAL;
    sign = v[0] == '-' ? -1 : 1;
    h = (v[1] - '0') * 10 + (v[2] - '0');
    m = (v[4] - '0') * 10 + (v[5] - '0');
    if (h > 14 || m > 59)
        return MAMORI_EINVAL;
    *out = sign * (h * 60 + m);
    return MAMORI_OK;
}

static int parse_hhmm(const char *p, int *out)
{
    int h, m;

    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' || !isdigit((unsigned char)p[3]) ||
        !isdigit((unsigned char)p[4]))
        return MAMORI_EINVAL;
    h = (p[0] - '0') * 10 + (p[1] - '0');
    m = (p[3] - '0') * 10 + (p[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return MAMORI_EINVAL;
    *out = h * 60 + m;
    return MAMORI_OK;
}

int mamori_escalation_parse_hours(const char *v, int *from, int *to)
{
    if (strlen(v) != 11 || v[5] != '-' || parse_hhmm(v, from) != 0 || parse_hhmm(v + 6, to) != 0 || *from == *to)
        return MAMORI_EINVAL;
    return MAMORI_OK;
}

/* Split "a, b c" into names. */
static int parse_list(struct mamori_strv *out, const char *value, struct mamori_error *err)
{
    return mamori_strv_split(out, value) == 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

static int set_str(char **dst, const char *key, const char *value, struct mamori_error *err)
{
    if (*dst != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is set twice", key);
    *dst = mamori_strdup(value);
    return *dst ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

static int check_hours(const char *value, struct mamori_error *err)
{
    int from, to;
    return mamori_escalation_parse_hours(value, &from, &to) == 0
               ? MAMORI_OK
               : mamori_error_set(err, MAMORI_EINVAL, "use HH:MM-HH:MM (e.g. 22:00-07:00) or none");
}

static int check_offset(const char *value, struct mamori_error *err)
{
    int off;
    return mamori_escalation_parse_utc_offset(value, &off) == 0
               ? MAMORI_OK
               : mamori_error_set(err, MAMORI_EINVAL, "use +HH:MM (Japan: +09:00)");
}

static int check_levels(const char *value, struct mamori_error *err)
{
    struct mamori_strv names = MAMORI_STRV_INIT;
    int rc = parse_list(&names, value, err);

    for (size_t i = 0; rc == 0 && i < names.count; i++)
        if (mamori_escalation_parse(names.items[i]) <= MAMORI_ESCALATE_NONE)
            rc = mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a level (supervisor, legal, lawyer, police)",
                                  names.items[i]);
    mamori_strv_free(&names);
    return rc;
}

#define ROUTE_TEXT                                                                                                     \
    "The channels (names of [channel NAME] sections) told at this level. A level without a route uses the next "     \
    "lower level's (police, lawyer, legal, supervisor), so a police-level case always reaches someone."

static const struct mamori_key escalation_keys[] = {
    {.name = "supervisor", .type = MAMORI_KEY_LIST, .description = ROUTE_TEXT},
    {.name = "legal", .type = MAMORI_KEY_LIST, .description = ROUTE_TEXT},
    {.name = "lawyer", .type = MAMORI_KEY_LIST, .description = ROUTE_TEXT},
    {.name = "police", .type = MAMORI_KEY_LIST,
     .description = ROUTE_TEXT " A police-level message starts with the instruction to call the police; route it to "
                               "the supervisor and the lawyer at once, e.g. police = teamlead, lawyer-line."},
    {.name = "category.*", .type = MAMORI_KEY_LIST,
     .description = "category.ID: also tell these channels when the annotation has category ID (e.g. "
                    "category.sexual_harassment = hr-teams)."},
    {.name = "backup", .type = MAMORI_KEY_LIST,
     .description = "Told when an escalation is not acknowledged before its deadline."},
    {.name = "ack_deadline", .type = MAMORI_KEY_DURATION, .min = 0, .max = 30 * 86400, .unit = "seconds",
     .word = "none", .def = "30m",
     .description = "How long a lawyer has to acknowledge (from LINE, or mamori escalation ack). The deliverer "
                    "checks every few seconds; mamori escalation tick runs the same check on demand."},
    {.name = "ack_levels", .type = MAMORI_KEY_LIST, .check = check_levels, .def = "lawyer police",
     .description = "Levels that wait for an acknowledgement."},
    {.name = "digest_period", .type = MAMORI_KEY_DURATION, .min = 0, .max = 86400, .unit = "seconds",
     .word = "none", .def = "none",
     .description = "During a burst (a flame war), hold escalations for a digest instead of one message each: once "
                    "digest_after escalations were opened within this period, the next ones are held, and when the "
                    "period since the first held one ends every channel gets ONE digest listing them (ticket link, "
                    "level, categories; no quotes), with a number. One acknowledgement of the digest (LINE 確認 "
                    "quoting it, or mamori escalation ack --digest N) acknowledges every escalation in it; their "
                    "ack_deadline runs from the digest. Police-level escalations are never held. none: every "
                    "escalation is its own message."},
    {.name = "digest_after", .type = MAMORI_KEY_INTEGER, .min = 0, .max = 1000, .def = "3",
     .description = "With digest_period: how many escalations within the period are still sent one by one before "
                    "the rest are held for the digest."},
    {.name = "quiet_hours", .type = MAMORI_KEY_STRING, .check = check_hours, .word = "none", .def = "none",
     .description = "HH:MM-HH:MM, local time (see utc_offset), when the route is replaced by quiet_route (which "
                    "is then required); may wrap midnight, e.g. 22:00-07:00. Police-level escalations go to their "
                    "route and the quiet route."},
    {.name = "quiet_route", .type = MAMORI_KEY_LIST,
     .description = "The fallback during quiet hours (an on-call phone)."},
    {.name = "utc_offset", .type = MAMORI_KEY_STRING, .check = check_offset, .def = "+09:00",
     .description = "+HH:MM: the tenant's local time, for quiet hours and the times in messages."},
    {.name = "language", .type = MAMORI_KEY_ENUM, .values = "ja|en", .def = "the tenant's",
     .description = "Language of the messages."},
    {.name = "redact_customer", .type = MAMORI_KEY_BOOL, .def = "yes",
     .description = "Replace the customer's name, e-mail address and phone numbers in the quoted evidence and "
                    "leave out the customer line: chat services are third parties, the lawyer opens the ticket "
                    "for the rest."},
    {.name = "evidence_chars", .type = MAMORI_KEY_INTEGER, .min = 20, .max = 2000, .unit = "characters",
     .def = "200", .description = "Characters per quote (the sentence around each match)."},
    {.name = "evidence_items", .type = MAMORI_KEY_INTEGER, .min = 0, .max = 20, .def = "5",
     .description = "Quotes per message."},
    {.name = "ticket_url", .type = MAMORI_KEY_URL, .values = "https|http",
     .description = "The ticket link for helpdesks whose webhook carries none, with {ticket_id} replaced, e.g. "
                    "https://acme.zendesk.com/agent/tickets/{ticket_id}."},
    {.name = NULL}};

static const struct mamori_key line_keys[] = {
    {.name = "channel_secret", .type = MAMORI_KEY_SECRET,
     .description = "Required. The channel secret; every delivery's X-Line-Signature is checked with it (a wrong "
                    "or missing one is 401 and changes nothing)."},
    {.name = "access_token", .type = MAMORI_KEY_SECRET,
     .description = "The channel access token for pushes. Required by line channels."},
    {.name = "api_url", .type = MAMORI_KEY_URL, .values = "https|http", .def = "https://api.line.me",
     .description = "Where pushes go; they never leave it. Tests point it at a loopback stand-in."},
    {.name = "replay_window", .type = MAMORI_KEY_DURATION, .min = 1, .max = MAMORI_REPLAY_WINDOW_MAX,
     .unit = "seconds", .def = "5m",
     .description = "How far an event's timestamp (inside the signed body) may be from now. A delivery with an "
                    "event outside it is refused with 401 stale_event and logged, and nothing of it is recorded: a "
                    "captured lawyer message cannot be posted again. Widen it if LINE's webhook redelivery is on "
                    "and mamori may be unreachable for longer."},
    {.name = NULL}};

static const struct mamori_key channel_keys[] = {
    {.name = "type", .type = MAMORI_KEY_ENUM, .values = "line|slack|teams|smtp|webhook",
     .description = "Required. What kind of contact this is (see above)."},
    {.name = "to", .type = MAMORI_KEY_LIST,
     .description = "line: LINE user, group or room ids (U, C or R and 32 hex digits); smtp: mail addresses."},
    {.name = "url", .type = MAMORI_KEY_URL, .values = "https|http|smtp|smtps",
     .description = "webhook: where to POST; smtp: smtp://HOST:587 (STARTTLS) or smtps://HOST:465. Never for "
                    "slack and teams, whose URL is a credential."},
    {.name = "url", .type = MAMORI_KEY_SECRET,
     .description = "slack, teams (and optionally webhook): a file or variable holding the webhook URL."},
    {.name = "secret", .type = MAMORI_KEY_SECRET,
     .description = "webhook: the key its requests are signed with."},
    {.name = "from", .type = MAMORI_KEY_STRING, .description = "smtp: the sender address."},
    {.name = "username", .type = MAMORI_KEY_STRING, .description = "smtp: the login; goes with password."},
    {.name = "password", .type = MAMORI_KEY_SECRET, .description = "smtp: the password; goes with username."},
    {.name = "starttls", .type = MAMORI_KEY_BOOL, .def = "yes",
     .description = "smtp: require STARTTLS on smtp://; no is accepted only for a loopback server with [deliver] "
                    "allow_http."},
    {.name = NULL}};

const struct mamori_key_section mamori_escalation_sections[] = {
    {"escalation", escalation_keys}, {"line", line_keys}, {"channel NAME", channel_keys}, {NULL, NULL}};

/* The first entry for key: "url" is the plain URL, "url_file" the secret. */
static const struct mamori_key *channel_key_entry(const char *key)
{
    return mamori_key_find(channel_keys, key);
}

int mamori_escalation_config_section(const char *section)
{
    return strcmp(section, "escalation") == 0 || strcmp(section, "line") == 0 || strncmp(section, "channel ", 8) == 0;
}

static struct mamori_escalation_config *config_new(void)
{
    struct mamori_escalation_config *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->quiet_from = c->quiet_to = -1;
    c->utc_offset = 9 * 60;
    c->ack_deadline = 30 * 60;
    c->line_replay_window = 300;
    c->digest_after = 3;
    c->ack_levels = (1u << MAMORI_ESCALATE_LAWYER) | (1u << MAMORI_ESCALATE_POLICE);
    c->redact_customer = 1;
    c->evidence_chars = 200;
    c->evidence_items = 5;
    return c;
}

static int escalation_key(struct mamori_escalation_config *c, const char *key, const char *value,
                          struct mamori_error *err)
{
    int level = mamori_escalation_parse(key), rc;
    struct mamori_key_value v;

    if ((rc = mamori_key_check(escalation_keys, "escalation", "mamori-tenant(5)", key, value, NULL, &v, err)) != 0)
        return rc;
    if (level > MAMORI_ESCALATE_NONE)
        return parse_list(&c->route[level], value, err);
    if (strncmp(key, "category.", 9) == 0 && key[9] != '\0') {
        struct mamori_category_route *r;
        for (size_t i = 0; i < c->category_count; i++)
            if (strcmp(c->categories[i].category, key + 9) == 0)
                return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is set twice", key);
        if (mamori_grow((void **)&c->categories, &c->category_cap, c->category_count + 1, sizeof *c->categories) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        r = &c->categories[c->category_count];
        memset(r, 0, sizeof *r);
        if ((r->category = mamori_strdup(key + 9)) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        c->category_count++;
        return parse_list(&r->channels, value, err);
    }
    if (strcmp(key, "backup") == 0)
        return parse_list(&c->backup, value, err);
    if (strcmp(key, "quiet_route") == 0)
        return parse_list(&c->quiet_route, value, err);
    if (strcmp(key, "quiet_hours") == 0) {
        if (strcmp(value, "none") == 0) {
            c->quiet_from = c->quiet_to = -1;
            return MAMORI_OK;
        }
        if (mamori_escalation_parse_hours(value, &c->quiet_from, &c->quiet_to) != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "quiet_hours \"%s\": use HH:MM-HH:MM (e.g. 22:00-07:00) or none",
                                    value);
        return MAMORI_OK;
    }
    if (strcmp(key, "utc_offset") == 0) {
        if (mamori_escalation_parse_utc_offset(value, &c->utc_offset) != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "utc_offset \"%s\": use +HH:MM (Japan: +09:00)", value);
        return MAMORI_OK;
    }
    if (strcmp(key, "ack_deadline") == 0) {
        c->ack_deadline = v.is_word ? 0 : (long)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "digest_period") == 0) {
        c->digest_period = v.is_word ? 0 : (long)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "digest_after") == 0) {
        c->digest_after = (long)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "ack_levels") == 0) {
        struct mamori_strv names = MAMORI_STRV_INIT;
        rc = parse_list(&names, value, err);
        c->ack_levels = 0;
        for (size_t i = 0; rc == 0 && i < names.count; i++) {
            int lv = mamori_escalation_parse(names.items[i]);
            if (lv <= MAMORI_ESCALATE_NONE)
                rc = mamori_error_set(err, MAMORI_EINVAL, "ack_levels: \"%s\" is not a level (supervisor, legal, lawyer, "
                                      "police)", names.items[i]);
            else
                c->ack_levels |= 1u << lv;
        }
        mamori_strv_free(&names);
        return rc;
    }
    if (strcmp(key, "language") == 0) {
        if (strcmp(value, "ja") != 0 && strcmp(value, "en") != 0)
            return mamori_error_set(err, MAMORI_EINVAL, "language \"%s\": use ja or en", value);
        return set_str(&c->language, key, value, err);
    }
    if (strcmp(key, "redact_customer") == 0) {
        c->redact_customer = (int)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "evidence_chars") == 0) {
        c->evidence_chars = (long)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "evidence_items") == 0) {
        c->evidence_items = (long)v.number;
        return MAMORI_OK;
    }
    if (strcmp(key, "ticket_url") == 0)
        return set_str(&c->ticket_url, key, value, err);
    return mamori_error_set(err, MAMORI_EINVAL, "%s: not stored (a bug in escalation.c)", key);
}

static int line_key(struct mamori_escalation_config *c, const char *key, const char *value, int line, const char *dir,
                    struct mamori_error *err)
{
    struct mamori_key_value v;
    int handled, rc;

    c->has_line = 1;
    if ((rc = mamori_key_check(line_keys, "line", "mamori-tenant(5)", key, value, NULL, &v, err)) != 0)
        return rc;
    if ((rc = mamori_secret_ref_option(&c->line_secret_ref, "channel_secret", key, value, line, dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if ((rc = mamori_secret_ref_option(&c->line_token_ref, "access_token", key, value, line, dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "api_url") == 0)
        return set_str(&c->line_api, key, value, err);
    if (strcmp(key, "replay_window") == 0) {
        c->line_replay_window = (long)v.number;
        return MAMORI_OK;
    }
    return mamori_error_set(err, MAMORI_EINVAL, "%s: not stored (a bug in escalation.c)", key);
}

/* The channel of a [channel NAME] section, created on its first key. */
static int section_channel(struct mamori_escalation_config *c, const char *name, int line, struct mamori_channel **out,
                           struct mamori_error *err)
{
    struct mamori_channel *ch = NULL;

    while (*name == ' ')
        name++;
    if (name[0] == '\0')
        return mamori_error_set(err, MAMORI_EINVAL, "a channel section needs a name: [channel NAME]");
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
            return mamori_error_set(err, MAMORI_EINVAL, "channel name \"%s\": use letters, digits, '-' and '_'", name);
    for (size_t i = 0; i < c->channel_count; i++)
        if (strcmp(c->channels[i].name, name) == 0)
            ch = &c->channels[i];
    /* inih reports a section once per key: a name seen before that is not
     * the current section is a second section of the same name. */
    if (ch != NULL && ch != &c->channels[c->channel_count - 1])
        return mamori_error_set(err, MAMORI_EINVAL, "[channel %s] appears twice", name);
    if (ch == NULL) {
        if (mamori_grow((void **)&c->channels, &c->channel_cap, c->channel_count + 1, sizeof *c->channels) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        ch = &c->channels[c->channel_count];
        memset(ch, 0, sizeof *ch);
        ch->kind = -1;
        ch->starttls = 1;
        ch->line = line;
        if ((ch->name = mamori_strdup(name)) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        c->channel_count++;
    }
    *out = ch;
    return MAMORI_OK;
}

static int channel_key(struct mamori_escalation_config *c, const char *name, const char *key, const char *value,
                       int line, const char *dir, struct mamori_error *err)
{
    struct mamori_channel *ch = NULL;
    int handled, rc;

    if ((rc = section_channel(c, name, line, &ch, err)) != 0)
        return rc;
    if (channel_key_entry(key) == NULL) {
        char section[80];
        snprintf(section, sizeof section, "channel %s", ch->name);
        return mamori_key_check(channel_keys, section, "mamori-tenant(5)", key, value, NULL, NULL, err);
    }
    if ((rc = mamori_key_parse(channel_key_entry(key), key, value, NULL, err)) != 0)
        return rc;
    /* url = is plain config for webhook and smtp channels; for Slack and
     * Teams the URL is the credential, which finish() enforces once the
     * type is known (keys come in any order). */
    if (strcmp(key, "url") == 0)
        return set_str(&ch->url, key, value, err);
    if ((rc = mamori_secret_ref_option(&ch->url_ref, "url", key, value, line, dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if ((rc = mamori_secret_ref_option(&ch->secret_ref, "secret", key, value, line, dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if ((rc = mamori_secret_ref_option(&ch->password_ref, "password", key, value, line, dir, &handled, err)) != 0 ||
        handled)
        return rc;
    if (strcmp(key, "type") == 0) {
        if (ch->kind >= 0)
            return mamori_error_set(err, MAMORI_EINVAL, "\"type\" is set twice");
        ch->kind = mamori_channel_kind_parse(value);
        return MAMORI_OK;
    }
    if (strcmp(key, "to") == 0)
        return parse_list(&ch->to, value, err);
    if (strcmp(key, "from") == 0)
        return set_str(&ch->from, key, value, err);
    if (strcmp(key, "username") == 0)
        return set_str(&ch->username, key, value, err);
    if (strcmp(key, "starttls") == 0)
        return mamori_ini_bool(value, &ch->starttls, err);
    return mamori_error_set(err, MAMORI_EINVAL, "%s: not stored (a bug in escalation.c)", key);
}

int mamori_escalation_config_key(struct mamori_escalation_config **cfg, const char *section, const char *key,
                                 const char *value, int line, const char *dir, struct mamori_error *err)
{
    struct mamori_escalation_config *c = *cfg;

    if (c == NULL && (c = *cfg = config_new()) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (strcmp(section, "escalation") == 0)
        return escalation_key(c, key, value, err);
    if (strcmp(section, "line") == 0)
        return line_key(c, key, value, line, dir, err);
    if (strncmp(section, "channel ", 8) == 0)
        return channel_key(c, section + 8, key, value, line, dir, err);
    return mamori_error_set(err, MAMORI_EINVAL, "unknown section [%s]", section);
}

const struct mamori_channel *mamori_escalation_channel(const struct mamori_escalation_config *cfg, const char *name)
{
    for (size_t i = 0; cfg != NULL && i < cfg->channel_count; i++)
        if (strcmp(cfg->channels[i].name, name) == 0)
            return &cfg->channels[i];
    return NULL;
}

static int url_host_is_loopback(const char *url)
{
    const char *h = strstr(url, "://");
    if (h == NULL)
        return 0;
    h += 3;
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 || strncmp(h, "[::1]", 5) == 0;
}

static int check_names(const struct mamori_escalation_config *c, const struct mamori_strv *names, const char *key,
                       const char *file, struct mamori_error *err)
{
    for (size_t i = 0; i < names->count; i++)
        if (mamori_escalation_channel(c, names->items[i]) == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "%s: [escalation] %s names channel \"%s\", but there is no "
                                    "[channel %s] section", file, key, names->items[i], names->items[i]);
    return MAMORI_OK;
}

static int check_channel(const struct mamori_escalation_config *c, const struct mamori_channel *ch,
                         const struct mamori_settings *s, const char *file, struct mamori_error *err)
{
#define FAIL(...) mamori_error_set(err, MAMORI_EINVAL, __VA_ARGS__)
    switch (ch->kind) {
    case MAMORI_CHANNEL_LINE:
        if (ch->to.count == 0)
            return FAIL("%s:%d: [channel %s] needs to = LINE user or group ids (U… or C…)", file, ch->line, ch->name);
        for (size_t i = 0; i < ch->to.count; i++)
            if (!mamori_line_id_valid(ch->to.items[i]))
                return FAIL("%s:%d: [channel %s] to: \"%s\" is not a LINE user, group or room id (U, C or R and 32 hex "
                            "digits; the lawyer's id appears in `mamori lawyer list` after they add the account)",
                            file, ch->line, ch->name, ch->to.items[i]);
        if (!mamori_secret_ref_set(&c->line_token_ref))
            return FAIL("%s: [channel %s] is a LINE channel: [line] needs access_token_file = PATH", file, ch->name);
        break;
    case MAMORI_CHANNEL_SLACK:
    case MAMORI_CHANNEL_TEAMS:
        if (ch->url != NULL)
            return FAIL("%s:%d: [channel %s]: the %s webhook URL is a credential: use url_file = PATH or url_env = "
                        "VARIABLE, never url =", file, ch->line, ch->name, mamori_channel_kind_name(ch->kind));
        if (!mamori_secret_ref_set(&ch->url_ref))
            return FAIL("%s:%d: [channel %s] needs url_file = PATH (the webhook URL)", file, ch->line, ch->name);
        break;
    case MAMORI_CHANNEL_SMTP:
        if (ch->url == NULL || (strncmp(ch->url, "smtp://", 7) != 0 && strncmp(ch->url, "smtps://", 8) != 0))
            return FAIL("%s:%d: [channel %s] needs url = smtp://HOST:587 (STARTTLS) or smtps://HOST:465", file, ch->line,
                        ch->name);
        if (ch->from == NULL || strchr(ch->from, '@') == NULL)
            return FAIL("%s:%d: [channel %s] needs from = an address", file, ch->line, ch->name);
        if (ch->to.count == 0)
            return FAIL("%s:%d: [channel %s] needs to = one or more addresses", file, ch->line, ch->name);
        for (size_t i = 0; i < ch->to.count; i++)
            if (strchr(ch->to.items[i], '@') == NULL || strpbrk(ch->to.items[i], "<>\r\n\"") != NULL)
                return FAIL("%s:%d: [channel %s] to: \"%s\" is not a plain address", file, ch->line, ch->name,
                            ch->to.items[i]);
        if (strpbrk(ch->from, "<>\r\n\"") != NULL)
            return FAIL("%s:%d: [channel %s] from: use a plain address", file, ch->line, ch->name);
        if ((ch->username != NULL) != mamori_secret_ref_set(&ch->password_ref))
            return FAIL("%s:%d: [channel %s]: username and password_file go together", file, ch->line, ch->name);
        if (!ch->starttls && strncmp(ch->url, "smtp://", 7) == 0 && !(s->allow_http && url_host_is_loopback(ch->url)))
            return FAIL("%s:%d: [channel %s]: starttls = no sends mail and passwords in the clear; it is allowed only to "
                        "a loopback server with [deliver] allow_http", file, ch->line, ch->name);
        break;
    case MAMORI_CHANNEL_WEBHOOK:
        if (ch->url == NULL && !mamori_secret_ref_set(&ch->url_ref))
            return FAIL("%s:%d: [channel %s] needs url = https://… (or url_file)", file, ch->line, ch->name);
        if (ch->url != NULL && strncmp(ch->url, "https://", 8) != 0 && strncmp(ch->url, "http://", 7) != 0)
            return FAIL("%s:%d: [channel %s] url must be https://", file, ch->line, ch->name);
        if (!mamori_secret_ref_set(&ch->secret_ref))
            return FAIL("%s:%d: [channel %s] needs secret_file = PATH (the key its requests are signed with)", file,
                        ch->line, ch->name);
        break;
    default:
        return FAIL("%s:%d: [channel %s] needs type = line, slack, teams, smtp or webhook", file, ch->line, ch->name);
    }
    if (ch->kind != MAMORI_CHANNEL_SMTP && (ch->from || ch->username || mamori_secret_ref_set(&ch->password_ref)))
        return FAIL("%s:%d: [channel %s]: from, username and password are for type = smtp", file, ch->line, ch->name);
    if (ch->kind != MAMORI_CHANNEL_LINE && ch->kind != MAMORI_CHANNEL_SMTP && ch->to.count)
        return FAIL("%s:%d: [channel %s]: to = is for line and smtp channels", file, ch->line, ch->name);
    return MAMORI_OK;
#undef FAIL
}

int mamori_escalation_config_finish(struct mamori_escalation_config *c, const struct mamori_tenant *t,
                                    const struct mamori_settings *s, struct mamori_error *err)
{
    static const char *const level_keys[MAMORI_ESC_LEVELS] = {"", "supervisor", "legal", "lawyer", "police"};
    int routes = 0, rc;

    if (c == NULL)
        return MAMORI_OK;
    if (c->language == NULL && (c->language = mamori_strdup(t->language ? t->language : "ja")) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (c->has_line && c->line_api == NULL && (c->line_api = mamori_strdup("https://api.line.me")) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (c->has_line && !mamori_secret_ref_set(&c->line_secret_ref))
        return mamori_error_set(err, MAMORI_EINVAL, "%s: [line] needs channel_secret_file = PATH (the LINE channel "
                                "secret that signs the lawyer's replies)", t->file);
    for (size_t i = 0; i < c->channel_count; i++)
        if ((rc = check_channel(c, &c->channels[i], s, t->file, err)) != 0)
            return rc;
    for (int lv = 1; lv < MAMORI_ESC_LEVELS; lv++) {
        if ((rc = check_names(c, &c->route[lv], level_keys[lv], t->file, err)) != 0)
            return rc;
        routes += c->route[lv].count > 0;
    }
    for (size_t i = 0; i < c->category_count; i++) {
        char key[96];
        snprintf(key, sizeof key, "category.%s", c->categories[i].category);
        if ((rc = check_names(c, &c->categories[i].channels, key, t->file, err)) != 0)
            return rc;
    }
    if ((rc = check_names(c, &c->backup, "backup", t->file, err)) != 0 ||
        (rc = check_names(c, &c->quiet_route, "quiet_route", t->file, err)) != 0)
        return rc;
    if (c->quiet_from >= 0 && c->quiet_route.count == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "%s: [escalation] quiet_hours needs quiet_route = the channels told "
                                "during quiet hours", t->file);
    if (c->channel_count > 0 && routes == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "%s: channels are configured but no [escalation] route uses them "
                                "(e.g. lawyer = NAME)", t->file);
    return MAMORI_OK;
}

int mamori_escalation_config_activate(struct mamori_escalation_config *c, const char *file, struct mamori_error *err)
{
    int rc;

    if (c == NULL)
        return MAMORI_OK;
#define LOAD(dst, ref, what)                                                                                           \
    if (mamori_secret_ref_set(ref) && (rc = mamori_secret_load(dst, ref, what, err)) != 0)                         \
        return mamori_error_prefix(err, "%s:%d", file, (ref)->line);
    LOAD(&c->line_secret, &c->line_secret_ref, "LINE channel secret")
    LOAD(&c->line_token, &c->line_token_ref, "LINE channel access token")
    for (size_t i = 0; i < c->channel_count; i++) {
        struct mamori_channel *ch = &c->channels[i];
        LOAD(&ch->url_secret, &ch->url_ref, "channel url")
        LOAD(&ch->secret, &ch->secret_ref, "channel signing secret")
        LOAD(&ch->password, &ch->password_ref, "SMTP password")
        if (ch->url_secret.len > 0 && (memchr(ch->url_secret.data, '\n', ch->url_secret.len) != NULL ||
                                       (strncmp((const char *)ch->url_secret.data, "https://", 8) != 0 &&
                                        strncmp((const char *)ch->url_secret.data, "http://", 7) != 0)))
            return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: the url file of [channel %s] must hold one https:// "
                                    "URL", file, ch->url_ref.line, ch->name);
    }
#undef LOAD
    return MAMORI_OK;
}

void mamori_escalation_config_free(struct mamori_escalation_config *c)
{
    if (c == NULL)
        return;
    free(c->language);
    for (int i = 0; i < MAMORI_ESC_LEVELS; i++)
        mamori_strv_free(&c->route[i]);
    for (size_t i = 0; i < c->category_count; i++) {
        free(c->categories[i].category);
        mamori_strv_free(&c->categories[i].channels);
    }
    free(c->categories);
    mamori_strv_free(&c->backup);
    mamori_strv_free(&c->quiet_route);
    free(c->ticket_url);
    free(c->line_api);
    mamori_secret_ref_free(&c->line_secret_ref);
    mamori_secret_ref_free(&c->line_token_ref);
    mamori_secret_free(&c->line_secret);
    mamori_secret_free(&c->line_token);
    for (size_t i = 0; i < c->channel_count; i++) {
        struct mamori_channel *ch = &c->channels[i];
        free(ch->name);
        mamori_strv_free(&ch->to);
        free(ch->url);
        free(ch->from);
        free(ch->username);
        mamori_secret_ref_free(&ch->url_ref);
        mamori_secret_ref_free(&ch->secret_ref);
        mamori_secret_ref_free(&ch->password_ref);
        mamori_secret_free(&ch->url_secret);
        mamori_secret_free(&ch->secret);
        mamori_secret_free(&ch->password);
    }
    free(c->channels);
    free(c);
}
