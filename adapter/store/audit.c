/* audit.c -- see audit.h. */
#include "config.h"

#include "store/audit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"
#include "store/pg.h"

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* The record's hash in hex: HMAC-SHA256 with key when keyed, else the
 * plain SHA-256 of records written before schema 4. */
static int record_hash(int keyed, const unsigned char *key, size_t key_len, int64_t seq, const char *at,
                       const char *tenant, const char *kind, const char *subject, const char *data, const char *prev,
                       char out[65])
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    unsigned char digest[MAMORI_HMAC_MAX];
    size_t digest_len = 32;
    int rc;

    mamori_buf_printf(&b, "%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s", seq, at, tenant, kind, subject, data, prev);
    if (b.failed) {
        mamori_buf_free(&b);
        return MAMORI_ENOMEM;
    }
    if (keyed) {
        struct mamori_bytes part = {b.data, b.len};
        rc = mamori_hmac(MAMORI_HMAC_SHA256, key, key_len, &part, 1, digest, &digest_len);
    } else {
        rc = mamori_sha256(b.data, b.len, digest);
    }
    mamori_buf_free(&b);
    if (rc != 0)
        return rc;
    mamori_hex_encode(digest, 32, out);
    return MAMORI_OK;
}

int mamori_audit_append(struct mamori_store *st, const char *tenant, const char *kind, const char *subject,
                        const char *data, time_t now, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[65], hash[65], at[32];
    int64_t seq = 1;
    struct tm tm;
    int rc;

    if (!st->in_tx)
        return mamori_error_set(err, MAMORI_EINVAL, "audit: append outside a transaction");
    if (st->audit_key == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "audit: no audit key on this connection (a bug, or [store] "
                                "audit_key_file is missing: mamori-fcgi creates it at its first start)");
    if (st->pg != NULL) {
        int keyed;
        int64_t records;
        if ((rc = mamori_pg_audit_lock_head(st, &seq, prev, &keyed, &records, err)) != 0)
            return rc;
        if (seq == 0)
            memcpy(prev, zero_hash, sizeof prev);
        seq++;
        goto hash;
    }
    if ((s = mamori_store_stmt(st, MAMORI_STMT_AUDIT_LAST, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")) ==
        NULL)
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
    } else if (rc == SQLITE_DONE) {
        memcpy(prev, zero_hash, sizeof prev);
    } else {
        sqlite3_reset(s);
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_reset(s);

hash:
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((rc = record_hash(1, st->audit_key, st->audit_key_len, seq, at, tenant, kind, subject, data, prev, hash)) !=
        0)
        return mamori_error_set(err, rc, "audit: hashing failed");
    if (st->pg != NULL)
        return mamori_pg_audit_insert(st, seq, at, tenant, kind, subject, data, prev, hash, 1, err);
    if ((s = mamori_store_stmt(st, MAMORI_STMT_AUDIT_INSERT,
                               "INSERT INTO audit(seq, at, tenant, kind, subject, data, prev_hash, hash, keyed) "
                               "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,1)")) == NULL)
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, data, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? MAMORI_OK
                                        : mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    sqlite3_reset(s);
    return rc;
}

/* Whether text is 64 hex digits; copied in lowercase to out. */
static int hash_text(const char *text, char out[65])
{
    size_t n = strlen(text);

    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)text[i]))
            return 0;
        out[i] = (char)tolower((unsigned char)text[i]);
    }
    out[64] = '\0';
    return 1;
}

/* Where verification is: one record at a time, from either backend. */
struct verify {
    struct mamori_store *st;
    struct mamori_audit_report *report;
    struct mamori_error *err;
    const char *anchor;
    char expect_prev[65], want_anchor[65];
    int64_t expect_seq;
    int keyed_seen;
};

/* col: at, tenant, kind, subject, data, prev_hash, hash. */
static int verify_record(void *ctx, int64_t seq, int keyed, const char *const col[7])
{
    struct verify *v = ctx;
    struct mamori_audit_report *report = v->report;
    char hash[65];

    report->records++;
    if (seq != v->expect_seq) {
        report->first_bad = seq;
        return mamori_error_set(v->err, MAMORI_EINVAL, "audit chain broken: record %" PRId64 " follows %" PRId64
                                " (records missing)", seq, v->expect_seq - 1);
    }
    if (strcmp(col[5], v->expect_prev) != 0) {
        report->first_bad = seq;
        return mamori_error_set(v->err, MAMORI_EINVAL,
                                "audit chain broken at record %" PRId64 ": its prev_hash does not match record %" PRId64,
                                seq, seq - 1);
    }
    if (!keyed && v->keyed_seen) {
        /* The plain hash is anyone's to compute: after the first keyed
         * record it can only mean a rewrite. */
        report->first_bad = seq;
        return mamori_error_set(v->err, MAMORI_EINVAL, "audit chain broken at record %" PRId64 ": not keyed, after "
                                "keyed records (rewritten without the audit key)", seq);
    }
    if (keyed && v->st->audit_key == NULL) {
        report->first_bad = seq;
        return mamori_error_set(v->err, MAMORI_EINVAL, "record %" PRId64 " is keyed and no audit key was given: "
                                "cannot verify (check [store] audit_key_file)", seq);
    }
    if (record_hash(keyed, v->st->audit_key, v->st->audit_key_len, seq, col[0], col[1], col[2], col[3], col[4],
                    col[5], hash) != 0)
        return mamori_error_set(v->err, MAMORI_ENOMEM, "audit: out of memory");
    if (strcmp(hash, col[6]) != 0) {
        report->first_bad = seq;
        return mamori_error_set(v->err, MAMORI_EINVAL,
                                "audit chain broken at record %" PRId64 ": contents do not match its %s (edited%s)",
                                seq, keyed ? "MAC" : "hash", keyed ? ", or another audit key" : "");
    }
    v->keyed_seen |= keyed;
    report->plain += !keyed;
    if (v->anchor != NULL && report->anchor_seq == 0 && strcmp(hash, v->want_anchor) == 0)
        report->anchor_seq = seq;
    memcpy(v->expect_prev, hash, sizeof v->expect_prev);
    report->head_seq = seq;
    memcpy(report->head_hash, hash, sizeof hash);
    v->expect_seq = seq + 1;
    return MAMORI_OK;
}

int mamori_audit_verify(struct mamori_store *st, const char *anchor, struct mamori_audit_report *report,
                        struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    struct verify v;
    int rc;

    memset(report, 0, sizeof *report);
    memset(&v, 0, sizeof v);
    v.st = st;
    v.report = report;
    v.err = err;
    v.anchor = anchor;
    v.expect_seq = 1;
    memcpy(v.expect_prev, zero_hash, sizeof v.expect_prev);
    if (anchor != NULL && !hash_text(anchor, v.want_anchor))
        return mamori_error_set(err, MAMORI_EINVAL, "the anchor \"%s\" is not a hash (64 hex digits, as `mamori "
                                "status` and the log's audit_head lines show it)", anchor);
    if (st->pg != NULL) {
        if ((rc = mamori_pg_audit_each(st, verify_record, &v, err)) != 0)
            return rc;
        goto verdict;
    }
    /* A store from before schema 4 (opened read-only, not migrated) has no
     * keyed column: every record in it is plain. */
    if (sqlite3_prepare_v2(st->db, "SELECT seq, at, tenant, kind, subject, data, prev_hash, hash, keyed FROM audit "
                           "ORDER BY seq", -1, &s, NULL) != SQLITE_OK &&
        sqlite3_prepare_v2(st->db, "SELECT seq, at, tenant, kind, subject, data, prev_hash, hash, 0 FROM audit "
                           "ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *col[7];
        for (int i = 0; i < 7; i++) {
            col[i] = (const char *)sqlite3_column_text(s, i + 1);
            if (col[i] == NULL)
                col[i] = "";
        }
        if ((rc = verify_record(&v, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 8) != 0, col)) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
        sqlite3_finalize(s);
        return rc;
    }
    sqlite3_finalize(s);
verdict:
    if (report->records > 0 && !v.keyed_seen && st->audit_key != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "none of the %" PRId64 " records is keyed: the chain was "
                                "rewritten with plain hashes, or mamori-fcgi has not started since the upgrade to "
                                "schema 4 (it keys the chain at its start)", report->records);
    if (anchor != NULL && report->anchor_seq == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "the anchor %s is not in the chain (%" PRId64 " records, head %s): "
                                "records after it were removed (truncated), or it is from another store",
                                v.want_anchor, report->records, report->records ? report->head_hash : "none");
    return MAMORI_OK;
}

int mamori_audit_head(struct mamori_store *st, int64_t *seq, char hash[65], struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (st->pg != NULL)
        return mamori_pg_audit_head(st, seq, hash, err);
    *seq = 0;
    hash[0] = '\0';
    if (sqlite3_prepare_v2(st->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        snprintf(hash, 65, "%s", sqlite3_column_text(s, 1) ? (const char *)sqlite3_column_text(s, 1) : "");
        rc = MAMORI_OK;
    } else {
        rc = rc == SQLITE_DONE ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    return rc;
}

int mamori_audit_ensure_keyed(struct mamori_store *st, time_t now, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int keyed = 0, rc;
    int64_t records = 0;
    char data[96];

    if ((rc = mamori_store_begin(st, err)) != 0)
        return rc;
    if (st->pg != NULL) {
        int64_t seq;
        char prev[65];
        /* Under the chain's lock: two nodes starting together key it once. */
        if ((rc = mamori_pg_audit_lock_head(st, &seq, prev, &keyed, &records, err)) != 0)
            goto fail;
        goto decide;
    }
    if (sqlite3_prepare_v2(st->db, "SELECT keyed, (SELECT count(*) FROM audit) FROM audit ORDER BY seq DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
        goto fail;
    }
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        keyed = sqlite3_column_int(s, 0) != 0;
        records = sqlite3_column_int64(s, 1);
    } else if (rc != SQLITE_DONE) {
        rc = mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
        goto fail;
    }
    sqlite3_finalize(s);
    s = NULL;
decide:
    if (keyed) {
        mamori_store_rollback(st);
        return MAMORI_OK;
    }
    snprintf(data, sizeof data, "{\"plain_records\":%" PRId64 "}", records);
    if ((rc = mamori_audit_append(st, "-", "audit_keyed", "chain", data, now, err)) != 0)
        goto fail;
    return mamori_store_commit(st, err);
fail:
    sqlite3_finalize(s);
    mamori_store_rollback(st);
    return rc;
}
