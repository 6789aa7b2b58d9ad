/* listen.c -- see listen.h. */
#include "config.h"

#include "daemon/listen.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 1024

static int open_unix(const char *path, unsigned mode, int *fd, struct mamori_error *err)
{
    struct sockaddr_un sa;
    struct stat st;
    int s;

    if (strlen(path) >= sizeof sa.sun_path)
        return mamori_error_set(err, MAMORI_EINVAL, "listen: socket path %s is too long", path);
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return mamori_error_set(err, MAMORI_EINVAL, "listen: %s exists and is not a socket; refusing to replace it",
                                    path);
        unlink(path); /* stale socket from an earlier run */
    }
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return mamori_error_set(err, MAMORI_EIO, "listen: socket: %s", strerror(errno));
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, mode) != 0 || listen(s, BACKLOG) != 0) {
        int e = errno;
        close(s);
        return mamori_error_set(err, MAMORI_EIO, "listen: cannot listen on %s: %s (does the directory exist and "
                                "is it writable?)", path, strerror(e));
    }
    *fd = s;
    return MAMORI_OK;
}

/* Hand the socket to group (the web server's), so mode 0660 lets exactly
 * it and mamori connect. */
static int set_group(const char *path, const char *group, struct mamori_error *err)
{
    struct group gr, *found = NULL;
    char buf[4096];
    int e = getgrnam_r(group, &gr, buf, sizeof buf, &found);

    if (found == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "listen: listen_group %s: %s", group,
                                e ? strerror(e) : "no such group");
    if (chown(path, (uid_t)-1, gr.gr_gid) != 0)
        return mamori_error_set(err, MAMORI_EIO, "listen: cannot give %s to group %s: %s", path, group,
                                strerror(errno));
    return MAMORI_OK;
}

static int open_tcp(const char *addr, int *fd, struct mamori_error *err)
{
    char host[256];
    const char *port, *colon = strrchr(addr, ':');
    struct addrinfo hints, *res = NULL, *ai;
    int s = -1, one = 1, gai, e = 0;
    size_t hl;

    if (colon == NULL || colon[1] == '\0')
        return mamori_error_set(err, MAMORI_EINVAL, "listen: \"%s\" is neither a /path nor host:port", addr);
    port = colon + 1;
    hl = (size_t)(colon - addr);
    if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
        addr++;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return mamori_error_set(err, MAMORI_EINVAL, "listen: host name too long");
    memcpy(host, addr, hl);
    host[hl] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((gai = getaddrinfo(hl ? host : NULL, port, &hints, &res)) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "listen: %s: %s", addr, gai_strerror(gai));
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            e = errno;
            continue;
        }
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, BACKLOG) == 0)
            break;
        e = errno;
        close(s);
        s = -1;
    }
    freeaddrinfo(res);
    if (s < 0)
        return mamori_error_set(err, MAMORI_EIO, "listen: cannot listen on %s: %s", addr, strerror(e));
    *fd = s;
    return MAMORI_OK;
}

int mamori_listen_open(const char *addr, unsigned mode, const char *group, int *fd, struct mamori_error *err)
{
    if (addr[0] == '/') {
        int rc = open_unix(addr, mode, fd, err);
        if (rc == 0 && group != NULL && (rc = set_group(addr, group, err)) != 0)
            close(*fd);
        return rc;
    }
    return open_tcp(addr, fd, err);
}

static int is_listening_socket(int fd)
{
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

int mamori_listen_inherited(int *fd, struct mamori_error *err)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

    if (pid != NULL && fds != NULL && atol(pid) == (long)getpid() && atoi(fds) >= 1) {
        /* systemd: the first passed fd is 3 (SD_LISTEN_FDS_START). */
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        if (!is_listening_socket(3))
            return mamori_error_set(err, MAMORI_EINVAL, "LISTEN_FDS is set but fd 3 is not a listening socket");
        fcntl(3, F_SETFD, FD_CLOEXEC);
        *fd = 3;
        return MAMORI_OK;
    }
    if (is_listening_socket(0)) {
        *fd = 0;
        return MAMORI_OK;
    }
    return mamori_error_set(err, MAMORI_ENOTFOUND,
                            "no listen address (--listen or [server] listen) and no inherited socket on fd 0 or "
                            "from systemd");
}
