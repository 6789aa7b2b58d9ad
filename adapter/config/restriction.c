/* restriction.c -- see restriction.h. */
#include "config.h"

#include "config/restriction.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/strv.h"
#include "base/trusted_file.h"
#include "config/tenant.h"

#define MAX_EXTENDS 4


static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? mamori_strndup(path, (size_t)(slash - path)) : mamori_strdup(".");
}

/* The policy file as JSON (through the trusted-file check), or NULL. */
static json_t *load_policy(const char *path)
{
    struct mamori_error e;
    json_error_t je;
    json_t *root;
    FILE *f;
    int fd;

    mamori_error_clear(&e);
    if ((fd = mamori_trusted_open(path, "policy file", &e)) < 0)
        return NULL;
    if ((f = fdopen(fd, "r")) == NULL) {
        close(fd);
        return NULL;
    }
    root = json_loadf(f, 0, &je);
    fclose(f);
    return root;
}

static int take_text(char **dst, json_t *block, const char *key, struct mamori_error *err)
{
    json_t *v = json_object_get(block, key);

    if (v == NULL)
        return MAMORI_OK;
    if (!json_is_string(v))
        return mamori_error_set(err, MAMORI_EINVAL, "contact_restriction.%s must be a string", key);
    return (*dst = mamori_strdup(json_string_value(v))) ? MAMORI_OK
                                                        : mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
}

static int take_block(struct mamori_restriction_policy *p, json_t *b, struct mamori_error *err)
{
    json_t *raise = json_object_get(b, "raise_severity"), *after = json_object_get(b, "restrict_after");
    int rc;

    if (!json_is_object(b))
        return mamori_error_set(err, MAMORI_EINVAL, "contact_restriction must be an object");
    if (raise != NULL && (!json_is_integer(raise) || json_integer_value(raise) < 0 || json_integer_value(raise) > 4))
        return mamori_error_set(err, MAMORI_EINVAL, "contact_restriction.raise_severity must be 0 to 4");
    if (after != NULL && (!json_is_integer(after) || json_integer_value(after) < 0 || json_integer_value(after) > 100))
        return mamori_error_set(err, MAMORI_EINVAL, "contact_restriction.restrict_after must be 0 to 100");
    p->loaded = 1;
    p->restrict_after = 3;
    if (raise != NULL)
        p->raise_severity = (int)json_integer_value(raise);
    if (after != NULL)
        p->restrict_after = (int)json_integer_value(after);
    if ((rc = take_text(&p->recommendation, b, "recommendation", err)) != 0 ||
        (rc = take_text(&p->caution, b, "caution", err)) != 0)
        return rc;
    return MAMORI_OK;
}

int mamori_restriction_policy_load(struct mamori_tenant *t, struct mamori_error *err)
{
    struct mamori_restriction_policy *p = &t->restriction;
    const char *opt = NULL;
    char *path = NULL;
    int rc = MAMORI_OK;

    mamori_restriction_policy_free(p);
    /* Without the block warnings still raise the severity and are cited,
     * but nothing recommends restricting contact: that takes the
     * policy's own words. */
    p->raise_severity = 1;
    p->restrict_after = 0;
    for (size_t i = 0; opt == NULL && i < t->chain_count; i++)
        opt = mamori_option_get(&t->chain[i].options, "policy");
    if (opt == NULL)
        return MAMORI_OK;
    if ((path = mamori_path_join(t->dir, opt)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    for (int depth = 0; path != NULL && depth <= MAX_EXTENDS; depth++) {
        json_t *root = load_policy(path), *b, *ext;
        char *dir, *next = NULL;
        if (root == NULL)
            break;
        b = json_object_get(root, "contact_restriction");
        ext = json_object_get(root, "extends");
        if (b != NULL) {
            if ((rc = take_block(p, b, err)) != 0)
                mamori_error_prefix(err, "%s", path);
        } else if (json_is_string(ext)) {
            dir = dir_of(path);
            next = dir ? mamori_path_join(dir, json_string_value(ext)) : NULL;
            free(dir);
            if (next == NULL)
                rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        }
        json_decref(root);
        free(path);
        path = next;
        if (b != NULL || rc != 0)
            break;
    }
    free(path);
    return rc;
}

void mamori_restriction_policy_free(struct mamori_restriction_policy *p)
{
    free(p->recommendation);
    free(p->caution);
    memset(p, 0, sizeof *p);
}
