/* ini_file.c -- see ini_file.h. */
#include "config.h"

#include "base/ini_file.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/trusted_file.h"

struct ini_state {
    FILE *fp;
    int line;               /* line most recently handed to inih */
    int too_long;           /* line number of an over-long line, or 0 */
    mamori_ini_handler handler;
    void *user;
    struct mamori_error *err;
    int failed;             /* set when a handler failed: keep only the first */
};

/* A # or ; after a space or tab starts a comment, on any line of any
 * config file: the documented examples say `language = ja   # ja or en`.
 * inih ends a value only at " ;" as Debian builds it (and that is a build
 * option), so the comment is cut here, before inih sees the line, and
 * every build reads the same values. A # or ; inside a word stays
 * (Shop#1, a URL's fragment). */
static void strip_inline_comment(char *line)
{
    for (char *p = line; *p != '\0'; p++) {
        if ((*p == '#' || *p == ';') && p > line && (p[-1] == ' ' || p[-1] == '\t')) {
            p[0] = '\n';
            p[1] = '\0';
            return;
        }
    }
}

/* Whether a value still looks like it holds a comment: it starts with # or
 * ;, or one (or a full-width ＃ ；) follows a space that is not ASCII (the
 * full-width space of a Japanese input method, a no-break space) or an
 * ASCII space before a full-width mark. Such a value is almost certainly
 * "value  # note" typed in a way that is not cut, so it is refused rather
 * than used. */
static int looks_like_comment(const char *v)
{
    static const char *const spaces[] = {" ", "\t", "\xE3\x80\x80" /* U+3000 */, "\xC2\xA0" /* U+00A0 */};
    static const char *const marks[] = {"#", ";", "\xEF\xBC\x83" /* ＃ */, "\xEF\xBC\x9B" /* ； */};

    if (v[0] == '#' || v[0] == ';')
        return 1;
    for (const char *p = v; *p != '\0'; p++) {
        for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
            size_t n = strlen(spaces[i]);
            if (strncmp(p, spaces[i], n) != 0)
                continue;
            for (size_t j = 0; j < sizeof marks / sizeof marks[0]; j++)
                if (strncmp(p + n, marks[j], strlen(marks[j])) == 0)
                    return 1;
        }
    }
    return 0;
}

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
    strip_inline_comment(r);
    return r;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *st = user;
    int rc;

    if (st->failed)
        return 0;
    if (looks_like_comment(value))
        rc = mamori_error_set(st->err, MAMORI_EINVAL,
                              "%s = \"%s\": looks like it holds a comment (a comment starts with # or ; after an "
                              "ASCII space or tab, or on a line of its own; remove it or put it on its own line)",
                              name, value);
    else
        rc = st->handler(st->user, section, name, value, st->line, st->err);
    if (rc != 0) {
        st->failed = st->line;
        return 0;
    }
    return 1;
}

int mamori_ini_parse(const char *path, const char *what, mamori_ini_handler handler, void *user,
                     struct mamori_error *err)
{
    struct ini_state st;
    int rc, fd;

    memset(&st, 0, sizeof st);
    /* mamori takes orders from this file: only root and the service user
     * may have written it (trusted_file.h). */
    if ((fd = mamori_trusted_open(path, what, err)) < 0)
        return fd;
    st.fp = fdopen(fd, "r");
    if (st.fp == NULL) {
        close(fd);
        return mamori_error_set(err, MAMORI_ENOMEM, "%s: out of memory", path);
    }
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
    long long v;

    if (mamori_parse_size(value, &v) != 0 || (unsigned long long)v < min || (unsigned long long)v > max)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" is not a size from %zu to %zu bytes (suffixes k, M, G)",
                                value, min, max);
    *out = (size_t)v;
    return MAMORI_OK;
}

/* ---- plain parsers ---- */

/* Leading digits of *p as a non-negative long long; p is moved past them. */
static int digits(const char **p, long long *out)
{
    long long v = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return MAMORI_EINVAL;
    for (; *s >= '0' && *s <= '9'; s++) {
        int d = *s - '0';
        if (v > (LLONG_MAX - d) / 10)
            return MAMORI_EINVAL;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return MAMORI_OK;
}

int mamori_parse_count(const char *value, long long *out)
{
    const char *p = value;
    long long v;

    if (digits(&p, &v) != 0 || *p != '\0')
        return MAMORI_EINVAL;
    *out = v;
    return MAMORI_OK;
}

int mamori_parse_size(const char *value, long long *out)
{
    const char *p = value;
    long long v, mult = 1;

    if (digits(&p, &v) != 0)
        return MAMORI_EINVAL;
    if (*p == 'k' || *p == 'K')
        mult = 1024LL, p++;
    else if (*p == 'm' || *p == 'M')
        mult = 1024LL * 1024, p++;
    else if (*p == 'g' || *p == 'G')
        mult = 1024LL * 1024 * 1024, p++;
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p != '\0' || v > LLONG_MAX / mult)
        return MAMORI_EINVAL;
    *out = v * mult;
    return MAMORI_OK;
}

int mamori_parse_duration(const char *value, long long base_ms, long long *out)
{
    const char *p = value;
    long long v, ms;

    if (base_ms <= 0 || digits(&p, &v) != 0)
        return MAMORI_EINVAL;
    if (strcmp(p, "") == 0)
        ms = base_ms;
    else if (strcmp(p, "ms") == 0)
        ms = 1;
    else if (strcmp(p, "s") == 0)
        ms = 1000;
    else if (strcmp(p, "m") == 0)
        ms = 60LL * 1000;
    else if (strcmp(p, "h") == 0)
        ms = 3600LL * 1000;
    else if (strcmp(p, "d") == 0)
        ms = 86400LL * 1000;
    else
        return MAMORI_EINVAL;
    if (v > LLONG_MAX / ms)
        return MAMORI_EINVAL;
    v *= ms;
    if (v % base_ms != 0)
        return MAMORI_EINVAL;
    *out = v / base_ms;
    return MAMORI_OK;
}

/* ---- typed keys ---- */

static const char *const type_names[MAMORI_KEY_TYPE_COUNT] = {
    "string", "path", "bool", "integer", "size", "duration", "enum", "mode", "secret", "url", "list"};

const char *mamori_key_type_name(int type)
{
    return type >= 0 && type < MAMORI_KEY_TYPE_COUNT ? type_names[type] : "unknown";
}

/* Whether key is name + suffix. */
static int is_name_plus(const char *key, const char *name, const char *suffix)
{
    size_t n = strlen(name);
    return strncmp(key, name, n) == 0 && strcmp(key + n, suffix) == 0;
}

static int key_matches(const struct mamori_key *k, const char *key)
{
    size_t n = strlen(k->name);

    if (n >= 2 && strcmp(k->name + n - 2, ".*") == 0)
        return strncmp(key, k->name, n - 1) == 0 && key[n - 1] != '\0';
    if (strcmp(key, k->name) == 0)
        return 1;
    return k->type == MAMORI_KEY_SECRET && (is_name_plus(key, k->name, "_file") || is_name_plus(key, k->name, "_env"));
}

const struct mamori_key *mamori_key_find(const struct mamori_key *table, const char *key)
{
    for (const struct mamori_key *k = table; k != NULL && k->name != NULL; k++)
        if (key_matches(k, key))
            return k;
    return NULL;
}

/* Edit distance of a and b, a swap of two neighbours counting as one edit
 * (optimal string alignment); large when either is longer than a key. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), d[65][65];

    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *mamori_key_suggest(const struct mamori_key *table, const char *key)
{
    static char spelled[80];
    const char *best = NULL;
    size_t best_d = SIZE_MAX, limit = strlen(key) <= 4 ? 1 : 2;

    for (const struct mamori_key *k = table; k != NULL && k->name != NULL; k++) {
        const char *forms[3] = {k->name, NULL, NULL};
        char f[80], e[80];
        if (k->type == MAMORI_KEY_SECRET) {
            snprintf(f, sizeof f, "%s_file", k->name);
            snprintf(e, sizeof e, "%s_env", k->name);
            forms[1] = f, forms[2] = e;
        }
        for (int i = 0; i < 3 && forms[i] != NULL; i++) {
            size_t d = distance(key, forms[i]);
            if (d < best_d && d <= limit) {
                best_d = d;
                snprintf(spelled, sizeof spelled, "%s", forms[i]);
                best = spelled;
            }
        }
    }
    return best;
}

/* Words of a "|"-separated list joined as "a, b or c" into buf. */
static void join_words(const char *words, const char *prefix, const char *suffix, char *buf, size_t size)
{
    size_t pos = 0, count = 1, i = 0;
    const char *p = words;

    for (const char *q = words; *q; q++)
        count += *q == '|';
    buf[0] = '\0';
    while (p != NULL && pos < size) {
        const char *bar = strchr(p, '|');
        int n = bar ? (int)(bar - p) : (int)strlen(p);
        const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        int w = snprintf(buf + pos, size - pos, "%s%s%.*s%s", sep, prefix, n, p, suffix);
        if (w < 0)
            break;
        pos += (size_t)w;
        i++;
        p = bar ? bar + 1 : NULL;
    }
}

void mamori_key_format_number(const struct mamori_key *k, long long n, char *buf, size_t size)
{
    if (k->type == MAMORI_KEY_SIZE) {
        static const char *const suffix[] = {"", "k", "M", "G"};
        int i = 0;
        while (i < 3 && n != 0 && n % 1024 == 0)
            n /= 1024, i++;
        snprintf(buf, size, "%lld%s", n, suffix[i]);
    } else if (k->type == MAMORI_KEY_DURATION) {
        static const struct { long long ms; const char *unit; } units[] = {
            {86400000LL, "d"}, {3600000LL, "h"}, {60000LL, "m"}, {1000LL, "s"}, {1LL, "ms"}};
        long long base = k->unit != NULL && strcmp(k->unit, "milliseconds") == 0 ? 1 : 1000, ms = n * base;
        size_t i = 0;
        while (i < 4 && (ms == 0 ? units[i].ms != 1000 : ms % units[i].ms != 0))
            i++;
        snprintf(buf, size, "%lld%s", ms / units[i].ms, units[i].unit);
    } else if (k->type == MAMORI_KEY_MODE) {
        snprintf(buf, size, n == 0 ? "0" : "0%llo", n);
    } else {
        snprintf(buf, size, "%lld", n);
    }
}

void mamori_key_describe(const struct mamori_key *k, char *buf, size_t size)
{
    char lo[32], hi[32], words[256];

    mamori_key_format_number(k, k->min, lo, sizeof lo);
    mamori_key_format_number(k, k->max, hi, sizeof hi);
    switch (k->type) {
    case MAMORI_KEY_PATH: snprintf(buf, size, "a file path"); break;
    case MAMORI_KEY_BOOL: snprintf(buf, size, "yes or no"); break;
    case MAMORI_KEY_INTEGER:
        snprintf(buf, size, "a whole number from %s to %s%s%s", lo, hi, k->unit ? " " : "", k->unit ? k->unit : "");
        break;
    case MAMORI_KEY_SIZE: snprintf(buf, size, "a size from %s to %s (bytes, or with k, M, G)", lo, hi); break;
    case MAMORI_KEY_DURATION:
        snprintf(buf, size, "a duration from %s to %s (e.g. 30s, 5m, 2h, 1d; a bare number is %s)", lo, hi,
                 k->unit ? k->unit : "seconds");
        break;
    case MAMORI_KEY_ENUM: join_words(k->values ? k->values : "", "", "", buf, size); break;
    case MAMORI_KEY_MODE: snprintf(buf, size, "an octal mode from %s to %s, like 0660", lo, hi); break;
    case MAMORI_KEY_SECRET: snprintf(buf, size, "%s_file = PATH or %s_env = VARIABLE", k->name, k->name); break;
    case MAMORI_KEY_URL:
        join_words(k->values ? k->values : "https", "", "://", words, sizeof words);
        snprintf(buf, size, "a URL starting with %s", words);
        break;
    case MAMORI_KEY_LIST: snprintf(buf, size, "names separated by commas or spaces"); break;
    default: snprintf(buf, size, "text"); break;
    }
    if (k->word != NULL) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, ", or %s", k->word);
    }
}

static int word_index(const char *words, const char *value)
{
    const char *p = words;
    size_t len = strlen(value);

    for (int i = 0; p != NULL; i++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, value, n) == 0)
            return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

static int env_name_valid(const char *v)
{
    if (!((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || *v == '_'))
        return 0;
    for (; *v; v++)
        if (!((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '_'))
            return 0;
    return 1;
}

int mamori_key_parse(const struct mamori_key *k, const char *key, const char *value, struct mamori_key_value *out,
                     struct mamori_error *err)
{
    struct mamori_key_value v = {0, 0};
    char allowed[320], lo[32], hi[32];
    int rc = MAMORI_OK;
    const char *what = NULL;

#define BAD(...) mamori_error_set(err, MAMORI_EINVAL, __VA_ARGS__)
    mamori_key_describe(k, allowed, sizeof allowed);
    mamori_key_format_number(k, k->min, lo, sizeof lo);
    mamori_key_format_number(k, k->max, hi, sizeof hi);
    if (k->word != NULL && strcmp(value, k->word) == 0) {
        v.is_word = 1;
        goto done;
    }
    switch (k->type) {
    case MAMORI_KEY_PATH:
        if (value[0] == '\0')
            return BAD("%s is empty: give %s", key, allowed);
        break;
    case MAMORI_KEY_BOOL:
        if (mamori_ini_bool(value, &rc, NULL) != 0)
            return BAD("%s = \"%s\": not yes or no", key, value);
        v.number = rc;
        rc = MAMORI_OK;
        break;
    case MAMORI_KEY_INTEGER:
        if (mamori_parse_count(value, &v.number) != 0)
            what = "not a whole number";
        break;
    case MAMORI_KEY_SIZE:
        if (mamori_parse_size(value, &v.number) != 0)
            what = "not a size (use e.g. 512k, 1M)";
        break;
    case MAMORI_KEY_DURATION: {
        long long base = k->unit != NULL && strcmp(k->unit, "milliseconds") == 0 ? 1 : 1000;
        if (mamori_parse_duration(value, base, &v.number) != 0)
            what = base == 1 ? "not a duration (use e.g. 500ms, 5s, 1m)" : "not a duration (use e.g. 30s, 5m, 1h)";
        break;
    }
    case MAMORI_KEY_ENUM:
        if ((rc = word_index(k->values ? k->values : "", value)) < 0)
            return BAD("%s = \"%s\": use %s", key, value, allowed);
        v.number = rc;
        rc = MAMORI_OK;
        break;
    case MAMORI_KEY_MODE: {
        char *end;
        unsigned long m;
        if (value[0] < '0' || value[0] > '7')
            return BAD("%s = \"%s\": not an octal mode like 0660", key, value);
        errno = 0;
        m = strtoul(value, &end, 8);
        if (errno != 0 || *end != '\0')
            return BAD("%s = \"%s\": not an octal mode like 0660", key, value);
        v.number = (long long)m;
        break;
    }
    case MAMORI_KEY_SECRET:
        if (strcmp(key, k->name) == 0)
            return BAD("%s: secrets are never written inline: use %s_file = PATH or %s_env = VARIABLE", key, k->name,
                       k->name);
        if (value[0] == '\0')
            return BAD("%s is empty", key);
        if (is_name_plus(key, k->name, "_env") && !env_name_valid(value))
            return BAD("%s = \"%s\": not an environment variable name (letters, digits and _)", key, value);
        break;
    case MAMORI_KEY_URL: {
        int ok = 0;
        const char *p = k->values ? k->values : "https";
        while (p != NULL && !ok) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            ok = strncmp(value, p, n) == 0 && strncmp(value + n, "://", 3) == 0 && value[n + 3] != '\0';
            p = bar ? bar + 1 : NULL;
        }
        if (!ok)
            return BAD("%s = \"%s\": use %s", key, value, allowed);
        break;
    }
    default:
        break;
    }
    if (what != NULL)
        return BAD("%s = \"%s\": %s", key, value, what);
    if ((k->type == MAMORI_KEY_INTEGER || k->type == MAMORI_KEY_SIZE || k->type == MAMORI_KEY_DURATION ||
         k->type == MAMORI_KEY_MODE) &&
        (v.number < k->min || v.number > k->max)) {
        if (k->type == MAMORI_KEY_INTEGER && k->unit != NULL)
            return BAD("%s = \"%s\": must be from %s to %s %s", key, value, lo, hi, k->unit);
        return BAD("%s = \"%s\": must be from %s to %s%s%s", key, value, lo, hi, k->word ? ", or " : "",
                   k->word ? k->word : "");
    }
    if (k->check != NULL && (rc = k->check(value, err)) != 0) {
        if (err != NULL)
            mamori_error_prefix(err, "%s = \"%s\"", key, value);
        return rc;
    }
done:
    if (out != NULL)
        *out = v;
    return MAMORI_OK;
#undef BAD
}

int mamori_key_check(const struct mamori_key *table, const char *section, const char *man_page, const char *key,
                     const char *value, const struct mamori_key **found, struct mamori_key_value *out,
                     struct mamori_error *err)
{
    const struct mamori_key *k = mamori_key_find(table, key);

    if (found != NULL)
        *found = k;
    if (k == NULL) {
        const char *near = mamori_key_suggest(table, key);
        if (near != NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "unknown key \"%s\" in [%s] -- did you mean \"%s\"? (see %s)",
                                    key, section, near, man_page);
        return mamori_error_set(err, MAMORI_EINVAL, "unknown key \"%s\" in [%s] (see %s)", key, section, man_page);
    }
    return mamori_key_parse(k, key, value, out, err);
}
