/*
 * poller.h -- the poller aux process (roles.c) for helpdesks without
 * webhooks: see poller.c for what it asks and how it dedupes.
 */
#ifndef MAMORI_POLLER_H
#define MAMORI_POLLER_H

#include "generation.h"

/* Runs until SIGTERM; returns the exit status. */
int mamori_poller_run(const struct mamori_generation *gen);

/* Whether any tenant has [helpdesk] poll_interval. */
int mamori_poller_wanted(const struct mamori_generation *gen);

#endif
