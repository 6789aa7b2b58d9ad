/* job.c -- see job.h. */
#include "config.h"

#include "note/job.h"

#include <string.h>

void mamori_note_job_key(struct mamori_buf *key, const char *tenant, const char *source, const char *event_id)
{
    mamori_buf_printf(key, "%s:%s:%s:note", tenant, source, event_id);
}

json_t *mamori_note_job_new(const char *tenant, const char *event_id, json_t *ticket, json_t *annotation,
                            const char *lawyer_status)
{
    json_t *job = json_pack("{s:s, s:s, s:O, s:O}", "tenant", tenant, "event_id", event_id, "ticket", ticket,
                            "annotation", annotation);

    if (job != NULL && lawyer_status != NULL && lawyer_status[0] != '\0' &&
        json_object_set_new(job, "lawyer_status", json_string(lawyer_status)) != 0) {
        json_decref(job);
        return NULL;
    }
    return job;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int mamori_note_job_read(json_t *payload, struct mamori_note_job *out)
{
    json_t *a = json_object_get(payload, "annotation"), *l = json_object_get(payload, "lawyer");

    memset(out, 0, sizeof *out);
    out->tenant = str(payload, "tenant");
    out->event_id = str(payload, "event_id");
    out->ticket = json_object_get(payload, "ticket");
    out->lawyer_status = str(payload, "lawyer_status");
    out->subject = str(out->ticket, "subject");
    out->body = str(out->ticket, "body");
    if (json_is_object(l))
        out->lawyer = l;
    else if (json_is_object(a))
        out->annotation = a;
    else
        return -1;
    return 0;
}
