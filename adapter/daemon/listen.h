/*
 * listen.h -- the FastCGI listening socket: opened from an address, or
 * inherited (systemd socket activation via LISTEN_FDS, or fd 0 as
 * spawn-fcgi and StandardInput=socket hand it over).
 */
#ifndef MAMORI_LISTEN_H
#define MAMORI_LISTEN_H

#include "base/error.h"

/* addr: "/path/to.sock" (unix) or "host:port" / "[v6]:port" (TCP).
 * A stale unix socket file is replaced; mode and group (a group name, or
 * NULL to keep the daemon's) apply to unix sockets. */
int mamori_listen_open(const char *addr, unsigned mode, const char *group, int *fd, struct mamori_error *err);

/* An inherited listening socket, or MAMORI_ENOTFOUND when there is none. */
int mamori_listen_inherited(int *fd, struct mamori_error *err);

#endif
