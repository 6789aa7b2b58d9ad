/*
 * cli/cmd_consult.c -- `mamori consult TENANT TICKET "QUESTION"`: an admin
 * or supervisor consults the lawyer about a ticket from the command line,
 * exactly as an agent's "@弁護士 …" note does (escalation/consult.h).
 *
 *   mamori consult TENANT TICKET QUESTION [--supervisor] [--by NAME]
 *
 * The ticket must be one the tenant's webhooks brought (an event of it is
 * in the store); a ticket only another tenant knows is refused, never
 * sent. The message carries what an agent's note would (consult.h): the
 * categories of the ticket's latest harassing event and the quoted
 * evidence, redacted as escalations are. The customer's words are kept
 * only where they already are: the message of the ticket's escalation
 * still awaiting acknowledgement (quoted and redacted when it was sent),
 * else the evidence of the stored answer when the tenant keeps evidence
 * ([tenant] keep_evidence; redacted again here, without the customer's
 * name, which is not stored). With neither the message has no quotes and
 * the lawyer opens the ticket.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/tenant_ticket.h"
#include "config/escalation.h"
#include "config/tenant.h"
#include "escalation/consult.h"
#include "store/escalations.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori consult TENANT TICKET QUESTION [--supervisor] [--by NAME]\n"
                 "Send QUESTION about TICKET to the tenant's consult route ([consult] route, or supervisor_route\n"
                 "with --supervisor), with the ticket link, its categories, the quoted evidence the store still holds\n"
                 "(an escalation awaiting acknowledgement, or keep_evidence) and a consultation number. The\n"
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

/* Drop the evidence items without words (all of them with `all`): the
 * stored answer of a tenant that does not keep evidence has only where and
 * which rule. */
static void drop_evidence(struct mamori_annotation *a, int all)
{
    for (size_t i = 0; i < a->category_count; i++) {
        struct mamori_category_item *c = &a->categories[i];
        size_t n = 0;
        for (size_t k = 0; k < c->evidence_count; k++) {
            struct mamori_evidence_item *e = &c->evidence[k];
            if (!all && e->text != NULL && e->text[0] != '\0') {
                c->evidence[n++] = *e;
                continue;
            }
            free(e->field);
            free(e->text);
            free(e->rule_id);
        }
        c->evidence_count = n;
    }
}

/* The newest escalation of the ticket that still holds its message. */
static int newest_message(void *ctx, const struct mamori_escalation_row *r)
{
    char **msg = ctx;

    if (r->message == NULL)
        return 0;
    free(*msg);
    return (*msg = strdup(r->message)) == NULL ? MAMORI_ENOMEM : 0;
}

/* When an escalation of the ticket still holds its message, its quotes
 * (redacted with the customer's name when it was sent) replace whatever
 * evidence a has, as evidence of the first harassing category (made from
 * the message's categories when the stored answer has none). The quotes
 * are words without positions: evidence_array() (message.c) quotes
 * e->text when the ticket carries no text, which it does not here. */
static int escalation_evidence(struct mamori_store *st, const struct mamori_tenant *t, const char *ticket_id,
                               struct mamori_annotation *a, struct mamori_error *err)
{
    char *msg = NULL;
    json_t *m, *q;
    struct mamori_category_item *cat = NULL;
    size_t i;
    int rc;

    rc = mamori_escalation_rows_for_ticket(st, t->id, ticket_id, newest_message, &msg, err);
    if (rc != 0 || msg == NULL) {
        free(msg);
        return rc != 0 && err->message[0] == '\0' ? mamori_error_set(err, rc, "out of memory") : rc;
    }
    m = json_loads(msg, 0, NULL);
    free(msg);
    if (json_array_size(json_object_get(m, "evidence")) == 0) {
        json_decref(m);
        return MAMORI_OK;
    }
    drop_evidence(a, 1);
    for (i = 0; i < a->category_count && cat == NULL; i++)
        if (a->categories[i].harassment)
            cat = &a->categories[i];
    if (cat == NULL) {
        json_t *c0 = json_array_get(json_object_get(m, "categories"), 0);
        const char *id = json_string_value(json_object_get(c0, "id")), *label = json_string_value(json_object_get(c0, "label"));
        if (id != NULL && mamori_annotation_add_category(a, id, label ? label : id, 1.0,
                                                         MAMORI_SEVERITY_MEDIUM, 1, &cat) != 0)
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    json_array_foreach(json_object_get(m, "evidence"), i, q) {
        const char *text = json_string_value(q);
        if (rc != 0 || cat == NULL || text == NULL)
            continue;
        /* Positions no stored item has (add_evidence dedupes by them). */
        if (mamori_annotation_add_evidence(cat, "body", (size_t)-1 - i, (size_t)-1 - i, text, strlen(text), NULL,
                                           0.0) != 0)
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    json_decref(m);
    return rc;
}

static int consult(const struct mamori_cli *cli, const char *tenant, const char *ticket_id, const char *question,
                   int target, const char *by)
{
    struct mamori_cli_ticket x;
    struct mamori_error err;
    const struct mamori_tenant *t;
    struct mamori_ticket tk;
    struct mamori_annotation a;
    struct mamori_consult c;
    struct mamori_consult_result res;
    char event_id[96], who[64];
    time_t now = time(NULL);
    int rc;

    mamori_ticket_init(&tk);
    mamori_annotation_init(&a);
    if ((rc = mamori_cli_ticket_open(cli, tenant, ticket_id, "sent", &x)) != 0)
        goto out;
    rc = 1;
    t = x.tenant;
    stored_categories(x.response, &a);
    drop_evidence(&a, 0);
    if (escalation_evidence(x.store, t, ticket_id, &a, &err) != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        goto out;
    }
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
    if ((rc = mamori_store_begin(x.store, &err)) == 0) {
        rc = mamori_consult_commit(x.store, &c, now, &res, &err);
        rc = rc == 0 ? mamori_store_commit(x.store, &err) : (mamori_store_rollback(x.store), rc);
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
    mamori_ticket_free(&tk);
    mamori_annotation_free(&a);
    mamori_cli_ticket_close(&x);
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
