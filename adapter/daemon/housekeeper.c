/* housekeeper.c -- see housekeeper.h. */
#include "config.h"

#include "daemon/housekeeper.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/process.h"
#include "daemon/retention.h"
#include "daemon/status.h"
#include "store/store.h"

/* Retention runs when a generation starts (so a changed retention_days
 * takes effect on reload) and then every hour: a day's backlog is small,
 * and the purge deletes in short batches between webhooks. */
#define PURGE_INTERVAL 3600

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
    time_t next_purge = 0;

    mamori_process_child_init();
    if (mamori_store_open(&st, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms, 0,
                          &err) != 0) {
        mamori_log_err("housekeeper_store", "%s", err.message);
        return 3;
    }
    /* Tell `mamori status` what this generation serves. */
    if (mamori_status_publish(st, gen, parent, time(NULL), &err) != 0)
        mamori_log_warn("status_failed", "cannot publish the status for mamori status: %s", err.message);
    while (!mamori_process_stopping() && getppid() == parent) {
        struct timespec tick = {1, 0}, now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (next_purge == 0 || now.tv_sec >= next_purge) {
            purge(st, gen);
            next_purge = now.tv_sec + PURGE_INTERVAL;
        }
        if (mamori_store_checkpoint(st, &err) != 0)
            mamori_log_warn("checkpoint_failed", "%s", err.message);
        nanosleep(&tick, NULL);
    }
    mamori_store_checkpoint(st, NULL);
    mamori_store_close(st);
    return 0;
}
