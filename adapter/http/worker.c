/* worker.c -- see worker.h. Uses fcgiapp.h only: fcgi_stdio.h
 * would redirect stderr, where the log goes, into the FastCGI stream. */
#include "config.h"

#include "http/worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/process.h"
#include "base/watchdog.h"
#include "http/app.h"
#include "http/http.h"
#include "store/group_commit.h"
#include "store/store.h"

/*
 * Held answers. With group commit a webhook's answer may go out only once
 * the syncer's fdatasync has covered its commit; waiting for that leaves
 * the worker idle for about one sync per request. Instead the worker
 * keeps the answer in the request's slot, serves the next connection
 * that is already waiting, and releases the answer once its ticket is
 * durable. One sync then covers the commits of all the requests served
 * meanwhile. A few slots are enough (each holds a connection of the web
 * server); with all of them held, or no connection waiting, the worker
 * waits for the oldest ticket as before.
 */
#define SLOTS 8

/*
 * Isolation. A plugin that crashes takes its worker down, and with it every
 * connection the worker has: the request in the plugin and the answers held
 * for the syncer. Those held answers must never be another tenant's. So a
 * worker about to run tenant T's plugins first releases every answer it
 * holds for any other tenant (or for no plugin at all), waiting for the
 * syncer if it has to (before_plugins()). A plugin fault then costs only
 * the requests of its own tenant that this worker has in flight. With one
 * tenant's traffic nothing changes; with several mixed on one worker a
 * switch of tenant costs the wait for one sync (tests/bench/README.md).
 * Handing the held answers to another process (the syncer) would avoid
 * even that, at the price of passing every connection across a socket.
 *
 * And the requests that do die get 503 (Retry-After) rather than the web
 * server's 502: a fatal signal (a crash, or the supervisor's deadline
 * signal, MAMORI_WORKER_DEADLINE_SIGNAL) runs on_fatal(), which writes a
 * ready-made 503 on every connection not yet answered, then lets the
 * signal end the process as before. Safe to retry: a request that died
 * before its commit left nothing behind, and one whose commit was made
 * (a held answer) is answered from the store by the retry's dedupe.
 */
struct slot {
    FCGX_Request req;
    struct mamori_http h;
    struct mamori_buf out;       /* the answer, written when released */
    uint32_t ticket;
    struct timespec since;       /* when the ticket was taken */
    int busy;                    /* 1: being served, 2: answer held for its ticket */
    const char *tenant;          /* whose plugins ran for it (the generation's string); NULL: none */
    volatile sig_atomic_t open;  /* accepted and nothing written yet: on_fatal() may answer it */
};

struct worker {
    struct mamori_app app;
    struct slot slots[SLOTS];
    struct slot *serving;        /* the slot serve() is in, or NULL */
    int nheld;
    int index;
    int unix_listen;             /* the listening socket is AF_UNIX: close without lingering (release()) */
};

static const char *slot_getparam(void *ctx, const char *name)
{
    struct slot *s = ctx;
    return FCGX_GetParam(name, s->req.envp);
}

static int slot_read(void *ctx, char *buf, int n)
{
    struct slot *s = ctx;
    return FCGX_GetStr(buf, n, s->req.in);
}

/* The answer is collected, not sent: release() sends it. */
static int slot_write(void *ctx, const char *buf, int n)
{
    struct slot *s = ctx;
    return mamori_buf_append(&s->out, buf, (size_t)n) == 0 ? n : -1;
}

static time_t wall_clock(void)
{
    return time(NULL);
}

static const char overloaded[] = "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nout of memory\n";

/* Empty the answer buffer, keeping its memory for the next request (an
 * append that failed marks the buffer for good: start over then). */
static void clear_out(struct slot *s)
{
    if (s->out.failed)
        mamori_buf_free(&s->out);
    else
        mamori_buf_reset(&s->out);
}

/* Send the slot's answer (or, when its commit could not be made durable,
 * a 503 instead), count and log it, end the request. */
static void release(struct worker *w, struct slot *s, const struct mamori_error *sync_err)
{
    s->open = 0; /* from here on a fatal signal leaves the connection alone */
    if (sync_err != NULL) {
        mamori_log_set_request(s->h.request_id, NULL);
        mamori_log_err("commit_failed", "answer withheld: %s", sync_err->message);
        clear_out(s);
        s->h.status = 0;
        mamori_http_error(&s->h, 503, "store_unavailable", "Retry-After: 5\r\n",
                          "the annotation could not be stored durably; retry later");
    }
    if (s->out.failed || s->out.len == 0)
        FCGX_PutStr(overloaded, (int)sizeof overloaded - 1, s->req.out);
    else
        FCGX_PutStr(s->out.data, (int)s->out.len, s->req.out);
    if (s->h.status != 0)
        mamori_app_finish(&w->app, &s->h);
    mamori_http_free(&s->h);
    clear_out(s);
    /* libfcgi ends a connection with a lingering close: shutdown, then
     * wait (select, up to 2 s) until the web server has closed its end,
     * so that a TCP reset cannot destroy the answer in flight. The worker
     * sits idle for that round trip on every request. On a Unix socket
     * what was written is already in the peer's queue and no reset
     * exists: a detached request is closed at once. */
    if (w->unix_listen)
        FCGX_Detach(&s->req);
    FCGX_Finish_r(&s->req);
    if (s->busy == 2)
        w->nheld--;
    s->busy = 0;
    s->ticket = 0;
    s->tenant = NULL;
}

/* Serve the request just accepted into s; hold its answer if the store
 * left a ticket. */
static void serve(struct worker *w, struct slot *s)
{
    struct mamori_http_transport io;
    uint32_t ticket;

    io.ctx = s;
    io.getparam = slot_getparam;
    io.read = slot_read;
    io.write = slot_write;
    s->busy = 1;
    s->ticket = 0;
    s->tenant = NULL;
    w->serving = s;
    /* From here to the answer the supervisor holds the worker to [server]
     * request_deadline (a held answer waits for the syncer, not for us). */
    mamori_watchdog_begin();
    if (mamori_http_init(&s->h, &io) == 0)
        mamori_app_serve(&w->app, &s->h);
    mamori_watchdog_end();
    w->serving = NULL;
    /* The body is not needed once answered. */
    free(s->h.body);
    s->h.body = NULL;
    if (mamori_store_take_ticket(w->app.store, &ticket)) {
        if (!mamori_store_ticket_done(ticket)) {
            s->ticket = ticket;
            s->busy = 2;
            clock_gettime(CLOCK_MONOTONIC, &s->since);
            w->nheld++;
            return;
        }
    }
    release(w, s, NULL);
}

/* Release every held answer whose ticket is durable. */
static void release_durable(struct worker *w)
{
    for (int i = 0; i < SLOTS && w->nheld > 0; i++)
        if (w->slots[i].busy == 2 && mamori_store_ticket_done(w->slots[i].ticket))
            release(w, &w->slots[i], NULL);
}

/* app.before_plugins: tenant's plugins are about to run on the request
 * being served. Release every held answer that is not that tenant's
 * ("Isolation" above); the syncer normally makes them durable within a
 * millisecond or two. */
static void before_plugins(void *ctx, const char *tenant)
{
    struct worker *w = ctx;
    struct slot *cur = w->serving;
    int released = 0;

    if (cur == NULL)
        return;
    cur->tenant = tenant;
    for (int i = 0; i < SLOTS && w->nheld > 0; i++) {
        struct slot *s = &w->slots[i];
        struct mamori_error err;

        if (s->busy != 2 || (s->tenant != NULL && strcmp(s->tenant, tenant) == 0))
            continue;
        mamori_error_clear(&err);
        if (mamori_store_wait_ticket(w->app.store, s->ticket, &s->since, 0, &err) != 0)
            release(w, s, &err);
        else
            release(w, s, NULL);
        released = 1;
    }
    /* release() logged under the released request's id: back to ours. */
    if (released)
        mamori_log_set_request(cur->h.request_id, tenant);
}

static struct slot *free_slot(struct worker *w)
{
    for (int i = 0; i < SLOTS; i++)
        if (!w->slots[i].busy)
            return &w->slots[i];
    return NULL;
}

/* Wait until the oldest held ticket is durable (syncing ourselves if the
 * syncer does not) and release what is durable; or return earlier when a
 * connection is waiting and a slot is free, so a slow sync does not hold
 * up new requests. The sync normally ends within a millisecond and wakes
 * us at once; the socket is looked at every WAIT_SLICE_MS meanwhile. */
#define WAIT_SLICE_MS 2

static void wait_oldest(struct worker *w, int listen_fd, int accepting)
{
    struct slot *oldest = NULL;
    struct mamori_error err;
    int rc;

    for (int i = 0; i < SLOTS; i++) {
        struct slot *s = &w->slots[i];
        if (s->busy == 2 && (oldest == NULL || (int32_t)(s->ticket - oldest->ticket) < 0))
            oldest = s;
    }
    if (oldest == NULL)
        return;
    mamori_error_clear(&err);
    for (;;) {
        struct pollfd pfd = {listen_fd, POLLIN, 0};

        rc = mamori_store_wait_ticket(w->app.store, oldest->ticket, &oldest->since,
                                      accepting ? WAIT_SLICE_MS : 0, &err);
        if (rc != 1)
            break;
        if (free_slot(w) != NULL && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN))
            return;
    }
    if (rc != 0) {
        /* Nothing held can be confirmed: every held answer becomes a 503
         * (the helpdesk retries; dedupe makes the retry safe). */
        for (int i = 0; i < SLOTS; i++)
            if (w->slots[i].busy == 2)
                release(w, &w->slots[i], &err);
        return;
    }
    release(w, oldest, NULL);
    release_durable(w);
}

static int accept_into(struct worker *w, struct slot *s)
{
    int rc = FCGX_Accept_r(&s->req);

    if (rc < 0) {
        if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR && rc != -ECONNABORTED)
            mamori_log_warn("worker_accept", "worker %d: accept failed (%d)", w->index, rc);
        return rc;
    }
    /* A worker serves one connection at a time while it reads: a client
     * that announces a body and stalls must not hold it (and every other
     * tenant's requests behind it) for longer than [server] body_timeout.
     * A read that times out ends the body short (408). */
    {
        struct timeval tv = {(time_t)w->app.gen->settings.body_timeout, 0};
        if (s->req.ipcFd >= 0 && setsockopt(s->req.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
            mamori_log_warn("worker_accept", "worker %d: cannot set the body deadline: %s", w->index,
                            strerror(errno));
    }
    s->open = 1;
    return 0;
}

/* The answer on_fatal() writes, fixed in advance: a signal handler may
 * copy it into FastCGI records and write() them, and do nothing more. */
static const char dying_answer[] =
    "Status: 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: application/json\r\n\r\n"
    "{\"error\": \"worker_failed\", \"message\": \"the worker serving this request failed (a plugin crashed or ran "
    "past [server] request_deadline); retry later\"}\n";
static struct worker *fatal_worker;

static void fcgi_header(unsigned char *p, int type, int id, size_t len)
{
    p[0] = 1; /* FCGI_VERSION_1 */
    p[1] = (unsigned char)type;
    p[2] = (unsigned char)((id >> 8) & 0xff);
    p[3] = (unsigned char)(id & 0xff);
    p[4] = (unsigned char)((len >> 8) & 0xff);
    p[5] = (unsigned char)(len & 0xff);
    p[6] = 0;
    p[7] = 0;
}

/* Async-signal-safe: only write(). */
static void answer_dying(int fd, int id)
{
    enum { STDOUT = 6, END_REQUEST = 3, CONTENT = sizeof dying_answer - 1 };
    unsigned char rec[8 + CONTENT + 8 + 16];
    size_t n = 0;

    fcgi_header(rec, STDOUT, id, CONTENT);
    memcpy(rec + 8, dying_answer, CONTENT);
    n = 8 + CONTENT;
    fcgi_header(rec + n, STDOUT, id, 0);
    n += 8;
    fcgi_header(rec + n, END_REQUEST, id, 8);
    n += 8;
    memset(rec + n, 0, 8); /* appStatus 0, FCGI_REQUEST_COMPLETE */
    n += 8;
    if (write(fd, rec, n) < 0) {
        /* the web server has gone: nothing to answer */
    }
}

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, MAMORI_WORKER_DEADLINE_SIGNAL};
static struct sigaction fatal_before[sizeof fatal_signals / sizeof fatal_signals[0]];

static void on_fatal(int sig, siginfo_t *info, void *uc)
{
    int saved = errno;

    (void)uc;
    if (fatal_worker != NULL)
        for (int i = 0; i < SLOTS; i++) {
            struct slot *s = &fatal_worker->slots[i];
            if (s->open && s->req.ipcFd >= 0) {
                s->open = 0;
                answer_dying(s->req.ipcFd, s->req.requestId);
            }
        }
    errno = saved;
    /* Then the signal does what it did before we came (the default: end
     * the process, with a core for a crash; or a sanitizer's report). A
     * fault the kernel raised happens again when we return; a signal
     * somebody sent is sent again. */
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &fatal_before[i], NULL);
    if (info == NULL || info->si_code <= 0 || sig == SIGABRT || sig == MAMORI_WORKER_DEADLINE_SIGNAL)
        raise(sig);
}

/* On its own stack, so a plugin that overflowed its stack is answered too. */
static void install_fatal_handlers(struct worker *w)
{
    static char altstack[64 * 1024];
    stack_t ss;
    struct sigaction sa;

    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    fatal_worker = w;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &fatal_before[i]);
}

int mamori_fcgi_worker_run(int listen_fd, const struct mamori_generation *gen, int index)
{
    static struct worker w;
    struct mamori_store *store = NULL;
    struct mamori_error err;
    sigset_t block, wait_mask;
    pid_t parent = getppid();
    unsigned long served = 0;

    mamori_process_child_init();
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_SETMASK, &block, NULL);
    wait_mask = block;
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGINT);
    if (getppid() != parent)
        return 0;

    if (mamori_store_open(&store, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms,
                          MAMORI_STORE_NO_AUTOCHECKPOINT | MAMORI_STORE_LAZY |
                              (mamori_group_commit_available() ? MAMORI_STORE_GROUP_COMMIT : 0),
                          &err) != 0) {
        mamori_log_err("worker_store", "worker %d: %s", index, err.message);
        return 3;
    }
    if (mamori_store_set_audit_key(store, gen->audit_key.data, gen->audit_key.len) != 0) {
        mamori_log_err("worker_store", "worker %d: out of memory", index);
        mamori_store_close(store);
        return 3;
    }
    mamori_store_defer_durability(store, 1);
    memset(&w, 0, sizeof w);
    w.app.gen = gen;
    w.app.store = store;
    w.app.clock = wall_clock;
    w.app.before_plugins = before_plugins;
    w.app.before_plugins_ctx = &w;
    w.index = index;
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        w.unix_listen = getsockname(listen_fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_UNIX;
    }
    install_fatal_handlers(&w);

    /* Several workers poll one socket; the losers of each accept race get
     * EAGAIN instead of blocking with SIGTERM masked. */
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    FCGX_Init();
    for (int i = 0; i < SLOTS; i++)
        FCGX_InitRequest(&w.slots[i].req, listen_fd, 0);
    mamori_log_debug("worker_start", "worker %d serving generation %lu", index, gen->number);

    while (!mamori_process_stopping()) {
        struct pollfd pfd = {listen_fd, POLLIN, 0};
        struct timespec tick = {1, 0};
        struct slot *s;
        int rc;
        sigset_t pending;

        /* SIGTERM stays blocked outside ppoll: look for it. */
        if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
            break;
        if (w.nheld > 0) {
            release_durable(&w);
            /* While answers are held, serve a connection that is already
             * waiting (the accept does not block), else wait for the sync. */
            if (w.nheld > 0) {
                if ((s = free_slot(&w)) != NULL && accept_into(&w, s) == 0) {
                    serve(&w, s);
                    served++;
                } else {
                    wait_oldest(&w, listen_fd, 1);
                }
                continue;
            }
        }
        rc = ppoll(&pfd, 1, &tick, &wait_mask);
        if (mamori_process_stopping())
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
        s = free_slot(&w);
        if (s == NULL || accept_into(&w, s) != 0)
            continue;
        serve(&w, s);
        served++;
    }
    /* Requests in progress always finish: held answers go out once durable. */
    while (w.nheld > 0)
        wait_oldest(&w, listen_fd, 0);
    for (int i = 0; i < SLOTS; i++) {
        FCGX_Free(&w.slots[i].req, 0);
        mamori_buf_free(&w.slots[i].out);
    }
    mamori_store_close(store);
    mamori_log_debug("worker_stop", "worker %d exiting after %lu requests", index, served);
    return 0;
}
