/*
 * loader.h -- find, check, dlopen and open one plugin.
 *
 * Before dlopen the file must be a regular file owned by root or by the
 * user mamori runs as, and not writable by group or others. After dlopen the
 * entry symbol must exist and return a descriptor of ABI major
 * MAMORI_PLUGIN_ABI_MAJOR and a minor no newer than the host's. Each refusal
 * is one clear error (and one log line, by the caller).
 */
#ifndef MAMORI_PLUGIN_LOADER_H
#define MAMORI_PLUGIN_LOADER_H

#include <mamori/plugin.h>

#include "base/error.h"

struct mamori_plugin_handle {
    char *name;                       /* the chain entry's name ([plugin NAME]) */
    char *path;                       /* resolved file */
    void *dl;                         /* dlopen handle */
    const struct mamori_plugin *desc; /* from the entry point; borrowed from the .so */
    void *state;                      /* from open() */
    int opened;
};

/* Resolve `file` against plugin_dir (bare names get ".so" appended when
 * missing), check it and dlopen it. On success h->desc is set. On failure
 * h is left unloaded. */
int mamori_plugin_load(struct mamori_plugin_handle *h, const char *name, const char *file, const char *plugin_dir,
                       struct mamori_error *err);

/* Whether key is one of the descriptor's option_keys. */
int mamori_plugin_accepts_option(const struct mamori_plugin_handle *h, const char *key);

/* Call the plugin's open(). */
int mamori_plugin_open(struct mamori_plugin_handle *h, const struct mamori_host *host,
                       const struct mamori_plugin_config *config, struct mamori_error *err);

/* close() if opened, dlclose, free. Safe on a zeroed handle. */
void mamori_plugin_unload(struct mamori_plugin_handle *h);

#endif
