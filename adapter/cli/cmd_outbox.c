/*
 * cli/cmd_outbox.c -- `mamori outbox list|show|retry|drop`: the admin's
 * view of write-back jobs (the deliverer's queue and its dead letters).
 *
 *   mamori outbox list [--state pending|dead|done|all] [--limit N] [--json]
 *                                  (--json: JSON Lines, one object a job)
 *   mamori outbox show ID          (the job, its progress and last error;
 *                                   the payload with the ticket text only
 *                                   with --payload)
 *   mamori outbox retry ID... | --all-dead
 *   mamori outbox drop ID...
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "store/outbox.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori outbox list [--state pending|dead|done|all] [--limit N] [--json]\n"
                 "       mamori outbox show [--payload] ID\n"
                 "       mamori outbox retry ID... | --all-dead\n"
                 "       mamori outbox drop ID...\n"
                 "Inspect and repair the write-back queue. `retry` makes a dead (or waiting) job due now\n"
                 "with its attempts reset; `drop` deletes a job for good.\n"
                 "`list` shows pending and dead jobs unless --state says otherwise; with --json it writes\n"
                 "JSON Lines: one JSON object per job and line, no array around them, nothing when\n"
                 "there are none (read it with e.g. `jq -s` or line by line).\n");
}

static const char *ticket_of(const struct mamori_outbox_job *j, json_t **keep)
{
    *keep = json_loads(j->payload, 0, NULL);
    return json_string_value(json_object_get(json_object_get(*keep, "ticket"), "ticket_id"));
}

struct list_ctx {
    int as_json;
    int count;
};

static int print_row(void *ctx, const struct mamori_outbox_job *j)
{
    struct list_ctx *c = ctx;
    char next[32], created[32];
    json_t *payload;
    const char *ticket = ticket_of(j, &payload);

    mamori_cli_format_time(j->next_attempt_at, next, sizeof next);
    mamori_cli_format_time(j->created_at, created, sizeof created);
    if (c->as_json) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:I, s:s, s:s, s:s?}", "id", (json_int_t)j->id, "tenant",
                              j->tenant, "connector", j->connector, "kind", j->kind, "ticket_id", ticket, "state",
                              j->state, "attempts", (json_int_t)j->attempts, "created_at", created, "next_attempt_at",
                              next, "last_error", j->last_error);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        if (c->count == 0)
            printf("%-6s %-10s %-10s %-8s %-14s %-4s %-20s %s\n", "ID", "TENANT", "CONNECTOR", "STATE", "TICKET", "TRY",
                   "NEXT", "LAST ERROR");
        printf("%-6lld %-10s %-10s %-8s %-14s %-4ld %-20s %s\n", (long long)j->id, j->tenant, j->connector, j->state,
               ticket ? ticket : "-", j->attempts, strcmp(j->state, "pending") == 0 ? next : "-",
               j->last_error ? j->last_error : "");
    }
    json_decref(payload);
    c->count++;
    return 0;
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "mamori outbox: \"%s\" is not a job id (see `mamori outbox list`)\n", s);
        return -1;
    }
    *id = v;
    return 0;
}

static int cmd_show(struct mamori_store *st, int argc, char **argv)
{
    struct mamori_outbox_job j;
    struct mamori_error err;
    int with_payload = 0, i = 1;
    int64_t id;
    char created[32], next[32], done_at[32], lease[32];
    json_t *out, *payload, *progress;
    char *text;

    if (i < argc && strcmp(argv[i], "--payload") == 0) {
        with_payload = 1;
        i++;
    }
    if (i + 1 != argc || parse_id(argv[i], &id) != 0) {
        usage(stderr);
        return 2;
    }
    if (mamori_outbox_get(st, id, &j, &err) != 0) {
        fprintf(stderr, "mamori outbox: %s\n", err.message);
        return 1;
    }
    mamori_cli_format_time(j.created_at, created, sizeof created);
    mamori_cli_format_time(j.next_attempt_at, next, sizeof next);
    mamori_cli_format_time(j.done_at, done_at, sizeof done_at);
    mamori_cli_format_time(j.lease_until, lease, sizeof lease);
    payload = json_loads(j.payload, 0, NULL);
    progress = j.progress ? json_loads(j.progress, 0, NULL) : NULL;
    out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s?, s:o?, s:O?}", "id",
                    (json_int_t)j.id, "tenant", j.tenant, "connector", j.connector, "kind", j.kind, "dedupe_key",
                    j.dedupe_key, "state", j.state, "attempts", (json_int_t)j.attempts, "created_at", created,
                    "next_attempt_at", next, "done_at", done_at, "lease_until", lease, "lease_owner",
                    (json_int_t)j.lease_owner, "last_error", j.last_error, "progress", progress, "ticket_id",
                    json_object_get(json_object_get(payload, "ticket"), "ticket_id"));
    if (out != NULL && with_payload)
        json_object_set(out, "payload", payload);
    text = out ? json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(out);
    json_decref(payload);
    mamori_outbox_job_free(&j);
    return text ? 0 : 1;
}

/* Dead jobs retried by one `retry --all-dead` (run it again for more). */
#define MAX_DEAD 1000

struct dead_ids {
    int64_t ids[MAX_DEAD];
    size_t n;
};

static int collect_dead(void *ctx, const struct mamori_outbox_job *job)
{
    struct dead_ids *d = ctx;

    if (d->n < MAX_DEAD)
        d->ids[d->n++] = job->id;
    return 0;
}

static int for_ids(struct mamori_store *st, int argc, char **argv, int retry)
{
    struct mamori_error err;
    int failed = 0;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (retry && strcmp(argv[1], "--all-dead") == 0) {
        /* Collect first: the list callback must not write. */
        struct dead_ids dead = {{0}, 0};
        if (mamori_outbox_list(st, "dead", MAX_DEAD, collect_dead, &dead, &err) != 0) {
            fprintf(stderr, "mamori outbox: %s\n", err.message);
            return 1;
        }
        int64_t *ids = dead.ids;
        size_t n = dead.n;
        for (size_t i = 0; i < n; i++)
            if (mamori_outbox_retry(st, ids[i], (long long)time(NULL), &err) != 0)
                failed = 1;
        printf("%zu dead job(s) due again\n", n);
        return failed;
    }
    for (int i = 1; i < argc; i++) {
        int64_t id;
        int rc;
        if (parse_id(argv[i], &id) != 0)
            return 2;
        rc = retry ? mamori_outbox_retry(st, id, (long long)time(NULL), &err) : mamori_outbox_drop(st, id, &err);
        if (rc != 0) {
            fprintf(stderr, "mamori outbox: job %lld: %s\n", (long long)id, err.message);
            failed = 1;
        } else {
            printf("job %lld %s\n", (long long)id, retry ? "is due again" : "dropped");
        }
    }
    return failed;
}

int mamori_cmd_outbox(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    int rc;

    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "list") && strcmp(argv[1], "show") && strcmp(argv[1], "retry") && strcmp(argv[1], "drop")) {
        fprintf(stderr, "mamori outbox: unknown subcommand \"%s\"\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (mamori_cli_open_store(cli, 0, &st) != 0)
        return 1;
    if (strcmp(argv[1], "list") == 0) {
        struct list_ctx c = {0, 0};
        const char *state = NULL;
        long limit = 100;
        rc = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
                state = argv[++i];
                if (strcmp(state, "pending") != 0 && strcmp(state, "dead") != 0 && strcmp(state, "done") != 0 &&
                    strcmp(state, "all") != 0) {
                    fprintf(stderr, "mamori outbox: no state \"%s\" (use pending, dead, done or all)\n", state);
                    rc = 2;
                    break;
                }
                if (strcmp(state, "all") == 0)
                    state = "%";
            } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
                limit = strtol(argv[++i], NULL, 10);
            } else if (strcmp(argv[i], "--json") == 0) {
                c.as_json = 1;
            } else {
                usage(stderr);
                rc = 2;
            }
        }
        if (rc == 0 && state != NULL && strcmp(state, "%") == 0) {
            const char *states[] = {"pending", "dead", "done"};
            for (int k = 0; k < 3 && rc == 0; k++)
                if (mamori_outbox_list(st, states[k], (size_t)(limit > 0 ? limit : 100), print_row, &c, &err) != 0) {
                    fprintf(stderr, "mamori outbox: %s\n", err.message);
                    rc = 1;
                }
        } else if (rc == 0 && mamori_outbox_list(st, state, (size_t)(limit > 0 ? limit : 100), print_row, &c, &err) != 0) {
            fprintf(stderr, "mamori outbox: %s\n", err.message);
            rc = 1;
        }
        /* "all" is the pattern "%" by now: name it in words. */
        if (rc == 0 && c.count == 0 && !c.as_json)
            printf("no jobs %s%s\n",
                   state == NULL ? "waiting or dead" : strcmp(state, "%") == 0 ? "in any state" : "in state ",
                   state != NULL && strcmp(state, "%") != 0 ? state : "");
    } else if (strcmp(argv[1], "show") == 0) {
        rc = cmd_show(st, argc - 1, argv + 1);
    } else {
        rc = for_ids(st, argc - 1, argv + 1, strcmp(argv[1], "retry") == 0);
    }
    mamori_store_close(st);
    return rc;
}
