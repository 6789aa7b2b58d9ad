/*
 * annotate.h -- the plugin chain alone over a ticket, nothing recorded:
 * POST /v1/annotate, and the offline tools (`mamori annotate`, `mamori
 * policy test`), so what a lawyer tests is what production runs.
 */
#ifndef MAMORI_INGEST_ANNOTATE_H
#define MAMORI_INGEST_ANNOTATE_H

#include <stdint.h>
#include <time.h>

#include "config/tenant.h"
#include "ingest/chain.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/store.h"

/* Run the tenant's chain over ticket into a (initialised by the caller).
 * Contacts are counted in store (may be NULL: none), or fixed_contacts when
 * it is >= 0 (labelled cases carry their own count). on_plugin_error: as
 * for mamori_chain_run (may be NULL). Returns 0 or MAMORI_ENOMEM. */
int mamori_ingest_annotate(const struct mamori_tenant *t, const struct mamori_ticket *ticket, struct mamori_store *store,
                           const unsigned char *identity_key, size_t identity_key_len, int64_t fixed_contacts,
                           time_t now, void (*on_plugin_error)(const char *plugin), struct mamori_annotation *a,
                           struct mamori_chain_result *chain);

#endif
