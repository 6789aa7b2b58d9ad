/*
 * agent.h -- what an agent tells mamori about a ticket, for its incident
 * record: from the ticket's tags (every connector) and from `mamori:`
 * lines in an internal note (connectors that deliver internal notes:
 * generic with "internal": true, Zendesk's non-public comments).
 *
 *   tag                      note line                     meaning
 *   mamori-mark              mamori: mark [harassment]      record this ticket as harassment
 *   mamori-mark-complaint    mamori: mark complaint         record it as a legitimate complaint
 *   mamori-care              mamori: care                   the worker asked for care
 *   mamori-action-WORD       mamori: action TEXT            an action taken (e.g. warned, refused)
 *   mamori-outcome-WORD      mamori: outcome TEXT           how it ended (latest one wins)
 *
 * A note line may also be written `mamori：` (full-width colon). Lines that
 * are not commands are ignored: the note is the agent's own text.
 */
#ifndef MAMORI_INCIDENT_AGENT_H
#define MAMORI_INCIDENT_AGENT_H

#include "base/strv.h"
#include "plugin/ticket.h"

enum { MAMORI_AGENT_MARK_NONE, MAMORI_AGENT_MARK_HARASSMENT, MAMORI_AGENT_MARK_COMPLAINT };

struct mamori_agent_commands {
    int mark;                     /* MAMORI_AGENT_MARK_* */
    int care;                     /* the worker asked for care */
    struct mamori_strv tag_actions;  /* from tags (the same on every event of the ticket) */
    struct mamori_strv note_actions; /* from the note (once, with the note's event id) */
    char *outcome;                /* owned, or NULL */
};

/* Read t's tags and agent note into *out (initialised here; free with
 * mamori_agent_commands_free). Returns 0 or MAMORI_ENOMEM. */
int mamori_agent_commands_read(const struct mamori_ticket *t, struct mamori_agent_commands *out);
void mamori_agent_commands_free(struct mamori_agent_commands *c);

/* Whether c says anything at all. */
int mamori_agent_commands_any(const struct mamori_agent_commands *c);

#endif
