/*
 * poller.h -- the poller aux process (roles.c) for helpdesks without
 * webhooks: see poller.c for what it asks and how it dedupes.
 */
#ifndef MAMORI_POLLER_H
#define MAMORI_POLLER_H

#include "base/error.h"
#include "config/generation.h"
#include "ingest/pipeline.h"

/* What one round for one tenant did. */
struct mamori_poll_report {
    long issues;            /* issues the listing returned (changed in the window) */
    long annotated;         /* new events annotated and committed */
    long skipped;           /* events seen before, ignored (mamori's own notes) or unparseable */
    int first;              /* no cursor yet: this round started it at "now" */
    char cursor[32];        /* the cursor after the round */
    struct mamori_error err; /* why the round stopped, when it returned an error */
};

/* One round for tenant t now (the poller's own step; also `mamori poll`):
 * list the issues changed since the cursor, annotate their new events,
 * move the cursor past what was handled. 0, or a negative error with
 * r->err set: the round stopped at an issue that may work next time (the
 * cursor stays before it). ing->store must be open. */
int mamori_poller_poll_tenant(const struct mamori_ingest *ing, const struct mamori_tenant *t,
                              struct mamori_poll_report *r);

/* Whether tenant t is polled (redmine connector, [helpdesk] url and
 * poll_interval). */
int mamori_poller_polled(const struct mamori_tenant *t);

/* Runs until SIGTERM; returns the exit status. */
int mamori_poller_run(const struct mamori_generation *gen);

/* Whether any tenant has [helpdesk] poll_interval. */
int mamori_poller_wanted(const struct mamori_generation *gen);

#endif
