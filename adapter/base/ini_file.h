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

/* Parse path. Stops at the first problem: err then reads
 * "PATH:LINE: message". Unreadable files are MAMORI_EIO. */
int mamori_ini_parse(const char *path, mamori_ini_handler handler, void *user, struct mamori_error *err);

/* Value helpers; each returns 0 or MAMORI_EINVAL with a message. */
int mamori_ini_bool(const char *value, int *out, struct mamori_error *err);
int mamori_ini_long(const char *value, long min, long max, long *out, struct mamori_error *err);
/* Sizes with an optional k, M or G suffix (powers of 1024). */
int mamori_ini_size(const char *value, size_t min, size_t max, size_t *out, struct mamori_error *err);

#endif
