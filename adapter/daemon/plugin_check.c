/* plugin_check.c -- see plugin_check.h. The child speaks in lines:
 *   open TENANT\tPLUGIN     about to call that plugin's open()
 *   fail TENANT\tMESSAGE    that tenant's chain failed to open
 *   ok                      done
 * so when it dies by a signal the last "open" line names the culprit. */
#include "config.h"

#include "daemon/plugin_check.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/proctitle.h"
#include "plugin/host_api.h"

/* Write all of a line to the pipe (the parent reads until EOF). */
static void say(int fd, const char *kind, const char *a, const char *b)
{
    char line[700];
    int n = snprintf(line, sizeof line, "%s %s\t%s\n", kind, a, b);

    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    /* A newline inside a message would end the line early. */
    for (int i = 0; i < n - 1; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    for (ssize_t off = 0, w; off < n; off += w)
        if ((w = write(fd, line + off, (size_t)(n - off))) <= 0)
            return;
}

static void tell_open(void *ctx, const struct mamori_tenant *t, const char *plugin)
{
    say(*(int *)ctx, "open", t->id, plugin);
}

static void child(struct mamori_generation *g, int fd)
{
    struct rlimit no_core = {0, 0};
    struct mamori_error err;
    sigset_t none;

    /* A crash here is reported by the parent, in words; a core of it
     * would only fill the disk of a daemon that keeps retrying reloads. */
    setrlimit(RLIMIT_CORE, &no_core);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (size_t i = 0; i < g->tenant_count; i++) {
        struct mamori_tenant *t = &g->tenants[i];
        if (t->failure != NULL)
            continue;
        mamori_error_clear(&err);
        if (mamori_tenant_open_plugins(t, &mamori_host_table, tell_open, &fd, &err) != 0)
            say(fd, "fail", t->id, err.message);
    }
    say(fd, "ok", "", "");
    /* close() of every plugin opened here runs too. */
    mamori_generation_free(g);
    close(fd);
    _exit(0);
}

static struct mamori_tenant *tenant_by_id(struct mamori_generation *g, const char *id)
{
    for (size_t i = 0; i < g->tenant_count; i++)
        if (strcmp(g->tenants[i].id, id) == 0)
            return &g->tenants[i];
    return NULL;
}

/* One child over the tenants not failed yet. Returns 0 when it ran to the
 * end (failures reported in it are applied, or the first is returned),
 * 1 when it died inside a tenant's open() (*culprit set; err says how),
 * or a negative MAMORI_E*. */
static int run_once(struct mamori_generation *g, int degraded_ok, struct mamori_tenant **culprit,
                    struct mamori_error *err)
{
    struct mamori_buf out = MAMORI_BUF_INIT;
    char tenant[128] = "", plugin[128] = "";
    int fds[2], status = 0, rc = MAMORI_OK, done = 0, timed_out = 0;
    struct timespec start, now;
    pid_t pid;

    *culprit = NULL;
    if (pipe(fds) != 0)
        return mamori_error_set(err, MAMORI_EIO, "cannot check the plugins: pipe: %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return mamori_error_set(err, MAMORI_EIO, "cannot check the plugins: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        mamori_proctitle_set("plugin check (generation %lu)", g->number);
        child(g, fds[1]);
    }
    close(fds[1]);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        char chunk[1024];
        ssize_t n;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > MAMORI_PLUGIN_CHECK_TIMEOUT) {
            kill(pid, SIGKILL);
            timed_out = 1;
            break;
        }
        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (mamori_buf_append(&out, chunk, (size_t)n) != 0) {
            kill(pid, SIGKILL);
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            break;
        }
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc != 0)
        goto out;

    /* The child's report, line by line. */
    for (char *line = out.data, *end; line != NULL && line < out.data + out.len; line = end ? end + 1 : NULL) {
        char *tab, *space = strchr(line, ' ');

        end = memchr(line, '\n', (size_t)(out.data + out.len - line));
        if (end == NULL)
            break; /* cut short by the child's death */
        *end = '\0';
        if (space == NULL || space > end)
            continue;
        *space = '\0';
        tab = strchr(space + 1, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        if (strcmp(line, "open") == 0) {
            snprintf(tenant, sizeof tenant, "%s", space + 1);
            snprintf(plugin, sizeof plugin, "%s", tab + 1);
        } else if (strcmp(line, "fail") == 0) {
            struct mamori_tenant *t = tenant_by_id(g, space + 1);
            tenant[0] = plugin[0] = '\0';
            if (t == NULL)
                continue;
            if (!degraded_ok) {
                rc = mamori_error_set(err, MAMORI_EINVAL, "%s", tab + 1);
                goto out;
            }
            if ((rc = mamori_generation_tenant_failed(t, tab + 1, err)) != 0)
                goto out;
        } else if (strcmp(line, "ok") == 0) {
            done = 1;
            tenant[0] = plugin[0] = '\0';
        }
    }
    if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        goto out;
    /* It died: inside the open() its last line announced, if any. */
    *culprit = tenant_by_id(g, tenant);
    if (timed_out)
        mamori_error_set(err, MAMORI_EIO, "tenant %s: plugin %s: open() did not return within %d s; fix or remove "
                         "the plugin from %s", tenant, plugin, MAMORI_PLUGIN_CHECK_TIMEOUT,
                         *culprit ? (*culprit)->file : "the tenant file");
    else if (*culprit != NULL && WIFSIGNALED(status))
        mamori_error_set(err, MAMORI_EIO, "tenant %s: plugin %s crashed in open() (signal %d, %s); fix or remove it "
                         "from %s", tenant, plugin, WTERMSIG(status), strsignal(WTERMSIG(status)), (*culprit)->file);
    else if (*culprit != NULL)
        /* A sanitizer catches the signal itself and exits non-zero. */
        mamori_error_set(err, MAMORI_EIO, "tenant %s: plugin %s crashed in open() (it ended the process with exit "
                         "status %d); fix or remove it from %s", tenant, plugin,
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1, (*culprit)->file);
    else if (WIFSIGNALED(status))
        mamori_error_set(err, MAMORI_EIO, "the process checking the plugins was killed by signal %d (%s)",
                         WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        mamori_error_set(err, MAMORI_EIO, "the process checking the plugins exited with status %d before it "
                         "finished", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    rc = *culprit != NULL ? 1 : MAMORI_EIO;
out:
    mamori_buf_free(&out);
    return rc;
}

int mamori_plugin_check(struct mamori_generation *g, int degraded_ok, struct mamori_error *err)
{
    /* Each round ends at the end or at one tenant's crash; with
     * degraded_ok that tenant is failed and the rest checked again. */
    for (size_t round = 0; round <= g->tenant_count; round++) {
        struct mamori_tenant *culprit = NULL;
        int rc = run_once(g, degraded_ok, &culprit, err);

        if (rc <= 0)
            return rc;
        if (!degraded_ok)
            return MAMORI_EIO;
        if ((rc = mamori_generation_tenant_failed(culprit, err->message, err)) != 0)
            return rc;
    }
    return mamori_error_set(err, MAMORI_EIO, "the plugins' check did not finish");
}
