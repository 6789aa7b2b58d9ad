/*
 * info_note.h -- a short internal note from mamori to the agents about
 * something an agent asked for (issue 16): a consultation sent or refused,
 * a warning recorded, a restriction applied.
 *
 * It is an ordinary outbox "note" job whose payload carries
 * {"lawyer": {"kind": "mamori", "title", "text", "tags", "at"}} (lawyer.h
 * renders it) and, for a restriction, {"restrict": {"requester_id"}}:
 * the connector's write-back then also suspends or blocks that requester
 * (Zendesk). The job's key is "TENANT:mamori:SOURCE:note", unique per
 * source event, so a redelivered event never writes a second note.
 */
#ifndef MAMORI_ESCALATION_INFO_NOTE_H
#define MAMORI_ESCALATION_INFO_NOTE_H

#include <time.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_tenant;
struct mamori_ticket;

struct mamori_info_note {
    const char *source;            /* unique per note: "consult:EVENT", "warning:EVENT", ... */
    const char *title;             /* the first line, bold */
    const char *text;              /* the rest; may be NULL */
    const char *tag;               /* a tag to add, or NULL */
    const char *restrict_requester;  /* the helpdesk's requester id to suspend, or NULL */
};

/* Enqueue the note on ticket (its ids only are kept), inside the caller's
 * transaction. Nothing is enqueued where the tenant writes no notes back.
 * Returns 0 or a MAMORI_E* with err set. */
int mamori_info_note_enqueue(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, const struct mamori_info_note *n, time_t now,
                             struct mamori_error *err);

#endif
