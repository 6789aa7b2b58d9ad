/*
 * audit.h -- the keyed audit chain.
 *
 * Every record carries the hash of the record before it, so removing or
 * editing any record breaks every later hash. A record's hash covers:
 *
 *   seq "\n" at "\n" tenant "\n" kind "\n" subject "\n" data "\n" prev_hash
 *
 * (hex, lowercase; the first record's prev_hash is 64 zeros). Since schema
 * 4 the hash is HMAC-SHA256 with the audit key ([store] audit_key_file,
 * outside the store) and the record says keyed = 1; records written before
 * have the plain SHA-256 (keyed = 0) and must all come before the first
 * keyed one, whose MAC covers the last plain record's hash.
 *
 * What this guarantees, to someone who can write the store but does not
 * have the audit key: editing, inserting, reordering or removing a record
 * in the middle, or rewriting any records with recomputed hashes (plain
 * SHA-256 or anything else), is found by mamori_audit_verify. Removing the
 * newest records (truncation, down to an empty chain) leaves a valid chain
 * and is found only against a head published earlier (the log's
 * audit_head lines, `mamori status`): verify with that anchor fails when
 * the record it names is gone or differs. Whoever holds the key can write a
 * valid chain of their own.
 *
 * Records hold no customer text: ids, categories, levels and digests only,
 * so retention purges of annotations never touch the chain.
 */
#ifndef MAMORI_AUDIT_H
#define MAMORI_AUDIT_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "store/store.h"

/* Append a record, keyed with the connection's audit key
 * (mamori_store_set_audit_key; without one: MAMORI_EINVAL, nothing
 * written). Must be called inside mamori_store_begin(). data is a JSON text. */
int mamori_audit_append(struct mamori_store *st, const char *tenant, const char *kind, const char *subject,
                        const char *data, time_t now, struct mamori_error *err);

struct mamori_audit_report {
    int64_t records;      /* records checked */
    int64_t first_bad;    /* seq of the first record that fails, or 0 */
    int64_t plain;        /* records from before the key (keyed = 0) */
    int64_t head_seq;     /* the newest record, 0 when the chain is empty */
    char head_hash[65];   /* its hash, "" when empty */
    int64_t anchor_seq;   /* the record the anchor named, 0 when none was given */
};

/* Recompute every hash; keyed records with the connection's audit key.
 * anchor: a head hash published earlier (64 hex digits), or NULL; the chain
 * must then contain a record with exactly that hash. MAMORI_OK when the
 * chain is intact; MAMORI_EINVAL with err naming the first broken record
 * (or the missing anchor) otherwise. A chain with records but none keyed
 * fails when a key is set: the daemon keys the chain at its start
 * (mamori_audit_ensure_keyed), so such a chain was rewritten without it. */
int mamori_audit_verify(struct mamori_store *st, const char *anchor, struct mamori_audit_report *report,
                        struct mamori_error *err);

/* The newest record: *seq 0 and hash "" when the chain is empty. */
int mamori_audit_head(struct mamori_store *st, int64_t *seq, char hash[65], struct mamori_error *err);

/* When the newest record is not keyed (a store from before schema 4, or an
 * empty chain), append an "audit_keyed" record so the chain is keyed from
 * here on and the plain records before it are covered by its MAC. Opens its
 * own transaction. */
int mamori_audit_ensure_keyed(struct mamori_store *st, time_t now, struct mamori_error *err);

#endif
