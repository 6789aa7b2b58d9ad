/*
 * consult.h -- an agent consults the lawyer or a supervisor from the
 * ticket (issue 16): from an internal note that starts with the tenant's
 * consult prefix (ingest/agent.h) or with `mamori consult`.
 *
 * The lawyer gets what an escalation carries -- the ticket link, the
 * categories and the quoted evidence, with the same redaction
 * (message.h) -- plus the consultation number and the agent's question
 * (redacted the same way). The message is an escalation row of level
 * "consult-N" with one outbox job per channel and recipient, so the
 * lawyer's quoted LINE reply, 「確認」 and 「受任」 work exactly as for
 * escalations (http/handler_line.c) and the answer comes back as an
 * internal note marked as the lawyer's advice on consultation N.
 *
 * Everything is written inside the caller's transaction: the
 * consultation, the escalation row, the jobs, the audit record
 * ("consultation_opened", or "consultation_unrouted" when the tenant has
 * no route) and a note telling the agent what happened.
 */
#ifndef MAMORI_ESCALATION_CONSULT_H
#define MAMORI_ESCALATION_CONSULT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

struct mamori_tenant;

enum mamori_consult_target { MAMORI_CONSULT_LAWYER = 0, MAMORI_CONSULT_SUPERVISOR };

struct mamori_consult {
    const struct mamori_tenant *tenant;
    const struct mamori_ticket *ticket;          /* ids and link; its body is the customer's text */
    const struct mamori_annotation *annotation;  /* the categories and evidence to send */
    int target;                                  /* enum mamori_consult_target */
    const char *question;                        /* the agent's words after the prefix */
    const char *asked_by;                        /* helpdesk user id or admin name; may be NULL */
    const char *event_id;                        /* makes the consultation idempotent */
};

/* The outcome, for the caller's answer. */
struct mamori_consult_result {
    int64_t number;                /* the consultation number; 0 when nobody was routed */
    size_t messages;               /* outbox jobs enqueued */
    char channels[256];            /* "lawyer-line (line), …" */
};

/* Record and enqueue the consultation (in the caller's transaction).
 * Returns 0 (also when unrouted: res->number is 0 and the agent is told),
 * MAMORI_ECONFLICT when this event consulted before, or another MAMORI_E*. */
int mamori_consult_commit(struct mamori_store *st, const struct mamori_consult *c, time_t now,
                          struct mamori_consult_result *res, struct mamori_error *err);

/* "lawyer" or "supervisor". */
const char *mamori_consult_target_name(int target);

/* The consultation number of an escalation level "consult-N", or 0. */
int64_t mamori_consult_level_number(const char *level);

#endif
