/* base/trusted_file.c -- see trusted_file.h. */
#include "config.h"

#include "base/trusted_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

/* The checks on one opened file or directory (descriptor fd). */
static int check_node(const char *path, const char *what, const struct stat *st, int want_dir,
                      struct mamori_error *err)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);

    if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
        return mamori_error_set(err, MAMORI_EINVAL, "%s %s: not a %s; refusing it", what, path,
                                want_dir ? "directory" : "regular file");
    if (!owner_ok(st))
        return mamori_error_set(err, MAMORI_EINVAL,
                                "%s %s: owned by uid %u, neither root nor the service user (uid %u); refusing it "
                                "(run: chown root %s)",
                                what, path, (unsigned)st->st_uid, (unsigned)geteuid(), path);
    if (mode & (S_IWGRP | S_IWOTH))
        return mamori_error_set(err, MAMORI_EINVAL,
                                "%s %s: writable by group or others (mode %04o); refusing it (run: chmod go-w %s)",
                                what, path, mode, path);
    return MAMORI_OK;
}

/* Every directory above the real path of the opened node, up to /. */
static int check_parents(const char *path, const char *what, int fd, struct mamori_error *err)
{
    char proc[64], real[PATH_MAX + 1];
    ssize_t n;

    /* The directory chain of what was actually opened, not of the name. */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if ((n = readlink(proc, real, sizeof real - 1)) < 0)
        return mamori_error_set(err, MAMORI_EIO, "%s %s: cannot resolve its directory: %s", what, path,
                                strerror(errno));
    real[n] = '\0';
    for (char *slash = strrchr(real, '/'); slash != NULL; slash = strrchr(real, '/')) {
        struct stat st;
        unsigned mode;

        if (slash == real)
            slash[1] = '\0'; /* "/" itself, last */
        else
            *slash = '\0';
        if (stat(real, &st) != 0)
            return mamori_error_set(err, MAMORI_EIO, "%s %s: cannot check directory %s: %s", what, path, real,
                                    strerror(errno));
        mode = (unsigned)(st.st_mode & 07777);
        if (!owner_ok(&st))
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "%s %s: directory %s is owned by uid %u, neither root nor the service user; "
                                    "refusing it",
                                    what, path, real, (unsigned)st.st_uid);
        if ((mode & (S_IWGRP | S_IWOTH)) && !((mode & S_ISVTX) && st.st_uid == 0))
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "%s %s: directory %s is writable by group or others (mode %04o), so the file "
                                    "can be replaced; refusing it (run: chmod go-w %s)",
                                    what, path, real, mode, real);
        if (real[1] == '\0')
            break;
    }
    return MAMORI_OK;
}

static int trusted_open(const char *path, const char *what, int want_dir, struct mamori_error *err)
{
    struct stat st;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | (want_dir ? O_DIRECTORY : 0));
    if (fd < 0) {
        if (errno == ELOOP)
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "%s %s: is a symbolic link; refusing it (name the file itself)", what, path);
        return mamori_error_set(err, MAMORI_EIO, "%s %s: cannot open: %s", what, path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = mamori_error_set(err, MAMORI_EIO, "%s %s: %s", what, path, strerror(errno));
    } else if ((rc = check_node(path, what, &st, want_dir, err)) == 0) {
        rc = check_parents(path, what, fd, err);
    }
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int mamori_trusted_open(const char *path, const char *what, struct mamori_error *err)
{
    return trusted_open(path, what, 0, err);
}

int mamori_trusted_opendir(const char *path, const char *what, struct mamori_error *err)
{
    return trusted_open(path, what, 1, err);
}
