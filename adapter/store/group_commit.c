/* group_commit.c -- see group_commit.h. */
#include "config.h"

#include "store/group_commit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/process.h"
#include "config/settings.h"

/* How long a worker waits for the syncer before syncing itself. */
#define SYNCER_PATIENCE_MS 1000

struct gc_shared {
    uint32_t committed;   /* commits announced (wraps) */
    uint32_t synced;      /* every commit up to this one is durable */
    uint32_t syncer_alive;
    uint32_t syncer_idle; /* the syncer sleeps on `committed`: announcing must wake it */
};

static struct gc_shared *gc;

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *timeout)
{
    return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

/* a is at or after b, modulo 2^32 */
static int seq_reached(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

int mamori_group_commit_init(void)
{
    void *p;

    if (gc != NULL)
        return MAMORI_OK;
    p = mmap(NULL, sizeof *gc, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return MAMORI_ENOMEM;
    memset(p, 0, sizeof *gc);
    gc = p;
    return MAMORI_OK;
}

int mamori_group_commit_available(void)
{
    return gc != NULL;
}

static int sync_path(const char *path, struct mamori_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0) {
        if (errno == ENOENT)
            return MAMORI_OK; /* no WAL: everything was checkpointed and synced */
        return mamori_error_set(err, MAMORI_EIO, "cannot open %s to sync it: %s", path, strerror(errno));
    }
    if (fdatasync(fd) != 0)
        rc = mamori_error_set(err, MAMORI_EIO, "fdatasync %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* synced = target unless it is further already (workers that sync
 * themselves and the syncer may both advance it); wake the waiters. */
static void advance_synced(uint32_t target)
{
    uint32_t cur = __atomic_load_n(&gc->synced, __ATOMIC_ACQUIRE);

    while (!seq_reached(cur, target) &&
           !__atomic_compare_exchange_n(&gc->synced, &cur, target, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
        ;
    futex(&gc->synced, FUTEX_WAKE, INT_MAX, NULL);
}

/* Sync the WAL in this process. Every commit announced before the sync
 * began is then durable: advance `synced` to it, so the tickets of held
 * answers (this worker's and others') read as done. */
static int sync_myself(const char *wal_path, struct mamori_error *err)
{
    uint32_t target = __atomic_load_n(&gc->committed, __ATOMIC_SEQ_CST);
    int rc = sync_path(wal_path, err);

    if (rc != 0)
        return rc;
    advance_synced(target);
    return MAMORI_OK;
}

uint32_t mamori_group_commit_announce(void)
{
    uint32_t mine = __atomic_add_fetch(&gc->committed, 1, __ATOMIC_SEQ_CST);

    /* The wake is a syscall; a syncer that is busy syncing looks at
     * `committed` again before it sleeps, so only an idle one needs it.
     * Both sides are sequentially consistent: either this load sees the
     * flag, or the syncer's FUTEX_WAIT sees the new count and returns. */
    if (__atomic_load_n(&gc->syncer_idle, __ATOMIC_SEQ_CST))
        futex(&gc->committed, FUTEX_WAKE, 1, NULL);
    return mine;
}

int mamori_group_commit_done(uint32_t ticket)
{
    return gc == NULL || seq_reached(__atomic_load_n(&gc->synced, __ATOMIC_ACQUIRE), ticket);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int mamori_group_commit_wait(uint32_t ticket, const struct timespec *since, const char *wal_path, long max_ms,
                             struct mamori_error *err)
{
    struct timespec start, now;

    if (gc == NULL)
        return sync_path(wal_path, err);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        uint32_t synced = __atomic_load_n(&gc->synced, __ATOMIC_ACQUIRE);
        struct timespec wait = {0, 50 * 1000000L};

        if (seq_reached(synced, ticket))
            return MAMORI_OK;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!__atomic_load_n(&gc->syncer_alive, __ATOMIC_ACQUIRE) || ms_between(since, &now) > SYNCER_PATIENCE_MS) {
            /* No syncer (yet, or it died): make it durable ourselves. */
            return sync_myself(wal_path, err);
        }
        if (max_ms > 0) {
            long left = max_ms - ms_between(&start, &now);
            if (left <= 0)
                return 1;
            if (left < 50)
                wait.tv_nsec = left * 1000000L;
        }
        futex(&gc->synced, FUTEX_WAIT, synced, &wait);
    }
}

int mamori_group_commit_sync(const char *wal_path, struct mamori_error *err)
{
    struct timespec start;
    uint32_t mine;

    if (gc == NULL)
        return sync_path(wal_path, err);
    mine = mamori_group_commit_announce();
    clock_gettime(CLOCK_MONOTONIC, &start);
    return mamori_group_commit_wait(mine, &start, wal_path, 0, err);
}

int mamori_syncer_wanted(const struct mamori_generation *gen)
{
    /* PostgreSQL syncs its own commits: no WAL file of ours to sync. */
    return gc != NULL && gen->settings.sync_mode == MAMORI_SYNC_FULL && !gen->settings.store_is_url;
}

int mamori_syncer_run(const struct mamori_generation *gen)
{
    struct mamori_error err;
    char wal[PATH_MAX];
    pid_t parent = getppid();

    mamori_process_child_init();
    if (gc == NULL)
        return 0;
    snprintf(wal, sizeof wal, "%s-wal", gen->settings.store_path);
    __atomic_store_n(&gc->syncer_alive, 1, __ATOMIC_RELEASE);
    while (!mamori_process_stopping() && getppid() == parent) {
        uint32_t target = __atomic_load_n(&gc->committed, __ATOMIC_ACQUIRE);
        struct timespec tick = {0, 200 * 1000000L};

        if (seq_reached(__atomic_load_n(&gc->synced, __ATOMIC_ACQUIRE), target)) {
            /* Nothing new: sleep until a worker announces a commit (the
             * flag tells announcers to wake us; see announce). */
            __atomic_store_n(&gc->syncer_idle, 1, __ATOMIC_SEQ_CST);
            futex(&gc->committed, FUTEX_WAIT, target, &tick);
            __atomic_store_n(&gc->syncer_idle, 0, __ATOMIC_SEQ_CST);
            continue;
        }
        /* Every commit counted in `target` had written its WAL frames
         * before it was announced, so this one sync covers them all. */
        if (sync_path(wal, &err) != 0) {
            mamori_log_err("sync_failed", "%s; workers will sync themselves", err.message);
            break;
        }
        advance_synced(target);
    }
    __atomic_store_n(&gc->syncer_alive, 0, __ATOMIC_RELEASE);
    futex(&gc->synced, FUTEX_WAKE, INT_MAX, NULL);
    return 0;
}
