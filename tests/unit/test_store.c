/* Unit tests: the store -- migrations, dedupe, contacts, outbox, and the
 * audit chain (including tampering). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

    plan(34);
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
    for (int i = 0; i < 5; i++)
        mamori_audit_append(st, "acme", "annotated", "t1", "{\"n\":1}", 1000 + i, &err);
    is_int(mamori_store_commit(st, &err), 0, "five audit records committed");
    is_int(mamori_audit_verify(st, &rep, &err), 0, "the chain verifies");
    is_int(rep.records, 5, "... all five records");

    mamori_store_exec(st, "UPDATE audit SET data='{\"n\":2}' WHERE seq=3", &err);
    is_int(mamori_audit_verify(st, &rep, &err), MAMORI_EINVAL, "an edited record breaks the chain");
    is_int(rep.first_bad, 3, "... at that record");
    contains_str(err.message, "edited", "... saying it was edited");
    mamori_store_exec(st, "UPDATE audit SET data='{\"n\":1}' WHERE seq=3", &err);
    is_int(mamori_audit_verify(st, &rep, &err), 0, "restoring it repairs the chain");
    mamori_store_exec(st, "DELETE FROM audit WHERE seq=2", &err);
    is_int(mamori_audit_verify(st, &rep, &err), MAMORI_EINVAL, "a deleted record breaks the chain");
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
