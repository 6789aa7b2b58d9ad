/* consult.c -- see consult.h. */
#include "config.h"

#include "config/consult.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/escalation.h"
#include <mamori/plugin.h>

enum { K_PREFIX, K_ROUTE, K_SUP_PREFIX, K_SUP_ROUTE, K_WARN_PREFIX, K_WARN_TAGS, K_RESTRICT_TAG, K_TAG, K_SUP_TAG };

static const struct mamori_key consult_keys[] = {
    {.name = "prefix", .type = MAMORI_KEY_LIST, .def = "@弁護士 @lawyer",
     .description = "An agent's internal note that starts with one of these words asks the lawyer: the rest of the "
                    "note is the question."},
    {.name = "route", .type = MAMORI_KEY_LIST, .def = "the [escalation] lawyer route",
     .description = "Channels ([channel NAME]) a lawyer consultation is sent to. With no route here nor in "
                    "[escalation], nothing is sent and the agent gets a note saying so."},
    {.name = "supervisor_prefix", .type = MAMORI_KEY_LIST, .def = "@上長 @supervisor",
     .description = "A note that starts with one of these asks a supervisor instead."},
    {.name = "supervisor_route", .type = MAMORI_KEY_LIST, .def = "the [escalation] supervisor route",
     .description = "Channels a supervisor consultation is sent to."},
    {.name = "warning_prefix", .type = MAMORI_KEY_LIST, .def = "@警告 @warning",
     .description = "A note that starts with one of these records that the customer was warned (the date, the "
                    "ticket, the agent), against the customer's pseudonymous id."},
    {.name = "warning_tags", .type = MAMORI_KEY_LIST, .def = "mamori-warning",
     .description = "A ticket that carries one of these tags (set by the tenant's warning macro) records one "
                    "warning, once per ticket."},
    {.name = "restrict_tag", .type = MAMORI_KEY_STRING, .def = "mamori-restrict-contact",
     .description = "The decision tag: when a person puts it on a ticket, the connector suspends or blocks the "
                    "requester where the helpdesk can (Zendesk), once, and records who decided; elsewhere "
                    "(Freshdesk, Help Scout) it records the decision and tells the agents to apply it by hand."},
    {.name = "tag", .type = MAMORI_KEY_STRING,
     .description = "A tag (set by a macro) that asks the lawyer about the ticket, once per ticket, with no "
                    "question of its own: for helpdesks whose internal notes reach no webhook. Unset: none."},
    {.name = "supervisor_tag", .type = MAMORI_KEY_STRING,
     .description = "The same for a supervisor consultation. Unset: none."},
    {.name = NULL}};

const struct mamori_key_section mamori_consult_sections[] = {{"consult", consult_keys}, {NULL, NULL}};

static int parse_words(struct mamori_strv *out, const char *value, struct mamori_error *err)
{
    return mamori_strv_split(out, value) == 0 ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

int mamori_consult_config_key(struct mamori_consult_config *c, const char *key, const char *value,
                              struct mamori_error *err)
{
    struct mamori_strv *lists[] = {&c->prefix,         &c->route,         &c->supervisor_prefix,
                                   &c->supervisor_route, &c->warning_prefix, &c->warning_tags};
    struct mamori_key_value v;
    int rc;

    if ((rc = mamori_key_check(consult_keys, "consult", "mamori-tenant(5)", key, value, NULL, &v, err)) != 0)
        return rc;
    for (int i = 0; consult_keys[i].name != NULL; i++) {
        if (strcmp(consult_keys[i].name, key) != 0)
            continue;
        if (c->set & (1u << i))
            return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is set twice", key);
        c->set |= 1u << i;
        if (i == K_RESTRICT_TAG || i == K_TAG || i == K_SUP_TAG) {
            char **dst = i == K_TAG ? &c->tag : i == K_SUP_TAG ? &c->supervisor_tag : &c->restrict_tag;
            free(*dst);
            return (*dst = mamori_strdup(value)) ? MAMORI_OK : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        return parse_words(lists[i], value, err);
    }
    return mamori_error_set(err, MAMORI_EINVAL, "%s: not stored (a bug in consult.c)", key);
}

static int copy_route(struct mamori_strv *dst, const struct mamori_strv *src)
{
    for (size_t i = 0; src != NULL && i < src->count; i++)
        if (mamori_strv_push(dst, src->items[i], (size_t)-1) != 0)
            return MAMORI_ENOMEM;
    return MAMORI_OK;
}

static int check_route(const struct mamori_strv *r, const struct mamori_escalation_config *esc, const char *key,
                       const char *file, struct mamori_error *err)
{
    for (size_t i = 0; i < r->count; i++)
        if (esc == NULL || mamori_escalation_channel(esc, r->items[i]) == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "%s: [consult] %s names channel \"%s\", which has no "
                                    "[channel %s] section", file, key, r->items[i], r->items[i]);
    return MAMORI_OK;
}

int mamori_consult_config_finish(struct mamori_consult_config *c, const struct mamori_escalation_config *esc,
                                 const char *file, struct mamori_error *err)
{
    int bad = 0;

    if (!(c->set & (1u << K_PREFIX)))
        bad |= parse_words(&c->prefix, "@弁護士 @lawyer", err);
    if (!(c->set & (1u << K_SUP_PREFIX)))
        bad |= parse_words(&c->supervisor_prefix, "@上長 @supervisor", err);
    if (!(c->set & (1u << K_WARN_PREFIX)))
        bad |= parse_words(&c->warning_prefix, "@警告 @warning", err);
    if (!(c->set & (1u << K_WARN_TAGS)))
        bad |= parse_words(&c->warning_tags, "mamori-warning", err);
    if (!(c->set & (1u << K_ROUTE)) && esc != NULL)
        bad |= copy_route(&c->route, &esc->route[MAMORI_ESCALATE_LAWYER]);
    if (!(c->set & (1u << K_SUP_ROUTE)) && esc != NULL)
        bad |= copy_route(&c->supervisor_route, &esc->route[MAMORI_ESCALATE_SUPERVISOR]);
    if (c->restrict_tag == NULL && (c->restrict_tag = mamori_strdup("mamori-restrict-contact")) == NULL)
        bad = 1;
    if (bad)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (check_route(&c->route, esc, "route", file, err) != 0 ||
        check_route(&c->supervisor_route, esc, "supervisor_route", file, err) != 0)
        return MAMORI_EINVAL;
    return MAMORI_OK;
}

void mamori_consult_config_free(struct mamori_consult_config *c)
{
    mamori_strv_free(&c->prefix);
    mamori_strv_free(&c->route);
    mamori_strv_free(&c->supervisor_prefix);
    mamori_strv_free(&c->supervisor_route);
    mamori_strv_free(&c->warning_prefix);
    mamori_strv_free(&c->warning_tags);
    free(c->restrict_tag);
    free(c->tag);
    free(c->supervisor_tag);
    memset(c, 0, sizeof *c);
}

int mamori_consult_has_prefix(const struct mamori_strv *prefixes, const char *text, const char **rest)
{
    const char *p = text;

    if (text == NULL)
        return 0;
    while (*p && isspace((unsigned char)*p))
        p++;
    for (size_t i = 0; i < prefixes->count; i++) {
        size_t n = strlen(prefixes->items[i]);
        /* The prefix must end the word: "@lawyers" is not "@lawyer". */
        if (n > 0 && strncmp(p, prefixes->items[i], n) == 0 &&
            (p[n] == '\0' || isspace((unsigned char)p[n]) || (unsigned char)p[n] >= 0x80 || p[n] == ':')) {
            p += n;
            while (*p == ':' || isspace((unsigned char)*p))
                p++;
            /* A full-width space or colon after a Japanese prefix. */
            while (strncmp(p, "\xe3\x80\x80", 3) == 0 || strncmp(p, "\xef\xbc\x9a", 3) == 0)
                p += 3;
            if (rest != NULL)
                *rest = p;
            return 1;
        }
    }
    return 0;
}
