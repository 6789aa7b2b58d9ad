/*
 * pipeline.h -- the one ingest pipeline: an event the helpdesk sent (a
 * webhook) or that a poller fetched, from "parse" on:
 *
 *   parse -> loop guard -> dedupe -> history -> plugin chain -> escalation
 *   -> answer -> ONE transaction (ingest/commit.h)
 *
 * The webhook handler, the poller and `mamori poll` all run this; each only
 * maps the outcome to its own world (an HTTP status, a poll report). The
 * dedupe lookup, the plugins' history lookups and the escalation's reads
 * share one read snapshot, which ends before the write transaction.
 */
#ifndef MAMORI_INGEST_PIPELINE_H
#define MAMORI_INGEST_PIPELINE_H

#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "config/generation.h"
#include "connector/connector.h"
#include "ingest/chain.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

/* Who runs the pipeline. */
struct mamori_ingest {
    const struct mamori_generation *gen;          /* the identity key */
    struct mamori_store *store;
    void (*on_plugin_error)(const char *plugin);  /* metrics; may be NULL */
    /* Called once the event is known to need the tenant's plugins, before
     * the read snapshot starts (the caller may wait for its own held
     * answers here, http/worker.c); may be NULL. */
    void (*before_plugins)(void *ctx, const char *tenant_id);
    void *before_plugins_ctx;
};

enum mamori_ingest_outcome {
    MAMORI_INGEST_ANNOTATED,   /* committed (durable once the group commit syncs) */
    MAMORI_INGEST_DUPLICATE,   /* seen before: answer and status are the first delivery's */
    MAMORI_INGEST_IGNORED,     /* the connector's loop guard: ticket.ignore_reason says why */
    MAMORI_INGEST_INVALID,     /* the payload does not parse: err says why; retrying cannot help */
    MAMORI_INGEST_QUARANTINED, /* the ticket hung the plugins [server] quarantine_strikes times (strikes.h):
                                * nothing run, nothing recorded */
    MAMORI_INGEST_FAILED,      /* nothing recorded; may work later: stage and rc say where and why */
    MAMORI_INGEST_AGENT        /* an agent's note that asked for something (agent.h), recorded: answer is the
                                * exact answer text; annotation holds only what a consultation quoted */
};

/* Where a FAILED event stopped. */
enum mamori_ingest_stage {
    MAMORI_INGEST_AT_PARSE,        /* out of memory while parsing */
    MAMORI_INGEST_AT_DEDUPE,       /* the store could not be read */
    MAMORI_INGEST_AT_CHAIN,        /* the host ran out of memory in the plugin chain */
    MAMORI_INGEST_AT_ESCALATION,   /* the escalation could not be prepared */
    MAMORI_INGEST_AT_ANSWER,       /* out of memory building the answer or the note's job */
    MAMORI_INGEST_AT_CONNECTOR,    /* the connector could not build its answer (a bug or a bad config) */
    MAMORI_INGEST_AT_COMMIT,       /* the transaction failed */
    MAMORI_INGEST_AT_REREAD        /* recorded meanwhile, but its answer could not be read back */
};

struct mamori_ingest_result {
    enum mamori_ingest_outcome outcome;
    enum mamori_ingest_stage stage;   /* FAILED only */
    int rc;                           /* FAILED only: the MAMORI_E* */
    int status;                       /* DUPLICATE: the first answer's HTTP status */
    char *answer;                     /* ANNOTATED, DUPLICATE: the exact answer text */
    struct mamori_ticket ticket;      /* as parsed (empty when parsing failed) */
    struct mamori_annotation annotation;
    struct mamori_chain_result chain;
    struct mamori_error err;
};

/* Run one event: in is the connector's view of the delivery (tenant,
 * headers, body, path suffix; a poller fills only tenant and now), root its
 * parsed JSON. Always fills *res (free it with mamori_ingest_result_free);
 * returns res->outcome. */
enum mamori_ingest_outcome mamori_ingest_event(const struct mamori_ingest *ing, const struct mamori_webhook *in,
                                               json_t *root, time_t now, struct mamori_ingest_result *res);

void mamori_ingest_result_free(struct mamori_ingest_result *res);

/* The tenant's plugin chain over res->ticket into res->annotation, with
 * the store's history counters (inside the caller's read snapshot).
 * Returns 0 or MAMORI_ENOMEM (mamori_chain_run). */
int mamori_ingest_run_chain(const struct mamori_ingest *ing, const struct mamori_tenant *t, time_t now,
                            struct mamori_ingest_result *res);

#endif
