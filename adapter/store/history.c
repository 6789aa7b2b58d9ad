/*
 * history.c -- per-requester contact history, keyed by a keyed hash
 * of the requester id so "repeat contacts in N days" works without the
 * store knowing who anyone is.
 */
#include "config.h"

#include "store/store.h"

#include "store/pg.h"

#include <string.h>

#include "base/signature.h"

int mamori_store_requester_hash(const unsigned char *key, size_t key_len, const char *tenant, const char *requester_id,
                                char out[65])
{
    struct mamori_bytes parts[3] = {
        {tenant, strlen(tenant)}, {"", 1}, {requester_id, strlen(requester_id)}};
    unsigned char mac[MAMORI_HMAC_MAX];
    size_t n = 0;

    if (mamori_hmac(MAMORI_HMAC_SHA256, key, key_len, parts, 3, mac, &n) != 0 || n != 32)
        return MAMORI_EINVAL;
    mamori_hex_encode(mac, 32, out);
    return MAMORI_OK;
}

int mamori_store_contact_count(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t since,
                               int64_t *out, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (st->pg != NULL)
        return mamori_pg_contact_count(st, tenant, requester_hash, since, out, err);
    *out = 0;
    if ((s = mamori_store_stmt(st, MAMORI_STMT_CONTACT_COUNT, "SELECT count(*) FROM events WHERE tenant=?1 AND requester=?2 AND received_at>=?3")) == NULL)
        return mamori_error_set(err, MAMORI_EDB, "store: counting contacts: %s", sqlite3_errmsg(st->db));
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, requester_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)since);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = MAMORI_OK;
    } else {
        rc = mamori_error_set(err, MAMORI_EDB, "store: counting contacts: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_reset(s);
    return rc;
}
