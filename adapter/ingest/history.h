/*
 * history.h -- the "contacts" counter plugins ask for, counted in the store:
 * a requester's earlier contacts, found by the keyed hash of their id (the
 * id itself is never stored).
 */
#ifndef MAMORI_INGEST_HISTORY_H
#define MAMORI_INGEST_HISTORY_H

#include <stddef.h>

#include "plugin/host_api.h"
#include "store/store.h"

/* What the lookup needs; must outlive every request that uses it. */
struct mamori_store_history {
    struct mamori_store *store;
    const unsigned char *identity_key;
    size_t identity_key_len;
};

/* Point h at the store: h->count_contacts counts in src->store. */
void mamori_history_from_store(struct mamori_history *h, struct mamori_store_history *src);

#endif
