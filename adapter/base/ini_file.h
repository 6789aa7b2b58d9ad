/*
 * ini_file.h -- read an INI file with inih, reporting file and line.
 *
 * inih itself only returns the first bad line number; this wrapper counts
 * lines as it feeds them, so every key handler knows its line and every
 * problem reads "FILE:LINE: what is wrong".
 */
#ifndef MAMORI_INI_FILE_H
#define MAMORI_INI_FILE_H

#include <stddef.h>

#include "base/error.h"

/* Called for each key. Return 0, or a negative code after filling err with
 * the problem (without the file:line prefix, which is added). */
typedef int (*mamori_ini_handler)(void *user, const char *section, const char *key, const char *value,
                                  int line, struct mamori_error *err);

/* Parse path, opened only when it is trusted (base/trusted_file.h; `what`
 * names it in the refusal: "configuration file", "tenant file"). Stops at
 * the first problem: err then reads "PATH:LINE: message". Unreadable files
 * are MAMORI_EIO; untrusted ones MAMORI_EINVAL. */
int mamori_ini_parse(const char *path, const char *what, mamori_ini_handler handler, void *user,
                     struct mamori_error *err);

/* Value helpers; each returns 0 or MAMORI_EINVAL with a message. */
int mamori_ini_bool(const char *value, int *out, struct mamori_error *err);
int mamori_ini_long(const char *value, long min, long max, long *out, struct mamori_error *err);
/* Sizes with an optional k, M or G suffix (powers of 1024). */
int mamori_ini_size(const char *value, size_t min, size_t max, size_t *out, struct mamori_error *err);

/* ---- Plain parsers (no ranges, no messages): 0 or MAMORI_EINVAL ----
 *
 * All are strict: no spaces, no sign, no fractions, no empty value, and a
 * value that overflows long long is refused rather than wrapped. */

/* Digits only: "0", "42". */
int mamori_parse_count(const char *value, long long *out);

/* A size in bytes: digits and an optional k, M or G (powers of 1024), with
 * an optional trailing B: "512", "64k", "1M", "2GB". */
int mamori_parse_size(const char *value, long long *out);

/* A duration: digits and one unit, ms, s, m, h or d ("30s", "5m", "2h",
 * "1d"); a bare number is in base_ms milliseconds (1000: seconds, as the
 * config always read them; 1: milliseconds). *out is in base_ms units; a
 * value that is not a whole number of them ("1500ms" in seconds) is
 * refused. */
int mamori_parse_duration(const char *value, long long base_ms, long long *out);

/* ---- Typed keys ----
 *
 * Every section of every config file has one table of the keys it takes
 * (name, type, range, unit, default, description), ended by an entry whose
 * name is NULL. The table is what the loader checks values against, what
 * an unknown key is compared with for a suggestion, and what the man pages'
 * key lists are generated from (doc/dump_keys.c), so the three cannot
 * drift. Tables are static data; nothing here allocates. */

enum mamori_key_type {
    MAMORI_KEY_STRING = 0, /* any text (check may narrow it) */
    MAMORI_KEY_PATH,       /* a file name; relative to the file's directory; not empty */
    MAMORI_KEY_BOOL,       /* yes/no, true/false, on/off, 1/0 */
    MAMORI_KEY_INTEGER,    /* whole number from min to max */
    MAMORI_KEY_SIZE,       /* bytes from min to max, with k, M, G */
    MAMORI_KEY_DURATION,   /* from min to max in unit ("seconds" or "milliseconds"), with ms, s, m, h, d */
    MAMORI_KEY_ENUM,       /* one of the words in values ("full|normal") */
    MAMORI_KEY_MODE,       /* octal permission bits from min to max, like 0660 */
    MAMORI_KEY_SECRET,     /* NAME_file = PATH or NAME_env = VARIABLE; never NAME = inline */
    MAMORI_KEY_URL,        /* starts with one of the schemes in values ("https|http") */
    MAMORI_KEY_LIST,       /* names separated by commas or spaces */
    MAMORI_KEY_TYPE_COUNT
};

struct mamori_key {
    const char *name;        /* as written; "category.*" stands for any "category.X" */
    int type;                /* enum mamori_key_type */
    long long min, max;      /* INTEGER, SIZE (bytes), DURATION (in unit), MODE */
    const char *values;      /* ENUM: the words; URL: the schemes; "|"-separated */
    const char *word;        /* a word accepted besides the type, or NULL ("auto", "none") */
    const char *unit;        /* INTEGER, DURATION: "seconds", "milliseconds", "days", ...; or NULL */
    const char *def;         /* the default as the docs show it, or NULL (none) */
    const char *description; /* for the man page: what it does, in a sentence or two */
    /* Optional extra check of the text (ids, offsets, hours); 0 or
     * MAMORI_EINVAL with a message saying what is allowed. */
    int (*check)(const char *value, struct mamori_error *err);
};

/* A section and its table, for lists of them (docs, tests). */
struct mamori_key_section {
    const char *name;              /* "server", "channel NAME" */
    const struct mamori_key *keys;
};

/* A value read through its key. */
struct mamori_key_value {
    long long number;        /* INTEGER, SIZE, DURATION, MODE; BOOL 0/1; ENUM index into values */
    int is_word;             /* the value was key->word (number is 0) */
};

/* The entry of table that key names (NAME_file and NAME_env name a SECRET
 * entry NAME), or NULL. */
const struct mamori_key *mamori_key_find(const struct mamori_key *table, const char *key);

/* The known key closest to key (a likely typo), or NULL when none is close. */
const char *mamori_key_suggest(const struct mamori_key *table, const char *key);

/* Check value against k; fill *out (may be NULL). On error err reads
 * `poll_interval = "abc": not a duration (use e.g. 30s, 5m, 1h)`. */
int mamori_key_parse(const struct mamori_key *k, const char *key, const char *value, struct mamori_key_value *out,
                     struct mamori_error *err);

/* Find key in table and parse value: the usual first step of a section's
 * key handler. An unknown key reads `unknown key "wokers" in [server] --
 * did you mean "workers"? (see man_page)`. section names the section in
 * that message ("server", "channel NAME"). */
int mamori_key_check(const struct mamori_key *table, const char *section, const char *man_page, const char *key,
                     const char *value, const struct mamori_key **found, struct mamori_key_value *out,
                     struct mamori_error *err);

/* The name of a type as the man pages write it ("duration"). */
const char *mamori_key_type_name(int type);

/* Write what k allows, as the man pages and messages say it ("a duration
 * from 10s to 1d", "full or normal") into buf. */
void mamori_key_describe(const struct mamori_key *k, char *buf, size_t size);

/* Write a number of the key's unit with the largest exact unit ("5m",
 * "64k", "0660") into buf. */
void mamori_key_format_number(const struct mamori_key *k, long long n, char *buf, size_t size);

#endif
