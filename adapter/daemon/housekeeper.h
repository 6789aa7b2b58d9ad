/*
 * housekeeper.h -- the supervisor's maintenance process: keeps the WAL
 * checkpointed off the request path (workers never checkpoint unless the
 * WAL grows huge), and runs periodic store maintenance.
 */
#ifndef MAMORI_HOUSEKEEPER_H
#define MAMORI_HOUSEKEEPER_H

#include "config/generation.h"

/* Runs until SIGTERM; returns the exit status. */
int mamori_housekeeper_run(const struct mamori_generation *gen);

#endif
