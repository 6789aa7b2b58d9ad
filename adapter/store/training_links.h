/*
 * training_links.h -- training links issued in notes and their first
 * open (schema migration 7). One row per (tenant, ticket, url): issued
 * when the note carrying it is committed, opened_at set once by the
 * signed redirect (GET /t/<token>, http/handler_training.c).
 *
 * Writes must run inside mamori_store_begin().
 */
#ifndef MAMORI_TRAINING_LINKS_H
#define MAMORI_TRAINING_LINKS_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* Remember an issued link (kept as it was when issued again). */
int mamori_training_link_issue(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *url,
                               const char *category, const char *title, long long now, struct mamori_error *err);

/* Record an open: *first is 1 when this was the first open (opened_at was
 * unset), 0 when it was opened before. A link purged meanwhile is
 * remembered again, issued at issued_at (from the signed token). */
int mamori_training_link_open(struct mamori_store *st, const char *tenant, const char *ticket_id, const char *url,
                              const char *category, long long issued_at, long long now, int *first,
                              struct mamori_error *err);

/* Links of tenant issued in [from, to), through cb (strings borrowed;
 * opened_at 0 when never opened). */
int mamori_training_link_each(struct mamori_store *st, const char *tenant, const char *ticket_id, long long from,
                              long long to,
                              int (*cb)(void *ctx, const char *ticket_id, const char *url, const char *category,
                                        const char *title, long long issued_at, long long opened_at),
                              void *ctx, struct mamori_error *err);

#endif
