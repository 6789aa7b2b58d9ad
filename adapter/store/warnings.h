/*
 * warnings.h -- warnings given to customers and decisions to restrict
 * contact (issue 16), in the store (schema migration 6).
 *
 * Both are kept against the keyed requester hash (store.h,
 * mamori_store_requester_hash), never the customer's id. source_key makes
 * a warning idempotent: "tag:TICKET" (a warning tag warns once per
 * ticket, however many later events still carry it) or "note:EVENT" (each
 * @警告 note once, whatever the helpdesk redelivers).
 *
 * Writes run inside mamori_store_begin().
 */
#ifndef MAMORI_STORE_WARNINGS_H
#define MAMORI_STORE_WARNINGS_H

#include <stddef.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_warning_row {
    const char *tenant, *requester, *ticket_id;
    const char *source;            /* "tag", "note", "cli" */
    const char *source_key;
    const char *given_by;          /* the agent's helpdesk id; may be NULL */
    long long given_at;
};

/* Record a warning (in a transaction); *inserted is 0 when its source_key
 * was recorded before. */
int mamori_warning_put(struct mamori_store *st, const struct mamori_warning_row *r, int *inserted,
                       struct mamori_error *err);

/* The requester's warnings, oldest first: the total into *total and the
 * first `max` (date, ticket) into at[] and tickets[] (owned strings, free
 * each). */
int mamori_warnings_list(struct mamori_store *st, const char *tenant, const char *requester, long long *at,
                         char **tickets, size_t max, size_t *total, struct mamori_error *err);

struct mamori_restriction_row {
    const char *tenant, *requester, *ticket_id;
    const char *decided_by;        /* who decided (helpdesk user id or admin name); may be NULL */
    const char *via;               /* "tag" or "cli" */
    long long decided_at;
};

/* Record a decision (in a transaction); *inserted is 0 when the requester
 * was restricted before (the connector is not asked twice). */
int mamori_restriction_put(struct mamori_store *st, const struct mamori_restriction_row *r, int *inserted,
                           struct mamori_error *err);

#endif
