/*
 * proctitle.h -- what `ps -o args` shows for each process of mamori-fcgi
 * ("mamori-fcgi: worker 2", "mamori-fcgi: deliverer", ...): every child is
 * forked from the same command line, and its comm (prctl PR_SET_NAME,
 * "mamori-worker") is cut at 15 bytes and not shown by `ps -f`.
 *
 * Linux shows /proc/PID/cmdline, read from the memory where the kernel
 * placed argv. As nginx's ngx_setproctitle.c and PostgreSQL's ps_status.c
 * do, mamori_proctitle_init() moves the environment (which the kernel put
 * right after the argv strings) and argv's strings to the heap, so that
 * the whole contiguous area can be overwritten by mamori_proctitle_set().
 * The title is cut to that area's size (argv plus environment, usually
 * hundreds of bytes) and padded with NUL bytes. /proc/PID/environ, which
 * reads the same block, then shows the title too, not the environment
 * (getenv() and the rest of the process use the heap copy).
 *
 * Call init once, first thing in main(), before anything reads argv or the
 * environment; from then on argv[i] and environ point to heap copies (kept
 * for the process's life). Without init, or where the area is not one
 * contiguous block, set does nothing.
 */
#ifndef MAMORI_PROCTITLE_H
#define MAMORI_PROCTITLE_H

void mamori_proctitle_init(int argc, char **argv);

/* Set the title to "<program>: <printf text>" (program = basename of the
 * original argv[0]). Not async-signal-safe; call in a process's set-up. */
void mamori_proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
