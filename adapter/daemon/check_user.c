/* check_user.c -- see check_user.h. */
#include "config.h"

#include "daemon/check_user.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strv.h"
#include "config/generation.h"
#include "store/store.h"

int mamori_check_user_find(const char *name, const char *store_path, uid_t *uid, char *buf, size_t cap,
                           struct mamori_error *err)
{
    struct passwd *pw;
    struct stat st;
    char *dir;
    int rc;

    if (name != NULL) {
        if ((pw = getpwnam(name)) == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "--user %s: no such user", name);
    } else {
        /* The state directory belongs to the service user; the check must
         * not guess a name that the unit file (User=) may not use. */
        if ((dir = mamori_strdup(store_path)) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        if (strrchr(dir, '/') != NULL)
            *strrchr(dir, '/') = '\0';
        else
            dir[0] = '\0';
        rc = stat(dir[0] ? dir : (store_path[0] == '/' ? "/" : "."), &st);
        free(dir);
        if (rc != 0 || st.st_uid == 0)
            return 0;
        if ((pw = getpwuid(st.st_uid)) == NULL)
            return mamori_error_set(err, MAMORI_EINVAL,
                                    "the store directory of %s belongs to uid %u, which has no user name; pass --user",
                                    store_path, (unsigned)st.st_uid);
    }
    if ((size_t)snprintf(buf, cap, "%s", pw->pw_name) >= cap)
        return mamori_error_set(err, MAMORI_EINVAL, "user name %s is too long", pw->pw_name);
    *uid = pw->pw_uid;
    return 1;
}

/* In the child: become the user, check, report through fd. */
static void child(const char *config_path, const struct passwd *pw, int fd)
{
    struct mamori_generation *g = NULL;
    struct mamori_error err;
    int rc, null;

    mamori_error_clear(&err);
    /* The parent reports; the load's own warnings were logged once already. */
    if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0)
        dup2(null, STDERR_FILENO);
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
        (pw->pw_uid != 0 && setuid(0) == 0)) {
        rc = mamori_error_set(&err, MAMORI_EIO, "cannot become user %s: %s", pw->pw_name, strerror(errno));
    } else if ((rc = mamori_generation_load(&g, config_path, 1, MAMORI_GEN_CHECK | MAMORI_GEN_DEFER_OPEN, &err)) ==
               0) {
        rc = mamori_store_check(g->settings.store_path, &err);
    }
    mamori_generation_free(g);
    if (rc != 0 && write(fd, err.message, strlen(err.message)) < 0)
        rc = MAMORI_EIO;
    _exit(rc != 0);
}

int mamori_check_user_run(const char *config_path, const char *name, struct mamori_error *err)
{
    struct passwd *pw = getpwnam(name);
    struct group *gr;
    char why[sizeof err->message];
    size_t len = 0;
    ssize_t n;
    pid_t pid;
    int fds[2], status;

    if (pw == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "no such user %s", name);
    if (pipe2(fds, O_CLOEXEC) != 0)
        return mamori_error_set(err, MAMORI_EIO, "pipe: %s", strerror(errno));
    fflush(NULL);
    if ((pid = fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
        return mamori_error_set(err, MAMORI_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child(config_path, pw, fds[1]);
    }
    close(fds[1]);
    while (len < sizeof why - 1 && ((n = read(fds[0], why + len, sizeof why - 1 - len)) > 0 ||
                                    (n < 0 && errno == EINTR)))
        if (n > 0)
            len += (size_t)n;
    why[len] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return mamori_error_set(err, MAMORI_EIO, "waitpid: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return MAMORI_OK;
    gr = getgrgid(pw->pw_gid);
    return mamori_error_set(err, MAMORI_EINVAL,
                            "the service user %s (uid %u) cannot use this configuration: %s (the daemon runs as %s: "
                            "hand it a secret or key with chgrp %s FILE && chmod 640 FILE, the store with chown %s: "
                            "FILE; or name the right user with --user)",
                            name, (unsigned)pw->pw_uid, len > 0 ? why : "the check as that user failed", name,
                            gr ? gr->gr_name : "GROUP", name);
}
