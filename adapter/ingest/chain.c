/* chain.c -- see chain.h. */
#include "config.h"

#include "ingest/chain.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/strv.h"

void mamori_chain_request(struct mamori_request *req, const struct mamori_tenant *tenant)
{
    req->tenant_id = tenant->id;
    req->company = tenant->name;
}

int mamori_chain_run(const struct mamori_tenant *tenant, struct mamori_request *req,
                     struct mamori_chain_result *result, void (*on_plugin_error)(const char *plugin))
{
    memset(result, 0, sizeof *result);
    for (size_t i = 0; i < tenant->chain_count; i++) {
        const struct mamori_plugin_handle *h = &tenant->chain[i].handle;
        struct mamori_plugin_error perr;
        char line[600];
        int rc;

        memset(&perr, 0, sizeof perr);
        req->plugin_name = h->desc->name;
        rc = mamori_annotation_add_source(req->annotation, "plugin", h->desc->name, h->desc->version);
        if (rc != 0)
            return MAMORI_ENOMEM;
        rc = h->desc->annotate(h->state, &mamori_host_table, req, &perr);
        result->plugins_run++;
        if (req->host_failed)
            return MAMORI_ENOMEM;
        if (rc != 0) {
            perr.message[sizeof perr.message - 1] = '\0';
            result->plugins_failed++;
            mamori_log_err("plugin_error", "plugin %s failed (%d): %s", h->desc->name, rc,
                           perr.message[0] ? perr.message : "no reason given");
            snprintf(line, sizeof line, "%s: %s", h->desc->name, perr.message[0] ? perr.message : "failed");
            if (mamori_strv_push(&req->annotation->plugin_errors, line, (size_t)-1) != 0)
                return MAMORI_ENOMEM;
            if (on_plugin_error)
                on_plugin_error(h->desc->name);
        }
    }
    req->plugin_name = NULL;
    return MAMORI_OK;
}
