/*
 * worker.h -- one worker process: accept FastCGI requests on the
 * shared listening socket and answer them, until SIGTERM.
 *
 * SIGTERM is blocked except while the worker waits for a connection
 * (ppoll), so a request in progress always finishes; then the worker exits
 * with status 0. The worker exits too when its supervisor dies.
 *
 * With group commit, an answer that needs a commit to be durable is held
 * until it is, and meanwhile the worker serves the connections already
 * waiting (up to a few held answers; see fcgi_worker.c). Held answers are
 * released before the worker exits.
 */
#ifndef MAMORI_FCGI_WORKER_H
#define MAMORI_FCGI_WORKER_H

#include "config/generation.h"

/* Runs in the child after fork(); returns the exit status. */
int mamori_fcgi_worker_run(int listen_fd, const struct mamori_generation *gen, int index);

#endif
