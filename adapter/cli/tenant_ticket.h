/*
 * cli/tenant_ticket.h -- what `mamori consult` and `mamori restrict` (issue
 * 16) both start with: the configuration loaded (no plugins), the tenant
 * found, the store opened, and the ticket checked to be one of the
 * tenant's (an event of it is in the store). A ticket only another tenant
 * knows is refused, saying so, and nothing is done.
 */
#ifndef MAMORI_CLI_TENANT_TICKET_H
#define MAMORI_CLI_TENANT_TICKET_H

#include "cli/cli.h"

struct mamori_generation;
struct mamori_tenant;

struct mamori_cli_ticket {
    struct mamori_generation *gen;
    const struct mamori_tenant *tenant;  /* borrowed from gen */
    struct mamori_store *store;
    char *categories;                    /* of the ticket's latest harassing event, or NULL */
    char *response;                      /* that event's stored answer, or NULL */
};

/* 0 with x filled, or the exit status (1: failed, 2: refused) after
 * printing why; `nothing` ends a refusal: "nothing was NOTHING". x is
 * always to be closed. */
int mamori_cli_ticket_open(const struct mamori_cli *cli, const char *tenant, const char *ticket_id,
                           const char *nothing, struct mamori_cli_ticket *x);

void mamori_cli_ticket_close(struct mamori_cli_ticket *x);

#endif
