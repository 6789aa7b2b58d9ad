/* cli/cmd_audit.c -- `mamori audit verify`: recompute the audit chain. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/audit.h"

int mamori_cmd_audit(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_audit_report report;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    int rc;

    if (argc < 2 || mamori_cli_is_help(argv[1]) || strcmp(argv[1], "verify") != 0) {
        fprintf(argc >= 2 && mamori_cli_is_help(argv[1]) ? stdout : stderr,
                "Usage: mamori [-c CONFIG] audit verify\n"
                "Recompute every hash of the audit chain in the store. Exit 0 when the chain is\n"
                "intact, 1 when a record was removed or edited (the first one is named).\n");
        return argc >= 2 && mamori_cli_is_help(argv[1]) ? 0 : 2;
    }
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    rc = mamori_audit_verify(st, &report, &err);
    mamori_store_close(st);
    if (rc != 0) {
        printf("audit chain BROKEN after %" PRId64 " records: %s\n", report.records, err.message);
        return 1;
    }
    printf("audit chain OK: %" PRId64 " records verified\n", report.records);
    return 0;
}
