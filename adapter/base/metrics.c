/* metrics.c -- see metrics.h. */
#include "config.h"

#include "base/metrics.h"

#include <string.h>
#include <sys/mman.h>

#include "base/error.h"

static const int statuses[] = {200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1) /* + "other" */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof buckets / sizeof buckets[0] + 1)    /* + Inf */

#define NAME_SLOTS 64
#define NAME_LEN 48

struct named_counter {
    uint32_t state;              /* 0 free, 1 being claimed, 2 ready */
    char name[NAME_LEN];
    uint64_t count;
};

struct metrics_shm {
    uint64_t requests[MAMORI_METRICS_ROUTE_SLOTS][NSTATUS];
    uint64_t latency[MAMORI_METRICS_ROUTE_SLOTS][NBUCKETS];
    uint64_t latency_sum_us[MAMORI_METRICS_ROUTE_SLOTS];
    struct named_counter categories[NAME_SLOTS];
    struct named_counter plugin_errors[NAME_SLOTS];
    struct named_counter events[8];
    struct named_counter deadlines[NAME_SLOTS];  /* by tenant */
    uint64_t worker_restarts;
    uint64_t reloads_ok, reloads_failed;
    uint64_t generation;
    uint64_t deliveries[MAMORI_DELIVERY_KINDS][MAMORI_DELIVERY_RESULTS];
    uint64_t poll_rounds[2]; /* failed, ok */
};

static struct metrics_shm *shm;

#define ADD(x, n) __atomic_fetch_add(&(x), (n), __ATOMIC_RELAXED)
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

int mamori_metrics_init(void)
{
    void *p;

    if (shm != NULL)
        return MAMORI_OK;
    p = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return MAMORI_ENOMEM;
    memset(p, 0, sizeof *shm);
    shm = p;
    return MAMORI_OK;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

static int route_ok(int slot)
{
    return slot >= 0 && slot < MAMORI_METRICS_ROUTE_SLOTS;
}

void mamori_metrics_request(int route, int status, double seconds)
{
    size_t b = 0;

    if (shm == NULL || !route_ok(route))
        return;
    ADD(shm->requests[route][status_index(status)], 1);
    while (b < NBUCKETS - 1 && seconds > buckets[b])
        b++;
    ADD(shm->latency[route][b], 1);
    ADD(shm->latency_sum_us[route], (uint64_t)(seconds * 1e6));
}

/* Find or claim the slot for name; NULL when the table is full. */
static struct named_counter *slot(struct named_counter *table, size_t n, const char *name)
{
    size_t len = strlen(name);

    if (len >= NAME_LEN)
        len = NAME_LEN - 1;
    for (size_t i = 0; i < n; i++) {
        struct named_counter *c = &table[i];
        uint32_t st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        if (st == 0) {
            uint32_t expect = 0;
            if (__atomic_compare_exchange_n(&c->state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                memcpy(c->name, name, len);
                c->name[len] = '\0';
                __atomic_store_n(&c->state, 2, __ATOMIC_RELEASE);
                return c;
            }
            st = expect;
        }
        while (st == 1)  /* another process is writing the name: a few instructions */
            st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
        if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
            return c;
    }
    return NULL;
}

static void bump(struct named_counter *table, size_t n, const char *name)
{
    struct named_counter *c;
    char clean[NAME_LEN];
    size_t i;

    if (shm == NULL)
        return;
    /* Label values must not break the exposition format. */
    for (i = 0; name[i] != '\0' && i + 1 < sizeof clean; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                 ch == '-' || ch == ':' || ch == '.';
        clean[i] = ok ? ch : '_';
    }
    clean[i] = '\0';
    c = slot(table, n, clean);
    if (c == NULL)
        c = slot(table, n, "_other");
    if (c != NULL)
        ADD(c->count, 1);
}

void mamori_metrics_annotation(const char *category) { bump(shm ? shm->categories : NULL, NAME_SLOTS - 1, category); }
void mamori_metrics_plugin_error(const char *plugin) { bump(shm ? shm->plugin_errors : NULL, NAME_SLOTS - 1, plugin); }
void mamori_metrics_event(const char *what) { bump(shm ? shm->events : NULL, 8, what); }

void mamori_metrics_worker_deadline(const char *tenant)
{
    bump(shm ? shm->deadlines : NULL, NAME_SLOTS - 1, tenant != NULL && tenant[0] != '\0' ? tenant : "_unknown");
}

void mamori_metrics_worker_restart(void)
{
    if (shm != NULL)
        ADD(shm->worker_restarts, 1);
}

void mamori_metrics_reload(int ok, unsigned long generation)
{
    if (shm == NULL)
        return;
    if (ok) {
        ADD(shm->reloads_ok, 1);
        __atomic_store_n(&shm->generation, (uint64_t)generation, __ATOMIC_RELAXED);
    } else {
        ADD(shm->reloads_failed, 1);
    }
}

void mamori_metrics_delivery(enum mamori_delivery_kind kind, enum mamori_delivery_result result)
{
    if (shm != NULL && kind >= 0 && kind < MAMORI_DELIVERY_KINDS && result >= 0 && result < MAMORI_DELIVERY_RESULTS)
        ADD(shm->deliveries[kind][result], 1);
}

void mamori_metrics_poll_round(int ok)
{
    if (shm != NULL)
        ADD(shm->poll_rounds[ok ? 1 : 0], 1);
}

static void render_named(struct mamori_buf *out, const char *metric, const char *label, struct named_counter *t,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (__atomic_load_n(&t[i].state, __ATOMIC_ACQUIRE) == 2)
            mamori_buf_printf(out, "%s{%s=\"%s\"} %llu\n", metric, label, t[i].name,
                              (unsigned long long)LOAD(t[i].count));
}

int mamori_metrics_render(struct mamori_buf *out, const struct mamori_metrics_gauges *g,
                          const struct mamori_metrics_route *routes, size_t nroutes)
{

    if (shm != NULL) {
        mamori_buf_puts(out, "# HELP mamori_http_requests_total HTTP requests answered, by route and status.\n"
                             "# TYPE mamori_http_requests_total counter\n");
        for (size_t r = 0; r < nroutes; r++)
            for (size_t s = 0; s < NSTATUS && route_ok(routes[r].slot); s++) {
                uint64_t v = LOAD(shm->requests[routes[r].slot][s]);
                if (v == 0)
                    continue;
                if (s < NSTATUS - 1)
                    mamori_buf_printf(out, "mamori_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                                      routes[r].name, statuses[s], (unsigned long long)v);
                else
                    mamori_buf_printf(out, "mamori_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                                      routes[r].name, (unsigned long long)v);
            }
        mamori_buf_puts(out, "# HELP mamori_http_request_duration_seconds Time from request to answer.\n"
                             "# TYPE mamori_http_request_duration_seconds histogram\n");
        for (size_t r = 0; r < nroutes; r++) {
            uint64_t cum = 0;
            if (!route_ok(routes[r].slot))
                continue;
            const char *name = routes[r].name;
            for (size_t b = 0; b < NBUCKETS; b++) {
                cum += LOAD(shm->latency[routes[r].slot][b]);
                if (b < NBUCKETS - 1)
                    mamori_buf_printf(out, "mamori_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                                      name, buckets[b], (unsigned long long)cum);
                else
                    mamori_buf_printf(out,
                                      "mamori_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                                      name, (unsigned long long)cum);
            }
            mamori_buf_printf(out, "mamori_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                              (double)LOAD(shm->latency_sum_us[routes[r].slot]) / 1e6);
            mamori_buf_printf(out, "mamori_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                              (unsigned long long)cum);
        }
        mamori_buf_puts(out, "# HELP mamori_annotations_total Annotations committed, by category.\n"
                             "# TYPE mamori_annotations_total counter\n");
        render_named(out, "mamori_annotations_total", "category", shm->categories, NAME_SLOTS);
        mamori_buf_puts(out, "# HELP mamori_plugin_errors_total Plugin annotate() failures, by plugin.\n"
                             "# TYPE mamori_plugin_errors_total counter\n");
        render_named(out, "mamori_plugin_errors_total", "plugin", shm->plugin_errors, NAME_SLOTS);
        mamori_buf_puts(out, "# HELP mamori_webhook_events_total Webhook outcomes (annotated, duplicate, ignored).\n"
                             "# TYPE mamori_webhook_events_total counter\n");
        render_named(out, "mamori_webhook_events_total", "outcome", shm->events, 8);
        mamori_buf_puts(out, "# HELP mamori_worker_deadlines_total Workers killed because their request ran past "
                             "[server] request_deadline, by the request's tenant.\n"
                             "# TYPE mamori_worker_deadlines_total counter\n");
        render_named(out, "mamori_worker_deadlines_total", "tenant", shm->deadlines, NAME_SLOTS);
        mamori_buf_printf(out, "# HELP mamori_worker_restarts_total Worker processes replaced after dying.\n"
                               "# TYPE mamori_worker_restarts_total counter\nmamori_worker_restarts_total %llu\n",
                          (unsigned long long)LOAD(shm->worker_restarts));
        mamori_buf_printf(out, "# HELP mamori_reloads_total Configuration reloads, by result.\n"
                               "# TYPE mamori_reloads_total counter\n"
                               "mamori_reloads_total{result=\"ok\"} %llu\nmamori_reloads_total{result=\"failed\"} %llu\n",
                          (unsigned long long)LOAD(shm->reloads_ok), (unsigned long long)LOAD(shm->reloads_failed));
        {
            static const char *const kinds[] = {"note", "escalation"}, *const results[] = {"delivered", "retry", "dead"};
            mamori_buf_puts(out, "# HELP mamori_deliveries_total Outbox delivery attempts (notes written back, "
                                 "escalation messages sent), by outcome.\n"
                                 "# TYPE mamori_deliveries_total counter\n");
            for (size_t k = 0; k < MAMORI_DELIVERY_KINDS; k++)
                for (size_t r = 0; r < MAMORI_DELIVERY_RESULTS; r++)
                    mamori_buf_printf(out, "mamori_deliveries_total{kind=\"%s\",result=\"%s\"} %llu\n", kinds[k],
                                      results[r], (unsigned long long)LOAD(shm->deliveries[k][r]));
        }
        mamori_buf_printf(out, "# HELP mamori_poll_rounds_total Polling rounds of helpdesks without webhooks, by "
                               "result.\n# TYPE mamori_poll_rounds_total counter\n"
                               "mamori_poll_rounds_total{result=\"ok\"} %llu\nmamori_poll_rounds_total{result=\"failed\"} "
                               "%llu\n",
                          (unsigned long long)LOAD(shm->poll_rounds[1]), (unsigned long long)LOAD(shm->poll_rounds[0]));
        mamori_buf_printf(out, "# HELP mamori_generation The configuration generation being served.\n"
                               "# TYPE mamori_generation gauge\nmamori_generation %llu\n",
                          (unsigned long long)LOAD(shm->generation));
    }
    if (g != NULL) {
        mamori_buf_printf(out, "# HELP mamori_outbox_depth Outbox jobs by state.\n# TYPE mamori_outbox_depth gauge\n"
                               "mamori_outbox_depth{state=\"pending\"} %lld\nmamori_outbox_depth{state=\"dead\"} %lld\n",
                          (long long)g->outbox_pending, (long long)g->outbox_dead);
        mamori_buf_printf(out, "# HELP mamori_store_up Whether the store answered this scrape.\n"
                               "# TYPE mamori_store_up gauge\nmamori_store_up %d\n",
                          g->store_ok ? 1 : 0);
    }
    return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
}
