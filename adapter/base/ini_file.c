/* ini_file.c -- see ini_file.h. */
#include "config.h"

#include "base/ini_file.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ini_state {
    FILE *fp;
    int line;               /* line most recently handed to inih */
    int too_long;           /* line number of an over-long line, or 0 */
    mamori_ini_handler handler;
    void *user;
    struct mamori_error *err;
    int failed;             /* set when a handler failed: keep only the first */
};

static char *read_line(char *str, int num, void *stream)
{
    struct ini_state *st = stream;
    char *r = fgets(str, num, st->fp);
    size_t len;

    if (r == NULL)
        return NULL;
    len = strlen(r);
    /* A chunk that filled the buffer without a newline is a line that inih
     * would silently split: remember it and report it as an error. */
    if (len == (size_t)num - 1 && r[len - 1] != '\n' && !feof(st->fp)) {
        int c;
        if (!st->too_long)
            st->too_long = st->line + 1;
        while ((c = fgetc(st->fp)) != EOF && c != '\n')
            ;
    }
    st->line++;
    return r;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *st = user;
    int rc;

    if (st->failed)
        return 0;
    rc = st->handler(st->user, section, name, value, st->line, st->err);
    if (rc != 0) {
        st->failed = st->line;
        return 0;
    }
    return 1;
}

int mamori_ini_parse(const char *path, mamori_ini_handler handler, void *user, struct mamori_error *err)
{
    struct ini_state st;
    int rc;

    memset(&st, 0, sizeof st);
    st.fp = fopen(path, "r");
    if (st.fp == NULL)
        return mamori_error_set(err, MAMORI_EIO, "%s: cannot open: %s", path, strerror(errno));
    st.handler = handler;
    st.user = user;
    st.err = err;
    mamori_error_clear(err);
    rc = ini_parse_stream(read_line, &st, on_key, &st);
    fclose(st.fp);
    if (st.too_long && (rc == 0 || st.too_long <= rc))
        return mamori_error_set(err, MAMORI_EINVAL, "%s:%d: line is longer than %d bytes", path, st.too_long,
                                INI_MAX_LINE - 1);
    if (st.failed) {
        int code = err->code ? err->code : MAMORI_EINVAL;
        mamori_error_prefix(err, "%s:%d", path, st.failed);
        err->code = code;
        return code;
    }
    if (rc > 0)
        return mamori_error_set(err, MAMORI_EINVAL,
                                "%s:%d: syntax error: expected \"[section]\", \"key = value\" or a comment", path, rc);
    if (rc < 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "%s: out of memory while parsing", path);
    return MAMORI_OK;
}

int mamori_ini_bool(const char *value, int *out, struct mamori_error *err)
{
    static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = 1;
            return MAMORI_OK;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = 0;
            return MAMORI_OK;
        }
    }
    return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a boolean (use yes or no)", value);
}

int mamori_ini_long(const char *value, long min, long max, long *out, struct mamori_error *err)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a whole number from %ld to %ld", value, min, max);
    *out = v;
    return MAMORI_OK;
}

int mamori_ini_size(const char *value, size_t min, size_t max, size_t *out, struct mamori_error *err)
{
    char *end;
    unsigned long long v, mult = 1;

    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno == 0 && end != value && value[0] != '-') {
        if (*end == 'k' || *end == 'K')
            mult = 1024ULL, end++;
        else if (*end == 'm' || *end == 'M')
            mult = 1024ULL * 1024, end++;
        else if (*end == 'g' || *end == 'G')
            mult = 1024ULL * 1024 * 1024, end++;
        if ((*end == 'b' || *end == 'B') && end[1] == '\0')
            end++;
        if (*end == '\0' && v <= ULLONG_MAX / mult && v * mult >= min && v * mult <= max) {
            *out = (size_t)(v * mult);
            return MAMORI_OK;
        }
    }
    return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a size from %zu to %zu bytes (suffixes k, M, G)",
                            value, min, max);
}
