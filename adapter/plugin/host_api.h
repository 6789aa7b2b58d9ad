/*
 * host_api.h -- the host side of the plugin ABI: the function table handed
 * to plugins, the request it operates on, and running a tenant's chain.
 */
#ifndef MAMORI_HOST_API_H
#define MAMORI_HOST_API_H

#include <stdint.h>
#include <time.h>

#include <mamori/plugin.h>

#include "plugin/annotation.h"
#include "plugin/ticket.h"

struct mamori_tenant;
struct mamori_store;

/* History lookup: the store and the key requester ids are hashed with, or a
 * fixed count (offline tools replaying labelled cases). */
struct mamori_history {
    struct mamori_store *store;        /* may be NULL */
    const unsigned char *identity_key;
    size_t identity_key_len;
    int64_t fixed_contacts;            /* >= 0: answer this for "contacts" */
};

/* The definition of the type plugins see as opaque. */
struct mamori_request {
    const struct mamori_tenant *tenant;
    const struct mamori_ticket *ticket;
    struct mamori_annotation *annotation;
    const struct mamori_history *history;
    const char *plugin_name;           /* the plugin being called, for logs */
    time_t now;
    int host_failed;                   /* an allocation in a host function failed */
};

/* Name the plugin that log lines without a request belong to (set around
 * open() and close()); NULL clears it. */
void mamori_host_set_context(const char *plugin_name);

/* The table given to every plugin. */
extern const struct mamori_host mamori_host_table;

/* Outcome of running a chain. */
struct mamori_chain_result {
    int plugins_run;
    int plugins_failed;
};

/* Run the tenant's chain in order over req. A plugin that fails is recorded
 * in annotation->plugin_errors and logged; the rest still run. Returns 0, or
 * MAMORI_ENOMEM if the host itself ran out of memory (the annotation is then
 * incomplete and must not be committed). on_plugin_error, if set, is called
 * with each failing plugin's name (metrics). */
int mamori_chain_run(const struct mamori_tenant *tenant, struct mamori_request *req,
                     struct mamori_chain_result *result, void (*on_plugin_error)(const char *plugin));

#endif
