/*
 * cli/cmd_quarantine.c -- `mamori quarantine list|release`: tickets whose
 * requests ran past [server] request_deadline (their worker was killed),
 * and lifting the quarantine of one.
 *
 *   mamori quarantine list [--all]
 *   mamori quarantine release TENANT TICKET
 *
 * A ticket with [server] quarantine_strikes strikes is answered without
 * running the plugins; list shows those (--all: every ticket with a
 * strike). Release forgets the ticket's strikes, so its next webhook runs
 * the plugins again; it is an audit record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "store/audit.h"
#include "store/strikes.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori quarantine list [--all]\n"
                 "       mamori quarantine release TENANT TICKET\n"
                 "A ticket whose requests ran past [server] request_deadline [server] quarantine_strikes times\n"
                 "is answered without its plugins until released here. --all also lists tickets with fewer\n"
                 "strikes.\n");
}

struct list_ctx {
    long threshold;
    int count;
};

static int print_row(void *ctx, const char *tenant, const char *ticket, int64_t strikes, const char *last_event,
                     time_t last_at)
{
    struct list_ctx *c = ctx;
    char when[32];

    mamori_cli_format_time((long long)last_at, when, sizeof when);
    if (c->count == 0)
        printf("%-12s %-16s %-12s %-7s %-20s %s\n", "TENANT", "TICKET", "STATE", "STRIKES", "LAST", "LAST EVENT");
    printf("%-12s %-16s %-12s %-7lld %-20s %s\n", tenant, ticket,
           c->threshold > 0 && strikes >= c->threshold ? "quarantined" : "strikes", (long long)strikes, when,
           last_event);
    c->count++;
    return 0;
}

static int cmd_list(const struct mamori_cli *cli, int all)
{
    struct mamori_settings s;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    struct list_ctx c = {0, 0};
    int rc;

    if (mamori_cli_settings(cli, &s) != 0)
        return 1;
    c.threshold = s.quarantine_strikes;
    mamori_settings_free(&s);
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    /* quarantine_strikes = 0 quarantines nothing: list only with --all. */
    rc = (all || c.threshold > 0) ? mamori_strikes_each(st, all ? 1 : c.threshold, print_row, &c, &err) : 0;
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else if (c.count == 0)
        printf("no %s tickets\n", all ? "struck" : "quarantined");
    mamori_store_close(st);
    return rc != 0;
}

static int cmd_release(const struct mamori_cli *cli, const char *tenant, const char *ticket)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    json_t *data;
    char *text = NULL, who[64];
    time_t now = time(NULL);
    int rc;

    if (mamori_cli_open_store(cli, 0, &st) != 0)
        return 1;
    snprintf(who, sizeof who, "uid %ld", (long)getuid());
    data = json_pack("{s:s, s:s}", "ticket_id", ticket, "by", who);
    text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    rc = text ? mamori_store_begin(st, &err) : mamori_error_set(&err, MAMORI_ENOMEM, "out of memory");
    if (rc == 0) {
        rc = mamori_strikes_release(st, tenant, ticket, &err);
        if (rc == 0)
            rc = mamori_audit_append(st, tenant, "quarantine_released", ticket, text, now, &err);
        rc = rc == 0 ? mamori_store_commit(st, &err) : (mamori_store_rollback(st), rc);
    }
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else
        printf("released: ticket %s of tenant %s runs the plugins again\n", ticket, tenant);
    free(text);
    json_decref(data);
    mamori_store_close(st);
    return rc != 0;
}

int mamori_cmd_quarantine(const struct mamori_cli *cli, int argc, char **argv)
{
    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "list") == 0 && argc <= 3) {
        if (argc == 3 && strcmp(argv[2], "--all") != 0) {
            usage(stderr);
            return 2;
        }
        return cmd_list(cli, argc == 3);
    }
    if (strcmp(argv[1], "release") == 0 && argc == 4)
        return cmd_release(cli, argv[2], argv[3]);
    usage(stderr);
    return 2;
}
