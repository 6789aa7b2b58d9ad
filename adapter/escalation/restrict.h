/*
 * restrict.h -- a person's decision to restrict a customer's contact
 * (issue 16): the restriction decision tag on a ticket (ingest/agent.h) or
 * `mamori restrict` (cli/cmd_restrict.c).
 *
 * The decision is recorded once per customer (store/warnings.h, keyed by
 * the requester hash, never the id) with who decided, how and when; it is
 * an audit record ("contact_restricted"), and the agents get a note. Where
 * the connector can apply it (connector.h restrict_action: Zendesk
 * suspends the requester) that note's write-back applies it; where the
 * helpdesk has no API for it (Freshdesk, Help Scout) the note tells the
 * agents to do it by hand. Nothing here runs before a person decided.
 */
#ifndef MAMORI_ESCALATION_RESTRICT_H
#define MAMORI_ESCALATION_RESTRICT_H

#include <time.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_tenant;
struct mamori_ticket;

struct mamori_restrict_decision {
    const struct mamori_tenant *tenant;
    /* ticket_id; event_id (the decision's source, makes the note unique);
     * agent_id: who decided (may be NULL); requester_id: the helpdesk's id
     * the connector's action needs (may be NULL where there is none). */
    const struct mamori_ticket *ticket;
    const char *requester;         /* the keyed requester hash */
    const char *via;               /* "tag" or "cli" */
};

/* Record the decision in the caller's transaction. *state receives
 * "applying" (the connector will apply it), "recorded" (to be applied by
 * hand) or "known" (decided before: nothing written). */
int mamori_restrict_decide(struct mamori_store *st, const struct mamori_restrict_decision *d, time_t now,
                           const char **state, struct mamori_error *err);

#endif
