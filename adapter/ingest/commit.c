/* commit.c -- see commit.h. */
#include "config.h"

#include "ingest/commit.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"
#include "base/strv.h"
#include "connector/connector.h"
#include "escalation/lawyer.h"
#include "incident/record.h"
#include "note/job.h"
#include "note/note.h"
#include "store/audit.h"
#include "store/outbox.h"

static int join_categories(const struct mamori_annotation *a, struct mamori_buf *b)
{
    for (size_t i = 0; i < a->category_count; i++)
        mamori_buf_printf(b, "%s%s", i ? "," : "", a->categories[i].id);
    if (b->data == NULL)
        mamori_buf_puts(b, "");
    return b->failed ? MAMORI_ENOMEM : MAMORI_OK;
}

/* Whether to write a note for this annotation. */
int mamori_ingest_wants_note(const struct mamori_tenant *t, const struct mamori_annotation *a)
{
    /* Without a [helpdesk] url there is nowhere to write (the generic
     * connector's callback is optional; the others need it). */
    if (!t->connector->writes_back || t->helpdesk_url == NULL)
        return 0;
    /* A legitimate complaint gets a calm note or none (note_on_legitimate);
     * on a ticket a lawyer has taken on, every message gets one that says
     * so (escalate.h). */
    return mamori_note_wanted(a, t->note_on_legitimate) || mamori_strv_contains(&a->tags, MAMORI_TAG_LAWYER_RETAINED);
}

int mamori_ingest_commit(struct mamori_store *st, const unsigned char *identity_key, size_t identity_key_len,
                         const struct mamori_tenant *t, const struct mamori_ticket *ticket,
                         const struct mamori_annotation *a, json_t *full, json_t *ticket_json, json_t *answer, time_t now,
                         struct mamori_escalation_plan *plan, char **answer_text, struct mamori_error *err)
{
    struct mamori_buf cats = MAMORI_BUF_INIT, key = MAMORI_BUF_INIT;
    char *job_text = NULL, *audit_text = NULL, hash[65] = "", digest_hex[65];
    struct mamori_event_row row;
    unsigned char digest[32];
    json_t *job = NULL, *audit = NULL;
    int note = mamori_ingest_wants_note(t, a), rc = MAMORI_ENOMEM;

    /* Everything that can be computed is computed before the write lock. */
    *answer_text = json_dumps(answer, JSON_COMPACT);
    if (*answer_text == NULL || join_categories(a, &cats) != 0 ||
        mamori_sha256(*answer_text, strlen(*answer_text), digest) != 0)
        goto out;
    mamori_hex_encode(digest, 32, digest_hex);
    memset(&row, 0, sizeof row);
    row.tenant = t->id;
    row.connector = t->connector->name;
    row.event_id = ticket->event_id;
    row.ticket_id = ticket->ticket_id;
    row.status = 200;
    row.response = *answer_text;
    row.is_harassment = mamori_annotation_is_harassment(a);
    row.severity = mamori_severity_name(mamori_annotation_severity(a));
    row.categories = mamori_buf_str(&cats);
    row.escalation = mamori_escalation_name(a->escalation_level);
    row.received_at = now;
    if (note) {
        /* With what the agent is told about the lawyer (notified, retained). */
        job = mamori_note_job_new(t->id, ticket->event_id, ticket_json, full, plan != NULL ? plan->status : NULL);
        mamori_note_job_key(&key, t->id, t->connector->name, ticket->event_id);
        if (job == NULL || key.failed || (job_text = json_dumps(job, JSON_COMPACT)) == NULL)
            goto out;
    }
    if (ticket->requester_id != NULL &&
        mamori_store_requester_hash(identity_key, identity_key_len, t->id,
                                    ticket->requester_id, hash) != 0) {
        rc = mamori_error_set(err, MAMORI_EINVAL, "cannot hash the requester id");
        goto out;
    }
    row.requester = hash[0] ? hash : NULL;
    audit = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "event_id", ticket->event_id, "connector",
                      t->connector->name, "categories", mamori_buf_str(&cats), "severity", row.severity, "escalation",
                      row.escalation, "is_harassment", row.is_harassment ? "yes" : "no", "answer_sha256", digest_hex);
    if (audit == NULL || (audit_text = json_dumps(audit, JSON_COMPACT)) == NULL)
        goto out;

    if ((rc = mamori_store_begin(st, err)) != 0)
        goto out;
    if ((rc = mamori_store_event_put(st, &row, err)) != 0 ||
        (note && (rc = mamori_outbox_enqueue(st, t->id, t->connector->name, "note", key.data, job_text, now, NULL,
                                             err)) != 0) ||
        (rc = mamori_audit_append(st, t->id, "annotated", ticket->ticket_id, audit_text, now, err)) != 0 ||
        (rc = mamori_incident_on_event(st, t, ticket, a, row.requester, note, now, err)) != 0 ||
        (plan != NULL && (rc = mamori_escalation_commit(plan, st, now, err)) != 0)) {
        mamori_store_rollback(st);
        goto out;
    }
    /* In a worker that holds its answers, this returns before the sync:
     * the worker sends the 2xx only once the commit is durable. */
    rc = mamori_store_commit_deferred(st, err);
out:
    if (rc == MAMORI_ENOMEM && err->message[0] == '\0')
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    free(job_text);
    free(audit_text);
    json_decref(job);
    json_decref(audit);
    mamori_buf_free(&cats);
    mamori_buf_free(&key);
    return rc;
}
