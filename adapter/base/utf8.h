/*
 * utf8.h -- UTF-8 validation (via utf8proc).
 */
#ifndef MAMORI_UTF8_H
#define MAMORI_UTF8_H

#include <stddef.h>

/* Return 1 if s[0..len) is valid UTF-8 without NUL bytes; otherwise 0 and,
 * when bad_offset is not NULL, the byte offset of the first bad sequence. */
int mamori_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Length of the longest prefix of s[0..len) that is at most max_bytes long
 * and does not cut a UTF-8 sequence (for truncating quotes). */
size_t mamori_utf8_prefix(const char *s, size_t len, size_t max_bytes);

#endif
