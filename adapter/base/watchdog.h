/*
 * watchdog.h -- what each worker is doing, where the supervisor can see it.
 *
 * A plugin that never returns holds its worker for good, and with it every
 * tenant's requests behind it; the worker cannot notice (it is the one
 * stuck). So each worker publishes the request it is serving -- since when,
 * for which tenant, which ticket -- in a shared mapping the supervisor
 * creates before it forks, and the supervisor kills a worker whose request
 * has run past [server] request_deadline and names the request in its log.
 *
 * One board slot per child process; the supervisor hands them out (a
 * draining generation and its successor run side by side, so worker
 * indexes are not enough). Without the mapping (tools, tests, the CLI) or
 * without an attached slot (aux processes) every writer call is a no-op.
 */
#ifndef MAMORI_WATCHDOG_H
#define MAMORI_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

/* Create the board with room for slots children (supervisor, before fork).
 * 0 or MAMORI_ENOMEM. */
int mamori_watchdog_init(size_t slots);
size_t mamori_watchdog_slots(void);

/* Supervisor: mark slot idle before a new child takes it over (a dead
 * child may have left a request in it). */
void mamori_watchdog_clear(int slot);

/* Child, after fork: this process writes slot from now on (-1: none). */
void mamori_watchdog_attach(int slot);

/* Worker: a request starts (the clock starts now) / has been answered. */
void mamori_watchdog_begin(void);
void mamori_watchdog_end(void);
/* What the request is about, as soon as it is known; NULL leaves a field
 * as it is. The strings are copied (truncated to the slot's fields). */
void mamori_watchdog_set_request(const char *request_id, const char *tenant);
void mamori_watchdog_set_ticket(const char *ticket_id, const char *event_id);

/* Supervisor: the request slot's child is serving. Returns 1 and fills out
 * when it is serving one, 0 when idle (or no board). */
struct mamori_watchdog_entry {
    double seconds;          /* how long the request has been running */
    char request_id[40];
    char tenant[64];
    char ticket_id[64];
    char event_id[96];
};
int mamori_watchdog_peek(int slot, struct mamori_watchdog_entry *out);

#endif
