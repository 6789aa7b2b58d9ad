/*
 * mamori/plugin_mock.h -- a mock host for unit-testing a plugin without the
 * daemon (header-only; install: `pkg-config --cflags mamori-plugin-mock`).
 *
 * Build a ticket, run the plugin's open() / annotate() / close() through a
 * host table that checks every call the way mamori-fcgi does, and read back
 * what the plugin added:
 *
 *   #include <mamori/plugin_mock.h>
 *
 *   mamori_request *t = mamori_mock_new();
 *   mamori_mock_set_field(t, MAMORI_FIELD_BODY, "壊れていたので交換してください");
 *   const char *options[] = {"word", "交換", NULL};
 *   rc = mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), options, &err);
 *   assert(rc == 0 && t->category_count == 1);
 *   assert(strcmp(t->categories[0].id, "example") == 0);
 *   assert(strcmp(t->evidence[0].quote, "交換") == 0);
 *   assert(t->step_count == 1);      // first response: t->steps[0]
 *   mamori_mock_free(t);
 *
 * The plugin's source is compiled into the test (or the test dlopen()s the
 * .so and looks up MAMORI_PLUGIN_ENTRY_NAME). Everything here is static
 * inline, so including it in several files of one test is fine; it uses
 * only the C library. Every result is owned by the mock request and freed
 * by mamori_mock_free().
 *
 * What the mock checks like the host does (a call it refuses returns
 * MAMORI_PLUGIN_EINVAL or ENOTFOUND and is counted in t->refused, so a test
 * can assert that none was): struct_size of every struct at least its 1.0
 * size, category ids [a-z0-9_]{1,64}, severities, levels, evidence ranges
 * inside the field and on UTF-8 character boundaries, evidence only for an
 * added category, tags [a-z0-9_:-]{1,64}, http(s) training links, valid
 * UTF-8 text; options the descriptor does not declare are refused before
 * open() as the host refuses them in a tenant file. What it does not do:
 * the store (history_count answers t->contacts, default 1), the plugin
 * chain, notes, escalation delivery.
 */
#ifndef MAMORI_PLUGIN_MOCK_H
#define MAMORI_PLUGIN_MOCK_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A category as the plugin added it (ids and labels copied). */
struct mamori_mock_category {
    char *id;
    char *label;            /* or NULL */
    double score;
    int severity;           /* enum mamori_severity */
    uint32_t flags;         /* MAMORI_CATEGORY_* */
};

/* A piece of evidence, with the quoted bytes copied out of the field. */
struct mamori_mock_evidence {
    char *category_id;
    char *field;            /* MAMORI_FIELD_SUBJECT or MAMORI_FIELD_BODY */
    size_t begin, end;
    char *rule_id;          /* or NULL */
    double weight;
    char *quote;            /* field[begin, end), NUL-terminated */
};

struct mamori_mock_list {
    char **items;
    size_t count;
};

/* The mock's request: the ticket in, the annotation out. Read the results
 * from the fields below; change the ticket only with the functions. */
struct mamori_request {
    /* the ticket */
    struct mamori_mock_list field_names, field_values;
    struct mamori_mock_list ticket_tags;
    int64_t contacts;                       /* history_count("contacts") */

    /* the annotation */
    struct mamori_mock_category *categories;
    size_t category_count;
    struct mamori_mock_evidence *evidence;
    size_t evidence_count;
    char **steps;                           /* first-response steps, in order, no duplicates */
    size_t step_count;
    char *reply_draft;                      /* or NULL */
    struct mamori_mock_list link_titles, link_urls;
    int flame_level;                        /* enum mamori_flame_level, the highest set */
    struct mamori_mock_list flame_advice;
    int escalation_level;                   /* enum mamori_escalation_level, the highest raised */
    struct mamori_mock_list escalation_reasons, legal_basis;
    struct mamori_mock_list tags;           /* tags the plugin adds */
    struct mamori_mock_list sources;        /* "kind id version" */

    /* the run */
    int refused;                            /* host calls refused as the real host would */
    char last_log[512];                     /* the plugin's last log line */
    size_t log_count;
    int echo_log;                           /* also print log lines on stderr (default: MAMORI_MOCK_LOG set) */
};

/* ---- internals (names end in _) ---- */

static mamori_request *mamori_mock_current_;

static inline char *mamori_mock_strndup_(const char *s, size_t n)
{
    char *c = (char *)malloc(n + 1);
    if (c != NULL) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static inline char *mamori_mock_strdup_(const char *s)
{
    return s == NULL ? NULL : mamori_mock_strndup_(s, strlen(s));
}

static inline int mamori_mock_list_find_(const struct mamori_mock_list *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return (int)i;
    return -1;
}

static inline int mamori_mock_list_push_(struct mamori_mock_list *l, const char *s, size_t n)
{
    char **grown = (char **)realloc(l->items, (l->count + 1) * sizeof *l->items);
    if (grown == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    l->items = grown;
    if ((l->items[l->count] = mamori_mock_strndup_(s, n)) == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    l->count++;
    return MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_list_push_unique_(struct mamori_mock_list *l, const char *s)
{
    return mamori_mock_list_find_(l, s) >= 0 ? MAMORI_PLUGIN_OK : mamori_mock_list_push_(l, s, strlen(s));
}

static inline void mamori_mock_list_free_(struct mamori_mock_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Whether s[0, n) is valid UTF-8 (no overlongs, no surrogates). */
static inline int mamori_mock_utf8_ok_(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i], need, min, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, min = 0x80, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, min = 0x800, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        for (unsigned k = 1; k <= need; k++) {
            if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

static inline int mamori_mock_text_ok_(const char *s)
{
    return s != NULL && mamori_mock_utf8_ok_(s, strlen(s));
}

static inline int mamori_mock_refuse_(mamori_request *req, int rc)
{
    if (req != NULL)
        req->refused++;
    return rc;
}

static inline int mamori_mock_id_ok_(const char *id, int tag)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (tag && (c == ':' || c == '-'))))
            return 0;
    }
    return 1;
}

/* ---- the host functions ---- */

static inline void mamori_mock_log_(mamori_request *req, int level, const char *fmt, ...) MAMORI_PRINTF(3, 4);
static inline void mamori_mock_log_(mamori_request *req, int level, const char *fmt, ...)
{
    mamori_request *m = req != NULL ? req : mamori_mock_current_;
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (m != NULL) {
        memcpy(m->last_log, line, sizeof line);
        m->log_count++;
    }
    if (m == NULL || m->echo_log)
        fprintf(stderr, "mock host: plugin log level=%d: %s\n", level, line);
}

static inline int mamori_mock_ticket_field_(mamori_request *req, const char *name, const char **value, size_t *len)
{
    int i = name ? mamori_mock_list_find_(&req->field_names, name) : -1;
    if (i < 0)
        return MAMORI_PLUGIN_ENOTFOUND;
    *value = req->field_values.items[i];
    *len = strlen(*value);
    return MAMORI_PLUGIN_OK;
}

static inline size_t mamori_mock_tag_count_(mamori_request *req)
{
    return req->ticket_tags.count;
}

static inline const char *mamori_mock_tag_(mamori_request *req, size_t i)
{
    return i < req->ticket_tags.count ? req->ticket_tags.items[i] : NULL;
}

static inline int mamori_mock_history_(mamori_request *req, const char *counter, uint32_t days, int64_t *out)
{
    (void)days;
    if (counter == NULL || strcmp(counter, MAMORI_COUNTER_CONTACTS) != 0)
        return MAMORI_PLUGIN_ENOTFOUND;
    *out = req->contacts;
    return MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_add_category_(mamori_request *req, const struct mamori_category *c)
{
    struct mamori_mock_category *grown;

    if (c == NULL || c->struct_size < offsetof(struct mamori_category, reserved) || !mamori_mock_id_ok_(c->id, 0) ||
        (c->label && !mamori_mock_text_ok_(c->label)) || c->severity < MAMORI_SEVERITY_NONE ||
        c->severity > MAMORI_SEVERITY_CRITICAL || c->score != c->score)
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    for (size_t i = 0; i < req->category_count; i++)
        if (strcmp(req->categories[i].id, c->id) == 0) {
            /* The same id again keeps the higher score and severity. */
            if (c->score > req->categories[i].score)
                req->categories[i].score = c->score;
            if (c->severity > req->categories[i].severity)
                req->categories[i].severity = c->severity;
            req->categories[i].flags |= c->flags;
            return MAMORI_PLUGIN_OK;
        }
    grown = (struct mamori_mock_category *)realloc(req->categories, (req->category_count + 1) * sizeof *grown);
    if (grown == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    req->categories = grown;
    memset(&grown[req->category_count], 0, sizeof *grown);
    grown[req->category_count].id = mamori_mock_strdup_(c->id);
    grown[req->category_count].label = mamori_mock_strdup_(c->label);
    grown[req->category_count].score = c->score;
    grown[req->category_count].severity = c->severity;
    grown[req->category_count].flags = c->flags;
    req->category_count++;
    if (grown[req->category_count - 1].id == NULL || (c->label && grown[req->category_count - 1].label == NULL))
        return MAMORI_PLUGIN_ENOMEM;
    return MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_add_evidence_(mamori_request *req, const struct mamori_evidence *e)
{
    struct mamori_mock_evidence *grown, *ev;
    const char *text;
    size_t len;
    int found = 0;

    if (e == NULL || e->struct_size < offsetof(struct mamori_evidence, reserved) || e->category_id == NULL ||
        e->field == NULL)
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    for (size_t i = 0; i < req->category_count; i++)
        found |= strcmp(req->categories[i].id, e->category_id) == 0;
    if (!found)
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_ENOTFOUND);
    if ((strcmp(e->field, MAMORI_FIELD_SUBJECT) != 0 && strcmp(e->field, MAMORI_FIELD_BODY) != 0) ||
        mamori_mock_ticket_field_(req, e->field, &text, &len) != 0 || e->begin >= e->end || e->end > len ||
        ((unsigned char)text[e->begin] & 0xC0) == 0x80 ||
        (e->end < len && ((unsigned char)text[e->end] & 0xC0) == 0x80) ||
        (e->rule_id != NULL && !mamori_mock_text_ok_(e->rule_id)))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    grown = (struct mamori_mock_evidence *)realloc(req->evidence, (req->evidence_count + 1) * sizeof *grown);
    if (grown == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    req->evidence = grown;
    ev = &grown[req->evidence_count++];
    memset(ev, 0, sizeof *ev);
    ev->category_id = mamori_mock_strdup_(e->category_id);
    ev->field = mamori_mock_strdup_(e->field);
    ev->begin = e->begin;
    ev->end = e->end;
    ev->rule_id = mamori_mock_strdup_(e->rule_id);
    ev->weight = e->weight;
    ev->quote = mamori_mock_strndup_(text + e->begin, e->end - e->begin);
    if (ev->category_id == NULL || ev->field == NULL || ev->quote == NULL || (e->rule_id && ev->rule_id == NULL))
        return MAMORI_PLUGIN_ENOMEM;
    return MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_add_step_(mamori_request *req, const char *step)
{
    struct mamori_mock_list l;
    int rc;

    if (!mamori_mock_text_ok_(step) || step[0] == '\0')
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    l.items = req->steps;
    l.count = req->step_count;
    rc = mamori_mock_list_push_unique_(&l, step);
    req->steps = l.items;
    req->step_count = l.count;
    return rc;
}

static inline int mamori_mock_set_reply_draft_(mamori_request *req, const char *draft)
{
    char *copy;

    if (!mamori_mock_text_ok_(draft))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    if ((copy = mamori_mock_strdup_(draft)) == NULL)
        return MAMORI_PLUGIN_ENOMEM;
    free(req->reply_draft);
    req->reply_draft = copy;
    return MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_add_link_(mamori_request *req, const char *title, const char *url)
{
    int rc;

    if (!mamori_mock_text_ok_(url) || (title && !mamori_mock_text_ok_(title)) ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    if (mamori_mock_list_find_(&req->link_urls, url) >= 0)
        return MAMORI_PLUGIN_OK;
    if ((rc = mamori_mock_list_push_(&req->link_titles, title ? title : "", title ? strlen(title) : 0)) != 0)
        return rc;
    return mamori_mock_list_push_(&req->link_urls, url, strlen(url));
}

static inline int mamori_mock_set_flame_(mamori_request *req, int level, const char *advice)
{
    if (level < MAMORI_FLAME_NONE || level > MAMORI_FLAME_HIGH || (advice && !mamori_mock_text_ok_(advice)))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    if (level > req->flame_level)
        req->flame_level = level;
    return advice != NULL && advice[0] != '\0' ? mamori_mock_list_push_unique_(&req->flame_advice, advice)
                                                : MAMORI_PLUGIN_OK;
}

static inline int mamori_mock_raise_(mamori_request *req, const struct mamori_escalation *e)
{
    int rc = MAMORI_PLUGIN_OK;

    if (e == NULL || e->struct_size < offsetof(struct mamori_escalation, reserved) || e->level < MAMORI_ESCALATE_NONE ||
        e->level > MAMORI_ESCALATE_POLICE || (e->reason && !mamori_mock_text_ok_(e->reason)) ||
        (e->legal_basis && !mamori_mock_text_ok_(e->legal_basis)))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    if (e->level > req->escalation_level)
        req->escalation_level = e->level;
    if (e->reason != NULL && e->reason[0] != '\0')
        rc = mamori_mock_list_push_unique_(&req->escalation_reasons, e->reason);
    if (rc == 0 && e->legal_basis != NULL && e->legal_basis[0] != '\0')
        rc = mamori_mock_list_push_unique_(&req->legal_basis, e->legal_basis);
    return rc;
}

static inline int mamori_mock_add_tag_(mamori_request *req, const char *tag)
{
    if (!mamori_mock_id_ok_(tag, 1))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    return mamori_mock_list_push_unique_(&req->tags, tag);
}

static inline int mamori_mock_add_source_(mamori_request *req, const char *kind, const char *id, const char *version)
{
    char line[512];

    if (!mamori_mock_text_ok_(kind) || !mamori_mock_text_ok_(id) || (version && !mamori_mock_text_ok_(version)))
        return mamori_mock_refuse_(req, MAMORI_PLUGIN_EINVAL);
    snprintf(line, sizeof line, "%s %s%s%s", kind, id, version ? " " : "", version ? version : "");
    return mamori_mock_list_push_unique_(&req->sources, line);
}

/* ---- the API ---- */

/* The host table the mock hands to plugins. */
static inline const struct mamori_host *mamori_mock_host(void)
{
    static const struct mamori_host host = {
        sizeof(struct mamori_host),
        MAMORI_PLUGIN_ABI_MAJOR,
        MAMORI_PLUGIN_ABI_MINOR,
        mamori_mock_log_,
        mamori_mock_ticket_field_,
        mamori_mock_tag_count_,
        mamori_mock_tag_,
        mamori_mock_history_,
        mamori_mock_add_category_,
        mamori_mock_add_evidence_,
        mamori_mock_add_step_,
        mamori_mock_set_reply_draft_,
        mamori_mock_add_link_,
        mamori_mock_set_flame_,
        mamori_mock_raise_,
        mamori_mock_add_tag_,
        mamori_mock_add_source_,
        NULL, /* open_config_file (1.1): a plugin under test opens its files itself */
        {NULL},
    };
    return &host;
}

/* A new, empty ticket (contacts = 1), or NULL when out of memory. Free with
 * mamori_mock_free(). */
static inline mamori_request *mamori_mock_new(void)
{
    mamori_request *m = (mamori_request *)calloc(1, sizeof *m);
    if (m != NULL) {
        m->contacts = 1;
        m->echo_log = getenv("MAMORI_MOCK_LOG") != NULL;
    }
    return m;
}

/* Set a ticket field (MAMORI_FIELD_*); value is copied and must be valid
 * UTF-8 (as the host guarantees). 0, EINVAL or ENOMEM. */
static inline int mamori_mock_set_field(mamori_request *m, const char *name, const char *value)
{
    int i;

    if (name == NULL || value == NULL || !mamori_mock_text_ok_(value))
        return MAMORI_PLUGIN_EINVAL;
    if ((i = mamori_mock_list_find_(&m->field_names, name)) >= 0) {
        char *copy = mamori_mock_strdup_(value);
        if (copy == NULL)
            return MAMORI_PLUGIN_ENOMEM;
        free(m->field_values.items[i]);
        m->field_values.items[i] = copy;
        return MAMORI_PLUGIN_OK;
    }
    if (mamori_mock_list_push_(&m->field_names, name, strlen(name)) != 0)
        return MAMORI_PLUGIN_ENOMEM;
    if (mamori_mock_list_push_(&m->field_values, value, strlen(value)) != 0) {
        free(m->field_names.items[--m->field_names.count]);
        return MAMORI_PLUGIN_ENOMEM;
    }
    return MAMORI_PLUGIN_OK;
}

/* Add a tag the ticket already carries (host->ticket_tag). */
static inline int mamori_mock_add_ticket_tag(mamori_request *m, const char *tag)
{
    return mamori_mock_list_push_unique_(&m->ticket_tags, tag);
}

/* The category the plugin added with id, or NULL. */
static inline const struct mamori_mock_category *mamori_mock_category(const mamori_request *m, const char *id)
{
    for (size_t i = 0; i < m->category_count; i++)
        if (strcmp(m->categories[i].id, id) == 0)
            return &m->categories[i];
    return NULL;
}

/* Load-time checks of the host (descriptor, ABI, declared options), then
 * open(), annotate() on m, close(). options is NULL or "key", "value", ...,
 * NULL; the tenant is "test" and its language m's MAMORI_FIELD_LANGUAGE or
 * "ja". Returns the first failure (err says which step and why), or 0. */
static inline int mamori_mock_run(mamori_request *m, const struct mamori_plugin *p, const char *const *options,
                                  struct mamori_plugin_error *err)
{
    struct mamori_plugin_option opts[32];
    struct mamori_plugin_config cfg;
    const char *language = "ja";
    size_t n = 0, len;
    void *state = NULL;
    int rc;

    memset(err, 0, sizeof *err);
#define MAMORI_MOCK_FAIL_(rc_, ...)                                                                                    \
    do {                                                                                                               \
        err->code = (rc_);                                                                                             \
        snprintf(err->message, sizeof err->message, __VA_ARGS__);                                                     \
        return (rc_);                                                                                                  \
    } while (0)
    if (p == NULL)
        MAMORI_MOCK_FAIL_(MAMORI_PLUGIN_EINVAL, "the entry point returned no descriptor");
    if (p->struct_size < MAMORI_PLUGIN_V1_0_SIZE || p->abi_major != MAMORI_PLUGIN_ABI_MAJOR ||
        p->abi_minor > MAMORI_PLUGIN_ABI_MINOR)
        MAMORI_MOCK_FAIL_(MAMORI_PLUGIN_EINVAL, "descriptor: ABI %u.%u, size %u (the host is %d.%d)",
                          (unsigned)p->abi_major, (unsigned)p->abi_minor, (unsigned)p->struct_size,
                          MAMORI_PLUGIN_ABI_MAJOR, MAMORI_PLUGIN_ABI_MINOR);
    if (p->name == NULL || p->open == NULL || p->annotate == NULL)
        MAMORI_MOCK_FAIL_(MAMORI_PLUGIN_EINVAL, "descriptor: name, open and annotate are required");
    for (; options != NULL && options[2 * n] != NULL; n++) {
        int declared = 0;
        if (n == sizeof opts / sizeof *opts || options[2 * n + 1] == NULL)
            MAMORI_MOCK_FAIL_(MAMORI_PLUGIN_EINVAL, "options: pairs of key and value, at most 32, then NULL");
        for (const char *const *k = p->option_keys; k != NULL && *k != NULL; k++)
            declared |= strcmp(*k, options[2 * n]) == 0;
        if (!declared)
            MAMORI_MOCK_FAIL_(MAMORI_PLUGIN_EINVAL, "plugin %s does not accept option \"%s\"", p->name,
                              options[2 * n]);
        opts[n].key = options[2 * n];
        opts[n].value = options[2 * n + 1];
    }
    mamori_mock_ticket_field_(m, MAMORI_FIELD_LANGUAGE, &language, &len);
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.tenant_id = "test";
    cfg.language = language[0] ? language : "ja";
    cfg.config_dir = ".";
    cfg.option_count = n;
    cfg.options = opts;
    mamori_mock_current_ = m;
    rc = p->open(mamori_mock_host(), &cfg, &state, err);
    if (rc != 0) {
        mamori_mock_current_ = NULL;
        err->code = rc;
        return rc;
    }
    rc = p->annotate(state, mamori_mock_host(), m, err);
    if (rc != 0 && err->code == 0)
        err->code = rc;
    if (p->close != NULL)
        p->close(state);
    mamori_mock_current_ = NULL;
    return rc;
#undef MAMORI_MOCK_FAIL_
}

static inline void mamori_mock_free(mamori_request *m)
{
    if (m == NULL)
        return;
    mamori_mock_list_free_(&m->field_names);
    mamori_mock_list_free_(&m->field_values);
    mamori_mock_list_free_(&m->ticket_tags);
    for (size_t i = 0; i < m->category_count; i++) {
        free(m->categories[i].id);
        free(m->categories[i].label);
    }
    free(m->categories);
    for (size_t i = 0; i < m->evidence_count; i++) {
        free(m->evidence[i].category_id);
        free(m->evidence[i].field);
        free(m->evidence[i].rule_id);
        free(m->evidence[i].quote);
    }
    free(m->evidence);
    for (size_t i = 0; i < m->step_count; i++)
        free(m->steps[i]);
    free(m->steps);
    free(m->reply_draft);
    mamori_mock_list_free_(&m->link_titles);
    mamori_mock_list_free_(&m->link_urls);
    mamori_mock_list_free_(&m->flame_advice);
    mamori_mock_list_free_(&m->escalation_reasons);
    mamori_mock_list_free_(&m->legal_basis);
    mamori_mock_list_free_(&m->tags);
    mamori_mock_list_free_(&m->sources);
    free(m);
}

#ifdef __cplusplus
}
#endif

#endif /* MAMORI_PLUGIN_MOCK_H */
