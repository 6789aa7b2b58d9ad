/* Unit tests: the watchdog board (base/watchdog.c) -- what a child
 * publishes is what the supervisor reads, across fork, and a slot left
 * busy by a killed child is idle again once cleared. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/watchdog.h"
#include "tap.h"

int main(void)
{
    struct mamori_watchdog_entry e;
    char long_name[200];
    int fds[2];
    char c;
    pid_t pid;

    plan(17);

    /* Without a board (tools, the CLI) everything is a no-op. */
    mamori_watchdog_attach(0);
    mamori_watchdog_begin();
    mamori_watchdog_set_request("r0", "t0");
    ok(mamori_watchdog_peek(0, &e) == 0, "without a board nothing is busy");
    is_int((int)mamori_watchdog_slots(), 0, "... and there are no slots");

    is_int(mamori_watchdog_init(4), MAMORI_OK, "the board is mapped");
    is_int((int)mamori_watchdog_slots(), 4, "... with the slots asked for");
    ok(mamori_watchdog_peek(1, &e) == 0, "a fresh slot is idle");
    ok(mamori_watchdog_peek(99, &e) == 0 && mamori_watchdog_peek(-1, &e) == 0, "out-of-range slots read as idle");

    /* A child publishes a request and is killed in the middle of it. */
    if (pipe(fds) != 0)
        return 1;
    pid = fork();
    if (pid == 0) {
        mamori_watchdog_attach(1);
        mamori_watchdog_begin();
        mamori_watchdog_set_request("req-1", "acme");
        mamori_watchdog_set_ticket("5501", "evt-1001");
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    if (read(fds[0], &c, 1) != 1)
        return 1;
    ok(mamori_watchdog_peek(1, &e) == 1, "the supervisor sees the child's request");
    is_str(e.tenant, "acme", "... its tenant");
    is_str(e.request_id, "req-1", "... its request id");
    ok(strcmp(e.ticket_id, "5501") == 0 && strcmp(e.event_id, "evt-1001") == 0, "... its ticket and event");
    ok(e.seconds >= 0.0 && e.seconds < 30.0, "... and how long it has run (%.3f s)", e.seconds);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ok(mamori_watchdog_peek(1, &e) == 1, "a killed child's slot still shows its request");
    mamori_watchdog_clear(1);
    ok(mamori_watchdog_peek(1, &e) == 0, "... until the supervisor clears it for the next child");

    /* In this process: begin/end, fields set later, truncation. */
    mamori_watchdog_attach(2);
    mamori_watchdog_begin();
    mamori_watchdog_end();
    ok(mamori_watchdog_peek(2, &e) == 0, "an answered request leaves the slot idle");
    mamori_watchdog_begin();
    mamori_watchdog_set_ticket(NULL, "evt-2");
    ok(mamori_watchdog_peek(2, &e) == 1 && e.ticket_id[0] == '\0' && strcmp(e.event_id, "evt-2") == 0,
       "a field not given stays empty; a new request starts empty");
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    mamori_watchdog_set_request(NULL, long_name);
    ok(mamori_watchdog_peek(2, &e) == 1 && strlen(e.tenant) == sizeof e.tenant - 1, "a long tenant is cut to the field");
    mamori_watchdog_end();
    ok(mamori_watchdog_peek(3, &e) == 0, "other slots are untouched");
    return done();
}
