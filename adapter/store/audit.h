/*
 * audit.h -- the tamper-evident audit chain.
 *
 * Every record carries the SHA-256 of the record before it, so removing or
 * editing any record breaks every later hash. A record's hash covers:
 *
 *   seq "\n" at "\n" tenant "\n" kind "\n" subject "\n" data "\n" prev_hash
 *
 * (hex, lowercase; the first record's prev_hash is 64 zeros). Records hold
 * no customer text: ids, categories, levels and digests only, so retention
 * purges of annotations never touch the chain.
 */
#ifndef MAMORI_AUDIT_H
#define MAMORI_AUDIT_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "store/store.h"

/* Append a record. Must be called inside mamori_store_begin(). data is a
 * JSON text. */
int mamori_audit_append(struct mamori_store *st, const char *tenant, const char *kind, const char *subject,
                        const char *data, time_t now, struct mamori_error *err);

struct mamori_audit_report {
    int64_t records;      /* records checked */
    int64_t first_bad;    /* seq of the first record that fails, or 0 */
};

/* Recompute every hash. MAMORI_OK when the chain is intact; MAMORI_EINVAL
 * with err naming the first broken record otherwise. */
int mamori_audit_verify(struct mamori_store *st, struct mamori_audit_report *report, struct mamori_error *err);

#endif
