/* Unit tests: the typed config keys (base/ini_file.h) -- the duration,
 * size and count parsers at their edges, the messages a bad value gets,
 * the suggestion for an unknown key, and the tables themselves (every key
 * described, stored by its loader, and read back with its unit). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ini_file.h"
#include "config/consult.h"
#include "config/escalation.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-keys.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return path;
    fputs(text, f);
    fclose(f);
    return path;
}

static long long dur(const char *v, long long base_ms)
{
    long long out = -12345;
    return mamori_parse_duration(v, base_ms, &out) == 0 ? out : -1;
}

static long long size(const char *v)
{
    long long out = -12345;
    return mamori_parse_size(v, &out) == 0 ? out : -1;
}

static long long count(const char *v)
{
    long long out = -12345;
    return mamori_parse_count(v, &out) == 0 ? out : -1;
}

static void test_parsers(void)
{
    /* Durations: a bare number is in the base unit, as the config always read it. */
    is_int(dur("45", 1000), 45, "a bare number is seconds");
    is_int(dur("30s", 1000), 30, "30s");
    is_int(dur("5m", 1000), 300, "5m is 300 seconds (it used to be read as 5)");
    is_int(dur("2h", 1000), 7200, "2h");
    is_int(dur("1d", 1000), 86400, "1d");
    is_int(dur("0", 1000), 0, "0");
    is_int(dur("2000ms", 1000), 2, "2000ms is 2 seconds");
    is_int(dur("1500ms", 1000), -1, "1500ms is not a whole number of seconds");
    is_int(dur("5000", 1), 5000, "a bare number is milliseconds where the key counts them");
    is_int(dur("5s", 1), 5000, "5s in milliseconds");
    is_int(dur("", 1000), -1, "empty is not a duration");
    is_int(dur("abc", 1000), -1, "abc is not a duration (it used to turn polling off)");
    is_int(dur("5 m", 1000), -1, "a space before the unit is refused");
    is_int(dur(" 5m", 1000), -1, "a leading space is refused");
    is_int(dur("5m ", 1000), -1, "a trailing space is refused");
    is_int(dur("1.5h", 1000), -1, "fractions are refused (write 90m)");
    is_int(dur("-5s", 1000), -1, "negative is refused");
    is_int(dur("+5s", 1000), -1, "a sign is refused");
    is_int(dur("m", 1000), -1, "a unit alone is refused");
    is_int(dur("5x", 1000), -1, "an unknown unit is refused");
    is_int(dur("5mm", 1000), -1, "two units are refused");
    is_int(dur("1h30m", 1000), -1, "compound durations are refused (write 90m)");
    is_int(dur("5M", 1000), -1, "units are lower case (M is a size suffix)");
    is_int(dur("99999999999999999999", 1000), -1, "a number beyond long long is refused, not wrapped");
    is_int(dur("9223372036854775807d", 1000), -1, "a product beyond long long is refused, not wrapped");
    is_int(dur("9223372036854775807ms", 1), 9223372036854775807LL, "the largest value fits");

    /* Sizes. */
    is_int(size("512"), 512, "a bare size is bytes");
    is_int(size("64k"), 65536, "64k");
    is_int(size("64K"), 65536, "64K");
    is_int(size("1M"), 1048576, "1M");
    is_int(size("2GB"), 2147483648LL, "2GB");
    is_int(size("1kb"), 1024, "1kb");
    is_int(size(""), -1, "empty is not a size");
    is_int(size("-1"), -1, "negative is refused");
    is_int(size("1.5M"), -1, "fractions are refused");
    is_int(size("5 M"), -1, "a space before the suffix is refused");
    is_int(size("1T"), -1, "an unknown suffix is refused");
    is_int(size("k"), -1, "a suffix alone is refused");
    is_int(size("99999999999G"), -1, "overflow is refused");

    /* Counts. */
    is_int(count("0"), 0, "0");
    is_int(count("42"), 42, "42");
    is_int(count(""), -1, "empty is not a number");
    is_int(count("-1"), -1, "negative is refused");
    is_int(count("+1"), -1, "a sign is refused");
    is_int(count("1e3"), -1, "exponents are refused");
    is_int(count("12abc"), -1, "trailing text is refused");
    is_int(count("99999999999999999999"), -1, "overflow is refused");
}

static void test_key_messages(void)
{
    static const struct mamori_key table[] = {
        {.name = "poll_interval", .type = MAMORI_KEY_DURATION, .min = 1, .max = 86400, .unit = "seconds"},
        {.name = "workers", .type = MAMORI_KEY_INTEGER, .min = 1, .max = 256, .word = "auto"},
        {.name = "retention_days", .type = MAMORI_KEY_INTEGER, .min = 0, .max = 36500, .unit = "days"},
        {.name = "max_body", .type = MAMORI_KEY_SIZE, .min = 1024, .max = 64 * 1024 * 1024},
        {.name = "synchronous", .type = MAMORI_KEY_ENUM, .values = "full|normal"},
        {.name = "listen_mode", .type = MAMORI_KEY_MODE, .min = 0, .max = 0777},
        {.name = "webhook_secret", .type = MAMORI_KEY_SECRET},
        {.name = "url", .type = MAMORI_KEY_URL, .values = "https|http"},
        {.name = "category.*", .type = MAMORI_KEY_LIST},
        {.name = NULL}};
    struct mamori_key_value v;
    struct mamori_error err;
    const struct mamori_key *k;

    is_int(mamori_key_check(table, "helpdesk", "x(5)", "poll_interval", "5m", &k, &v, &err), 0, "5m is accepted");
    is_int(v.number, 300, "... as 300 seconds");
    is_int(mamori_key_check(table, "helpdesk", "x(5)", "poll_interval", "abc", &k, &v, &err), MAMORI_EINVAL,
           "abc is refused");
    is_str(err.message, "poll_interval = \"abc\": not a duration (use e.g. 30s, 5m, 1h)", "... saying what to write");
    mamori_key_check(table, "helpdesk", "x(5)", "poll_interval", "2d", &k, &v, &err);
    is_str(err.message, "poll_interval = \"2d\": must be from 1s to 1d", "a duration out of range names the range");
    mamori_key_check(table, "server", "x(5)", "workers", "300", &k, &v, &err);
    is_str(err.message, "workers = \"300\": must be from 1 to 256, or auto", "the extra word is named with the range");
    is_int(mamori_key_check(table, "server", "x(5)", "workers", "auto", &k, &v, &err), 0, "the extra word is accepted");
    is_int(v.is_word, 1, "... and flagged");
    mamori_key_check(table, "store", "x(5)", "retention_days", "-1", &k, &v, &err);
    is_str(err.message, "retention_days = \"-1\": not a whole number", "a negative number is refused");
    mamori_key_check(table, "store", "x(5)", "retention_days", "99999", &k, &v, &err);
    is_str(err.message, "retention_days = \"99999\": must be from 0 to 36500 days", "the unit is named");
    mamori_key_check(table, "server", "x(5)", "max_body", "100M", &k, &v, &err);
    is_str(err.message, "max_body = \"100M\": must be from 1k to 64M", "sizes are shown with suffixes");
    mamori_key_check(table, "store", "x(5)", "synchronous", "fast", &k, &v, &err);
    is_str(err.message, "synchronous = \"fast\": use full or normal", "enum words are listed");
    is_int(mamori_key_check(table, "store", "x(5)", "synchronous", "normal", &k, &v, &err), 0, "an enum word");
    is_int(v.number, 1, "... is its index");
    is_int(mamori_key_check(table, "server", "x(5)", "listen_mode", "0660", &k, &v, &err), 0, "an octal mode");
    is_int(v.number, 0660, "... is read in octal");
    is_int(mamori_key_check(table, "server", "x(5)", "listen_mode", "0999", &k, &v, &err), MAMORI_EINVAL,
           "9 is not an octal digit");
    is_int(mamori_key_check(table, "server", "x(5)", "listen_mode", "01777", &k, &v, &err), MAMORI_EINVAL,
           "a mode above the maximum is refused");
    contains_str((mamori_key_check(table, "t", "x(5)", "webhook_secret", "hunter2", &k, &v, &err), err.message),
                 "secrets are never written inline", "an inline secret is refused");
    is_int(mamori_key_check(table, "t", "x(5)", "webhook_secret_file", "s/acme", &k, &v, &err), 0,
           "NAME_file names the secret key");
    is_int(mamori_key_check(table, "t", "x(5)", "webhook_secret_env", "1BAD", &k, &v, &err), MAMORI_EINVAL,
           "NAME_env must be a variable name");
    is_int(mamori_key_check(table, "h", "x(5)", "url", "ftp://x", &k, &v, &err), MAMORI_EINVAL, "a wrong scheme");
    is_str(err.message, "url = \"ftp://x\": use a URL starting with https:// or http://", "... names the schemes");
    is_int(mamori_key_check(table, "e", "x(5)", "category.harassment", "a, b", &k, &v, &err), 0,
           "a prefix key matches");
    is_int(mamori_key_check(table, "e", "x(5)", "category.", "a", &k, &v, &err), MAMORI_EINVAL,
           "... but not with nothing after the dot");

    mamori_key_check(table, "helpdesk", "mamori-tenant(5)", "poll_intervall", "5", &k, &v, &err);
    is_str(err.message, "unknown key \"poll_intervall\" in [helpdesk] -- did you mean \"poll_interval\"? (see "
                        "mamori-tenant(5))", "an unknown key gets the nearest known one");
    is_str(mamori_key_suggest(table, "wokers"), "workers", "a dropped letter");
    is_str(mamori_key_suggest(table, "webhook_secret_fil"), "webhook_secret_file", "the secret forms are suggested");
    ok(mamori_key_suggest(table, "colour") == NULL, "nothing is suggested for a key unlike any");
    mamori_key_check(table, "server", "mamori.conf(5)", "colour", "5", &k, &v, &err);
    is_str(err.message, "unknown key \"colour\" in [server] (see mamori.conf(5))", "... and the message says so");
}

/* Every table: names unique (but the plain and secret forms of one name),
 * every key described, ranges sane, and a check of its own default. */
static void check_table(const char *what, const struct mamori_key *table)
{
    int bad = 0;

    for (const struct mamori_key *k = table; k->name != NULL; k++) {
        char buf[256];
        if (k->description == NULL || k->description[0] == '\0')
            diag("%s %s has no description", what, k->name), bad++;
        if (k->type < 0 || k->type >= MAMORI_KEY_TYPE_COUNT)
            diag("%s %s has no type", what, k->name), bad++;
        if (k->min > k->max)
            diag("%s %s: min above max", what, k->name), bad++;
        if (k->type == MAMORI_KEY_ENUM && (k->values == NULL || strchr(k->values, '|') == NULL))
            diag("%s %s: an enum needs two words or more", what, k->name), bad++;
        for (const struct mamori_key *j = table; j < k; j++)
            if (strcmp(j->name, k->name) == 0 && (j->type == MAMORI_KEY_SECRET) == (k->type == MAMORI_KEY_SECRET))
                diag("%s %s appears twice", what, k->name), bad++;
        /* A documented default that is a value must be a valid one. */
        if (k->def != NULL && strchr(k->def, ' ') == NULL && strchr(k->def, '/') == NULL &&
            strchr(k->def, '[') == NULL && k->type != MAMORI_KEY_STRING &&
            mamori_key_parse(k, k->name, k->def, NULL, NULL) != 0)
            diag("%s %s: the default \"%s\" does not parse", what, k->name, k->def), bad++;
        mamori_key_describe(k, buf, sizeof buf);
    }
    is_int(bad, 0, "the %s keys are complete and consistent", what);
}

static void test_tables(void)
{
    for (const struct mamori_key_section *s = mamori_settings_sections; s->name != NULL; s++)
        check_table(s->name, s->keys);
    for (const struct mamori_key_section *s = mamori_tenant_sections; s->name != NULL; s++)
        check_table(s->name, s->keys);
    for (const struct mamori_key_section *s = mamori_escalation_sections; s->name != NULL; s++)
        check_table(s->name, s->keys);
    for (const struct mamori_key_section *s = mamori_consult_sections; s->name != NULL; s++)
        check_table(s->name, s->keys);
    for (const struct mamori_connector *const *c = mamori_connector_all(); *c != NULL; c++) {
        ok((*c)->keys != NULL && mamori_key_find((*c)->keys, "note_format") != NULL,
           "connector %s declares its keys, the common ones too", (*c)->name);
        check_table((*c)->name, (*c)->keys);
    }
}

/* A valid value for k, to load it through the real loader. */
static const char *sample(const struct mamori_key *k, char *buf, size_t size)
{
    switch (k->type) {
    case MAMORI_KEY_INTEGER:
    case MAMORI_KEY_SIZE:
    case MAMORI_KEY_DURATION:
    case MAMORI_KEY_MODE: mamori_key_format_number(k, k->max, buf, size); return buf;
    case MAMORI_KEY_BOOL: return "yes";
    case MAMORI_KEY_ENUM: snprintf(buf, size, "%.*s", (int)strcspn(k->values, "|"), k->values); return buf;
    case MAMORI_KEY_URL: return "https://example.com";
    default: return "sample";
    }
}

static void test_settings_store_every_key(void)
{
    int bad = 0, n = 0;

    for (const struct mamori_key_section *s = mamori_settings_sections; s->name != NULL; s++)
        for (const struct mamori_key *k = s->keys; k->name != NULL; k++) {
            struct mamori_settings st;
            struct mamori_error err;
            char text[256], buf[64];
            /* A secret is named through its file, never inline. */
            /* [store] url takes a PostgreSQL URL only (a path is [store] path). */
            int pg_url = strcmp(s->name, "store") == 0 && strcmp(k->name, "url") == 0;
            snprintf(text, sizeof text, "[%s]\n%s%s = %s\n", s->name, k->name,
                     k->type == MAMORI_KEY_SECRET ? "_file" : "",
                     pg_url ? "postgresql://mamori@/mamori" : sample(k, buf, sizeof buf));
            if (mamori_settings_load(&st, write_file("every.conf", text), &err) != 0)
                diag("[%s] %s: %s", s->name, k->name, err.message), bad++;
            mamori_settings_free(&st);
            n++;
        }
    is_int(bad, 0, "each of the %d keys of mamori.conf loads through the table (its largest value)", n);
}

/* The numbers a settings struct holds, compared field by field. */
static int same_numbers(const struct mamori_settings *a, const struct mamori_settings *b)
{
    return a->listen_mode == b->listen_mode && a->workers == b->workers && a->max_body == b->max_body &&
           a->log_level == b->log_level && a->use_syslog == b->use_syslog &&
           a->shutdown_timeout == b->shutdown_timeout && a->sync_mode == b->sync_mode &&
           a->busy_timeout_ms == b->busy_timeout_ms && a->retention_days == b->retention_days &&
           a->replay_window == b->replay_window && a->deliver_max_attempts == b->deliver_max_attempts &&
           a->deliver_timeout == b->deliver_timeout && a->deliver_concurrency == b->deliver_concurrency &&
           a->allow_http == b->allow_http && a->deliver_retry_base == b->deliver_retry_base &&
           a->deliver_retry_max == b->deliver_retry_max && a->deliver_rate == b->deliver_rate;
}

/* The default the man page shows is the one the code uses: writing it
 * explicitly changes nothing. */
static void test_documented_defaults(void)
{
    struct mamori_settings def;
    int bad = 0, n = 0;

    mamori_settings_defaults(&def);
    for (const struct mamori_key_section *s = mamori_settings_sections; s->name != NULL; s++)
        for (const struct mamori_key *k = s->keys; k->name != NULL; k++) {
            struct mamori_settings st;
            struct mamori_error err;
            char text[256];
            if (k->def == NULL || k->type == MAMORI_KEY_PATH || k->type == MAMORI_KEY_STRING)
                continue;
            snprintf(text, sizeof text, "[%s]\n%s = %s\n", s->name, k->name, k->def);
            if (mamori_settings_load(&st, write_file("def.conf", text), &err) != 0 || !same_numbers(&st, &def))
                diag("[%s] %s: the documented default %s is not the code's", s->name, k->name, k->def), bad++;
            mamori_settings_free(&st);
            n++;
        }
    mamori_settings_free(&def);
    is_int(bad, 0, "the documented defaults of the %d typed keys of mamori.conf are the code's", n);
}

/* The same for [escalation]: a tenant that writes the documented default
 * gets what a tenant with [escalation] and no other key gets (language is
 * there only so that the section exists). */
static int read_escalation(const char *lines, struct mamori_tenant *t, struct mamori_error *err)
{
    struct mamori_settings s;
    char text[512];
    int rc;

    mamori_settings_defaults(&s);
    snprintf(text, sizeof text, "[tenant]\nconnector = generic\nwebhook_secret_env = X\n[escalation]\nlanguage = ja\n%s\n"
                                "[plugin a]\npath = a\n", lines);
    rc = mamori_tenant_read(t, write_file("esc.conf", text), &s, err);
    mamori_settings_free(&s);
    return rc;
}

static void test_escalation_defaults(void)
{
    struct mamori_tenant base, t;
    struct mamori_error err;
    int bad = 0, n = 0;

    if (read_escalation("", &base, &err) != 0 || base.escalation == NULL) {
        ok(0, "a tenant with a bare [escalation] loads: %s", err.message);
        mamori_tenant_free(&base);
        return;
    }
    for (const struct mamori_key *k = mamori_escalation_sections[0].keys; k->name != NULL; k++) {
        const struct mamori_escalation_config *a = base.escalation, *b;
        char line[128];
        if (k->def == NULL || strncmp(k->def, "the ", 4) == 0)
            continue;
        snprintf(line, sizeof line, "%s = %s", k->name, k->def);
        n++;
        if (read_escalation(line, &t, &err) != 0 || (b = t.escalation) == NULL) {
            diag("[escalation] %s: %s", line, err.message), bad++;
        } else if (a->quiet_from != b->quiet_from || a->quiet_to != b->quiet_to || a->utc_offset != b->utc_offset ||
                   a->ack_deadline != b->ack_deadline || a->ack_levels != b->ack_levels ||
                   a->redact_customer != b->redact_customer || a->evidence_chars != b->evidence_chars ||
                   a->evidence_items != b->evidence_items || a->digest_period != b->digest_period ||
                   a->digest_after != b->digest_after) {
            diag("[escalation] %s is not the code's default", line), bad++;
        }
        mamori_tenant_free(&t);
    }
    mamori_tenant_free(&base);
    is_int(bad, 0, "the documented defaults of the %d [escalation] keys that have one are the code's", n);
}

static void test_settings_units(void)
{
    struct mamori_settings s;
    struct mamori_error err;

    is_int(mamori_settings_load(&s, write_file("u.conf", "[server]\nshutdown_timeout = 2m\n[store]\n"
                                                         "busy_timeout = 2s\n[webhook]\nreplay_window = 10m\n"
                                                         "[deliver]\nretry_max = 1h\ntimeout = 45\n"),
                                   &err),
           0, "durations with units load");
    is_int(s.shutdown_timeout, 120, "shutdown_timeout = 2m is 120 s");
    is_int(s.busy_timeout_ms, 2000, "busy_timeout = 2s is 2000 ms");
    is_int(s.replay_window, 600, "replay_window = 10m is 600 s");
    is_int(s.deliver_retry_max, 3600, "retry_max = 1h");
    is_int(s.deliver_timeout, 45, "a bare number is still seconds");
    mamori_settings_free(&s);
}

static void test_helpdesk_number(void)
{
    struct mamori_settings s;
    struct mamori_tenant t;
    struct mamori_error err;

    mamori_settings_defaults(&s);
    is_int(mamori_tenant_read(&t, write_file("rm.conf", "[tenant]\nconnector = redmine\nwebhook_secret_env = X\n"
                                                        "[helpdesk]\npoll_interval = 5m\n[plugin a]\npath = a\n"),
                              &s, &err),
           0, "a redmine tenant with poll_interval = 5m loads");
    is_int(mamori_tenant_helpdesk_number(&t, "poll_interval", 60), 300, "the poller reads 300 seconds");
    is_int(mamori_tenant_helpdesk_number(&t, "poll_overlap", 2), 2, "an unset key reads its default");
    mamori_tenant_free(&t);
    is_int(mamori_tenant_read(&t, write_file("rm.conf", "[tenant]\nconnector = redmine\nwebhook_secret_env = X\n"
                                                        "[helpdesk]\npoll_interval = abc\n[plugin a]\npath = a\n"),
                              &s, &err),
           MAMORI_EINVAL, "poll_interval = abc is refused (it used to turn polling off silently)");
    contains_str(err.message, "rm.conf:5: poll_interval = \"abc\": not a duration", "... with file and line");
    mamori_tenant_free(&t);
    mamori_settings_free(&s);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    test_parsers();
    test_key_messages();
    test_tables();
    test_settings_store_every_key();
    test_settings_units();
    test_documented_defaults();
    test_escalation_defaults();
    test_helpdesk_number();
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            diag("could not remove %s", dir);
    }
    return done();
}
