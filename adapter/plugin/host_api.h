/*
 * host_api.h -- the host side of the plugin ABI: the function table handed
 * to plugins and the request it operates on. Running a tenant's chain is
 * the ingest pipeline's (ingest/chain.h); this layer knows neither tenants
 * nor the store.
 */
#ifndef MAMORI_HOST_API_H
#define MAMORI_HOST_API_H

#include <stdint.h>
#include <time.h>

#include <mamori/plugin.h>

#include "plugin/annotation.h"
#include "plugin/ticket.h"

/* History lookup for the "contacts" counter: a fixed count (offline tools
 * replaying labelled cases), or a callback that counts this requester's
 * earlier contacts since a time (ingest/history.h counts them in the store).
 * Neither: every ticket is the requester's only contact. */
struct mamori_history {
    int64_t fixed_contacts;            /* >= 0: answer this for "contacts" */
    /* Earlier contacts of requester_id with tenant_id since `since`, into
     * *out; 0 or a negative MAMORI_E* error. */
    int (*count_contacts)(void *ctx, const char *tenant_id, const char *requester_id, time_t since, int64_t *out);
    void *ctx;
};

/* The definition of the type plugins see as opaque. */
struct mamori_request {
    const char *tenant_id;             /* for the history lookup; may be NULL */
    const char *company;               /* the tenant's display name (MAMORI_FIELD_COMPANY); may be NULL */
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

#endif
