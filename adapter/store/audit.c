/* audit.c -- see audit.h. */
#include "config.h"

#include "store/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/signature.h"

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

static int record_hash(int64_t seq, const char *at, const char *tenant, const char *kind, const char *subject,
                       const char *data, const char *prev, char out[65])
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    unsigned char digest[32];
    int rc;

    mamori_buf_printf(&b, "%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s", seq, at, tenant, kind, subject, data, prev);
    if (b.failed) {
        mamori_buf_free(&b);
        return MAMORI_ENOMEM;
    }
    rc = mamori_sha256(b.data, b.len, digest);
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

    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((rc = record_hash(seq, at, tenant, kind, subject, data, prev, hash)) != 0)
        return mamori_error_set(err, rc, "audit: hashing failed");
    if ((s = mamori_store_stmt(st, MAMORI_STMT_AUDIT_INSERT,
                               "INSERT INTO audit(seq, at, tenant, kind, subject, data, prev_hash, hash) "
                               "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)")) == NULL)
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

int mamori_audit_verify(struct mamori_store *st, struct mamori_audit_report *report, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    char expect_prev[65], hash[65];
    int64_t expect_seq = 1;
    int rc;

    memset(report, 0, sizeof *report);
    memcpy(expect_prev, zero_hash, sizeof expect_prev);
    if (sqlite3_prepare_v2(st->db, "SELECT seq, at, tenant, kind, subject, data, prev_hash, hash FROM audit ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *col[7];
        for (int i = 0; i < 7; i++) {
            col[i] = (const char *)sqlite3_column_text(s, i + 1);
            if (col[i] == NULL)
                col[i] = "";
        }
        report->records++;
        if (seq != expect_seq) {
            report->first_bad = seq;
            rc = mamori_error_set(err, MAMORI_EINVAL, "audit chain broken: record %" PRId64 " follows %" PRId64
                                  " (records missing)", seq, expect_seq - 1);
            goto out;
        }
        if (strcmp(col[5], expect_prev) != 0) {
            report->first_bad = seq;
            rc = mamori_error_set(err, MAMORI_EINVAL,
                                  "audit chain broken at record %" PRId64 ": its prev_hash does not match record %" PRId64,
                                  seq, seq - 1);
            goto out;
        }
        if (record_hash(seq, col[0], col[1], col[2], col[3], col[4], col[5], hash) != 0) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "audit: out of memory");
            goto out;
        }
        if (strcmp(hash, col[6]) != 0) {
            report->first_bad = seq;
            rc = mamori_error_set(err, MAMORI_EINVAL,
                                  "audit chain broken at record %" PRId64 ": contents do not match its hash (edited)",
                                  seq);
            goto out;
        }
        memcpy(expect_prev, hash, sizeof expect_prev);
        expect_seq = seq + 1;
    }
    rc = rc == SQLITE_DONE ? MAMORI_OK : mamori_error_set(err, MAMORI_EDB, "audit: %s", sqlite3_errmsg(st->db));
out:
    sqlite3_finalize(s);
    return rc;
}
