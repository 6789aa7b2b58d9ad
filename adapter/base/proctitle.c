/* proctitle.c -- see proctitle.h. */
#include "config.h"

#include "base/proctitle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char *area;      /* start of the writable block (the old argv[0]) */
static size_t area_len; /* its size in bytes */
static char program[64];
/* The environment's heap copy (environ points to it): reachable for the
 * process's life, by design. */
static char **saved_env;

static char **copy_strings(char *const *v, size_t n)
{
    char **c = calloc(n + 1, sizeof *c);

    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((c[i] = strdup(v[i])) == NULL) {
            while (i > 0)
                free(c[--i]);
            free(c);
            return NULL;
        }
    }
    return c;
}

void mamori_proctitle_init(int argc, char **argv)
{
    char *start, *end, **copies;
    size_t n_env = 0;
    const char *base;

    if (area != NULL || argc < 1 || argv == NULL || argv[0] == NULL)
        return;
    base = strrchr(argv[0], '/');
    snprintf(program, sizeof program, "%s", base ? base + 1 : argv[0]);

    /* The block: argv's strings one after another, then the environment's
     * while they follow on directly. A gap ends it (as in ps_status.c). */
    start = argv[0];
    end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i] != end)
            return;
        end = argv[i] + strlen(argv[i]) + 1;
    }
    while (environ != NULL && environ[n_env] != NULL)
        n_env++;
    for (size_t i = 0; i < n_env; i++)
        if (environ[i] == end)
            end = environ[i] + strlen(environ[i]) + 1;

    if ((saved_env = copy_strings(environ, n_env)) == NULL)
        return;
    if ((copies = copy_strings(argv, (size_t)argc)) == NULL) {
        for (size_t i = 0; i < n_env; i++)
            free(saved_env[i]);
        free(saved_env);
        saved_env = NULL;
        return;
    }
    /* From here on nothing reads the old block. argv's own array keeps
     * the copies (the array of copies is not needed). */
    for (int i = 0; i < argc; i++)
        argv[i] = copies[i];
    free(copies);
    environ = saved_env;
    area = start;
    area_len = (size_t)(end - start);
}

void mamori_proctitle_set(const char *fmt, ...)
{
    va_list ap;
    int n;

    if (area == NULL || area_len < 2)
        return;
    n = snprintf(area, area_len, "%s: ", program);
    if (n >= 0 && (size_t)n < area_len) {
        va_start(ap, fmt);
        vsnprintf(area + n, area_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* NUL padding: /proc/PID/cmdline then ends at the title (a last byte
     * that is not NUL would make Linux read on into the environment). */
    n = (int)strlen(area);
    memset(area + n, 0, area_len - (size_t)n);
}
