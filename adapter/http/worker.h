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
 * released before the worker exits. Before a tenant's plugins run, the
 * answers held for other tenants are released, so a plugin crash costs
 * only its own tenant's requests; those get 503 (see worker.c, "Isolation").
 */
#ifndef MAMORI_FCGI_WORKER_H
#define MAMORI_FCGI_WORKER_H

#include <signal.h>

#include "config/generation.h"

/* What the supervisor sends a worker whose request has run past [server]
 * request_deadline (SIGKILL follows if it is still alive a little later):
 * the worker answers its open connections 503 and dies of it. */
#define MAMORI_WORKER_DEADLINE_SIGNAL SIGUSR2

/* Runs in the child after fork(); returns the exit status. */
int mamori_fcgi_worker_run(int listen_fd, const struct mamori_generation *gen, int index);

#endif
