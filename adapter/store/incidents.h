/*
 * incidents.h -- incident records (対応記録) in the store (schema
 * migration 7): one row per (tenant, ticket) that mamori flagged or an
 * agent marked. The columns are what reports count by; `detail` is a JSON
 * object (evidence, advice, actions, events) that incident/record.c
 * builds and merges. This file only reads and writes rows: what a record
 * means, and its audit entries, live in adapter/incident/.
 *
 * Writes must run inside mamori_store_begin().
 */
#ifndef MAMORI_INCIDENTS_H
#define MAMORI_INCIDENTS_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* Every string is owned by the row (mamori_incident_row_free), except in
 * rows handed to a callback, which are borrowed for the call. */
struct mamori_incident_row {
    int64_t id;
    char *tenant, *ticket_id, *connector, *channel;
    char *requester;      /* keyed hash of the requester (store.h), or NULL */
    char *marked_by;      /* "mamori" or "agent" */
    int is_harassment;
    char *severity, *categories, *escalation;
    int care_requested;
    char *outcome;        /* NULL until an agent states one */
    char *detail;         /* JSON object text */
    long long first_at, updated_at;
};

void mamori_incident_row_free(struct mamori_incident_row *r);

/* The schema version that holds incidents and training links on st's
 * backend: sqlite migration 7, PostgreSQL migration 2 (pg_schema.c has its
 * own numbering). For commands that must not migrate: compare it with
 * mamori_store_file_version(). */
int mamori_incident_schema(const struct mamori_store *st);

/* The record of a ticket: MAMORI_OK with *r (owned by the caller), or
 * MAMORI_ENOTFOUND. */
int mamori_incident_get(struct mamori_store *st, const char *tenant, const char *ticket_id,
                        struct mamori_incident_row *r, struct mamori_error *err);

/* Insert or replace the record of (r->tenant, r->ticket_id) with r (in a
 * transaction); r->id is ignored. */
int mamori_incident_put(struct mamori_store *st, const struct mamori_incident_row *r, struct mamori_error *err);

/* Records of tenant first seen in [from, to) (Unix seconds), oldest first,
 * through cb with rows borrowed for the call; a non-zero return from cb
 * stops and is returned. with_detail: fill detail (else NULL; reports that
 * only count skip it). */
int mamori_incident_each(struct mamori_store *st, const char *tenant, long long from, long long to, int with_detail,
                         int (*cb)(void *ctx, const struct mamori_incident_row *r), void *ctx,
                         struct mamori_error *err);

/* Whether tenant has any record at all (to tell an empty period from a
 * tenant mamori never saw). */
int mamori_incident_tenant_known(struct mamori_store *st, const char *tenant, int *known, struct mamori_error *err);

/* Audit records about one ticket (subject = ticket_id), oldest first,
 * through cb (strings borrowed for the call). */
struct mamori_audit_entry {
    int64_t seq;
    const char *at, *kind, *subject, *data, *prev_hash, *hash;
    int keyed;
};
int mamori_incident_audit_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                               int (*cb)(void *ctx, const struct mamori_audit_entry *e), void *ctx,
                               struct mamori_error *err);

/* Who was told about the ticket's escalations: every delivered message
 * (level, channel, recipient, when), oldest first, through cb (strings
 * borrowed for the call). */
int mamori_incident_messages_each(struct mamori_store *st, const char *tenant, const char *ticket_id,
                                  int (*cb)(void *ctx, const char *level, const char *channel, const char *recipient,
                                            long long sent_at),
                                  void *ctx, struct mamori_error *err);

/*
 * Rows of tables other branches add (consultations and warnings, issue
 * 16), read without knowing their columns: when table `kind` exists and
 * has tenant and ticket_id columns, every row of the ticket (ticket_id
 * NULL: every row of the tenant whose time column, the first of
 * created_at / issued_at / at that exists, is in [from, to)) is passed to
 * cb as column names and text values. *present says whether the table
 * exists. kind must be one of the names this file knows (it is spliced
 * into SQL): "consultations", "warnings", "restrictions".
 */
int mamori_incident_kind_each(struct mamori_store *st, const char *kind, const char *tenant, const char *ticket_id,
                              long long from, long long to, int *present,
                              int (*cb)(void *ctx, int ncol, const char *const *names, const char *const *values),
                              void *ctx, struct mamori_error *err);

#endif
