/*
 * record.h -- the incident record (対応記録) of a ticket: created when
 * mamori flags a ticket (any category, harassment or legitimate complaint)
 * or an agent marks it (agent.h), then kept up to date by every later
 * event of the ticket and every agent command. Each change is one audit
 * record (kind incident_recorded, then incident_updated; subject the
 * ticket id) carrying record_sha256, the SHA-256 of the record's
 * canonical JSON (mamori_incident_to_json), so an export can show that
 * the record is the one the chain vouches for.
 *
 * Evidence quotes are kept only when the tenant keeps evidence
 * (keep_evidence); otherwise the record says which rule matched where.
 * The record is purged with the tenant's retention (daemon/retention.c).
 */
#ifndef MAMORI_INCIDENT_RECORD_H
#define MAMORI_INCIDENT_RECORD_H

#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "config/tenant.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/incidents.h"
#include "store/store.h"

/* The record as a JSON object (every column but the row id, detail
 * parsed): a new reference, NULL on allocation failure. */
json_t *mamori_incident_to_json(const struct mamori_incident_row *r);

/* hex SHA-256 of the canonical text of mamori_incident_to_json (compact,
 * keys sorted) into out[65]. 0 or MAMORI_ENOMEM. */
int mamori_incident_digest(const struct mamori_incident_row *r, char out[65]);

/* An annotated event of ticket (inside the ingest transaction):
 * create or update the record when the annotation has a category, the
 * ticket already has a record, or the ticket's tags mark it. requester:
 * the keyed hash, or NULL. Also remembers the training links of a note
 * (with_note) for the training reach. */
int mamori_incident_on_event(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, const struct mamori_annotation *a,
                             const char *requester, int with_note, time_t now, struct mamori_error *err);

/* An event mamori does not annotate (an agent's internal note, a staff
 * comment): apply the agent's commands from its tags and note. Opens its
 * own transaction. *changed: whether the record changed. */
int mamori_incident_on_agent(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, time_t now, int *changed, struct mamori_error *err);

#endif
