/*
 * consult.h -- a tenant's [consult] section (issue 16): how agents consult
 * the lawyer or a supervisor from the ticket, how they record a warning
 * given to a customer, and the tag by which a person decides to restrict
 * a customer's contact.
 *
 *   prefix            an agent's note starting with one of these asks the lawyer
 *   route             the channels of [channel NAME] a lawyer consultation goes to
 *   supervisor_prefix / supervisor_route   the same for a supervisor
 *   warning_prefix    a note starting with one of these records a warning
 *   warning_tags      a ticket carrying one of these records a warning (once per ticket)
 *   restrict_tag      the decision tag: the connector suspends or blocks the requester
 *   tag / supervisor_tag  a ticket tag (a macro's) that asks the lawyer / a supervisor,
 *                     once per ticket, for helpdesks whose notes reach no webhook
 *
 * Defaults apply without the section; routes default to the [escalation]
 * lawyer and supervisor routes. Ownership: embedded in struct
 * mamori_tenant, freed with it.
 */
#ifndef MAMORI_CONSULT_CONFIG_H
#define MAMORI_CONSULT_CONFIG_H

#include "base/error.h"
#include "base/ini_file.h"
#include "base/strv.h"

struct mamori_escalation_config;

struct mamori_consult_config {
    struct mamori_strv prefix, route;
    struct mamori_strv supervisor_prefix, supervisor_route;
    struct mamori_strv warning_prefix, warning_tags;
    char *restrict_tag;
    char *tag, *supervisor_tag;    /* NULL: none */
    unsigned set;                  /* bit per key set in the file (defaults fill the rest) */
};

/* Take one key of [consult]. err without file:line. */
int mamori_consult_config_key(struct mamori_consult_config *c, const char *key, const char *value,
                              struct mamori_error *err);

/* After the whole file: defaults, and routes checked against the
 * tenant's channels (esc may be NULL). err names the file. */
int mamori_consult_config_finish(struct mamori_consult_config *c, const struct mamori_escalation_config *esc,
                                 const char *file, struct mamori_error *err);

void mamori_consult_config_free(struct mamori_consult_config *c);

/* If text (an agent's note) starts with one of prefixes (after spaces and
 * blank lines): 1, with *rest pointing past it and the spaces after it. */
int mamori_consult_has_prefix(const struct mamori_strv *prefixes, const char *text, const char **rest);

/* The typed keys of [consult], ended by a NULL name. */
extern const struct mamori_key_section mamori_consult_sections[];

#endif
