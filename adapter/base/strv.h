/*
 * strv.h -- small growable arrays: a list of owned strings, and a helper to
 * grow any array.
 */
#ifndef MAMORI_STRV_H
#define MAMORI_STRV_H

#include <stddef.h>

struct mamori_strv {
    char **items;    /* owned strings */
    size_t count;
    size_t cap;
};

#define MAMORI_STRV_INIT {NULL, 0, 0}

/* Append a copy of s (of len bytes, or strlen when len is (size_t)-1).
 * Returns 0 or MAMORI_ENOMEM. */
int mamori_strv_push(struct mamori_strv *v, const char *s, size_t len);

/* Append a copy unless an equal string is already present. */
int mamori_strv_push_unique(struct mamori_strv *v, const char *s);

int mamori_strv_contains(const struct mamori_strv *v, const char *s);

/* Replace v's contents with the words of value, separated by commas and
 * white space (a configuration list). Returns 0 or MAMORI_ENOMEM. */
int mamori_strv_split(struct mamori_strv *v, const char *value);
void mamori_strv_free(struct mamori_strv *v);

/* Make room for `need` elements of `elem` bytes in *array (capacity *cap),
 * doubling. Returns 0 or MAMORI_ENOMEM (the array is then unchanged). */
int mamori_grow(void **array, size_t *cap, size_t need, size_t elem);

/* strdup / strndup that return NULL only on allocation failure (and for a
 * NULL input). The caller frees the result. */
char *mamori_strdup(const char *s);
char *mamori_strndup(const char *s, size_t len);

/* Resolve path against dir: an owned copy (absolute paths unchanged), or
 * NULL on allocation failure. */
char *mamori_path_join(const char *dir, const char *path);

#endif
