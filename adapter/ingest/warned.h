/*
 * warned.h -- a harassing contact from a customer who was warned before
 * (issue 16): after the plugin chain, before escalation, the annotation
 * learns of the customer's warnings (store/warnings.h, by the keyed
 * requester hash):
 *
 *   - each harassment category's severity rises by the policy's
 *     raise_severity steps (config/restriction.h), at most to critical;
 *   - the first step of the first response says the customer was warned,
 *     with the dates and tickets of the warnings;
 *   - once there are restrict_after warnings, the next step is the
 *     policy's recommendation to restrict contact with its legal caution,
 *     and the ticket is tagged mamori-restriction-recommended. Nothing is
 *     applied: a person decides (the restriction tag, ingest/agent.h).
 *
 * A contact that is not harassment is left alone: a warned customer may
 * still complain legitimately.
 */
#ifndef MAMORI_INGEST_WARNED_H
#define MAMORI_INGEST_WARNED_H

#include <stddef.h>

#include "base/error.h"
#include "config/tenant.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

#define MAMORI_TAG_WARNED "mamori-warned-customer"
#define MAMORI_TAG_RESTRICTION_RECOMMENDED "mamori-restriction-recommended"

/* Apply the customer's warnings to a (inside the caller's read snapshot).
 * Returns 0, MAMORI_ENOMEM or MAMORI_EDB. */
int mamori_warned_apply(struct mamori_store *st, const unsigned char *identity_key, size_t identity_key_len,
                        const struct mamori_tenant *t, const struct mamori_ticket *ticket, struct mamori_annotation *a,
                        struct mamori_error *err);

#endif
