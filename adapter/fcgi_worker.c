/* fcgi_worker.c -- see fcgi_worker.h. Uses fcgiapp.h only: fcgi_stdio.h
 * would redirect stderr, where the log goes, into the FastCGI stream. */
#include "config.h"

#include "fcgi_worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "app.h"
#include "group_commit.h"
#include "http.h"
#include "log.h"
#include "store.h"

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static const char *fcgx_getparam(void *ctx, const char *name)
{
    FCGX_Request *r = ctx;
    return FCGX_GetParam(name, r->envp);
}

static int fcgx_read(void *ctx, char *buf, int n)
{
    FCGX_Request *r = ctx;
    return FCGX_GetStr(buf, n, r->in);
}

static int fcgx_write(void *ctx, const char *buf, int n)
{
    FCGX_Request *r = ctx;
    return FCGX_PutStr(buf, n, r->out);
}

static time_t wall_clock(void)
{
    return time(NULL);
}

int mamori_fcgi_worker_run(int listen_fd, const struct mamori_generation *gen, int index)
{
    struct mamori_store *store = NULL;
    struct mamori_error err;
    struct mamori_app app;
    struct sigaction sa;
    sigset_t block, wait_mask;
    FCGX_Request req;
    pid_t parent = getppid();
    unsigned long served = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_SETMASK, &block, NULL);
    wait_mask = block;
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGINT);
#ifdef HAVE_SYS_PRCTL_H
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (getppid() != parent)
        return 0;

    if (mamori_store_open(&store, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms,
                          MAMORI_STORE_NO_AUTOCHECKPOINT |
                              (mamori_group_commit_available() ? MAMORI_STORE_GROUP_COMMIT : 0),
                          &err) != 0) {
        mamori_log_err("worker_store", "worker %d: %s", index, err.message);
        return 3;
    }
    app.gen = gen;
    app.store = store;
    app.clock = wall_clock;

    /* Several workers poll one socket; the losers of each accept race get
     * EAGAIN instead of blocking with SIGTERM masked. */
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    FCGX_Init();
    FCGX_InitRequest(&req, listen_fd, 0);
    mamori_log_debug("worker_start", "worker %d serving generation %lu", index, gen->number);

    while (!stop_requested) {
        struct pollfd pfd = {listen_fd, POLLIN, 0};
        struct timespec tick = {1, 0};
        struct mamori_http h;
        struct mamori_http_transport io;
        int rc = ppoll(&pfd, 1, &tick, &wait_mask);
        sigset_t pending;

        if (stop_requested)
            break;
        /* When the socket is readable ppoll returns at once and the kernel
         * restores the mask without delivering a pending SIGTERM: under
         * constant load the handler would never run. Look for it. */
        if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
            break;
        if (rc < 0 && errno != EINTR) {
            mamori_log_err("worker_poll", "worker %d: poll: %s", index, strerror(errno));
            break;
        }
        if (getppid() != parent)
            break; /* the supervisor is gone */
        if (rc <= 0 || !(pfd.revents & POLLIN))
            continue;
        rc = FCGX_Accept_r(&req);
        if (rc < 0) {
            if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED)
                continue;
            mamori_log_warn("worker_accept", "worker %d: accept failed (%d)", index, rc);
            continue;
        }
        io.ctx = &req;
        io.getparam = fcgx_getparam;
        io.read = fcgx_read;
        io.write = fcgx_write;
        if (mamori_http_init(&h, &io) == 0)
            mamori_app_handle(&app, &h);
        else
            FCGX_FPrintF(req.out, "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nout of memory\n");
        mamori_http_free(&h);
        FCGX_Finish_r(&req);
        served++;
    }
    FCGX_Free(&req, 0);
    mamori_store_close(store);
    mamori_log_debug("worker_stop", "worker %d exiting after %lu requests", index, served);
    return 0;
}
