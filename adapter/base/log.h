/*
 * log.h -- the one logging function.
 *
 * Lines go to stderr (journald picks them up) in a stable key=value format:
 *
 *   ts=2026-11-28T09:02:31.123Z level=warning pid=4711 event=worker_exit \
 *     req=5f0c2a9e tenant=acme msg="worker 4712 killed by signal 9 (KILL)"
 *
 * `event` is a short fixed token that scripts can match on; `msg` is for
 * people. req and tenant appear while a request is being handled. With
 * syslog enabled the same line (without ts and pid) goes to syslog instead.
 * Secrets must never be passed to these functions.
 */
#ifndef MAMORI_LOG_H
#define MAMORI_LOG_H

#include <stdarg.h>

#include "base/error.h"

enum {
    MAMORI_LOG_LEVEL_ERR = 3,
    MAMORI_LOG_LEVEL_WARNING = 4,
    MAMORI_LOG_LEVEL_NOTICE = 5,
    MAMORI_LOG_LEVEL_INFO = 6,
    MAMORI_LOG_LEVEL_DEBUG = 7
};

/* Set the minimum level and the destination. ident names the program. */
void mamori_log_init(const char *ident, int min_level, int use_syslog);

/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int mamori_log_level_parse(const char *name);

/* Context shown on every line until cleared (pass NULL to clear). The
 * strings are copied. */
void mamori_log_set_request(const char *request_id, const char *tenant);

void mamori_log(int level, const char *event, const char *fmt, ...) MAMORI_ATTR_PRINTF(3, 4);
void mamori_logv(int level, const char *event, const char *prefix, const char *fmt, va_list ap);

#define mamori_log_err(ev, ...) mamori_log(MAMORI_LOG_LEVEL_ERR, ev, __VA_ARGS__)
#define mamori_log_warn(ev, ...) mamori_log(MAMORI_LOG_LEVEL_WARNING, ev, __VA_ARGS__)
#define mamori_log_notice(ev, ...) mamori_log(MAMORI_LOG_LEVEL_NOTICE, ev, __VA_ARGS__)
#define mamori_log_info(ev, ...) mamori_log(MAMORI_LOG_LEVEL_INFO, ev, __VA_ARGS__)
#define mamori_log_debug(ev, ...) mamori_log(MAMORI_LOG_LEVEL_DEBUG, ev, __VA_ARGS__)

#endif
