/*
 * cli/cmd_escalation.c -- `mamori escalation list|show|ack|tick`.
 *
 *   mamori escalation list [--tenant T] [--open] [--limit N] [--json]
 *   mamori escalation show ID
 *   mamori escalation ack ID [--by NAME]    a lawyer acknowledged by other
 *                                           means (a phone call): stops
 *                                           the backup notice, audited
 *   mamori escalation ack --digest N [--by NAME]
 *                                           the same for digest N and every
 *                                           escalation in it (digest.h)
 *   mamori escalation tick [--now T]        run the acknowledgement
 *                                           deadline check now, as if the
 *                                           time were T (Unix seconds or
 *                                           +DURATION from now, e.g. +31m),
 *                                           and send the digests due then;
 *                                           the deliverer runs it every
 *                                           few seconds with the real time.
 *                                           Tests move the clock with it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "config/escalation.h"
#include "config/generation.h"
#include "escalation/digest.h"
#include "escalation/escalate.h"
#include "store/audit.h"
#include "store/escalations.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori escalation list [--tenant T] [--open] [--limit N] [--json]\n"
                 "       mamori escalation show ID\n"
                 "       mamori escalation ack ID [--by NAME]\n"
                 "       mamori escalation ack --digest N [--by NAME]\n"
                 "       mamori escalation tick [--now UNIX-SECONDS|+DURATION]\n"
                 "`ack` records an acknowledgement received by other means (stops the backup notice).\n"
                 "`ack --digest N` acknowledges digest N and every escalation in it.\n"
                 "`tick` runs the acknowledgement deadline check as of the given time (default now) and sends the\n"
                 "escalation digests due then.\n");
}

static json_t *row_json(const struct mamori_escalation_row *r)
{
    char c[32], d[32], a[32], b[32], rt[32], h[32];
    json_t *o;

    mamori_cli_format_time(r->created_at, c, sizeof c);
    mamori_cli_format_time(r->ack_due_at, d, sizeof d);
    mamori_cli_format_time(r->acked_at, a, sizeof a);
    mamori_cli_format_time(r->backup_at, b, sizeof b);
    mamori_cli_format_time(r->retained_at, rt, sizeof rt);
    mamori_cli_format_time(r->held_until, h, sizeof h);
    o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s?, s:s, s:s, s:s?, s:I}", "id", (json_int_t)r->id,
                     "tenant", r->tenant, "ticket_id", r->ticket_id, "level", r->level, "categories", r->categories,
                     "channels", r->channels, "created_at", c, "ack_due_at", d, "acked_at", a, "acked_by", r->acked_by,
                     "backup_at", b, "retained_at", rt, "retained_by", r->retained_by, "followups",
                     (json_int_t)r->followups);
    /* Held for a digest (escalation/digest.h), and which digest told it. */
    if (o != NULL && r->held_until != 0)
        json_object_set_new(o, "held_until", json_string(h));
    if (o != NULL && r->digest_id != 0)
        json_object_set_new(o, "digest", json_integer(r->digest_id));
    return o;
}

struct list_ctx {
    int json, count;
};

static int print_row(void *ctx, const struct mamori_escalation_row *r)
{
    struct list_ctx *c = ctx;
    char created[32], due[32], acked[32];

    if (c->json) {
        json_t *o = row_json(r);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        mamori_cli_format_time(r->created_at, created, sizeof created);
        mamori_cli_format_time(r->ack_due_at, due, sizeof due);
        mamori_cli_format_time(r->acked_at, acked, sizeof acked);
        if (c->count == 0)
            printf("%-5s %-10s %-12s %-10s %-20s %-20s %-20s %-3s %s\n", "ID", "TENANT", "TICKET", "LEVEL", "CREATED",
                   "ACK DUE", "ACKED", "FUP", "CHANNELS");
        char digest[48] = "";
        if (r->digest_id)
            snprintf(digest, sizeof digest, " [digest %lld]", (long long)r->digest_id);
        else if (r->held_until)
            snprintf(digest, sizeof digest, " [held for a digest]");
        printf("%-5lld %-10s %-12s %-10s %-20s %-20s %-20s %-3ld %s%s%s\n", (long long)r->id, r->tenant, r->ticket_id,
               r->level, created, due, acked, r->followups, r->channels ? r->channels : "",
               r->retained_at ? " [retained]" : r->backup_at ? " [backup told]" : "", digest);
    }
    c->count++;
    return 0;
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v <= 0)
        return -1;
    *id = v;
    return 0;
}

static int cmd_ack(const struct mamori_cli *cli, int64_t id, const char *by)
{
    struct mamori_store *st = NULL;
    struct mamori_escalation_row r;
    struct mamori_error err;
    char who[128], *text = NULL;
    time_t now = time(NULL);
    json_t *data = NULL;
    int changed = 0, rc;

    if (mamori_cli_open_store(cli, 0, &st) != 0)
        return 1;
    if ((rc = mamori_escalation_get(st, id, &r, &err)) != 0) {
        fprintf(stderr, "mamori: escalation %lld: %s\n", (long long)id, err.message);
        mamori_store_close(st);
        return 1;
    }
    snprintf(who, sizeof who, "%s (uid %ld)", by ? by : "admin", (long)getuid());
    if ((rc = mamori_store_begin(st, &err)) == 0) {
        rc = mamori_escalation_ack(st, r.tenant, r.ticket_id, who, (long long)now, &changed, &err);
        if (rc == 0 && changed > 0) {
            data = json_pack("{s:I, s:s, s:s, s:s, s:i}", "escalation_id", (json_int_t)r.id, "level", r.level, "by", who,
                             "via", "cli", "escalations", changed);
            text = data ? json_dumps(data, JSON_COMPACT) : NULL;
            rc = text ? mamori_audit_append(st, r.tenant, "escalation_acknowledged", r.ticket_id, text, now, &err)
                      : mamori_error_set(&err, MAMORI_ENOMEM, "out of memory");
        }
        rc = rc == 0 ? mamori_store_commit(st, &err) : (mamori_store_rollback(st), rc);
    }
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else if (changed == 0)
        printf("escalation %lld (ticket %s) was acknowledged already\n", (long long)id, r.ticket_id);
    else
        printf("acknowledged %d open escalation(s) of ticket %s\n", changed, r.ticket_id);
    free(text);
    json_decref(data);
    mamori_escalation_row_free(&r);
    mamori_store_close(st);
    return rc != 0;
}

static int cmd_ack_digest(const struct mamori_cli *cli, int64_t id, const char *by)
{
    struct mamori_store *st = NULL;
    struct mamori_digest_row d;
    struct mamori_error err;
    char who[128];
    int acked = 0, rc;

    if (mamori_cli_open_store(cli, 0, &st) != 0)
        return 1;
    if (mamori_digest_get(st, id, &d, &err) != 0) {
        fprintf(stderr, "mamori: digest %lld: %s\n", (long long)id, err.message);
        mamori_store_close(st);
        return 1;
    }
    snprintf(who, sizeof who, "%s (uid %ld)", by ? by : "admin", (long)getuid());
    if ((rc = mamori_store_begin(st, &err)) == 0) {
        rc = mamori_escalation_digest_ack(st, d.tenant, id, who, NULL, "cli", NULL, (long long)time(NULL), NULL, NULL,
                                          &acked, &err);
        rc = rc == 0 ? mamori_store_commit(st, &err) : (mamori_store_rollback(st), rc);
    }
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else
        printf("digest %lld (tenant %s, %ld escalation(s)): %d open escalation(s) acknowledged%s\n", (long long)id,
               d.tenant, d.escalations, acked, d.acked_at ? " (the digest was acknowledged already)" : "");
    mamori_digest_row_free(&d);
    mamori_store_close(st);
    return rc != 0;
}

static int cmd_tick(const struct mamori_cli *cli, const char *when)
{
    struct mamori_generation *g = NULL;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    long long now = (long long)time(NULL), at = now;
    int fired = 0, digests = 0, rc;

    if (when != NULL) {
        long d;
        char *end;
        if (when[0] == '+' && mamori_escalation_parse_duration(when + 1, &d) == 0) {
            at = now + d;
        } else {
            at = strtoll(when, &end, 10);
            if (*when == '\0' || *end != '\0' || at <= 0) {
                fprintf(stderr, "mamori: --now \"%s\": use Unix seconds or +DURATION (e.g. +31m)\n", when);
                return 2;
            }
        }
    }
    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    if (mamori_cli_open_store(cli, 0, &st) != 0) {
        mamori_generation_free(g);
        return 1;
    }
    rc = mamori_escalation_tick(st, g, at, now, &fired, &err);
    if (rc == 0)
        rc = mamori_escalation_digest_tick(st, g, at, &digests, &err);
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else
        printf("%d overdue escalation(s) handed to the backup, %d digest(s) sent\n", fired, digests);
    mamori_store_close(st);
    mamori_generation_free(g);
    return rc != 0;
}

int mamori_cmd_escalation(const struct mamori_cli *cli, int argc, char **argv)
{
    int64_t id;

    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "list") == 0) {
        struct list_ctx c = {0, 0};
        const char *tenant = NULL;
        struct mamori_store *st = NULL;
        struct mamori_error err;
        long limit = 50;
        int open_only = 0, rc;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--json") == 0)
                c.json = 1;
            else if (strcmp(argv[i], "--open") == 0)
                open_only = 1;
            else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
                tenant = argv[++i];
            else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc && (limit = atol(argv[++i])) > 0)
                ;
            else {
                usage(stderr);
                return 2;
            }
        }
        if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
            return 1;
        rc = mamori_escalation_list(st, tenant, open_only, (size_t)limit, print_row, &c, &err);
        if (rc != 0)
            fprintf(stderr, "mamori: %s\n", err.message);
        mamori_store_close(st);
        return rc != 0;
    }
    if (strcmp(argv[1], "show") == 0 && argc == 3 && parse_id(argv[2], &id) == 0) {
        struct mamori_store *st = NULL;
        struct mamori_escalation_row r;
        struct mamori_error err;
        json_t *o;
        char *s;
        if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
            return 1;
        if (mamori_escalation_get(st, id, &r, &err) != 0) {
            fprintf(stderr, "mamori: escalation %lld: %s\n", (long long)id, err.message);
            mamori_store_close(st);
            return 1;
        }
        o = row_json(&r);
        s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
        mamori_escalation_row_free(&r);
        mamori_store_close(st);
        return s == NULL;
    }
    if (strcmp(argv[1], "ack") == 0 && argc >= 4 && strcmp(argv[2], "--digest") == 0 && parse_id(argv[3], &id) == 0) {
        if (argc == 6 && strcmp(argv[4], "--by") == 0)
            return cmd_ack_digest(cli, id, argv[5]);
        if (argc == 4)
            return cmd_ack_digest(cli, id, NULL);
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "ack") == 0 && argc >= 3 && parse_id(argv[2], &id) == 0) {
        const char *by = NULL;
        if (argc == 5 && strcmp(argv[3], "--by") == 0)
            by = argv[4];
        else if (argc != 3) {
            usage(stderr);
            return 2;
        }
        return cmd_ack(cli, id, by);
    }
    if (strcmp(argv[1], "tick") == 0) {
        if (argc == 2)
            return cmd_tick(cli, NULL);
        if (argc == 4 && strcmp(argv[2], "--now") == 0)
            return cmd_tick(cli, argv[3]);
    }
    usage(stderr);
    return 2;
}
