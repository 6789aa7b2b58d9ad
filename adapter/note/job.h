/*
 * job.h -- the outbox job that carries one internal note to the helpdesk
 * ("note" jobs), built and read here only:
 *
 *   {"tenant": …, "event_id": …,
 *    "ticket": {subject, body, connector_data, …}   what write-back needs
 *    "annotation": {…}                              an annotation's note, or
 *    "lawyer": {kind, user, name, text, at, …}      a lawyer's answer (escalation/lawyer.h)
 *    "lawyer_status": "…"}                          optional: what the agent is told about the lawyer
 *
 * and its dedupe key "TENANT:SOURCE:EVENT_ID:note" (SOURCE is the
 * connector, or "line" for a lawyer's answer), from which the note's
 * reference (note.h, mamori_note_ref) is derived, so a connector that
 * answers in the webhook (Znuny) names the same note as the deliverer.
 */
#ifndef MAMORI_NOTE_JOB_H
#define MAMORI_NOTE_JOB_H

#include <jansson.h>

#include "base/buf.h"

/* A job read back: every member is borrowed from the payload (never freed;
 * NULL when absent). */
struct mamori_note_job {
    const char *tenant;
    const char *event_id;
    json_t *ticket;
    json_t *annotation;         /* an annotation's note */
    json_t *lawyer;             /* a lawyer's answer; then annotation is NULL */
    const char *lawyer_status;
    const char *subject, *body; /* of ticket */
};

/* Append the dedupe key to key (check key->failed). */
void mamori_note_job_key(struct mamori_buf *key, const char *tenant, const char *source, const char *event_id);

/* The job for an annotation's note. ticket and annotation are referenced,
 * not copied; lawyer_status may be NULL or "". Returns a new reference, or
 * NULL when out of memory. */
json_t *mamori_note_job_new(const char *tenant, const char *event_id, json_t *ticket, json_t *annotation,
                            const char *lawyer_status);

/* Read a job's payload. Returns 0, or -1 when it is neither an annotation's
 * nor a lawyer's note (a job this build cannot deliver). */
int mamori_note_job_read(json_t *payload, struct mamori_note_job *out);

#endif
