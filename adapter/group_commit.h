/*
 * group_commit.h -- durable commits without one fsync per webhook.
 *
 * With synchronous=FULL, sqlite syncs the WAL inside every COMMIT, while
 * the write lock is held: every webhook pays a full fdatasync and no other
 * worker can commit meanwhile. Instead, workers commit with
 * synchronous=NORMAL (the WAL is written, not synced), announce the commit,
 * and wait until the syncer process has run fdatasync on the WAL file
 * *after* their commit was written: one fdatasync covers every commit
 * announced before it (fsync flushes the file, whoever wrote it), and the
 * write lock is no longer held during the sync. A webhook is still
 * answered 2xx only once its transaction is durable on disk.
 *
 * If the syncer does not answer in time, the worker syncs the WAL itself.
 * The counters live in a shared anonymous mapping the supervisor creates
 * before forking; futexes wake the waiters.
 */
#ifndef MAMORI_GROUP_COMMIT_H
#define MAMORI_GROUP_COMMIT_H

#include <stdint.h>

#include "error.h"
#include "generation.h"

/* Create the shared counters (supervisor, before fork). 0 or MAMORI_ENOMEM. */
int mamori_group_commit_init(void);

/* Whether the counters exist in this process (group commit is usable). */
int mamori_group_commit_available(void);

/* After a COMMIT returned: make this commit durable before returning.
 * wal_path is the store's "-wal" file (for the fallback sync). Returns 0,
 * or MAMORI_EIO if the data could not be synced (the caller must not
 * acknowledge). */
int mamori_group_commit_sync(const char *wal_path, struct mamori_error *err);

/* The syncer process (an aux role): runs until SIGTERM. */
int mamori_syncer_run(const struct mamori_generation *gen);

/* Whether the supervisor should run the syncer for gen. */
int mamori_syncer_wanted(const struct mamori_generation *gen);

#endif
