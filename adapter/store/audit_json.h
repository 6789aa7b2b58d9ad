/*
 * audit_json.h -- append an audit record whose data is a JSON object
 * (audit.h takes text). For the callers that build the record with
 * json_pack (consultations, warnings, restrictions).
 */
#ifndef MAMORI_STORE_AUDIT_JSON_H
#define MAMORI_STORE_AUDIT_JSON_H

#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "store/store.h"

/* Append (in the caller's transaction) a record with data, whose reference
 * is stolen (NULL, from a failed json_pack, is MAMORI_ENOMEM). */
int mamori_audit_append_json(struct mamori_store *st, const char *tenant, const char *kind, const char *subject,
                             json_t *data, time_t now, struct mamori_error *err);

#endif
