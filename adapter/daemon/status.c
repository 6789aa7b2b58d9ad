/* status.c -- see status.h. */
#include "config.h"

#include "daemon/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "daemon/retention.h"
#include "store/meta.h"

/* id, version and title of a policy file, or null when it cannot be read
 * (the plugin itself reports why when it opens the file). Only the
 * top-level metadata is needed, but the file is small enough to parse. */
static json_t *policy_info(const struct mamori_tenant *t, const char *policy)
{
    char *path = mamori_path_join(t->dir, policy);
    json_t *root = NULL, *info = NULL;
    json_error_t jerr;
    FILE *f;
    char *data = NULL;
    size_t len = 0, cap = 0;

    if (path == NULL)
        return NULL;
    if ((f = fopen(path, "rb")) != NULL) {
        for (;;) {
            size_t n;
            if (len + 4096 > cap) {
                char *grown = realloc(data, cap + 65536);
                if (grown == NULL)
                    break;
                data = grown;
                cap += 65536;
            }
            n = fread(data + len, 1, cap - len, f);
            len += n;
            if (n == 0)
                break;
        }
        fclose(f);
    }
    if (data != NULL) {
        /* Policy files may start with a UTF-8 byte order mark. */
        size_t skip = (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
        root = json_loadb(data + skip, len - skip, 0, &jerr);
    }
    if (json_is_object(root))
        info = json_pack("{s:s, s:O?, s:O?, s:O?}", "path", path, "id", json_object_get(root, "id"), "version",
                         json_object_get(root, "version"), "title", json_object_get(root, "title"));
    else
        info = json_pack("{s:s, s:s}", "path", path, "error", "cannot be read");
    json_decref(root);
    free(data);
    free(path);
    return info;
}

json_t *mamori_status_tenants(const struct mamori_generation *gen)
{
    json_t *arr = json_array();

    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < gen->tenant_count; i++) {
        const struct mamori_tenant *t = &gen->tenants[i];
        json_t *chain = json_array(), *tj;

        if (chain == NULL)
            goto oom;
        for (size_t j = 0; j < t->chain_count; j++) {
            const struct mamori_chain_entry *e = &t->chain[j];
            const char *policy = mamori_option_get(&e->options, "policy");
            json_t *pj = json_pack("{s:s, s:s, s:s?, s:b}", "name", e->name, "path",
                                   e->handle.path ? e->handle.path : e->path, "version",
                                   e->handle.desc ? e->handle.desc->version : NULL, "loaded", e->handle.opened);
            if (pj == NULL || json_array_append_new(chain, pj) != 0) {
                json_decref(chain);
                goto oom;
            }
            if (policy != NULL && json_object_set_new(pj, "policy", policy_info(t, policy)) != 0) {
                json_decref(chain);
                goto oom;
            }
        }
        tj = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "id", t->id, "name", t->name, "connector",
                       t->connector_name, "language", t->language, "retention_days",
                       (json_int_t)mamori_retention_days(gen, t->id), "plugins", chain);
        if (tj == NULL || json_array_append_new(arr, tj) != 0)
            goto oom;
    }
    return arr;
oom:
    json_decref(arr);
    return NULL;
}

int mamori_status_publish(struct mamori_store *st, const struct mamori_generation *gen, pid_t supervisor,
                          time_t now, struct mamori_error *err)
{
    json_t *tenants = mamori_status_tenants(gen), *doc;
    char *text = NULL;
    int rc;

    doc = tenants ? json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:o}", "generation", (json_int_t)gen->number,
                              "loaded_at", (json_int_t)gen->loaded_at, "published_at", (json_int_t)now,
                              "supervisor_pid", (json_int_t)supervisor, "version", PACKAGE_VERSION, "config",
                              gen->settings.path ? gen->settings.path : "", "tenants", tenants)
                  : NULL;
    if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL) {
        json_decref(doc);
        return mamori_error_set(err, MAMORI_ENOMEM, "status: out of memory");
    }
    json_decref(doc);
    rc = mamori_meta_set(st, "daemon_status", text, err);
    free(text);
    return rc;
}

int mamori_status_read(struct mamori_store *st, json_t **out, struct mamori_error *err)
{
    json_error_t jerr;
    char *text = NULL;
    int rc;

    *out = NULL;
    rc = mamori_meta_get(st, "daemon_status", &text, err);
    if (rc == MAMORI_ENOTFOUND)
        return mamori_error_set(err, MAMORI_ENOTFOUND, "mamori-fcgi has not run on this store yet");
    if (rc != 0) {
        mamori_error_prefix(err, "status");
        return rc;
    }
    *out = json_loads(text, 0, &jerr);
    free(text);
    return *out ? MAMORI_OK : mamori_error_set(err, MAMORI_EINVAL, "status: stored description is not JSON");
}
