/* Unit tests: the store -- migrations, dedupe, contacts, outbox, and the
 * audit chain (including tampering). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/signature.h"
#include "config/settings.h"
#include "store/audit.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-store.XXXXXX";

static int put(struct mamori_store *st, const char *tenant, const char *event_id, const char *response,
               const char *requester, time_t at)
{
    struct mamori_event_row row;
    struct mamori_error err;

    memset(&row, 0, sizeof row);
    row.tenant = tenant;
    row.connector = "generic";
    row.event_id = event_id;
    row.ticket_id = "t1";
    row.status = 200;
    row.response = response;
    row.requester = requester;
    row.received_at = at;
    return mamori_store_event_put(st, &row, &err);
}

int main(void)
{
    struct mamori_store *st = NULL, *st2 = NULL;
    struct mamori_audit_report rep;
    struct mamori_error err;
    char path[256], *resp = NULL, h1[65], h2[65];
    const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    int64_t n, pending, dead, id;
    int status, version;

    plan(54);
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/m.db", dir);

    is_int(mamori_store_open(&st, path, MAMORI_SYNC_FULL, 1000, 0, &err), 0, "a new store opens");
    mamori_store_file_version(st, &version);
    is_int(version, mamori_store_schema_version(), "it is migrated to the current schema");
    ok(mamori_store_schema_version() >= 1, "there is at least one migration");
    is_int(mamori_store_open(&st2, path, MAMORI_SYNC_FULL, 1000, 0, &err), 0, "a second connection opens it again");
    mamori_store_close(st2);
    is_int(mamori_store_writable(st, &err), 0, "the store is writable");

    /* Dedupe. */
    is_int(mamori_store_event_get(st, "acme", "generic", "e1", &resp, &status, &err), MAMORI_ENOTFOUND,
           "an unknown event is not found");
    is_int(put(st, "acme", "e1", "{\"a\":1}", NULL, 1000), 0, "an event is recorded");
    is_int(put(st, "acme", "e1", "{\"a\":2}", NULL, 1001), MAMORI_ECONFLICT, "the same event again conflicts");
    is_int(mamori_store_event_get(st, "acme", "generic", "e1", &resp, &status, &err), 0, "the event is found");
    is_str(resp, "{\"a\":1}", "... with the first answer");
    free(resp);
    is_int(put(st, "beta", "e1", "{}", NULL, 1000), 0, "the same event id for another tenant is separate");

    /* Contacts, keyed by a hash. */
    mamori_store_requester_hash(key, 32, "acme", "cust-1", h1);
    mamori_store_requester_hash(key, 32, "beta", "cust-1", h2);
    is_int(strlen(h1), 64, "requester hash is 64 hex characters");
    ok(strcmp(h1, h2) != 0, "the same requester hashes differently per tenant");
    ok(strstr(h1, "cust") == NULL, "the hash does not contain the id");
    put(st, "acme", "c1", "{}", h1, 1000);
    put(st, "acme", "c2", "{}", h1, 2000);
    put(st, "acme", "c3", "{}", h1, 3000);
    mamori_store_contact_count(st, "acme", h1, 1500, &n, &err);
    is_int(n, 2, "contacts are counted within the window");
    mamori_store_contact_count(st, "beta", h1, 0, &n, &err);
    is_int(n, 0, "contacts are per tenant");

    /* Outbox. */
    is_int(mamori_outbox_enqueue(st, "acme", "generic", "note", "acme:e1:note", "{}", 1000, &id, &err), 0,
           "a job is enqueued");
    ok(id > 0, "... with an id");
    is_int(mamori_outbox_enqueue(st, "acme", "generic", "note", "acme:e1:note", "{}", 1000, &id, &err), 0,
           "the same dedupe key again is accepted");
    is_int(id, 0, "... but not queued twice");
    mamori_outbox_depth(st, &pending, &dead, &err);
    is_int(pending, 1, "outbox depth counts pending jobs");

    /* Audit chain. */
    is_int(mamori_audit_append(st, "acme", "annotated", "t1", "{}", 1000, &err), MAMORI_EINVAL,
           "audit records need a transaction");
    mamori_store_begin(st, &err);
    is_int(mamori_audit_append(st, "acme", "annotated", "t1", "{}", 1000, &err), MAMORI_EINVAL,
           "... and the audit key");
    mamori_store_rollback(st);
    is_int(mamori_store_set_audit_key(st, (const unsigned char *)"k3y", 3), 0, "the audit key is set");
    mamori_store_begin(st, &err);
    for (int i = 0; i < 5; i++)
        mamori_audit_append(st, "acme", "annotated", "t1", "{\"n\":1}", 1000 + i, &err);
    is_int(mamori_store_commit(st, &err), 0, "five audit records committed");
    is_int(mamori_audit_verify(st, NULL, &rep, &err), 0, "the chain verifies");
    is_int(rep.records, 5, "... all five records");
    is_int(rep.plain, 0, "... all keyed");
    {
        char anchor[65], head4[65];
        int64_t seq;
        struct mamori_store *other = NULL;
        is_int(mamori_audit_head(st, &seq, anchor, &err), 0, "the head is read");
        is_int(seq, 5, "... record 5");
        is_int(mamori_audit_verify(st, anchor, &rep, &err), 0, "verify --anchor with the head passes");
        is_int(rep.anchor_seq, 5, "... finding it at record 5");
        /* Another key (or none) cannot check the keyed records. */
        mamori_store_open(&other, path, MAMORI_SYNC_FULL, 1000, MAMORI_STORE_READONLY, &err);
        is_int(mamori_audit_verify(other, NULL, &rep, &err), MAMORI_EINVAL, "without the key keyed records fail");
        mamori_store_set_audit_key(other, (const unsigned char *)"other", 5);
        is_int(mamori_audit_verify(other, NULL, &rep, &err), MAMORI_EINVAL, "... and with another key");
        mamori_store_close(other);
        /* Truncation: remove the newest record. */
        mamori_store_exec(st, "CREATE TABLE audit_saved AS SELECT * FROM audit WHERE seq=5", &err);
        mamori_store_exec(st, "DELETE FROM audit WHERE seq=5", &err);
        is_int(mamori_audit_verify(st, NULL, &rep, &err), 0, "a truncated chain still verifies on its own");
        is_int(mamori_audit_verify(st, anchor, &rep, &err), MAMORI_EINVAL, "... but not against the earlier head");
        contains_str(err.message, "truncated", "... saying records were removed from the end");
        mamori_audit_head(st, &seq, head4, &err);
        mamori_store_exec(st, "INSERT INTO audit SELECT * FROM audit_saved; DROP TABLE audit_saved", &err);
        is_int(mamori_audit_verify(st, head4, &rep, &err), 0, "an older anchor is found inside a longer chain");
        is_int(rep.anchor_seq, 4, "... at its record");
        is_int(mamori_audit_verify(st, "nothex", &rep, &err), MAMORI_EINVAL, "an anchor that is no hash is refused");
    }

    mamori_store_exec(st, "UPDATE audit SET data='{\"n\":2}' WHERE seq=3", &err);
    is_int(mamori_audit_verify(st, NULL, &rep, &err), MAMORI_EINVAL, "an edited record breaks the chain");
    is_int(rep.first_bad, 3, "... at that record");
    contains_str(err.message, "edited", "... saying it was edited");
    /* Rewriting with recomputed plain SHA-256 hashes, as anyone could. */
    {
        sqlite3_stmt *q = NULL;
        char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
        mamori_store_exec(st, "UPDATE audit SET keyed=0", &err);
        sqlite3_prepare_v2(st->db, "SELECT seq, at, tenant, kind, subject, data FROM audit ORDER BY seq", -1, &q, NULL);
        while (sqlite3_step(q) == SQLITE_ROW) {
            char text[512], hex[65], sql[400];
            unsigned char d[32];
            int len = snprintf(text, sizeof text, "%lld\n%s\n%s\n%s\n%s\n%s\n%s", (long long)sqlite3_column_int64(q, 0),
                             sqlite3_column_text(q, 1), sqlite3_column_text(q, 2), sqlite3_column_text(q, 3),
                             sqlite3_column_text(q, 4), sqlite3_column_text(q, 5), prev);
            mamori_sha256(text, (size_t)len, d);
            mamori_hex_encode(d, 32, hex);
            snprintf(sql, sizeof sql, "UPDATE audit SET prev_hash='%s', hash='%s' WHERE seq=%lld", prev, hex,
                     (long long)sqlite3_column_int64(q, 0));
            mamori_store_exec(st, sql, NULL);
            memcpy(prev, hex, sizeof prev);
        }
        sqlite3_finalize(q);
        is_int(mamori_audit_verify(st, NULL, &rep, &err), MAMORI_EINVAL,
               "a chain rewritten with recomputed plain hashes fails");
        contains_str(err.message, "none of the 5 records is keyed", "... saying none is keyed");
        /* A store from before the key: the same plain records, then keyed ones. */
        is_int(mamori_audit_ensure_keyed(st, 2000, &err), 0, "the daemon keys a plain chain at its start");
        is_int(mamori_audit_verify(st, NULL, &rep, &err), 0, "old plain records followed by keyed ones verify");
        is_int(rep.plain, 5, "... five from before the key");
        mamori_store_exec(st, "UPDATE audit SET data='{\"n\":3}' WHERE seq=2", &err);
        is_int(mamori_audit_verify(st, NULL, &rep, &err), MAMORI_EINVAL, "an edit of an old record is still found");
        mamori_store_exec(st, "UPDATE audit SET data='{\"n\":1}' WHERE seq=2", &err);
    }
    mamori_store_exec(st, "DELETE FROM audit WHERE seq=2", &err);
    is_int(mamori_audit_verify(st, NULL, &rep, &err), MAMORI_EINVAL, "a deleted record breaks the chain");
    contains_str(err.message, "missing", "... saying records are missing");

    /* A store from a newer mamori is refused. */
    mamori_store_exec(st, "PRAGMA user_version = 999", &err);
    mamori_store_close(st);
    is_int(mamori_store_open(&st, path, MAMORI_SYNC_FULL, 1000, 0, &err), MAMORI_EDB, "a newer schema is refused");
    contains_str(err.message, "newer than this mamori", "... saying why");
    st = NULL;
    is_int(mamori_store_open(&st, "/nonexistent-dir/x.db", MAMORI_SYNC_FULL, 1000, 0, &err), MAMORI_EDB,
           "an unwritable location is refused");

    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            diag("could not remove %s", dir);
    }
    return done();
}
