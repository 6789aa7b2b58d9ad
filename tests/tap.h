/*
 * tap.h -- a minimal TAP producer for the C unit tests (automake's
 * tap-driver.sh reads the output). Header-only; one test program per file.
 *
 *   plan(3);
 *   ok(x == 1, "x is one");
 *   is_int(f(), 0, "f succeeds");
 *   is_str(s, "abc", "s is abc");
 *   return done();
 */
#ifndef MAMORI_TAP_H
#define MAMORI_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed, tap_planned = -1;

static inline void plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

static inline void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static inline int ok_at(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

#define ok(cond, ...) ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                       \
    do {                                                                                             \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                             \
        if (!ok_at(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))                               \
            diag("     got: %lld\n#    want: %lld", tap_g_, tap_w_);                                 \
    } while (0)

#define is_str(got, want, ...)                                                                       \
    do {                                                                                             \
        const char *tap_g_ = (got), *tap_w_ = (want);                                                \
        int tap_same_ = (tap_g_ == NULL && tap_w_ == NULL) ||                                        \
                        (tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0);           \
        if (!ok_at(tap_same_, __FILE__, __LINE__, __VA_ARGS__))                                      \
            diag("     got: \"%s\"\n#    want: \"%s\"", tap_g_ ? tap_g_ : "(null)",                  \
                 tap_w_ ? tap_w_ : "(null)");                                                        \
    } while (0)

#define contains_str(hay, needle, ...)                                                               \
    do {                                                                                             \
        const char *tap_h_ = (hay), *tap_n_ = (needle);                                              \
        if (!ok_at(tap_h_ != NULL && strstr(tap_h_, tap_n_) != NULL, __FILE__, __LINE__, __VA_ARGS__)) \
            diag("     \"%s\"\n#    does not contain \"%s\"", tap_h_ ? tap_h_ : "(null)", tap_n_);    \
    } while (0)

static inline int done(void)
{
    if (tap_planned < 0)
        printf("1..%d\n", tap_count);
    else if (tap_planned != tap_count)
        printf("# planned %d tests but ran %d\n", tap_planned, tap_count);
    fflush(stdout);
    return (tap_failed || (tap_planned >= 0 && tap_planned != tap_count)) ? 1 : 0;
}

#endif
