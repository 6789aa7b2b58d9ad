/* generation.c -- see generation.h. */
#include "config.h"

#include "config/generation.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/signature.h"
#include "base/strv.h"
#include "base/trusted_file.h"
#include "plugin/host_api.h"

int mamori_identity_key_load(struct mamori_secret *out, const char *path, int create, struct mamori_error *err)
{
    return mamori_key_file_load(out, path, create, "identity key",
                                "keep it with backups: requester history is keyed by it", err);
}

int mamori_audit_key_load(struct mamori_secret *out, const char *path, int create, struct mamori_error *err)
{
    return mamori_key_file_load(out, path, create, "audit key",
                                "keep it apart from the store's backups: the audit chain is keyed by it, and "
                                "`mamori audit verify` needs it", err);
}

int mamori_key_file_load(struct mamori_secret *out, const char *path, int create, const char *what, const char *why,
                         struct mamori_error *err)
{
    struct mamori_secret_ref ref = {(char *)path, NULL, 0};
    char hex[65];
    int fd;

    if (access(path, F_OK) != 0 && errno == ENOENT && create) {
        if (mamori_random_hex(hex, 32) != 0)
            return mamori_error_set(err, MAMORI_EIO, "cannot get random bytes for the %s", what);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return mamori_error_set(err, MAMORI_EIO, "cannot create %s %s: %s", what, path, strerror(errno));
        if (fd >= 0) {
            hex[64] = '\n';
            if (write(fd, hex, 65) != 65 || fsync(fd) != 0) {
                close(fd);
                unlink(path);
                return mamori_error_set(err, MAMORI_EIO, "cannot write %s %s", what, path);
            }
            close(fd);
            mamori_log_notice("key_created", "created %s %s (%s)", what, path, why);
        }
    }
    return mamori_secret_load(out, &ref, what, err);
}

static int conf_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

int mamori_generation_load(struct mamori_generation **out, const char *config_path, unsigned long number,
                           int flags, struct mamori_error *err)
{
    struct mamori_generation *g;
    struct dirent **names = NULL;
    int n = 0, rc;

    *out = NULL;
    g = calloc(1, sizeof *g);
    if (g == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    g->number = number;
    g->loaded_at = time(NULL);
    if ((rc = mamori_settings_load(&g->settings, config_path, err)) != 0)
        goto fail;

    /* A directory others can write to could gain a tenant of theirs. */
    {
        int dfd = mamori_trusted_opendir(g->settings.tenant_dir, "tenant directory", err);
        if (dfd < 0) {
            rc = dfd;
            goto fail;
        }
        close(dfd);
    }
    n = scandir(g->settings.tenant_dir, &names, conf_filter, alphasort);
    if (n < 0) {
        rc = mamori_error_set(err, MAMORI_EIO, "cannot read tenant directory %s: %s", g->settings.tenant_dir,
                              strerror(errno));
        n = 0;
        goto fail;
    }
    if (n > 0 && (g->tenants = calloc((size_t)n, sizeof *g->tenants)) == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        char *path = mamori_path_join(g->settings.tenant_dir, names[i]->d_name);
        if (path == NULL) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            goto fail;
        }
        g->tenant_count++;
        rc = mamori_tenant_read(&g->tenants[i], path, &g->settings, err);
        free(path);
        if (rc != 0)
            goto fail;
    }
    if (g->tenant_count == 0)
        mamori_log_warn("no_tenants", "no tenants configured in %s: every webhook will get 404",
                        g->settings.tenant_dir);

    if (!(flags & MAMORI_GEN_NO_PLUGINS)) {
        if ((flags & MAMORI_GEN_CHECK) && access(g->settings.identity_key_file, F_OK) != 0) {
            /* First start: the daemon creates the key; check it can. */
            char *dir = mamori_strdup(g->settings.identity_key_file), *slash = dir ? strrchr(dir, '/') : NULL;
            if (slash != NULL)
                *slash = '\0';
            rc = (dir == NULL || access(slash ? (dir[0] ? dir : "/") : ".", W_OK) != 0)
                     ? mamori_error_set(err, MAMORI_EIO, "identity key %s does not exist and its directory is not "
                                        "writable", g->settings.identity_key_file)
                     : 0;
            free(dir);
            if (rc != 0)
                goto fail;
        } else if ((rc = mamori_identity_key_load(&g->identity_key, g->settings.identity_key_file,
                                                  flags & MAMORI_GEN_CREATE_KEY, err)) != 0) {
            goto fail;
        }
        /* The audit chain's key, created with the identity key; --check-config
         * accepts it missing (the daemon creates it). */
        if (!((flags & MAMORI_GEN_CHECK) && access(g->settings.audit_key_file, F_OK) != 0) &&
            (rc = mamori_audit_key_load(&g->audit_key, g->settings.audit_key_file, flags & MAMORI_GEN_CREATE_KEY,
                                        err)) != 0)
            goto fail;
        if (mamori_secret_ref_set(&g->settings.training_key_ref) &&
            (rc = mamori_secret_load(&g->training_key, &g->settings.training_key_ref, "training key", err)) != 0) {
            mamori_error_prefix(err, "%s:%d", g->settings.path, g->settings.training_key_ref.line);
            goto fail;
        }
        if (mamori_secret_ref_set(&g->settings.report_token_ref) &&
            (rc = mamori_secret_load(&g->report_token, &g->settings.report_token_ref, "report token", err)) != 0) {
            mamori_error_prefix(err, "%s:%d", g->settings.path, g->settings.report_token_ref.line);
            goto fail;
        }
        if (mamori_secret_ref_set(&g->settings.health_token_ref) &&
            (rc = mamori_secret_load(&g->health_token, &g->settings.health_token_ref, "health token", err)) != 0) {
            mamori_error_prefix(err, "%s:%d", g->settings.path, g->settings.health_token_ref.line);
            goto fail;
        }
        for (size_t i = 0; i < g->tenant_count; i++) {
            struct mamori_tenant *t = &g->tenants[i];
            rc = (flags & MAMORI_GEN_DEFER_OPEN) ? mamori_tenant_prepare(t, &g->settings, err)
                                                 : mamori_tenant_activate(t, &g->settings, &mamori_host_table, err);
            if (rc == 0)
                continue;
            if (!(flags & MAMORI_GEN_DEGRADED_OK) || rc == MAMORI_ENOMEM)
                goto fail;
            if ((rc = mamori_generation_tenant_failed(t, err->message, err)) != 0)
                goto fail;
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    *out = g;
    return MAMORI_OK;
fail:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    mamori_generation_free(g);
    return rc;
}

int mamori_generation_tenant_failed(struct mamori_tenant *t, const char *why, struct mamori_error *err)
{
    /* One company's broken policy or missing secret must not take the
     * others down at start: this tenant answers 503 (its helpdesk
     * retries) and /healthz says why until a reload fixes it. */
    free(t->failure);
    t->failure = mamori_strdup(why);
    if (t->failure == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    mamori_log_err("tenant_failed", "tenant %s is not served until it is fixed and mamori reloaded: %s", t->id,
                   t->failure);
    return MAMORI_OK;
}

int mamori_generation_open_plugins(struct mamori_generation *g, int degraded_ok,
                                   void (*before_open)(void *ctx, const struct mamori_tenant *t, const char *plugin),
                                   void *ctx, struct mamori_error *err)
{
    for (size_t i = 0; i < g->tenant_count; i++) {
        struct mamori_tenant *t = &g->tenants[i];
        int rc;

        if (t->failure != NULL)
            continue;
        if ((rc = mamori_tenant_open_plugins(t, &mamori_host_table, before_open, ctx, err)) == 0)
            continue;
        if (!degraded_ok || rc == MAMORI_ENOMEM)
            return rc;
        if ((rc = mamori_generation_tenant_failed(t, err->message, err)) != 0)
            return rc;
    }
    return MAMORI_OK;
}

size_t mamori_generation_failed_tenants(const struct mamori_generation *g)
{
    size_t n = 0;

    for (size_t i = 0; i < g->tenant_count; i++)
        n += g->tenants[i].failure != NULL;
    return n;
}

const struct mamori_tenant *mamori_generation_tenant(const struct mamori_generation *g, const char *id)
{
    for (size_t i = 0; i < g->tenant_count; i++)
        if (strcmp(id, g->tenants[i].id) == 0)
            return &g->tenants[i];
    return NULL;
}

void mamori_generation_free(struct mamori_generation *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->tenant_count; i++)
        mamori_tenant_free(&g->tenants[i]);
    free(g->tenants);
    mamori_secret_free(&g->identity_key);
    mamori_secret_free(&g->audit_key);
    mamori_secret_free(&g->health_token);
    mamori_secret_free(&g->training_key);
    mamori_secret_free(&g->report_token);
    mamori_settings_free(&g->settings);
    free(g);
}
