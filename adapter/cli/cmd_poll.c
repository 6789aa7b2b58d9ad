/*
 * cli/cmd_poll.c -- `mamori poll [--tenant ID]`: one polling round now,
 * for the helpdesks that are polled instead of sending webhooks (Redmine
 * with [helpdesk] poll_interval). The same step mamori-fcgi's poller runs
 * (poller.h), with what it found printed; for an admin asking "why was
 * this issue not annotated yet?". Safe while mamori-fcgi runs: the cursor
 * and dedupe are in the store, so the two never annotate an event twice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "config/generation.h"
#include "config/tenant.h"
#include "daemon/poller.h"

int mamori_cmd_poll(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_generation *g = NULL;
    struct mamori_ingest ing = {NULL, NULL, NULL, NULL, NULL};
    struct mamori_error err;
    const char *only = NULL;
    int rc = 1, polled = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(mamori_cli_is_help(argv[i]) ? stdout : stderr,
                    "Usage: mamori [-c CONFIG] poll [--tenant ID]\n"
                    "Run one polling round now for every polled tenant (Redmine with [helpdesk]\n"
                    "poll_interval), or only ID: list the issues changed since the stored cursor,\n"
                    "annotate their new events and write the notes back through the outbox, as\n"
                    "mamori-fcgi's poller does every poll_interval seconds. Prints what each tenant's\n"
                    "round found. Safe while mamori-fcgi runs. Exit 0, or 1 when a round failed.\n");
            return mamori_cli_is_help(argv[i]) ? 0 : 2;
        }
    }
    /* Plugins and secrets too: the round annotates and authenticates. */
    if (mamori_generation_load(&g, cli->config_path, 0, 0, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    if (only != NULL && mamori_generation_tenant(g, only) == NULL) {
        fprintf(stderr, "mamori: no tenant \"%s\" in %s\n", only, cli->config_path);
        mamori_generation_free(g);
        return 1;
    }
    ing.gen = g;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "mamori: libcurl failed to initialise\n");
        mamori_generation_free(g);
        return 1;
    }
    if (mamori_store_open(&ing.store, g->settings.store_path, g->settings.sync_mode, g->settings.busy_timeout_ms, 0,
                          &err) != 0 ||
        mamori_store_set_audit_key(ing.store, g->audit_key.data, g->audit_key.len) != 0) {
        fprintf(stderr, "mamori: %s\n", ing.store ? "out of memory" : err.message);
        goto out;
    }
    for (size_t i = 0; i < g->tenant_count; i++) {
        const struct mamori_tenant *t = &g->tenants[i];
        struct mamori_poll_report r;

        if (only != NULL && strcmp(t->id, only) != 0)
            continue;
        if (!mamori_poller_polled(t)) {
            if (only != NULL)
                printf("tenant %s: not polled (only the redmine connector with [helpdesk] url and poll_interval "
                       "is)\n", t->id);
            continue;
        }
        polled++;
        if (mamori_poller_poll_tenant(&ing, t, &r) != 0) {
            failed++;
            printf("tenant %s: FAILED after %ld issues: %s; %ld events annotated, cursor %s (the next round "
                   "starts there)\n",
                   t->id, r.issues, r.err.message, r.annotated, r.cursor);
            continue;
        }
        printf("tenant %s: %ld issues changed, %ld events annotated, %ld seen before or ignored; cursor %s%s\n", t->id,
               r.issues, r.annotated, r.skipped, r.cursor,
               r.first ? " (first round: only changes from now on are polled)" : "");
    }
    if (polled == 0 && only == NULL)
        printf("no tenant is polled (only the redmine connector with [helpdesk] url and poll_interval is)\n");
    rc = failed ? 1 : 0;
out:
    mamori_store_close(ing.store);
    curl_global_cleanup();
    mamori_generation_free(g);
    return rc;
}
