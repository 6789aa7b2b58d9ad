/* annotate.c -- see annotate.h. */
#include "config.h"

#include "ingest/annotate.h"

#include <string.h>

#include "ingest/history.h"
#include "plugin/host_api.h"

int mamori_ingest_annotate(const struct mamori_tenant *t, const struct mamori_ticket *ticket, struct mamori_store *store,
                           const unsigned char *identity_key, size_t identity_key_len, int64_t fixed_contacts,
                           time_t now, void (*on_plugin_error)(const char *plugin), struct mamori_annotation *a,
                           struct mamori_chain_result *chain)
{
    struct mamori_store_history source = {store, identity_key, identity_key_len};
    struct mamori_history hist;
    struct mamori_request req;

    mamori_history_from_store(&hist, &source);
    hist.fixed_contacts = fixed_contacts;
    memset(&req, 0, sizeof req);
    mamori_chain_request(&req, t);
    req.ticket = ticket;
    req.annotation = a;
    req.history = &hist;
    req.now = now;
    return mamori_chain_run(t, &req, chain, on_plugin_error);
}
