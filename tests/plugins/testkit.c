/*
 * testkit.c -- a plugin for the daemon tests. Options:
 *   sleep_ms  = N     annotate() sleeps N ms (in-flight requests at SIGTERM)
 *   fail_open = yes   open() fails with a message
 *   crash_open = yes  open() dereferences NULL (SIGSEGV)
 *   fail      = WORD  annotate() fails when the body contains WORD
 *   crash     = WORD  annotate() calls abort() when the body contains WORD
 *   hang      = WORD  annotate() never returns when the body contains WORD
 *                     (it sleeps rather than spins, so a test does not
 *                     burn the CPU; to the supervisor both look the same)
 *   tag_channel = yes tag the ticket channel-<its channel> (what the host
 *                     told the plugin: a tenant's [channel_map] applied)
 * Every ticket gets category "testkit" (harassment) with evidence on the
 * first body byte range "threat" if present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mamori/plugin.h>

struct testkit {
    long sleep_ms;
    char fail[64];
    char crash[64];
    char hang[64];
    int tag_channel;
};

static const char *const keys[] = {"sleep_ms", "fail_open", "crash_open", "fail", "crash", "hang", "tag_channel", NULL};

static int contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static int tk_open(const struct mamori_host *host, const struct mamori_plugin_config *cfg, void **state,
                   struct mamori_plugin_error *err)
{
    struct testkit *t = calloc(1, sizeof *t);

    (void)host;
    if (t == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    for (size_t i = 0; i < cfg->option_count; i++) {
        const char *k = cfg->options[i].key, *v = cfg->options[i].value;
        if (strcmp(k, "sleep_ms") == 0)
            t->sleep_ms = atol(v);
        else if (strcmp(k, "fail_open") == 0 && strcmp(v, "yes") == 0) {
            free(t);
            snprintf(err->message, sizeof err->message, "testkit was told to fail (fail_open = yes)");
            return MAMORI_PLUGIN_EINVAL;
        } else if (strcmp(k, "crash_open") == 0 && strcmp(v, "yes") == 0) {
            volatile int *volatile nowhere = NULL;
            *nowhere = 1;
        } else if (strcmp(k, "fail") == 0)
            snprintf(t->fail, sizeof t->fail, "%s", v);
        else if (strcmp(k, "crash") == 0)
            snprintf(t->crash, sizeof t->crash, "%s", v);
        else if (strcmp(k, "hang") == 0)
            snprintf(t->hang, sizeof t->hang, "%s", v);
        else if (strcmp(k, "tag_channel") == 0)
            t->tag_channel = strcmp(v, "yes") == 0;
    }
    *state = t;
    return 0;
}

static int tk_annotate(void *state, const struct mamori_host *host, mamori_request *req,
                       struct mamori_plugin_error *err)
{
    struct testkit *t = state;
    struct mamori_category c = {sizeof c, "testkit", "Testkit", 2.0, MAMORI_SEVERITY_HIGH,
                                MAMORI_CATEGORY_HARASSMENT, {0}};
    const char *body = "";
    size_t len = 0;

    host->ticket_field(req, MAMORI_FIELD_BODY, &body, &len);
    if (t->sleep_ms > 0) {
        struct timespec ts = {t->sleep_ms / 1000, (t->sleep_ms % 1000) * 1000000L};
        /* Tests wait for this line to know a request is in flight. */
        host->log(req, MAMORI_LOG_INFO, "testkit: sleeping %ld ms", t->sleep_ms);
        nanosleep(&ts, NULL);
    }
    if (contains(body, len, t->crash))
        abort();
    if (contains(body, len, t->hang)) {
        /* Tests wait for this line to know the worker is stuck. */
        host->log(req, MAMORI_LOG_INFO, "testkit: hanging");
        for (;;) {
            struct timespec ts = {3600, 0};
            nanosleep(&ts, NULL);
        }
    }
    if (contains(body, len, t->fail)) {
        snprintf(err->message, sizeof err->message, "testkit failure on request");
        return MAMORI_PLUGIN_EINTERNAL;
    }
    host->add_category(req, &c);
    host->add_first_response_step(req, "Record the exact words.");
    host->raise_escalation(req, &(struct mamori_escalation){sizeof(struct mamori_escalation), MAMORI_ESCALATE_LAWYER,
                                                             "testkit", "test reason", "刑法222条", {0}});
    host->add_tag(req, "mamori-testkit");
    if (t->tag_channel) {
        const char *ch = "";
        size_t chl = 0;
        char tag[80];
        host->ticket_field(req, MAMORI_FIELD_CHANNEL, &ch, &chl);
        snprintf(tag, sizeof tag, "channel-%.*s", (int)(chl < 60 ? chl : 60), ch);
        host->add_tag(req, tag);
    }
    return 0;
}

static void tk_close(void *state)
{
    free(state);
}

static const struct mamori_plugin testkit = {
    .struct_size = sizeof(struct mamori_plugin),
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR,
    .name = "testkit",
    .version = "1.0",
    .description = "test helper plugin",
    .option_keys = keys,
    .open = tk_open,
    .annotate = tk_annotate,
    .close = tk_close,
};

MAMORI_PLUGIN_EXPORT const struct mamori_plugin *MAMORI_PLUGIN_ENTRY(uint16_t major, uint16_t minor)
{
    (void)major;
    (void)minor;
    return &testkit;
}
