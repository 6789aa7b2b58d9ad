/*
 * metrics.h -- counters shared by every process of one mamori-fcgi, kept
 * in an anonymous shared mapping the supervisor creates before it forks,
 * updated with atomic adds, rendered in the Prometheus text format by
 * whichever worker answers GET /metrics. They survive reloads (SIGHUP) and
 * worker restarts; they reset when the supervisor restarts.
 */
#ifndef MAMORI_METRICS_H
#define MAMORI_METRICS_H

#include <stdint.h>

#include "base/buf.h"

/* Create the shared mapping (supervisor, before fork). 0 or MAMORI_ENOMEM.
 * Without it (tools, tests) every call below is a no-op. */
int mamori_metrics_init(void);

/* HTTP requests are counted by route slot; the HTTP layer owns the routes
 * and names them when it renders (mamori_metrics_render), so this layer
 * knows nothing of URLs. Slots outside [0, MAMORI_METRICS_ROUTE_SLOTS) are
 * ignored. */
#define MAMORI_METRICS_ROUTE_SLOTS 8
struct mamori_metrics_route {
    int slot;
    const char *name;   /* the Prometheus "route" label */
};
void mamori_metrics_request(int route_slot, int status, double seconds);
void mamori_metrics_annotation(const char *category);
void mamori_metrics_plugin_error(const char *plugin);
void mamori_metrics_worker_restart(void);
/* A worker killed by the supervisor because its request ran past [server]
 * request_deadline, by the tenant of that request ("_unknown" before routing). */
void mamori_metrics_worker_deadline(const char *tenant);
void mamori_metrics_event(const char *what);  /* "duplicate", "ignored", "annotated" */
void mamori_metrics_reload(int ok, unsigned long generation);

/* Outbox deliveries (deliverer): a note written back to the helpdesk or an
 * escalation message sent, by outcome of the attempt. */
enum mamori_delivery_kind { MAMORI_DELIVERY_NOTE = 0, MAMORI_DELIVERY_ESCALATION, MAMORI_DELIVERY_KINDS };
enum mamori_delivery_result {
    MAMORI_DELIVERY_DONE = 0,   /* delivered */
    MAMORI_DELIVERY_RETRY,      /* failed, retried later */
    MAMORI_DELIVERY_DEAD,       /* failed for good: dead letter */
    MAMORI_DELIVERY_RESULTS
};
void mamori_metrics_delivery(enum mamori_delivery_kind kind, enum mamori_delivery_result result);

/* One polling round of a polled helpdesk (poller.c), by whether it succeeded. */
void mamori_metrics_poll_round(int ok);

/* Values only the caller knows at scrape time. */
struct mamori_metrics_gauges {
    int64_t outbox_pending;
    int64_t outbox_dead;
    int store_ok;
};

/* Append the whole exposition to out. */
int mamori_metrics_render(struct mamori_buf *out, const struct mamori_metrics_gauges *g,
                          const struct mamori_metrics_route *routes, size_t nroutes);

#endif
