/*
 * commit.h -- the ONE transaction that records an annotated event: the
 * event with its answer (for dedupe), the outbox job for the agent's note,
 * the audit record, and the escalation plan. A caller answers the helpdesk
 * only once it is durable (store_commit_deferred: the group commit).
 */
#ifndef MAMORI_INGEST_COMMIT_H
#define MAMORI_INGEST_COMMIT_H

#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "config/tenant.h"
#include "escalation/escalate.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

/* Whether the tenant gets a note for this annotation (its connector writes
 * back, a [helpdesk] url is set, and the annotation or a retained lawyer
 * calls for one). */
int mamori_ingest_wants_note(const struct mamori_tenant *t, const struct mamori_annotation *a);

/* Write everything about one event in ONE transaction. full and ticket_json
 * go into the note's outbox job (NULL when no note is wanted); answer is the
 * exact answer, stored for dedupe. *answer_text (owned by the caller, set
 * even on failure or NULL) is answer as text. plan (may be NULL): the
 * escalation to open or follow up. Returns 0, MAMORI_ECONFLICT when the
 * same event was recorded meanwhile, or another MAMORI_E* with err set;
 * nothing is written unless it returns 0. */
int mamori_ingest_commit(struct mamori_store *st, const unsigned char *identity_key, size_t identity_key_len,
                         const struct mamori_tenant *t, const struct mamori_ticket *ticket,
                         const struct mamori_annotation *a, json_t *full, json_t *ticket_json, json_t *answer, time_t now,
                         struct mamori_escalation_plan *plan, char **answer_text, struct mamori_error *err);

#endif
