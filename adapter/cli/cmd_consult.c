/*
 * cli/cmd_consult.c -- `mamori consult TENANT TICKET "QUESTION"`: an admin
 * or supervisor consults the lawyer about a ticket from the command line,
 * exactly as an agent's "@弁護士 …" note does (escalation/consult.h).
 *
 *   mamori consult TENANT TICKET QUESTION [--supervisor] [--by NAME]
 *
 * The ticket must be one the tenant's webhooks brought (an event of it is
 * in the store); a ticket only another tenant knows is refused, never
 * sent. The message carries the categories of the ticket's latest
 * harassing event; the customer's words are not stored, so the lawyer
 * opens the ticket for the evidence.
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
#include "escalation/consult.h"
#include "store/consultations.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori consult TENANT TICKET QUESTION [--supervisor] [--by NAME]\n"
                 "Send QUESTION about TICKET to the tenant's consult route ([consult] route, or supervisor_route\n"
                 "with --supervisor), with the ticket link and its categories, and a consultation number. The\n"
                 "lawyer's LINE reply comes back to the ticket as an internal note.\n");
}

/* The categories of the ticket's latest harassing event, from its stored answer. */
static void stored_categories(const char *response, struct mamori_annotation *a)
{
    json_t *root = response ? json_loads(response, 0, NULL) : NULL;
    struct mamori_error err;

    if (root != NULL && mamori_annotation_from_json(a, json_object_get(root, "annotation"), &err) != 0) {
        mamori_annotation_free(a);
        mamori_annotation_init(a);
    }
    json_decref(root);
}

static int consult(const struct mamori_cli *cli, const char *tenant, const char *ticket_id, const char *question,
                   int target, const char *by)
{
    struct mamori_generation *g = NULL;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    const struct mamori_tenant *t;
    struct mamori_ticket tk;
    struct mamori_annotation a;
    struct mamori_consult c;
    struct mamori_consult_result res;
    char *cats = NULL, *response = NULL, event_id[96], who[64];
    time_t now = time(NULL);
    int known = 0, elsewhere = 0, rc = 1;

    mamori_ticket_init(&tk);
    mamori_annotation_init(&a);
    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    if ((t = mamori_generation_tenant(g, tenant)) == NULL) {
        fprintf(stderr, "mamori: no tenant \"%s\" is configured\n", tenant);
        goto out;
    }
    if (mamori_cli_open_store(cli, 0, &st) != 0)
        goto out;
    if (mamori_consultation_ticket_facts(st, t->id, ticket_id, &known, &cats, &response, &err) != 0 ||
        (!known && mamori_consultation_ticket_elsewhere(st, t->id, ticket_id, &elsewhere, &err) != 0)) {
        fprintf(stderr, "mamori: %s\n", err.message);
        goto out;
    }
    if (!known) {
        fprintf(stderr, "mamori: refused: ticket %s is not a ticket of tenant %s%s; nothing was sent\n", ticket_id,
                t->id, elsewhere ? " (another tenant's webhooks brought it)" : " (no event of it was received)");
        rc = 2;
        goto out;
    }
    stored_categories(response, &a);
    snprintf(who, sizeof who, "%s", by ? by : "");
    if (by == NULL)
        snprintf(who, sizeof who, "uid %ld", (long)getuid());
    snprintf(event_id, sizeof event_id, "cli:%lld:%ld", (long long)now, (long)getpid());
    if (mamori_ticket_set(&tk.ticket_id, ticket_id) != 0 || mamori_ticket_set(&tk.event_id, event_id) != 0) {
        fprintf(stderr, "mamori: out of memory\n");
        goto out;
    }
    memset(&c, 0, sizeof c);
    c.tenant = t;
    c.ticket = &tk;
    c.annotation = &a;
    c.target = target;
    c.question = question;
    c.asked_by = who;
    c.event_id = event_id;
    if ((rc = mamori_store_begin(st, &err)) == 0) {
        rc = mamori_consult_commit(st, &c, now, &res, &err);
        rc = rc == 0 ? mamori_store_commit(st, &err) : (mamori_store_rollback(st), rc);
    }
    if (rc != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        rc = 1;
    } else if (res.number == 0) {
        fprintf(stderr, "mamori: not sent: tenant %s has no %s route for consultations (set [consult] %s)\n", t->id,
                mamori_consult_target_name(target), target == MAMORI_CONSULT_SUPERVISOR ? "supervisor_route" : "route");
        rc = 1;
    } else {
        printf("consultation #%lld on ticket %s of tenant %s: %zu message(s) queued to %s\n", (long long)res.number,
               ticket_id, t->id, res.messages, res.channels);
    }
out:
    free(cats);
    free(response);
    mamori_ticket_free(&tk);
    mamori_annotation_free(&a);
    mamori_store_close(st);
    mamori_generation_free(g);
    return rc;
}

int mamori_cmd_consult(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}, *by = NULL;
    int target = MAMORI_CONSULT_LAWYER, n = 0;

    if (argc < 2 || mamori_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--supervisor") == 0)
            target = MAMORI_CONSULT_SUPERVISOR;
        else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
            by = argv[++i];
        else if (n < 3 && (argv[i][0] != '-' || n == 2))
            pos[n++] = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (n != 3 || pos[2][0] == '\0') {
        usage(stderr);
        return 2;
    }
    return consult(cli, pos[0], pos[1], pos[2], target, by);
}
