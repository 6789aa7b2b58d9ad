/*
 * cli/cmd_restrict.c -- `mamori restrict TENANT TICKET --by NAME
 * [--requester ID]`: a person (an administrator, a manager) decides from
 * the command line to restrict the contact of a ticket's customer, as the
 * restriction decision tag does on the ticket (escalation/restrict.h).
 *
 * The ticket must be one mamori flagged for the tenant (its incident
 * record names the customer by the keyed requester hash); a ticket of
 * another tenant is refused. Where the connector applies the decision
 * itself (Zendesk suspends the user) the helpdesk's requester id is
 * needed: --requester, checked against the ticket's customer, since the
 * store keeps only the hash. Elsewhere (Freshdesk, Help Scout) the
 * decision is recorded and the agents are told to apply it by hand. Who
 * decided (--by, required: a decision has a name) is kept in the store
 * and the audit record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/tenant_ticket.h"
#include "config/generation.h"
#include "config/secret.h"
#include "connector/connector.h"
#include "escalation/restrict.h"
#include "plugin/ticket.h"
#include "store/incidents.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori restrict TENANT TICKET --by NAME [--requester ID]\n"
                 "Record NAME's decision to restrict the contact of TICKET's customer (as the [consult]\n"
                 "restrict_tag does). Where the helpdesk can (Zendesk) the requester is suspended: give its\n"
                 "--requester ID, which must be the ticket's customer. Elsewhere the agents are told to apply\n"
                 "it by hand.\n");
}

/* The keyed hash of requester_id, as the store keeps it. */
static int hash_requester(const struct mamori_generation *g, const char *tenant, const char *requester_id,
                          char out[65], struct mamori_error *err)
{
    struct mamori_secret key = {NULL, 0};
    int rc;

    if ((rc = mamori_identity_key_load(&key, g->settings.identity_key_file, 0, err)) != 0)
        return rc;
    rc = mamori_store_requester_hash(key.data, key.len, tenant, requester_id, out);
    mamori_secret_free(&key);
    return rc != 0 ? mamori_error_set(err, MAMORI_EINVAL, "cannot hash the requester id") : MAMORI_OK;
}

static int restrict_ticket(const struct mamori_cli *cli, const char *tenant, const char *ticket_id, const char *by,
                           const char *requester_id)
{
    struct mamori_cli_ticket x;
    struct mamori_error err;
    const struct mamori_tenant *t;
    struct mamori_incident_row inc;
    struct mamori_restrict_decision d;
    struct mamori_ticket tk;
    char event_id[96], hash[65] = "";
    const char *state = NULL;
    time_t now = time(NULL);
    int have_incident = 0, rc;

    mamori_ticket_init(&tk);
    memset(&inc, 0, sizeof inc);
    if ((rc = mamori_cli_ticket_open(cli, tenant, ticket_id, "recorded", &x)) != 0)
        goto out;
    t = x.tenant;
    if ((rc = mamori_incident_get(x.store, t->id, ticket_id, &inc, &err)) == 0) {
        have_incident = 1;
    } else if (rc != MAMORI_ENOTFOUND) {
        fprintf(stderr, "mamori: %s\n", err.message);
        rc = 1;
        goto out;
    }
    rc = 1;
    if (!have_incident || inc.requester == NULL) {
        fprintf(stderr, "mamori: refused: mamori knows no customer of ticket %s (no incident record names one); "
                        "nothing was recorded\n", ticket_id);
        rc = 2;
        goto out;
    }
    if (t->connector->restrict_action != NULL && requester_id == NULL) {
        fprintf(stderr, "mamori: refused: %s %ss the requester, and the store keeps only a keyed hash of its id: "
                        "give --requester ID (the ticket's requester); nothing was recorded\n",
                t->connector->display_name, t->connector->restrict_action);
        rc = 2;
        goto out;
    }
    if (requester_id != NULL) {
        if (hash_requester(x.gen, t->id, requester_id, hash, &err) != 0) {
            fprintf(stderr, "mamori: %s\n", err.message);
            goto out;
        }
        if (strcmp(hash, inc.requester) != 0) {
            fprintf(stderr, "mamori: refused: requester %s is not the customer of ticket %s; nothing was recorded\n",
                    requester_id, ticket_id);
            rc = 2;
            goto out;
        }
    }
    snprintf(event_id, sizeof event_id, "cli:%lld:%ld", (long long)now, (long)getpid());
    if (mamori_ticket_set(&tk.ticket_id, ticket_id) != 0 || mamori_ticket_set(&tk.event_id, event_id) != 0 ||
        mamori_ticket_set(&tk.agent_id, by) != 0 ||
        (requester_id != NULL && mamori_ticket_set(&tk.requester_id, requester_id) != 0)) {
        fprintf(stderr, "mamori: out of memory\n");
        goto out;
    }
    memset(&d, 0, sizeof d);
    d.tenant = t;
    d.ticket = &tk;
    d.requester = inc.requester;
    d.via = "cli";
    if ((rc = mamori_store_begin(x.store, &err)) == 0) {
        rc = mamori_restrict_decide(x.store, &d, now, &state, &err);
        rc = rc == 0 ? mamori_store_commit(x.store, &err) : (mamori_store_rollback(x.store), rc);
    }
    if (rc != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        rc = 1;
    } else if (strcmp(state, "known") == 0) {
        printf("the contact of ticket %s's customer (tenant %s) was restricted before: nothing new recorded\n",
               ticket_id, t->id);
    } else {
        printf("contact restriction of ticket %s's customer (tenant %s) decided by %s: %s\n", ticket_id, t->id, by,
               strcmp(state, "applying") == 0 ? "the helpdesk applies it with the next write-back"
                                              : "recorded; the agents are told to apply it by hand");
    }
out:
    mamori_incident_row_free(&inc);
    mamori_ticket_free(&tk);
    mamori_cli_ticket_close(&x);
    return rc;
}

int mamori_cmd_restrict(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *by = NULL, *requester = NULL;
    int n = 0;

    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
            by = argv[++i];
        else if (strcmp(argv[i], "--requester") == 0 && i + 1 < argc)
            requester = argv[++i];
        else if (n < 2 && argv[i][0] != '-')
            pos[n++] = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (n != 2 || by == NULL || by[0] == '\0') {
        usage(stderr);
        return 2;
    }
    return restrict_ticket(cli, pos[0], pos[1], by, requester);
}
