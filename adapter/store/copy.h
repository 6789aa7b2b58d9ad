/*
 * copy.h -- moving an install from sqlite to PostgreSQL (`mamori store
 * copy`): every row of a sqlite store, read in one snapshot (the daemon
 * may keep serving from it), into an empty PostgreSQL store, in one
 * PostgreSQL transaction (all or nothing). The audit chain is copied
 * record for record, so its hashes and MACs verify unchanged afterwards.
 */
#ifndef MAMORI_STORE_COPY_H
#define MAMORI_STORE_COPY_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* The tables copied, in this order; rows per table in the report. */
#define MAMORI_COPY_TABLES 16
extern const char *const mamori_copy_table_names[MAMORI_COPY_TABLES];

struct mamori_copy_report {
    int64_t rows[MAMORI_COPY_TABLES];
};

/* Copy from (a sqlite store opened MAMORI_STORE_READONLY, at the sqlite
 * schema this build knows) into to (a PostgreSQL store, opened and so
 * migrated, with no events and no audit records yet). Both stay owned by
 * the caller. 0, MAMORI_EINVAL (wrong kind of store, schema, or a target
 * that is not empty: nothing written), or another error (the PostgreSQL
 * transaction rolled back). */
int mamori_store_copy(struct mamori_store *from, struct mamori_store *to, struct mamori_copy_report *report,
                      struct mamori_error *err);

#endif
