/*
 * cli/cmd_lawyer.c -- `mamori lawyer list|approve|revoke`: which LINE users
 * are the tenant's lawyers.
 *
 *   mamori lawyer list [TENANT] [--json]
 *   mamori lawyer approve TENANT LINE_USER_ID [--name NAME]
 *   mamori lawyer revoke TENANT LINE_USER_ID
 *
 * A LINE user who adds the tenant's Official Account appears here as
 * "pending" and can do nothing; only an approved lawyer's messages
 * acknowledge escalations and become notes. Approvals and revocations are
 * audit records.
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
#include "store/audit.h"
#include "store/escalations.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori lawyer list [TENANT] [--json]\n"
                 "       mamori lawyer approve TENANT LINE_USER_ID [--name NAME]\n"
                 "       mamori lawyer revoke TENANT LINE_USER_ID\n"
                 "A LINE user becomes a lawyer of the tenant only when approved here. Users who added the\n"
                 "tenant's LINE account are listed as pending, with the id to approve.\n");
}

struct list_ctx {
    int json, count;
};

static int print_lawyer(void *ctx, const struct mamori_lawyer_row *r)
{
    struct list_ctx *c = ctx;
    char seen[32], approved[32];

    mamori_cli_format_time(r->first_seen_at, seen, sizeof seen);
    mamori_cli_format_time(r->approved_at, approved, sizeof approved);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "tenant", r->tenant, "line_user_id", r->user, "name",
                              r->name, "state", r->state, "first_seen_at", seen, "approved_at", approved);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        if (c->count == 0)
            printf("%-12s %-34s %-9s %-20s %-20s %s\n", "TENANT", "LINE USER", "STATE", "FIRST SEEN", "APPROVED", "NAME");
        printf("%-12s %-34s %-9s %-20s %-20s %s\n", r->tenant, r->user, r->state, seen, approved, r->name ? r->name : "");
    }
    c->count++;
    return 0;
}

/* The tenant must exist; a tenant without [line] gets a warning. */
static int check_tenant(const struct mamori_cli *cli, const char *tenant)
{
    struct mamori_generation *g = NULL;
    struct mamori_error err;
    const struct mamori_tenant *t;

    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    t = mamori_generation_tenant(g, tenant);
    if (t == NULL) {
        fprintf(stderr, "mamori: no tenant \"%s\" is configured\n", tenant);
        mamori_generation_free(g);
        return 1;
    }
    if (t->escalation == NULL || !t->escalation->has_line)
        fprintf(stderr, "mamori: warning: tenant %s has no [line] section; its lawyers cannot answer from LINE yet\n",
                tenant);
    mamori_generation_free(g);
    return 0;
}

static int set_state(const struct mamori_cli *cli, const char *tenant, const char *user, const char *state,
                     const char *name)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    json_t *data;
    char *text = NULL, who[64];
    time_t now = time(NULL);
    int rc;

    if (!mamori_line_id_valid(user) || user[0] != 'U') {
        fprintf(stderr, "mamori: \"%s\" is not a LINE user id (U and 32 hex digits; see `mamori lawyer list`)\n", user);
        return 2;
    }
    if (check_tenant(cli, tenant) != 0)
        return 1;
    if (mamori_cli_open_store(cli, 0, &st) != 0)
        return 1;
    snprintf(who, sizeof who, "uid %ld", (long)getuid());
    data = json_pack("{s:s, s:s?, s:s, s:s}", "user", user, "name", name, "state", state, "by", who);
    text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    rc = text ? mamori_store_begin(st, &err) : mamori_error_set(&err, MAMORI_ENOMEM, "out of memory");
    if (rc == 0) {
        rc = mamori_lawyer_set_state(st, tenant, user, state, name, (long long)now, &err);
        if (rc == 0)
            rc = mamori_audit_append(st, tenant, strcmp(state, "approved") == 0 ? "lawyer_approved" : "lawyer_revoked",
                                     user, text, now, &err);
        rc = rc == 0 ? mamori_store_commit(st, &err) : (mamori_store_rollback(st), rc);
    }
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else
        printf("%s: LINE user %s of tenant %s is %s%s%s\n", strcmp(state, "approved") == 0 ? "approved" : "revoked", user,
               tenant, state, name ? " as " : "", name ? name : "");
    free(text);
    json_decref(data);
    mamori_store_close(st);
    return rc != 0;
}

int mamori_cmd_lawyer(const struct mamori_cli *cli, int argc, char **argv)
{
    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "list") == 0) {
        struct list_ctx c = {0, 0};
        const char *tenant = NULL;
        struct mamori_store *st = NULL;
        struct mamori_error err;
        int rc;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--json") == 0)
                c.json = 1;
            else if (argv[i][0] != '-' && tenant == NULL)
                tenant = argv[i];
            else {
                usage(stderr);
                return 2;
            }
        }
        if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
            return 1;
        rc = mamori_lawyer_list(st, tenant, print_lawyer, &c, &err);
        if (rc != 0)
            fprintf(stderr, "mamori: %s\n", err.message);
        else if (c.count == 0 && !c.json)
            printf("no LINE users yet: a lawyer adds the tenant's LINE account, then appears here as pending\n");
        mamori_store_close(st);
        return rc != 0;
    }
    if (strcmp(argv[1], "approve") == 0 && argc >= 4) {
        const char *name = NULL;
        for (int i = 4; i < argc; i++) {
            if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
                name = argv[++i];
            else {
                usage(stderr);
                return 2;
            }
        }
        return set_state(cli, argv[2], argv[3], "approved", name);
    }
    if (strcmp(argv[1], "revoke") == 0 && argc == 4)
        return set_state(cli, argv[2], argv[3], "revoked", NULL);
    usage(stderr);
    return 2;
}
