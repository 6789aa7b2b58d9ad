/* info_note.c -- see info_note.h. */
#include "config.h"

#include "escalation/info_note.h"

#include <stdlib.h>

#include <jansson.h>

#include "base/buf.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/escalate.h"
#include "note/job.h"
#include "plugin/ticket.h"
#include "store/outbox.h"

int mamori_info_note_enqueue(struct mamori_store *st, const struct mamori_tenant *t,
                             const struct mamori_ticket *ticket, const struct mamori_info_note *n, time_t now,
                             struct mamori_error *err)
{
    struct mamori_buf key = MAMORI_BUF_INIT;
    char *ids = NULL, *payload = NULL;
    json_t *job = NULL, *ticket_json = NULL;
    int rc = MAMORI_ENOMEM;

    if (!t->connector->writes_back || t->helpdesk_url == NULL || ticket->ticket_id == NULL)
        return MAMORI_OK;
    if ((ids = mamori_escalation_ticket_ids_json(ticket)) == NULL || (ticket_json = json_loads(ids, 0, NULL)) == NULL)
        goto out;
    mamori_note_job_key(&key, t->id, "mamori", n->source);
    job = json_pack("{s:s, s:s, s:O, s:{s:s, s:s, s:s?, s:I, s:[]}}", "tenant", t->id, "event_id", n->source, "ticket",
                    ticket_json, "lawyer", "kind", "mamori", "title", n->title, "text", n->text, "at", (json_int_t)now,
                    "tags");
    if (job == NULL || key.failed)
        goto out;
    if (n->tag != NULL &&
        json_array_append_new(json_object_get(json_object_get(job, "lawyer"), "tags"), json_string(n->tag)) != 0)
        goto out;
    if (n->restrict_requester != NULL &&
        json_object_set_new(job, "restrict", json_pack("{s:s}", "requester_id", n->restrict_requester)) != 0)
        goto out;
    if ((payload = json_dumps(job, JSON_COMPACT)) == NULL)
        goto out;
    rc = mamori_outbox_enqueue(st, t->id, t->connector->name, "note", key.data, payload, now, NULL, err);
out:
    if (rc == MAMORI_ENOMEM)
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    free(ids);
    free(payload);
    json_decref(job);
    json_decref(ticket_json);
    mamori_buf_free(&key);
    return rc;
}
