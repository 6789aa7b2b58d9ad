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
 * A worker need not sit idle during the sync: it can take a ticket for its
 * commit (mamori_group_commit_announce), hold the answer, serve the next
 * request, and release the answer once the ticket is durable
 * (fcgi_worker.c). One sync then covers the commits of every request the
 * workers served meanwhile.
 *
 * If the syncer does not answer in time, the worker syncs the WAL itself.
 * The counters live in a shared anonymous mapping the supervisor creates
 * before forking; futexes wake the waiters.
 */
#ifndef MAMORI_GROUP_COMMIT_H
#define MAMORI_GROUP_COMMIT_H

#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "config/generation.h"

/* Create the shared counters (supervisor, before fork). 0 or MAMORI_ENOMEM. */
int mamori_group_commit_init(void);

/* Whether the counters exist in this process (group commit is usable). */
int mamori_group_commit_available(void);

/* After a COMMIT returned: make this commit durable before returning.
 * wal_path is the store's "-wal" file (for the fallback sync). Returns 0,
 * or MAMORI_EIO if the data could not be synced (the caller must not
 * acknowledge). The same as announce + wait. */
int mamori_group_commit_sync(const char *wal_path, struct mamori_error *err);

/* After a COMMIT returned (or after reading data some other connection
 * committed): a ticket that becomes durable once the syncer has synced the
 * WAL as it is now. Wakes the syncer if it sleeps. Needs the counters. */
uint32_t mamori_group_commit_announce(void);

/* Whether the ticket is durable already (never blocks). */
int mamori_group_commit_done(uint32_t ticket);

/* Block until the ticket is durable. since: when the ticket was taken; once
 * the syncer has been given SYNCER_PATIENCE (about a second) from then, or
 * when there is no syncer, the caller syncs wal_path itself. 0 or
 * MAMORI_EIO (then the caller must not acknowledge). max_ms > 0: return 1
 * if the ticket is still not durable after that many milliseconds. */
int mamori_group_commit_wait(uint32_t ticket, const struct timespec *since, const char *wal_path, long max_ms,
                             struct mamori_error *err);

/* The syncer process (an aux role): runs until SIGTERM. */
int mamori_syncer_run(const struct mamori_generation *gen);

/* Whether the supervisor should run the syncer for gen. */
int mamori_syncer_wanted(const struct mamori_generation *gen);

#endif
