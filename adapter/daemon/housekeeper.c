/* housekeeper.c -- see housekeeper.h. */
#include "config.h"

#include "daemon/housekeeper.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/process.h"
#include "daemon/retention.h"
#include "daemon/status.h"
#include "store/audit.h"
#include "store/store.h"

/* Retention runs when a generation starts (so a changed retention_days
 * takes effect on reload) and then every hour: a day's backlog is small,
 * and the purge deletes in short batches between webhooks. */
#define PURGE_INTERVAL 3600
/* A node that does not hold the retention role (several nodes on one
 * PostgreSQL store) asks again this often, so it takes the role within
 * seconds of its holder dying, not an hour later; one round trip each. */
#define ROLE_RETRY 5

/* The chain's head on the log, when it moved since the last line. */
static void log_audit_head(struct mamori_store *st)
{
    static int64_t logged_seq = -1;
    struct mamori_error err;
    char hash[65];
    int64_t seq;

    if (mamori_audit_head(st, &seq, hash, &err) != 0) {
        mamori_log_warn("audit_head_failed", "%s", err.message);
        return;
    }
    if (seq == logged_seq)
        return;
    logged_seq = seq;
    mamori_log_notice("audit_head", "audit chain head: record %" PRId64 " hash %s (keep it to check later: mamori "
                      "audit verify --anchor %s)", seq, seq ? hash : "none", seq ? hash : "HASH");
}

static void purge(struct mamori_store *st, const struct mamori_generation *gen)
{
    struct mamori_retention_report rep;
    struct mamori_error err;

    if (mamori_retention_purge(st, gen, NULL, 0, time(NULL), &rep, &err) != 0)
        mamori_log_warn("purge_failed", "retention purge failed, retrying in an hour: %s", err.message);
}

int mamori_housekeeper_run(const struct mamori_generation *gen)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    pid_t parent = getppid();
    time_t next_purge = 0, next_head = 0;

    mamori_process_child_init();
    if (mamori_store_open(&st, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms,
                          MAMORI_STORE_LAZY, &err) != 0) {
        mamori_log_err("housekeeper_store", "%s", err.message);
        return 3;
    }
    if (mamori_store_set_audit_key(st, gen->audit_key.data, gen->audit_key.len) != 0) {
        mamori_log_err("housekeeper_store", "out of memory");
        mamori_store_close(st);
        return 3;
    }
    /* Key the chain from here on (a store from before schema 4, a new
     * store) and publish its head where the store's writer cannot change
     * it: the log. `mamori audit verify --anchor HASH` then finds a
     * truncation back past it. */
    if (mamori_audit_ensure_keyed(st, time(NULL), &err) != 0)
        mamori_log_err("audit_failed", "cannot key the audit chain (webhooks that write audit records will fail): %s",
                       err.message);
    log_audit_head(st);
    /* Tell `mamori status` what this generation serves. */
    if (mamori_status_publish(st, gen, parent, time(NULL), &err) != 0)
        mamori_log_warn("status_failed", "cannot publish the status for mamori status: %s", err.message);
    while (!mamori_process_stopping() && getppid() == parent) {
        struct timespec tick = {1, 0}, now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (next_purge == 0 || now.tv_sec >= next_purge) {
            /* One node purges (several nodes on one PostgreSQL store); the
             * others keep asking for the role. */
            if (mamori_store_lead(st, MAMORI_ROLE_RETENTION, NULL) == 1) {
                purge(st, gen);
                next_purge = now.tv_sec + PURGE_INTERVAL;
            } else {
                next_purge = now.tv_sec + ROLE_RETRY;
            }
        }
        if (next_head == 0 || now.tv_sec >= next_head) {
            log_audit_head(st);
            next_head = now.tv_sec + PURGE_INTERVAL;
        }
        if (mamori_store_checkpoint(st, &err) != 0)
            mamori_log_warn("checkpoint_failed", "%s", err.message);
        nanosleep(&tick, NULL);
    }
    mamori_store_checkpoint(st, NULL);
    mamori_store_close(st);
    return 0;
}
