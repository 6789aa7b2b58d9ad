/*
 * agent.h -- an agent's own event (issue 16): an internal note or a staff
 * reply, which is never judged as customer text (the connector set
 * ticket.agent_event with an ignore_reason). It matters only when it asks
 * for something, per the tenant's [consult] section (config/consult.h):
 *
 *   a note starting with the consult prefix     consult the lawyer (escalation/consult.h)
 *   ... with the supervisor prefix              consult a supervisor
 *   ... with the warning prefix                 record a warning to the customer
 *   a warning tag on the ticket                 record a warning (once per ticket)
 *   the restriction decision tag                record who decided, and have the
 *                                               connector suspend or block the requester
 *
 * Anything else stays IGNORED, exactly as before. An event that acts is
 * recorded in the events table (no requester, no categories: it is not a
 * customer contact) for dedupe, with everything it writes, in ONE
 * transaction; mamori's own notes about it carry the note reference, so
 * they never come back as commands.
 */
#ifndef MAMORI_INGEST_AGENT_H
#define MAMORI_INGEST_AGENT_H

#include <time.h>

#include "ingest/pipeline.h"

/* Whether the parsed agent event asks for anything (no store access). */
int mamori_agent_event_acts(const struct mamori_tenant *t, const struct mamori_ticket *ticket);

/* Run it: res->ticket is parsed. Sets res->outcome (AGENT with the
 * answer, DUPLICATE, or FAILED) and returns it. */
enum mamori_ingest_outcome mamori_agent_event(const struct mamori_ingest *ing, const struct mamori_tenant *t, time_t now,
                                              struct mamori_ingest_result *res);

#endif
