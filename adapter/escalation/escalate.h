/*
 * escalate.h -- escalations on the webhook path and the acknowledgement
 * deadline (issue 5).
 *
 * On the webhook path (handler_webhook.c) nothing touches the network:
 *
 *   prepare  inside the read snapshot, after the plugin chain: look at the
 *            ticket's escalations (a retained ticket gets its tag and the
 *            "refer to the lawyer" line on the agent's note; an escalation
 *            at this level already open makes this message a follow-up),
 *            route a new one (escalation_route.h), render every channel's
 *            message (channel.h);
 *   commit   inside the webhook's ONE transaction: the escalation row, one
 *            outbox job ("escalation") per channel and recipient, and an
 *            audit record -- or, for a follow-up, the follow-up count and
 *            an audit record, and no message (one escalation per ticket
 *            per level: follow-ups never flood the lawyer).
 *
 * The deadline: an escalation at a level in ack_levels must be
 * acknowledged (from LINE, or `mamori escalation ack`) within
 * ack_deadline; mamori_escalation_tick() finds the overdue ones and
 * enqueues the backup notices. The deliverer runs it every few seconds
 * with the real clock; `mamori escalation tick --now T` runs it with a
 * given one (tests, and an admin who wants the check now).
 */
#ifndef MAMORI_ESCALATE_H
#define MAMORI_ESCALATE_H

#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

struct mamori_tenant;
struct mamori_generation;

struct mamori_escalation_job {
    char *key;                     /* outbox dedupe key */
    char *kind;                    /* channel kind name, stored as the job's connector */
    char *payload;                 /* JSON text */
};

/* What one webhook will write about escalation. Owned; free with
 * mamori_escalation_plan_free(). */
struct mamori_escalation_plan {
    const struct mamori_tenant *tenant;
    int level;                     /* the annotation's level; 0: nothing to write */
    int followup;                  /* an escalation at this level exists already */
    char *ticket_id, *event_id;
    char *ticket_json;             /* the ticket's ids and links, no text */
    char *message_json;            /* the model, kept until acknowledged (only with a deadline) */
    char *categories, *channels;   /* comma-separated */
    long long ack_due_at;
    long long held_until;          /* held for a digest due then (digest.h); 0: sent now */
    int quiet;
    struct mamori_escalation_job *jobs;
    size_t job_count, job_cap;
    char *audit;                   /* the audit record's data for a new escalation */
    char status[640];              /* for the agent's note ("" when nothing to say) */
};

void mamori_escalation_plan_init(struct mamori_escalation_plan *p);
void mamori_escalation_plan_free(struct mamori_escalation_plan *p);

/* Decide and render. a may gain the retained tag. st is read inside the
 * caller's read snapshot. Returns 0, MAMORI_ENOMEM or MAMORI_EDB. */
int mamori_escalation_prepare(struct mamori_escalation_plan *p, struct mamori_store *st, const struct mamori_tenant *t,
                              const struct mamori_ticket *ticket, struct mamori_annotation *a, time_t now,
                              struct mamori_error *err);

/* Write the plan; must run inside the caller's transaction. */
int mamori_escalation_commit(struct mamori_escalation_plan *p, struct mamori_store *st, time_t now,
                             struct mamori_error *err);

/* Whether any tenant has escalation channels (the deliverer must run). */
int mamori_escalation_wanted(const struct mamori_generation *gen);

/* Enqueue the messages for channels (names) about an escalation model, for
 * purpose (enum mamori_esc_purpose), into plan-like job list jobs. Used by
 * prepare (notify) and the tick (backup). */
int mamori_escalation_render_jobs(const struct mamori_tenant *t, const struct mamori_strv *channels,
                                  const json_t *model, int purpose, const char *ticket_id, const char *level,
                                  struct mamori_escalation_job **jobs, size_t *count, size_t *cap,
                                  struct mamori_error *err);
void mamori_escalation_jobs_free(struct mamori_escalation_job *jobs, size_t count);
/* The audit's "told" list for jobs: per message its channel, type,
 * recipient and the payload's sha256 (never the text). A new array the
 * caller owns; NULL when out of memory. */
json_t *mamori_escalation_told(const struct mamori_escalation_job *jobs, size_t count);

/* The ticket as an escalation row keeps it (JSON text, owned, NULL when
 * out of memory): ids and links for writing a note back, never the
 * customer's words or identity. */
char *mamori_escalation_ticket_ids_json(const struct mamori_ticket *t);

/* The deadline check: every escalation whose deadline is at or before
 * deadline_now and that nobody acknowledged gets its backup notices
 * enqueued (one transaction each, audited). now is the real time, for the
 * jobs and the audit record. *fired (may be NULL) receives the count. */
int mamori_escalation_tick(struct mamori_store *st, const struct mamori_generation *gen, long long deadline_now,
                           long long now, int *fired, struct mamori_error *err);

#endif
