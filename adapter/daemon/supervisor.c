/* supervisor.c -- see supervisor.h. Signals are taken synchronously with
 * sigtimedwait(), so there is no async handler state to reason about. */
#include "config.h"

#include "daemon/supervisor.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "base/log.h"
#include "base/metrics.h"
#include "base/proctitle.h"
#include "base/strv.h"
#include "base/watchdog.h"
#include "daemon/plugin_check.h"
#include "http/worker.h"
#include "store/store.h"
#include "store/strikes.h"

enum { ROLE_WORKER = -1 };

struct child {
    pid_t pid;
    int role;                 /* ROLE_WORKER or an index into aux */
    int slot;                 /* worker index */
    unsigned long generation;
    struct timespec started;
    int draining;
    struct timespec drain_started;
    int fast_deaths;          /* consecutive deaths within a second of start */
    int board;                /* its watchdog slot (base/watchdog.h), -1: none */
    int deadline_killed;      /* signalled past request_deadline (logged once) */
    struct timespec deadline_at; /* ... when; SIGKILL follows after DEADLINE_GRACE */
};

/* How long a worker told MAMORI_WORKER_DEADLINE_SIGNAL has to answer its
 * connections 503 and die before it is SIGKILLed (a plugin may block the
 * signal). */
#define DEADLINE_GRACE 2.0

/* The opener of the serving generation (see "Opener" below); pid 0 when
 * there is none (no subreaper support, or it died): then each child
 * opens its own plugins. */
struct opener {
    pid_t pid;
    int req, resp;            /* the supervisor's ends of its two pipes */
};

struct opener_request {
    int role, slot, board;
};

struct supervisor {
    const struct mamori_supervisor_options *opts;
    struct mamori_generation *gen;
    struct opener opener;
    pid_t self;               /* the supervisor's pid, for children the opener forks */
    struct child *children;
    size_t count, cap;
    int stopping;
    struct timespec stop_deadline;
};

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static const char *role_name(const struct supervisor *s, int role)
{
    return role == ROLE_WORKER ? "worker" : s->opts->aux[role].name;
}

/* mamori_generation_open_plugins' before_open in a child: the board says
 * which plugin of which tenant is opening, so that the supervisor's log
 * names it should open() crash or hang (the deadline holds here too). */
static void board_open(void *ctx, const struct mamori_tenant *t, const char *plugin)
{
    char what[40];

    (void)ctx;
    snprintf(what, sizeof what, "open:%s", plugin);
    mamori_watchdog_begin();
    mamori_watchdog_set_request(what, t->id);
}

static void close_opener(struct opener *o)
{
    if (o->req >= 0)
        close(o->req);
    if (o->resp >= 0)
        close(o->resp);
    o->req = o->resp = -1;
    o->pid = 0;
}

/* plugins_open: the plugins were opened by the opener this child was
 * forked from (shared copy-on-write with its siblings); 0: open them here. */
static void child_main(struct supervisor *s, int role, int slot, int board, int plugins_open)
{
    struct mamori_error err;
    sigset_t none;
    int status;

    /* The opener's pipes are the supervisor's business (a child that
     * kept them open would keep the opener from seeing their end). */
    close_opener(&s->opener);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    mamori_watchdog_attach(board);
#ifdef HAVE_SYS_PRCTL_H
    {
        /* "mamori-worker", "mamori-housekee...": ps and pgrep show the role. */
        char name[16];
        snprintf(name, sizeof name, "mamori-%s", role_name(s, role));
        prctl(PR_SET_NAME, name);
    }
#endif
    /* ... and ps -o args, in full: "mamori-fcgi: worker 2 (generation 1)". */
    if (role == ROLE_WORKER)
        mamori_proctitle_set("worker %d (generation %lu)", slot, s->gen->number);
    else
        mamori_proctitle_set("%s (generation %lu)", role_name(s, role), s->gen->number);
    /* Without the opener, each process that runs plugins opens its own
     * (the supervisor only checked, in a child, that they open). A tenant
     * whose open() fails here after passing the check is not served by
     * this process. */
    if (!plugins_open && (role == ROLE_WORKER || s->opts->aux[role].runs_plugins)) {
        if (mamori_generation_open_plugins(s->gen, 1, board_open, NULL, &err) != 0) {
            mamori_log_err("spawn_failed", "%s %d: %s", role_name(s, role), slot, err.message);
            _exit(3);
        }
        mamori_watchdog_end();
    }
    if (role == ROLE_WORKER)
        status = mamori_fcgi_worker_run(s->opts->listen_fd, s->gen, slot);
    else
        status = s->opts->aux[role].run(s->gen);
    /* Free what this process owns (plugins' close() runs here too) so
     * valgrind runs of the daemon stay clean. */
    mamori_generation_free(s->gen);
    free(s->children);
    _exit(status);
}

/*
 * Opener. A plugin's open() must not run in the supervisor (a crash there
 * would end the daemon), yet the plugins' state (a policy and its model:
 * tens of MB per tenant) should be shared copy-on-write by all workers,
 * not loaded once per worker. So each generation gets an opener: a child
 * that opens every tenant's plugins once and then forks the generation's
 * workers (and poller) on request. Its children are handed to the
 * supervisor -- the opener forks an intermediate that forks the worker
 * and exits, and the supervisor, a child subreaper (prctl), adopts the
 * orphan -- so the supervisor waits for, kills and replaces them like any
 * child. Should the opener be missing (a kernel without subreapers) or
 * die, each new child opens its own plugins instead.
 */
static int read_full(int fd, void *buf, size_t n, int timeout_ms)
{
    size_t got = 0;

    while (got < n) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;
        int rc = poll(&pfd, 1, timeout_ms);

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The orphan's parent is the intermediate until that exits, an instant. */
static void wait_adopted(pid_t supervisor)
{
    for (int i = 0; i < 5000 && getppid() != supervisor; i++)
        usleep(1000);
}

static void opener_main(struct supervisor *s, int req, int resp)
{
    struct opener_request r;
    struct mamori_error err;
    pid_t ready = 0;

#ifdef HAVE_SYS_PRCTL_H
    prctl(PR_SET_NAME, "mamori-opener");
#endif
    mamori_proctitle_set("opener (generation %lu)", s->gen->number);
    /* A tenant whose open() fails here (it passed the check) is not
     * served by this generation's children. */
    if (mamori_generation_open_plugins(s->gen, 1, NULL, NULL, &err) != 0) {
        mamori_log_err("opener_failed", "%s", err.message);
        _exit(3);
    }
    if (write(resp, &ready, sizeof ready) != (ssize_t)sizeof ready)
        _exit(3);
    while (read_full(req, &r, sizeof r, -1) == 0 && r.role != INT_MIN) {
        pid_t mid = fork(), child = -1;

        if (mid == 0) {
            child = fork();
            if (child == 0) {
                close(req);
                close(resp);
                wait_adopted(s->self);
                child_main(s, r.role, r.slot, r.board, 1);
            }
            if (write(resp, &child, sizeof child) != (ssize_t)sizeof child) {
                /* the supervisor is gone */
            }
            _exit(0);
        }
        if (mid < 0 && write(resp, &child, sizeof child) != (ssize_t)sizeof child)
            break;
        if (mid > 0)
            while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
                ;
    }
    mamori_generation_free(s->gen);
    free(s->children);
    _exit(0);
}

static void stop_opener(struct supervisor *s)
{
    struct opener_request quit = {INT_MIN, 0, 0};

    if (s->opener.pid > 0 && write(s->opener.req, &quit, sizeof quit) != (ssize_t)sizeof quit) {
        /* it is gone already; closing is enough */
    }
    close_opener(&s->opener);
}

/* Start the opener of s->gen (after stopping the previous one) and wait
 * until it has opened the plugins. Without one, children open their own. */
static void start_opener(struct supervisor *s)
{
    int req[2], resp[2];
    pid_t pid, ready = -1;

    stop_opener(s);
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_CHILD_SUBREAPER)
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return;
#else
    return;
#endif
    if (pipe(req) != 0)
        return;
    if (pipe(resp) != 0) {
        close(req[0]);
        close(req[1]);
        return;
    }
    pid = fork();
    if (pid == 0) {
        close(req[1]);
        close(resp[0]);
        opener_main(s, req[0], resp[1]);
    }
    close(req[0]);
    close(resp[1]);
    s->opener.req = req[1];
    s->opener.resp = resp[0];
    s->opener.pid = pid;
    if (pid < 0 || read_full(s->opener.resp, &ready, sizeof ready, MAMORI_PLUGIN_CHECK_TIMEOUT * 1000) != 0 ||
        ready != 0) {
        mamori_log_warn("opener_failed", "the plugins' opener of generation %lu did not start; each worker opens "
                                         "its own plugins", s->gen->number);
        if (pid > 0)
            kill(pid, SIGKILL);
        close_opener(&s->opener);
    }
}

/* A child of the opener: its pid, or -1 (the opener is stopped then). */
static pid_t opener_fork(struct supervisor *s, int role, int slot, int board)
{
    struct opener_request r = {role, slot, board};
    pid_t pid = -1;

    if (write(s->opener.req, &r, sizeof r) != (ssize_t)sizeof r ||
        read_full(s->opener.resp, &pid, sizeof pid, 10000) != 0 || pid <= 0) {
        mamori_log_warn("opener_failed", "the plugins' opener does not answer; each new child opens its own "
                                         "plugins");
        kill(s->opener.pid, SIGKILL);
        close_opener(&s->opener);
        return -1;
    }
    return pid;
}

/* A watchdog slot no running child holds, cleared for the next one; -1
 * when the board is full (many reloads at once) or absent: that child runs
 * without a deadline. Workers and the poller run plugins on events; the
 * other roles never start a request, so their slots stay idle. */
static int free_board_slot(const struct supervisor *s, int role)
{
    size_t n = mamori_watchdog_slots();

    for (size_t b = 0; b < n; b++) {
        size_t i;
        for (i = 0; i < s->count && s->children[i].board != (int)b; i++)
            ;
        if (i == s->count) {
            mamori_watchdog_clear((int)b);
            return (int)b;
        }
    }
    if (n > 0)
        mamori_log_warn("watchdog_full", "no watchdog slot for a new %s (generations still draining); it runs "
                                         "without [server] request_deadline", role_name(s, role));
    return -1;
}

static int spawn(struct supervisor *s, int role, int slot, int fast_deaths)
{
    struct child *c;
    pid_t pid;
    int board;

    if (mamori_grow((void **)&s->children, &s->cap, s->count + 1, sizeof *s->children) != 0) {
        mamori_log_err("spawn_failed", "out of memory starting a %s", role_name(s, role));
        return MAMORI_ENOMEM;
    }
    board = free_board_slot(s, role);
    pid = -1;
    if (s->opener.pid > 0 && (role == ROLE_WORKER || s->opts->aux[role].runs_plugins))
        pid = opener_fork(s, role, slot, board);
    if (pid < 0) {
        pid = fork();
        if (pid < 0) {
            mamori_log_err("spawn_failed", "fork: %s", strerror(errno));
            return MAMORI_EIO;
        }
        if (pid == 0)
            child_main(s, role, slot, board, 0);
    }
    c = &s->children[s->count++];
    memset(c, 0, sizeof *c);
    c->pid = pid;
    c->role = role;
    c->slot = slot;
    c->generation = s->gen->number;
    c->fast_deaths = fast_deaths;
    c->board = board;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    mamori_log_debug("spawned", "%s %d started as pid %ld (generation %lu)", role_name(s, role), slot, (long)pid,
                     s->gen->number);
    return MAMORI_OK;
}

static void spawn_generation(struct supervisor *s)
{
    start_opener(s);
    for (long i = 0; i < s->opts->workers; i++)
        spawn(s, ROLE_WORKER, (int)i, 0);
    for (int r = 0; s->opts->aux && s->opts->aux[r].name; r++)
        if (s->opts->aux[r].wanted == NULL || s->opts->aux[r].wanted(s->gen))
            spawn(s, r, 0, 0);
}

static void describe_exit(int status, char *buf, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, cap, "killed by signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(buf, cap, "stopped (status 0x%x)", (unsigned)status);
}

/* One more strike for the ticket whose request was killed (or crashed its
 * worker); at [server] quarantine_strikes the pipeline stops running
 * plugins on it. The supervisor opens the store only for this (rare)
 * write; it waits at most [store] busy_timeout for the write lock, as
 * every writer does. */
static void record_strike(struct supervisor *s, const struct mamori_watchdog_entry *e)
{
    const struct mamori_settings *set = &s->gen->settings;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    int64_t count = 0;

    if (e->tenant[0] == '\0' || e->ticket_id[0] == '\0')
        return; /* killed before the ticket was parsed: nothing to quarantine */
    if (mamori_store_open(&st, set->store_path, set->sync_mode, set->busy_timeout_ms, 0, &err) != 0 ||
        mamori_strikes_add(st, e->tenant, e->ticket_id, e->event_id[0] ? e->event_id : NULL, time(NULL), &count,
                           &err) != 0) {
        mamori_log_err("strike_failed", "tenant %s ticket %s: the strike was not recorded: %s", e->tenant,
                       e->ticket_id, err.message);
    } else if (set->quarantine_strikes > 0 && count >= set->quarantine_strikes) {
        mamori_log_warn("quarantine", "tenant %s ticket %s: %lld strikes; quarantined (its events are handled "
                                      "without the plugins until `mamori quarantine release %s %s`)",
                        e->tenant, e->ticket_id, (long long)count, e->tenant, e->ticket_id);
    }
    if (st != NULL)
        mamori_store_close(st);
}

static void reap(struct supervisor *s)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct mamori_watchdog_entry e;
        char why[128];
        size_t i;
        struct child c;

        if (pid == s->opener.pid) {
            describe_exit(status, why, sizeof why);
            mamori_log_warn("opener_exit", "the plugins' opener (pid %ld) %s; new children open their own plugins",
                            (long)pid, why);
            close_opener(&s->opener);
            continue;
        }
        for (i = 0; i < s->count && s->children[i].pid != pid; i++)
            ;
        if (i == s->count)
            continue; /* an opener of an earlier generation, or its intermediate */
        c = s->children[i];
        s->children[i] = s->children[--s->count];
        describe_exit(status, why, sizeof why);
        /* What it was doing when it died, while its board slot still says
         * (the next child to take the slot clears it). */
        if (!mamori_watchdog_peek(c.board, &e))
            memset(&e, 0, sizeof e);
        if (c.draining || s->stopping) {
            mamori_log_info("child_exit", "%s %d (pid %ld, generation %lu) %s", role_name(s, c.role), c.slot,
                            (long)pid, c.generation, why);
            continue;
        }
        /* An unexpected death: log it, count it, replace it. */
        if (e.request_id[0] != '\0' && strncmp(e.request_id, "open:", 5) == 0) {
            mamori_log_set_request(NULL, e.tenant);
            mamori_log_err("worker_exit", "%s %d (pid %ld) %s in the open() of plugin %s of tenant %s; restarting it",
                           role_name(s, c.role), c.slot, (long)pid, why, e.request_id + 5, e.tenant);
        } else if (e.request_id[0] != '\0' || e.tenant[0] != '\0') {
            /* req= and tenant= on the line, where scripts look for them;
             * the answers it held for the syncer died too, all of this
             * tenant (worker.c, "Isolation"). */
            mamori_log_set_request(e.request_id[0] ? e.request_id : NULL, e.tenant[0] ? e.tenant : NULL);
            mamori_log_err("worker_exit", "%s %d (pid %ld) %s while serving request %s of tenant %s (ticket %s, "
                           "event %s) after %.1f s; restarting it", role_name(s, c.role), c.slot, (long)pid, why,
                           e.request_id[0] ? e.request_id : "-", e.tenant[0] ? e.tenant : "(not routed yet)",
                           e.ticket_id[0] ? e.ticket_id : "(not parsed yet)", e.event_id[0] ? e.event_id : "-",
                           e.seconds);
            /* A ticket that crashes the plugins costs a worker on every
             * retry, as one that hangs them does: it earns a strike too. */
            if (!c.deadline_killed && WIFSIGNALED(status))
                record_strike(s, &e);
        } else {
            mamori_log_err("worker_exit", "%s %d (pid %ld) %s (between requests); restarting it", role_name(s, c.role),
                           c.slot, (long)pid, why);
        }
        mamori_log_set_request(NULL, NULL);
        mamori_metrics_worker_restart();
        if (since(&c.started) < 1.0) {
            /* Dying right at start: back off a little (capped below a
             * second) so a broken setup does not spin the CPU. */
            int n = c.fast_deaths + 1;
            useconds_t delay = (useconds_t)(n > 8 ? 800000 : n * 100000);
            usleep(delay);
            spawn(s, c.role, c.slot, n);
        } else {
            spawn(s, c.role, c.slot, 0);
        }
    }
}

static void signal_generation(struct supervisor *s, unsigned long generation, int sig, int mark_draining)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->children[i].generation == generation || generation == 0) {
            if (mark_draining && !s->children[i].draining) {
                s->children[i].draining = 1;
                clock_gettime(CLOCK_MONOTONIC, &s->children[i].drain_started);
            }
            kill(s->children[i].pid, sig);
        }
}

/* Kill each worker (or poller) whose request has run past [server]
 * request_deadline: a plugin that never returns would hold the worker,
 * and every tenant's requests queued behind it, for good. The worker cannot notice (it is the
 * one stuck), so the deadline is kept here. reap() then replaces it like
 * any dead worker. A worker is told with MAMORI_WORKER_DEADLINE_SIGNAL
 * first: it answers its connections 503 (safe to retry) before it dies
 * (http/worker.c); one that is still alive DEADLINE_GRACE later, and any
 * other role, gets SIGKILL (the web server answers its connections 502).
 * Answers it held for the syncer were committed: the helpdesk's retry gets
 * the stored answer. */
static void enforce_deadlines(struct supervisor *s)
{
    double limit = (double)s->gen->settings.request_deadline;

    for (size_t i = 0; i < s->count; i++) {
        struct child *c = &s->children[i];
        struct mamori_watchdog_entry e;

        if (c->deadline_killed) {
            if (c->deadline_killed == 1 && since(&c->deadline_at) > DEADLINE_GRACE) {
                kill(c->pid, SIGKILL);
                c->deadline_killed = 2;
            }
            continue;
        }
        if (c->board < 0 || !mamori_watchdog_peek(c->board, &e) || e.seconds <= limit)
            continue;
        /* req= and tenant= on the line, where scripts look for them. */
        mamori_log_set_request(e.request_id, e.tenant);
        mamori_log_err("worker_deadline",
                       "%s %d (pid %ld) still on one request after %.1f s (request_deadline %ld s): ticket %s, "
                       "event %s; killing it (a plugin that does not return?)",
                       role_name(s, c->role), c->slot, (long)c->pid, e.seconds, s->gen->settings.request_deadline,
                       e.ticket_id[0] ? e.ticket_id : "(not parsed yet)", e.event_id[0] ? e.event_id : "-");
        mamori_log_set_request(NULL, NULL);
        mamori_metrics_worker_deadline(e.tenant);
        if (c->role == ROLE_WORKER) {
            kill(c->pid, MAMORI_WORKER_DEADLINE_SIGNAL);
            c->deadline_killed = 1;
            clock_gettime(CLOCK_MONOTONIC, &c->deadline_at);
        } else {
            kill(c->pid, SIGKILL);
            c->deadline_killed = 2;
        }
        record_strike(s, &e);
    }
}

static void reload(struct supervisor *s)
{
    struct mamori_generation *next = NULL;
    struct mamori_error err;
    unsigned long old_number = s->gen->number;

    mamori_log_notice("reload", "SIGHUP: loading generation %lu from %s", old_number + 1, s->opts->config_path);
    if (mamori_generation_load(&next, s->opts->config_path, old_number + 1,
                               MAMORI_GEN_CREATE_KEY | MAMORI_GEN_DEFER_OPEN, &err) != 0 ||
        mamori_plugin_check(next, 0, &err) != 0 ||
        /* A PostgreSQL store, or a store moved (sqlite to PostgreSQL after
         * `mamori store copy`): reachable, login accepted, schema not
         * newer, before any child of the new generation starts. */
        ((next->settings.store_is_url || strcmp(next->settings.store_path, s->gen->settings.store_path) != 0) &&
         mamori_store_check(next->settings.store_path, &err) != 0)) {
        mamori_log_err("reload_failed", "reload failed, generation %lu keeps serving: %s", old_number, err.message);
        mamori_metrics_reload(0, old_number);
        mamori_generation_free(next);
        return;
    }
    if (next->settings.listen != NULL &&
        (s->gen->settings.listen == NULL || strcmp(next->settings.listen, s->gen->settings.listen) != 0))
        mamori_log_warn("reload_listen", "[server] listen changed; the new address takes effect only on restart");
    /* New children first, then drain the old ones: no gap in accepting. */
    mamori_generation_free(s->gen);
    s->gen = next;
    spawn_generation(s);
    signal_generation(s, old_number, SIGTERM, 1);
    mamori_metrics_reload(1, next->number);
    mamori_log_notice("reloaded", "generation %lu serving (%zu tenants); generation %lu draining", next->number,
                      next->tenant_count, old_number);
}

int mamori_supervisor_run(const struct mamori_supervisor_options *opts, struct mamori_generation *gen)
{
    struct supervisor s;
    sigset_t set;
    int sig;

    memset(&s, 0, sizeof s);
    s.opts = opts;
    s.gen = gen;
    s.self = getpid();
    s.opener.req = s.opener.resp = -1;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Room for the children of a generation and of up to three draining
     * ones (reloads in quick succession). */
    if (mamori_watchdog_init((size_t)opts->workers * 4 + 32) != 0)
        mamori_log_warn("watchdog", "cannot map shared memory for the watchdog; [server] request_deadline is not "
                                    "enforced");
    mamori_metrics_reload(1, gen->number);
    spawn_generation(&s);
    mamori_log_notice("started", "mamori-fcgi %s: %ld workers, generation %lu, %zu tenants", PACKAGE_VERSION,
                      opts->workers, gen->number, gen->tenant_count);

    for (;;) {
        struct timespec tick = {0, 250000000};
        siginfo_t info;

        sig = sigtimedwait(&set, &info, &tick);
        if (sig == SIGCHLD || sig < 0)
            reap(&s);
        if (sig == SIGHUP && !s.stopping)
            reload(&s);
        enforce_deadlines(&s);
        /* A child of an old generation that does not finish (a plugin
         * stuck on one request) must not linger for ever. */
        for (size_t i = 0; i < s.count; i++)
            if (s.children[i].draining && since(&s.children[i].drain_started) > (double)s.gen->settings.shutdown_timeout) {
                mamori_log_warn("drain_timeout", "%s %d (pid %ld, generation %lu) still busy after %ld s; killing it",
                                role_name(&s, s.children[i].role), s.children[i].slot, (long)s.children[i].pid,
                                s.children[i].generation, s.gen->settings.shutdown_timeout);
                kill(s.children[i].pid, SIGKILL);
                s.children[i].drain_started.tv_sec += 3600; /* once */
            }
        if ((sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) && !s.stopping) {
            mamori_log_notice("stopping", "signal %d: finishing in-flight requests, then exiting", sig);
            s.stopping = 1;
            stop_opener(&s);
            clock_gettime(CLOCK_MONOTONIC, &s.stop_deadline);
            signal_generation(&s, 0, SIGTERM, 0);
        }
        if (s.stopping) {
            reap(&s);
            if (s.count == 0)
                break;
            if (since(&s.stop_deadline) > (double)s.gen->settings.shutdown_timeout) {
                mamori_log_warn("stop_timeout", "%zu children still running after %ld s; killing them", s.count,
                                s.gen->settings.shutdown_timeout);
                signal_generation(&s, 0, SIGKILL, 0);
            }
        }
    }
    mamori_log_notice("stopped", "all children exited; bye");
    mamori_generation_free(s.gen);
    free(s.children);
    return 0;
}
