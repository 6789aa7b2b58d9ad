/*
 * example.c -- the smallest complete mamori plugin. Copy it to start your
 * own: it reads one option, looks for a word in the ticket body, and adds a
 * category with the evidence, a first-response step and a tag.
 *
 * Build out of tree (see README.md in this folder):
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags mamori-plugin) \
 *      -o example.so example.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

struct example_state {
    char *word;   /* the word to look for (option "word") */
};

static const char *const example_options[] = {"word", NULL};

static int example_open(const struct mamori_host *host, const struct mamori_plugin_config *config, void **state,
                        struct mamori_plugin_error *err)
{
    struct example_state *st;
    const char *word = "example";

    for (size_t i = 0; i < config->option_count; i++)
        if (strcmp(config->options[i].key, "word") == 0)
            word = config->options[i].value;
    if (word[0] == '\0') {
        err->code = MAMORI_PLUGIN_EINVAL;
        snprintf(err->message, sizeof err->message, "option word must not be empty");
        return MAMORI_PLUGIN_EINVAL;
    }
    st = calloc(1, sizeof *st);
    if (st == NULL || (st->word = strdup(word)) == NULL) {
        free(st);
        return MAMORI_PLUGIN_ENOMEM;
    }
    host->log(NULL, MAMORI_LOG_INFO, "example plugin looking for \"%s\" for tenant %s", st->word, config->tenant_id);
    *state = st;
    return MAMORI_PLUGIN_OK;
}

static int example_annotate(void *state, const struct mamori_host *host, mamori_request *req,
                            struct mamori_plugin_error *err)
{
    struct example_state *st = state;
    const char *body, *hit;
    size_t len, wlen = strlen(st->word);
    struct mamori_category cat;
    struct mamori_evidence ev;

    (void)err;
    if (host->ticket_field(req, MAMORI_FIELD_BODY, &body, &len) != MAMORI_PLUGIN_OK)
        return MAMORI_PLUGIN_OK;
    /* body is not NUL-terminated in general: search within len bytes. */
    hit = NULL;
    for (size_t i = 0; wlen <= len && i + wlen <= len; i++)
        if (memcmp(body + i, st->word, wlen) == 0) {
            hit = body + i;
            break;
        }
    if (hit == NULL)
        return MAMORI_PLUGIN_OK;

    memset(&cat, 0, sizeof cat);
    cat.struct_size = sizeof cat;
    cat.id = "example";
    cat.label = "Example category";
    cat.score = 1.0;
    cat.severity = MAMORI_SEVERITY_LOW;
    cat.flags = 0;
    if (host->add_category(req, &cat) != MAMORI_PLUGIN_OK)
        return MAMORI_PLUGIN_EINTERNAL;

    memset(&ev, 0, sizeof ev);
    ev.struct_size = sizeof ev;
    ev.category_id = "example";
    ev.field = MAMORI_FIELD_BODY;
    ev.begin = (size_t)(hit - body);
    ev.end = ev.begin + wlen;
    ev.rule_id = "example.word";
    ev.weight = 1.0;
    host->add_evidence(req, &ev);
    host->add_first_response_step(req, "This is what the example plugin says to do first.");
    host->add_tag(req, "mamori-example");
    return MAMORI_PLUGIN_OK;
}

static void example_close(void *state)
{
    struct example_state *st = state;

    if (st != NULL) {
        free(st->word);
        free(st);
    }
}

static const struct mamori_plugin example_plugin = {
    .struct_size = sizeof(struct mamori_plugin),
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR,
    .name = "example",
    .version = "1.0.0",
    .description = "looks for one word and flags it (a template for plugin authors)",
    .flags = MAMORI_PLUGIN_REENTRANT,
    .option_keys = example_options,
    .open = example_open,
    .annotate = example_annotate,
    .close = example_close,
};

MAMORI_PLUGIN_EXPORT const struct mamori_plugin *MAMORI_PLUGIN_ENTRY(uint16_t host_abi_major, uint16_t host_abi_minor)
{
    (void)host_abi_minor;
    return host_abi_major == MAMORI_PLUGIN_ABI_MAJOR ? &example_plugin : NULL;
}
