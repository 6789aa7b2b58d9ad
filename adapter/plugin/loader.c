/* loader.c -- see loader.h. */
#include "config.h"

#include "plugin/loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/trusted_file.h"
#include "plugin/host_api.h"

static char *resolve(const char *file, const char *plugin_dir)
{
    size_t len = strlen(file);
    char *withext, *full;

    if (strchr(file, '/') != NULL || (len > 3 && strcmp(file + len - 3, ".so") == 0))
        return mamori_path_join(plugin_dir, file);
    withext = malloc(len + 4);
    if (withext == NULL)
        return NULL;
    memcpy(withext, file, len);
    memcpy(withext + len, ".so", 4);
    full = mamori_path_join(plugin_dir, withext);
    free(withext);
    return full;
}

int mamori_plugin_load(struct mamori_plugin_handle *h, const char *name, const char *file, const char *plugin_dir,
                       struct mamori_error *err)
{
    mamori_plugin_entry_fn entry;
    const struct mamori_plugin *d;
    struct stat checked, loaded;
    void *sym;
    int rc, fd;

    memset(h, 0, sizeof *h);
    h->name = mamori_strdup(name);
    h->path = resolve(file, plugin_dir);
    if (h->name == NULL || h->path == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto fail;
    }
    /* Check the opened file (and that no directory above it is writable by
     * others, so nobody else can rename another file into its place), load
     * it by path, and make sure what was loaded is the file checked. Not
     * dlopen("/proc/self/fd/N"): the dynamic loader matches already loaded
     * objects by name, and a reused descriptor number would hand back an
     * earlier plugin. */
    if ((fd = mamori_trusted_open(h->path, "plugin", err)) < 0) {
        rc = fd;
        goto fail;
    }
    if (fstat(fd, &checked) != 0) {
        close(fd);
        rc = mamori_error_set(err, MAMORI_EIO, "plugin %s: %s", h->path, strerror(errno));
        goto fail;
    }
    dlerror();
    h->dl = dlopen(h->path, RTLD_NOW | RTLD_LOCAL);
    if (h->dl != NULL && (stat(h->path, &loaded) != 0 || loaded.st_dev != checked.st_dev ||
                          loaded.st_ino != checked.st_ino)) {
        close(fd);
        rc = mamori_error_set(err, MAMORI_EINVAL, "plugin %s: replaced while it was being loaded; refusing it",
                              h->path);
        goto fail;
    }
    close(fd);
    if (h->dl == NULL) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN, "plugin %s: dlopen failed: %s (check with: ldd %s)", h->path,
                              dlerror(), h->path);
        goto fail;
    }
    sym = dlsym(h->dl, MAMORI_PLUGIN_ENTRY_NAME);
    if (sym == NULL) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN,
                              "plugin %s: no entry symbol %s; is it a mamori plugin built against mamori/plugin.h?",
                              h->path, MAMORI_PLUGIN_ENTRY_NAME);
        goto fail;
    }
    /* POSIX guarantees function pointers round-trip through void *. */
    memcpy(&entry, &sym, sizeof entry);
    d = entry(MAMORI_PLUGIN_ABI_MAJOR, MAMORI_PLUGIN_ABI_MINOR);
    if (d == NULL) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN, "plugin %s: refused to work with host ABI %d.%d", h->path,
                              MAMORI_PLUGIN_ABI_MAJOR, MAMORI_PLUGIN_ABI_MINOR);
        goto fail;
    }
    if (d->abi_major != MAMORI_PLUGIN_ABI_MAJOR) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN,
                              "plugin %s: built for plugin ABI %u.%u, this host speaks ABI %d.x; rebuild the plugin",
                              h->path, d->abi_major, d->abi_minor, MAMORI_PLUGIN_ABI_MAJOR);
        goto fail;
    }
    if (d->abi_minor > MAMORI_PLUGIN_ABI_MINOR) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN,
                              "plugin %s: needs plugin ABI %u.%u, newer than this host's %d.%d; upgrade mamori",
                              h->path, d->abi_major, d->abi_minor, MAMORI_PLUGIN_ABI_MAJOR, MAMORI_PLUGIN_ABI_MINOR);
        goto fail;
    }
    if (d->struct_size < MAMORI_PLUGIN_V1_0_SIZE) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN, "plugin %s: descriptor is %u bytes, smaller than ABI 1.0's %zu",
                              h->path, d->struct_size, (size_t)MAMORI_PLUGIN_V1_0_SIZE);
        goto fail;
    }
    if (d->name == NULL || d->version == NULL || d->annotate == NULL) {
        rc = mamori_error_set(err, MAMORI_EPLUGIN, "plugin %s: descriptor lacks a name, version or annotate()",
                              h->path);
        goto fail;
    }
    h->desc = d;
    return MAMORI_OK;
fail:
    mamori_plugin_unload(h);
    return rc;
}

int mamori_plugin_accepts_option(const struct mamori_plugin_handle *h, const char *key)
{
    if (h->desc == NULL || h->desc->option_keys == NULL)
        return 0;
    for (const char *const *k = h->desc->option_keys; *k != NULL; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

int mamori_plugin_open(struct mamori_plugin_handle *h, const struct mamori_host *host,
                       const struct mamori_plugin_config *config, struct mamori_error *err)
{
    struct mamori_plugin_error perr;
    int rc;

    if (h->desc->open == NULL) {
        h->opened = 1;
        return MAMORI_OK;
    }
    memset(&perr, 0, sizeof perr);
    h->state = NULL;
    mamori_host_set_context(h->name);
    rc = h->desc->open(host, config, &h->state, &perr);
    mamori_host_set_context(NULL);
    if (rc != 0) {
        perr.message[sizeof perr.message - 1] = '\0';
        h->state = NULL;
        return mamori_error_set(err, MAMORI_EPLUGIN, "plugin %s (%s): open failed: %s", h->name, h->path,
                                perr.message[0] ? perr.message : "no reason given");
    }
    h->opened = 1;
    return MAMORI_OK;
}

void mamori_plugin_unload(struct mamori_plugin_handle *h)
{
    if (h->opened && h->desc && h->desc->close) {
        mamori_host_set_context(h->name);
        h->desc->close(h->state);
        mamori_host_set_context(NULL);
    }
    if (h->dl != NULL)
        dlclose(h->dl);
    free(h->name);
    free(h->path);
    memset(h, 0, sizeof *h);
}
