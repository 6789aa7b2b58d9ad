/* strv.c -- see strv.h. */
#include "config.h"

#include "base/strv.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

int mamori_grow(void **array, size_t *cap, size_t need, size_t elem)
{
    size_t n;
    void *p;

    if (need <= *cap)
        return MAMORI_OK;
    n = *cap ? *cap : 4;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return MAMORI_ENOMEM;
        n *= 2;
    }
    if (elem != 0 && n > SIZE_MAX / elem)
        return MAMORI_ENOMEM;
    p = realloc(*array, n * elem);
    if (p == NULL)
        return MAMORI_ENOMEM;
    *array = p;
    *cap = n;
    return MAMORI_OK;
}

char *mamori_strndup(const char *s, size_t len)
{
    char *p;

    if (s == NULL)
        return NULL;
    p = malloc(len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mamori_strdup(const char *s)
{
    return s ? mamori_strndup(s, strlen(s)) : NULL;
}

int mamori_strv_push(struct mamori_strv *v, const char *s, size_t len)
{
    char *copy;

    if (len == (size_t)-1)
        len = strlen(s);
    if (mamori_grow((void **)&v->items, &v->cap, v->count + 1, sizeof *v->items) != MAMORI_OK)
        return MAMORI_ENOMEM;
    copy = mamori_strndup(s, len);
    if (copy == NULL)
        return MAMORI_ENOMEM;
    v->items[v->count++] = copy;
    return MAMORI_OK;
}

int mamori_strv_contains(const struct mamori_strv *v, const char *s)
{
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->items[i], s) == 0)
            return 1;
    return 0;
}

int mamori_strv_push_unique(struct mamori_strv *v, const char *s)
{
    if (mamori_strv_contains(v, s))
        return MAMORI_OK;
    return mamori_strv_push(v, s, (size_t)-1);
}

void mamori_strv_free(struct mamori_strv *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->count = v->cap = 0;
}

char *mamori_path_join(const char *dir, const char *path)
{
    size_t dl, pl;
    char *p;

    if (path[0] == '/' || dir == NULL || dir[0] == '\0')
        return mamori_strdup(path);
    dl = strlen(dir);
    pl = strlen(path);
    p = malloc(dl + pl + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, path, pl + 1);
    return p;
}

int mamori_strv_split(struct mamori_strv *v, const char *value)
{
    const char *p = value;

    mamori_strv_free(v);
    while (*p) {
        size_t n = 0;
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        while (p[n] && p[n] != ',' && !isspace((unsigned char)p[n]))
            n++;
        if (n == 0)
            break;
        if (mamori_strv_push(v, p, n) != 0)
            return MAMORI_ENOMEM;
        p += n;
    }
    return MAMORI_OK;
}
