/* history.c -- see history.h. */
#include "config.h"

#include "ingest/history.h"

#include <string.h>

#include "base/error.h"

static int count_contacts(void *ctx, const char *tenant_id, const char *requester_id, time_t since, int64_t *out)
{
    const struct mamori_store_history *src = ctx;
    char hash[65];
    int rc;

    if (mamori_store_requester_hash(src->identity_key, src->identity_key_len, tenant_id, requester_id, hash) != 0)
        return MAMORI_EINVAL;
    rc = mamori_store_contact_count(src->store, tenant_id, hash, since, out, NULL);
    return rc == 0 ? MAMORI_OK : rc;
}

void mamori_history_from_store(struct mamori_history *h, struct mamori_store_history *src)
{
    memset(h, 0, sizeof *h);
    h->fixed_contacts = -1;
    if (src->store == NULL)
        return;
    h->count_contacts = count_contacts;
    h->ctx = src;
}
