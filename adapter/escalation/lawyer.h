/*
 * lawyer.h -- what a lawyer's LINE message means, and the internal note it
 * becomes on the ticket.
 *
 * A message from an approved lawyer is one of:
 *   「確認」 / ack                acknowledge the escalation
 *   「受任」 / retained           the lawyer now represents the company:
 *                                 the ticket is tagged, agents are told
 *                                 to refer the customer to the lawyer, and
 *                                 every later note on the ticket says so
 *   anything else                 advice, posted as an internal note
 *                                 marked as the lawyer's (and it counts
 *                                 as an acknowledgement too)
 * Commands are the whole message (spaces and a final 。.! ignored), so
 * advice that merely contains the word is never mistaken for one; the
 * message may name its ticket before or after the word ("#4821 受任",
 * "確認 #4821"), as an answer to a digest of many tickets must.
 *
 * The note job is an ordinary outbox "note" job whose payload carries
 * {"lawyer": {kind, name, user, text, at, level}} instead of an
 * annotation; the deliverer renders it with mamori_lawyer_note_render()
 * and writes it through the tenant's connector like any other note.
 */
#ifndef MAMORI_LAWYER_H
#define MAMORI_LAWYER_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/strv.h"

#define MAMORI_TAG_LAWYER_RETAINED "mamori-lawyer-retained"
#define MAMORI_TAG_LAWYER_ADVICE "mamori-lawyer-advice"

enum mamori_lawyer_command { MAMORI_LAWYER_ADVICE = 0, MAMORI_LAWYER_ACK, MAMORI_LAWYER_RETAIN };

/* Classify a message text. */
int mamori_lawyer_command(const char *text);

/* "ack", "retained", "advice". */
const char *mamori_lawyer_command_name(int command);

/* The first ticket reference in text ("#4821", "＃4821", "チケット4821",
 * "ticket 4821"): its id into out. 1 when found. */
int mamori_lawyer_ticket_ref(const char *text, char *out, size_t cap);


/* Render the lawyer's note in format (enum mamori_note_format) and
 * language ("ja"/"en") with the reference line, and add its tags. Times
 * are shown at utc_offset minutes. 0 or MAMORI_ENOMEM. */
int mamori_lawyer_note_render(const json_t *payload, const char *language, int utc_offset, int format,
                              const char *reference, struct mamori_buf *out, struct mamori_strv *tags);

/* A subject line for platforms whose notes have one (static storage). */
const char *mamori_lawyer_note_subject(const json_t *payload, const char *language);

/* What agents are told on every later note of a retained ticket, into out. */
void mamori_lawyer_retained_status(const char *language, const char *name, long long since, int utc_offset,
                                   char *out, size_t cap);

#endif
