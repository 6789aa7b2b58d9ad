/*
 * status.h -- what the running daemon serves, for `mamori status`.
 *
 * The housekeeper of each generation publishes, once at its start, a JSON
 * description of that generation into the store's meta table (key
 * "daemon_status"): generation number, when it was loaded, the
 * supervisor's pid, and every tenant with its connector, retention and
 * plugin chain (plugin name and version; for plugins configured with a
 * `policy` file, that policy's id, version and title). The store is the one
 * place the daemon and the command both reach, under systemd's sandbox as
 * well; no socket or pid file is needed.
 */
#ifndef MAMORI_STATUS_H
#define MAMORI_STATUS_H

#include <jansson.h>
#include <sys/types.h>
#include <time.h>

#include "base/error.h"
#include "config/generation.h"
#include "store/store.h"

/* The tenants of gen as a JSON array (new reference), or NULL when out of
 * memory. Plugin versions are null when the chain was not loaded. */
json_t *mamori_status_tenants(const struct mamori_generation *gen);

/* Write the description of gen, served by supervisor pid, to the store. */
int mamori_status_publish(struct mamori_store *st, const struct mamori_generation *gen, pid_t supervisor,
                          time_t now, struct mamori_error *err);

/* The last published description (new reference), or MAMORI_ENOTFOUND
 * when the daemon never ran on this store. */
int mamori_status_read(struct mamori_store *st, json_t **out, struct mamori_error *err);

#endif
