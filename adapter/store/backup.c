/* backup.c -- see backup.h. */
#include "config.h"

#include "store/backup.h"

#include "store/pg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strv.h"

/* Pages per step: 256 pages of 4 KiB is 1 MiB, a few milliseconds of
 * copying, so a writer never waits long behind a step. */
#define STEP_PAGES 256

static int fsync_path(const char *path, int directory)
{
    int fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Check the finished copy and make it a self-contained file (no -wal). */
static int check_copy(sqlite3 *dst, const char *tmp, struct mamori_error *err)
{
    sqlite3_stmt *s = NULL;
    const char *res;
    int rc;

    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "backup %s: %s", tmp, sqlite3_errmsg(dst));
    if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK)
        return mamori_error_set(err, MAMORI_EDB, "backup %s: %s", tmp, sqlite3_errmsg(dst));
    rc = sqlite3_step(s);
    res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    rc = (res != NULL && strcmp(res, "ok") == 0)
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EDB, "backup %s failed its integrity check: %s", tmp,
                                res ? res : sqlite3_errmsg(dst));
    sqlite3_finalize(s);
    return rc;
}

int mamori_backup_store(struct mamori_store *st, const char *dest, int overwrite,
                        struct mamori_backup_report *report, struct mamori_error *err)
{
    if (st->pg != NULL)
        return mamori_error_set(err, MAMORI_EUNSUPPORTED, "store %s is PostgreSQL: back it up with pg_dump or "
                                "pg_basebackup and WAL archiving (doc/ha.md), not mamori backup", st->path);
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    char *tmp = NULL, *dir = NULL, *slash;
    int last_remaining = -1, rc, fd;
    struct stat sb;

    memset(report, 0, sizeof *report);
    if (!overwrite && lstat(dest, &sb) == 0)
        return mamori_error_set(err, MAMORI_ECONFLICT, "backup: %s already exists (use --force to replace it)",
                                dest);
    /* The temporary name lives in the destination's directory so the final
     * rename is atomic. */
    if ((tmp = malloc(strlen(dest) + 9)) == NULL ||
        (dir = mamori_strdup(dest)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(tmp, strlen(dest) + 9, "%s.partial", dest);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    unlink(tmp); /* left over from an interrupted backup */
    /* Created here, 0600, so the copy of the store is never readable by
     * others, whatever the umask. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = mamori_error_set(err, MAMORI_EIO, "backup: cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    close(fd);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "backup: cannot open %s: %s", tmp,
                              dst ? sqlite3_errmsg(dst) : "out of memory");
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", st->db, "main");
    if (b == NULL) {
        rc = mamori_error_set(err, MAMORI_EDB, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    for (;;) {
        int step = sqlite3_backup_step(b, STEP_PAGES), remaining;

        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_OK && step != SQLITE_BUSY && step != SQLITE_LOCKED) {
            rc = mamori_error_set(err, MAMORI_EDB, "backup: copying pages: %s", sqlite3_errstr(step));
            goto out;
        }
        remaining = sqlite3_backup_remaining(b);
        if (last_remaining >= 0 && remaining > last_remaining)
            report->restarts++;
        last_remaining = remaining;
        /* Let writers in between steps. */
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    report->pages = sqlite3_backup_pagecount(b);
    rc = sqlite3_backup_finish(b);
    b = NULL;
    if (rc != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    if ((rc = check_copy(dst, tmp, err)) != 0)
        goto out;
    if (sqlite3_close(dst) != SQLITE_OK) {
        rc = mamori_error_set(err, MAMORI_EDB, "backup: closing %s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    dst = NULL;
    if (fsync_path(tmp, 0) != 0 || rename(tmp, dest) != 0) {
        rc = mamori_error_set(err, MAMORI_EIO, "backup: cannot move %s to %s: %s", tmp, dest, strerror(errno));
        goto out;
    }
    fsync_path(dir, 1); /* the rename itself durable; a failure here loses nothing already written */
    if (stat(dest, &sb) == 0)
        report->bytes = (int64_t)sb.st_size;
    rc = MAMORI_OK;
out:
    if (b != NULL)
        sqlite3_backup_finish(b);
    if (dst != NULL)
        sqlite3_close(dst);
    if (rc != MAMORI_OK && tmp != NULL)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}
