/*
 * chain.h -- running a tenant's plugin chain over one request, in order.
 */
#ifndef MAMORI_INGEST_CHAIN_H
#define MAMORI_INGEST_CHAIN_H

#include "config/tenant.h"
#include "plugin/host_api.h"

/* Outcome of running a chain. */
struct mamori_chain_result {
    int plugins_run;
    int plugins_failed;
};

/* Fill the tenant's part of req (tenant_id, company) for a chain run. */
void mamori_chain_request(struct mamori_request *req, const struct mamori_tenant *tenant);

/* Run the tenant's chain in order over req. A plugin that fails is recorded
 * in annotation->plugin_errors and logged; the rest still run. Returns 0, or
 * MAMORI_ENOMEM if the host itself ran out of memory (the annotation is then
 * incomplete and must not be committed). on_plugin_error, if set, is called
 * with each failing plugin's name (metrics). */
int mamori_chain_run(const struct mamori_tenant *tenant, struct mamori_request *req,
                     struct mamori_chain_result *result, void (*on_plugin_error)(const char *plugin));

#endif
