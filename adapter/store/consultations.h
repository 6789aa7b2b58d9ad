/*
 * consultations.h -- agents' questions to the lawyer or supervisor (issue
 * 16), in the store (schema migration 6).
 *
 * A consultation's number is its row id. Only the question's SHA-256 is
 * kept (the text went to the lawyer and is in the helpdesk's note); the
 * message itself is an escalation row of level "consult-N"
 * (escalations.h), which is how a quoted LINE reply finds it.
 *
 * Writes run inside mamori_store_begin().
 */
#ifndef MAMORI_STORE_CONSULTATIONS_H
#define MAMORI_STORE_CONSULTATIONS_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_consultation_row {
    const char *tenant, *ticket_id;
    const char *target;            /* "lawyer" or "supervisor" */
    const char *event_id;          /* the note's event, or "cli:…" */
    const char *asked_by;          /* the agent's helpdesk id or the admin's name; may be NULL */
    const char *question_sha256;
    const char *channels;          /* comma-separated */
    long long created_at;
};

/* Insert (in a transaction): *number receives the consultation number;
 * MAMORI_ECONFLICT when the same event asked already. */
int mamori_consultation_insert(struct mamori_store *st, const struct mamori_consultation_row *r, int64_t *number,
                               struct mamori_error *err);

/* What the store knows of a ticket of tenant: *known is 1 when an event
 * of (tenant, ticket_id) was recorded; *categories (owned, may be NULL)
 * the categories of its latest harassing event, *response (owned, may be
 * NULL) that event's stored answer. */
int mamori_consultation_ticket_facts(struct mamori_store *st, const char *tenant, const char *ticket_id, int *known,
                                     char **categories, char **response, struct mamori_error *err);

/* Whether another tenant than `tenant` has events of ticket_id (for a
 * refusal that says why). */
int mamori_consultation_ticket_elsewhere(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                         int *found, struct mamori_error *err);

#endif
