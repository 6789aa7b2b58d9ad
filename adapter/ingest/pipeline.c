/* pipeline.c -- see pipeline.h. */
#include "config.h"

#include "ingest/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "base/watchdog.h"
#include "escalation/escalate.h"
#include "incident/record.h"
#include "incident/training_token.h"
#include "ingest/agent.h"
#include "ingest/commit.h"
#include "ingest/history.h"
#include "ingest/warned.h"
#include "plugin/host_api.h"
#include "store/strikes.h"

/* With [server] training_key and public_url, the note's training links go
 * through the signed redirect (GET /t/...), which records the first open;
 * the answer and the incident record keep the policy's own URLs. */
static int sign_training_links(const struct mamori_ingest *ing, const struct mamori_tenant *t,
                               const struct mamori_ticket *ticket, const struct mamori_annotation *a, json_t *full,
                               time_t now)
{
    const struct mamori_generation *g = ing->gen;
    json_t *links = json_object_get(full, "training"), *link;
    size_t i;

    if (g->training_key.len == 0 || g->settings.public_url == NULL || !json_is_array(links))
        return 0;
    json_array_foreach(links, i, link) {
        struct mamori_training_claim c = {(char *)t->id, ticket->ticket_id,
                                          (char *)json_string_value(json_object_get(link, "url")),
                                          a->category_count ? a->categories[0].id : (char *)"", (long long)now};
        struct mamori_buf url = MAMORI_BUF_INIT;
        int rc;
        if (c.url == NULL)
            continue;
        rc = mamori_training_link_sign(g->training_key.data, g->training_key.len, g->settings.public_url, &c, &url);
        if (rc == 0 && json_object_set_new(link, "url", json_string(mamori_buf_str(&url))) != 0)
            rc = MAMORI_ENOMEM;
        mamori_buf_free(&url);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static enum mamori_ingest_outcome fail(struct mamori_ingest_result *res, enum mamori_ingest_stage stage, int rc)
{
    res->outcome = MAMORI_INGEST_FAILED;
    res->stage = stage;
    res->rc = rc;
    if (rc == MAMORI_ENOMEM && res->err.message[0] == '\0')
        mamori_error_set(&res->err, MAMORI_ENOMEM, "out of memory");
    return res->outcome;
}

/* The answer: the verdict only (the guidance is in the note; /v1/annotate
 * returns everything). A small stored answer keeps customer text out of the
 * store and the commit the helpdesk waits for small. */
static json_t *build_answer(const struct mamori_tenant *t, const struct mamori_ingest_result *res)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "status", "annotated", "tenant", t->id, "event_id",
                     res->ticket.event_id, "ticket_id", res->ticket.ticket_id, "annotation",
                     mamori_annotation_verdict_json(&res->annotation, t->keep_evidence));
}

int mamori_ingest_run_chain(const struct mamori_ingest *ing, const struct mamori_tenant *t, time_t now,
                            struct mamori_ingest_result *res)
{
    struct mamori_store_history source;
    struct mamori_history hist;
    struct mamori_request req;

    source.store = ing->store;
    source.identity_key = ing->gen->identity_key.data;
    source.identity_key_len = ing->gen->identity_key.len;
    mamori_history_from_store(&hist, &source);
    memset(&req, 0, sizeof req);
    mamori_chain_request(&req, t);
    req.ticket = &res->ticket;
    req.annotation = &res->annotation;
    req.history = &hist;
    req.now = now;
    return mamori_chain_run(t, &req, &res->chain, ing->on_plugin_error);
}

enum mamori_ingest_outcome mamori_ingest_event(const struct mamori_ingest *ing, const struct mamori_webhook *in,
                                               json_t *root, time_t now, struct mamori_ingest_result *res)
{
    const struct mamori_tenant *t = in->tenant;
    struct mamori_escalation_plan plan;
    json_t *full = NULL, *ticket_json = NULL, *answer = NULL;
    char *stored = NULL;
    int rc, status = 0, reading = 0;

    memset(res, 0, sizeof *res);
    mamori_ticket_init(&res->ticket);
    mamori_annotation_init(&res->annotation);
    mamori_error_clear(&res->err);
    mamori_escalation_plan_init(&plan);

    if ((rc = t->connector->parse(in, root, &res->ticket, &res->err)) != 0) {
        if (rc == MAMORI_ENOMEM)
            return fail(res, MAMORI_INGEST_AT_PARSE, rc);
        res->outcome = MAMORI_INGEST_INVALID;
        return res->outcome;
    }
    /* The tenant's [channel_map] corrects what the connector read (a
     * Zendesk voice ticket that is a call note is phone_note). */
    if ((rc = mamori_tenant_map_channel(t, &res->ticket)) != 0)
        return fail(res, MAMORI_INGEST_AT_PARSE, rc);
    /* Should a plugin hang on this ticket, the supervisor's log names it. */
    mamori_watchdog_set_ticket(res->ticket.ticket_id, res->ticket.event_id);
    if (res->ticket.ignore_reason != NULL) {
        int changed = 0;
        /* An agent's note or tags may still speak to the incident record. */
        if ((rc = mamori_incident_on_agent(ing->store, t, &res->ticket, now, &changed, &res->err)) != 0)
            return fail(res, MAMORI_INGEST_AT_COMMIT, rc);
        /* ... and one that consults the lawyer, records a warning or
         * decides a restriction acts on it (agent.h); any other stays
         * ignored. */
        if (res->ticket.agent_event && mamori_agent_event_acts(t, &res->ticket)) {
            if (ing->before_plugins != NULL)
                ing->before_plugins(ing->before_plugins_ctx, t->id);
            return mamori_agent_event(ing, t, now, res);
        }
        res->outcome = MAMORI_INGEST_IGNORED;
        return res->outcome;
    }
    /* Before the snapshot, so a caller that waits here (for the syncer)
     * does not hold a read transaction meanwhile. Dedupe hits and
     * quarantined tickets run no plugin but pass here too: rare, and
     * calling it earlier than needed is only a little slower. */
    if (ing->before_plugins != NULL)
        ing->before_plugins(ing->before_plugins_ctx, t->id);

    rc = mamori_store_read_begin(ing->store, &res->err);
    if (rc == 0) {
        reading = 1;
        rc = mamori_store_event_get(ing->store, t->id, t->connector->name, res->ticket.event_id, &stored, &status,
                                    &res->err);
    }
    if (rc == MAMORI_OK) {
        res->outcome = MAMORI_INGEST_DUPLICATE;
        res->answer = stored;
        res->status = status;
        stored = NULL;
        goto out;
    }
    if (rc != MAMORI_ENOTFOUND) {
        fail(res, MAMORI_INGEST_AT_DEDUPE, rc);
        goto out;
    }
    mamori_error_clear(&res->err);

    /* A ticket on which the plugins ran past request_deadline again and
     * again would cost a worker on every retry: leave it alone. */
    if (ing->gen->settings.quarantine_strikes > 0) {
        int64_t strikes = 0;
        if ((rc = mamori_strikes_get(ing->store, t->id, res->ticket.ticket_id, &strikes, &res->err)) != 0) {
            fail(res, MAMORI_INGEST_AT_DEDUPE, rc);
            goto out;
        }
        if (strikes >= ing->gen->settings.quarantine_strikes) {
            res->outcome = MAMORI_INGEST_QUARANTINED;
            goto out;
        }
    }

    if ((rc = mamori_ingest_run_chain(ing, t, now, res)) != 0) {
        fail(res, MAMORI_INGEST_AT_CHAIN, rc);
        goto out;
    }
    /* A customer warned before: severity, the warnings' dates, and the
     * policy's restriction advice (warned.h). */
    if ((rc = mamori_warned_apply(ing->store, ing->gen->identity_key.data, ing->gen->identity_key.len, t, &res->ticket,
                                  &res->annotation, &res->err)) != 0) {
        fail(res, MAMORI_INGEST_AT_CHAIN, rc);
        goto out;
    }
    /* The ticket's earlier escalations are read in the same snapshot;
     * messages are rendered here and only enqueued in the commit. */
    if ((rc = mamori_escalation_prepare(&plan, ing->store, t, &res->ticket, &res->annotation, now, &res->err)) != 0) {
        fail(res, MAMORI_INGEST_AT_ESCALATION, rc);
        goto out;
    }
    mamori_store_read_end(ing->store);
    reading = 0;

    /* The full annotation and the ticket go into the outbox job for the note. */
    if (mamori_ingest_wants_note(t, &res->annotation)) {
        full = mamori_annotation_to_json(&res->annotation);
        ticket_json = mamori_ticket_to_json(&res->ticket, 0);
        if (full == NULL || ticket_json == NULL ||
            sign_training_links(ing, t, &res->ticket, &res->annotation, full, now) != 0) {
            fail(res, MAMORI_INGEST_AT_ANSWER, MAMORI_ENOMEM);
            goto out;
        }
        if (res->ticket.connector_data != NULL &&
            json_object_set(ticket_json, "connector_data", res->ticket.connector_data) != 0) {
            fail(res, MAMORI_INGEST_AT_ANSWER, MAMORI_ENOMEM);
            goto out;
        }
    }
    if ((answer = build_answer(t, res)) == NULL) {
        fail(res, MAMORI_INGEST_AT_ANSWER, MAMORI_ENOMEM);
        goto out;
    }
    if (t->connector->respond != NULL &&
        (rc = t->connector->respond(t, &res->ticket, &res->annotation, answer, &res->err)) != 0) {
        fail(res, MAMORI_INGEST_AT_CONNECTOR, rc < 0 ? rc : MAMORI_EINVAL);
        goto out;
    }
    rc = mamori_ingest_commit(ing->store, ing->gen->identity_key.data, ing->gen->identity_key.len, t, &res->ticket,
                              &res->annotation, full, ticket_json, answer, now, &plan, &res->answer, &res->err);
    if (rc == MAMORI_ECONFLICT) {
        /* A concurrent delivery of the same event won the race. */
        free(res->answer);
        res->answer = NULL;
        mamori_error_clear(&res->err);
        if ((rc = mamori_store_event_get(ing->store, t->id, t->connector->name, res->ticket.event_id, &res->answer,
                                         &res->status, &res->err)) == 0)
            res->outcome = MAMORI_INGEST_DUPLICATE;
        else
            fail(res, MAMORI_INGEST_AT_REREAD, rc);
    } else if (rc != 0) {
        free(res->answer);
        res->answer = NULL;
        fail(res, MAMORI_INGEST_AT_COMMIT, rc);
    } else {
        res->outcome = MAMORI_INGEST_ANNOTATED;
        res->status = 200;
    }
out:
    if (reading)
        mamori_store_read_end(ing->store);
    free(stored);
    json_decref(full);
    json_decref(ticket_json);
    json_decref(answer);
    mamori_escalation_plan_free(&plan);
    return res->outcome;
}

void mamori_ingest_result_free(struct mamori_ingest_result *res)
{
    free(res->answer);
    res->answer = NULL;
    mamori_annotation_free(&res->annotation);
    mamori_ticket_free(&res->ticket);
}
