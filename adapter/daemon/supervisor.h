/*
 * supervisor.h -- the mamori-fcgi master process.
 *
 * Forks `workers` FastCGI workers (and the auxiliary processes, e.g. the
 * deliverer) and keeps them running:
 *   - a child that dies is logged with its exit status or signal and
 *     replaced at once (after a short back-off if it keeps dying at start);
 *   - a plugin's open() never runs in the supervisor: a new generation's
 *     plugins are opened once in a throw-away child (plugin_check.h), then
 *     by the generation's opener, which forks the workers and the poller
 *     (they share the plugins' state) and hands them to the supervisor;
 *   - a worker that dies is named in the log with the request, tenant and
 *     ticket it was serving (base/watchdog.h);
 *   - SIGHUP builds a new generation; if it loads, new children start with
 *     it and the old ones drain (finish what they are doing, then exit); if
 *     it fails, the old generation keeps serving and the reason is logged;
 *   - SIGTERM / SIGINT: children stop accepting and finish in-flight
 *     requests, then the supervisor exits 0 (children still running after
 *     shutdown_timeout are killed).
 */
#ifndef MAMORI_SUPERVISOR_H
#define MAMORI_SUPERVISOR_H

#include "config/generation.h"

/* A process role besides the FastCGI workers. run() is called in the child
 * and returns its exit status; it must exit on SIGTERM. */
struct mamori_aux_role {
    const char *name;
    int (*run)(const struct mamori_generation *gen);
    /* Whether this role is wanted for gen (e.g. only when some tenant
     * writes back). */
    int (*wanted)(const struct mamori_generation *gen);
    /* Whether it runs the tenants' plugins (the poller): it opens them
     * after fork, as the workers do; the others never load their state. */
    int runs_plugins;
};

struct mamori_supervisor_options {
    const char *config_path;
    int listen_fd;
    long workers;                      /* resolved, >= 1 */
    const struct mamori_aux_role *aux; /* array, NULL-terminated by name == NULL */
};

/* Run until told to stop. Takes ownership of gen. Returns the exit status. */
int mamori_supervisor_run(const struct mamori_supervisor_options *opts, struct mamori_generation *gen);

#endif
