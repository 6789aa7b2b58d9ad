/*
 * process.h -- the signal set-up every process mamori-fcgi's supervisor
 * forks starts with (workers, syncer, deliverer, pollers, housekeeper), in
 * one place so they cannot drift apart:
 *
 *   SIGTERM, SIGINT   ask the process to stop: mamori_process_stopping()
 *                     turns true and the process finishes what it holds;
 *   SIGHUP            ignored (the supervisor's reload forks new processes);
 *   SIGPIPE           ignored (a peer that went away is an error return);
 *   SIGCHLD           default (curl and sqlite may wait for children);
 *   parent death      delivers SIGTERM (Linux PR_SET_PDEATHSIG), so no
 *                     process outlives a supervisor killed with SIGKILL.
 */
#ifndef MAMORI_PROCESS_H
#define MAMORI_PROCESS_H

/* Install the set-up above. Call first thing in the child. */
void mamori_process_child_init(void);

/* Whether SIGTERM or SIGINT arrived. Async-signal-safe to read. */
int mamori_process_stopping(void);

#endif
