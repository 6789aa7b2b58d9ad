/* log.c -- see log.h. Writes each line with one write(2) so lines from
 * several worker processes never interleave. */
#include "config.h"

#include "base/log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int log_min_level = MAMORI_LOG_LEVEL_INFO;
static int log_syslog;
static char log_request_id[64];
static char log_tenant[64];

static const char *level_names[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

void mamori_log_init(const char *ident, int min_level, int use_syslog)
{
    log_min_level = min_level;
    if (use_syslog && !log_syslog)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (!use_syslog && log_syslog)
        closelog();
    log_syslog = use_syslog;
}

int mamori_log_level_parse(const char *name)
{
    for (int i = 3; i < 8; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    if (strcmp(name, "error") == 0)
        return MAMORI_LOG_LEVEL_ERR;
    if (strcmp(name, "warn") == 0)
        return MAMORI_LOG_LEVEL_WARNING;
    return -1;
}

static void copy_token(char *dst, size_t cap, const char *src)
{
    size_t i = 0;

    if (src != NULL) {
        /* Keep the field a single token: no spaces, quotes or controls. */
        for (; src[i] != '\0' && i + 1 < cap; i++) {
            unsigned char c = (unsigned char)src[i];
            dst[i] = (c <= ' ' || c == '"' || c == '=' || c == 0x7f) ? '_' : (char)c;
        }
    }
    dst[i] = '\0';
}

void mamori_log_set_request(const char *request_id, const char *tenant)
{
    copy_token(log_request_id, sizeof log_request_id, request_id);
    copy_token(log_tenant, sizeof log_tenant, tenant);
}

/* Append s quoted, escaping quotes, backslashes and control bytes. */
static size_t put_quoted(char *out, size_t pos, size_t cap, const char *s)
{
    if (pos < cap)
        out[pos++] = '"';
    for (; *s != '\0' && pos + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[pos++] = '\\';
            out[pos++] = (char)c;
        } else if (c == '\n') {
            out[pos++] = '\\';
            out[pos++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            pos += (size_t)snprintf(out + pos, cap - pos, "\\x%02x", c);
        } else {
            out[pos++] = (char)c;
        }
    }
    if (pos < cap)
        out[pos++] = '"';
    return pos;
}

void mamori_logv(int level, const char *event, const char *prefix, const char *fmt, va_list ap)
{
    char msg[2048], line[4096];
    size_t pos = 0;
    int n;

    if (level > log_min_level)
        return;
    if (level < 0 || level > 7)
        level = MAMORI_LOG_LEVEL_ERR;
    n = 0;
    if (prefix != NULL)
        n = snprintf(msg, sizeof msg, "%s", prefix);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);

    if (!log_syslog) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        pos += strftime(line, sizeof line, "ts=%Y-%m-%dT%H:%M:%S", &tm);
        pos += (size_t)snprintf(line + pos, sizeof line - pos, ".%03ldZ pid=%ld ", ts.tv_nsec / 1000000L,
                                (long)getpid());
    }
    pos += (size_t)snprintf(line + pos, sizeof line - pos, "level=%s event=%s", level_names[level],
                            event ? event : "log");
    if (log_request_id[0] != '\0' && pos < sizeof line)
        pos += (size_t)snprintf(line + pos, sizeof line - pos, " req=%s", log_request_id);
    if (log_tenant[0] != '\0' && pos < sizeof line)
        pos += (size_t)snprintf(line + pos, sizeof line - pos, " tenant=%s", log_tenant);
    if (pos + 5 < sizeof line) {
        memcpy(line + pos, " msg=", 5);
        pos = put_quoted(line, pos + 5, sizeof line - 2, msg);
    }
    if (pos > sizeof line - 2)
        pos = sizeof line - 2;

    if (log_syslog) {
        line[pos] = '\0';
        syslog(level, "%s", line);
        return;
    }
    line[pos++] = '\n';
    /* A short write to a pipe of < PIPE_BUF bytes is atomic; ignore errors:
     * there is nowhere left to report them. */
    if (write(STDERR_FILENO, line, pos) < 0)
        return;
}

void mamori_log(int level, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mamori_logv(level, event, NULL, fmt, ap);
    va_end(ap);
}
