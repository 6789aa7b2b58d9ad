/* housekeeper.c -- see housekeeper.h. */
#include "config.h"

#include "housekeeper.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "log.h"
#include "store.h"

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int mamori_housekeeper_run(const struct mamori_generation *gen)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    struct sigaction sa;
    pid_t parent = getppid();

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &sa, NULL);
#ifdef HAVE_SYS_PRCTL_H
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (mamori_store_open(&st, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms, 0,
                          &err) != 0) {
        mamori_log_err("housekeeper_store", "%s", err.message);
        return 3;
    }
    while (!stop_requested && getppid() == parent) {
        struct timespec tick = {1, 0};
        if (mamori_store_checkpoint(st, &err) != 0)
            mamori_log_warn("checkpoint_failed", "%s", err.message);
        nanosleep(&tick, NULL);
    }
    mamori_store_checkpoint(st, NULL);
    mamori_store_close(st);
    return 0;
}
