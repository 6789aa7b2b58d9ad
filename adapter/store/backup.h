/*
 * backup.h -- an online copy of the store with sqlite's backup API.
 *
 * The copy is taken while mamori-fcgi keeps serving: the backup API copies
 * pages in small steps and restarts by itself when a writer changes a page
 * it already copied, so the result is one consistent snapshot. Steps are
 * short and sleep in between so webhooks keep their write lock latency.
 * The copy is written next to the destination, checked (quick_check and
 * the schema version), synced, and only then renamed over it: a failed
 * backup never leaves a half-written file under the name asked for.
 */
#ifndef MAMORI_BACKUP_H
#define MAMORI_BACKUP_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

struct mamori_backup_report {
    int64_t pages;       /* pages in the copy */
    int64_t bytes;       /* its size */
    int restarts;        /* times the copy restarted because the store changed (approximate) */
};

/* Copy st into dest (mode 0600). An existing dest is replaced only when
 * overwrite is set. */
int mamori_backup_store(struct mamori_store *st, const char *dest, int overwrite,
                        struct mamori_backup_report *report, struct mamori_error *err);

#endif
