/* tenant_ticket.c -- see tenant_ticket.h. */
#include "config.h"

#include "cli/tenant_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/generation.h"
#include "store/consultations.h"

int mamori_cli_ticket_open(const struct mamori_cli *cli, const char *tenant, const char *ticket_id,
                           const char *nothing, struct mamori_cli_ticket *x)
{
    struct mamori_error err;
    int known = 0, elsewhere = 0;

    memset(x, 0, sizeof *x);
    if (mamori_generation_load(&x->gen, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    if ((x->tenant = mamori_generation_tenant(x->gen, tenant)) == NULL) {
        fprintf(stderr, "mamori: no tenant \"%s\" is configured\n", tenant);
        return 1;
    }
    if (mamori_cli_open_store(cli, 0, &x->store) != 0)
        return 1;
    if (mamori_consultation_ticket_facts(x->store, x->tenant->id, ticket_id, &known, &x->categories, &x->response,
                                         &err) != 0 ||
        (!known && mamori_consultation_ticket_elsewhere(x->store, x->tenant->id, ticket_id, &elsewhere, &err) != 0)) {
        fprintf(stderr, "mamori: %s\n", err.message);
        return 1;
    }
    if (!known) {
        fprintf(stderr, "mamori: refused: ticket %s is not a ticket of tenant %s%s; nothing was %s\n", ticket_id,
                x->tenant->id, elsewhere ? " (another tenant's webhooks brought it)" : " (no event of it was received)",
                nothing);
        return 2;
    }
    return 0;
}

void mamori_cli_ticket_close(struct mamori_cli_ticket *x)
{
    free(x->categories);
    free(x->response);
    mamori_store_close(x->store);
    mamori_generation_free(x->gen);
    memset(x, 0, sizeof *x);
}
