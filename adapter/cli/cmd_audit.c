/* cli/cmd_audit.c -- `mamori audit verify [--anchor HASH]`: recompute the
 * keyed audit chain, and check it still reaches a head published earlier. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/audit.h"

int mamori_cmd_audit(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_audit_report report;
    struct mamori_settings s;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    const char *anchor = NULL;
    int rc, usage = argc < 2 || strcmp(argv[1], "verify") != 0;

    for (int i = 2; !usage && i < argc; i++) {
        if (strcmp(argv[i], "--anchor") == 0 && i + 1 < argc)
            anchor = argv[++i];
        else if (strncmp(argv[i], "--anchor=", 9) == 0)
            anchor = argv[i] + 9;
        else
            usage = 1;
    }
    if (usage || mamori_cli_is_help(argv[argc - 1])) {
        int help = argc >= 2 && mamori_cli_is_help(argv[argc - 1]);
        fprintf(help ? stdout : stderr,
                "Usage: mamori [-c CONFIG] audit verify [--anchor HASH]\n"
                "Recompute every hash of the audit chain in the store, keyed records with\n"
                "[store] audit_key_file. With --anchor, a head hash published earlier (the log's\n"
                "audit_head lines, `mamori status`) must still be in the chain: records removed\n"
                "from its end are found only this way. Exit 0 when the chain is intact, 1 when a\n"
                "record was removed, edited or rewritten, or the anchor is gone (the first\n"
                "problem is named).\n");
        return help ? 0 : 2;
    }
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    if (mamori_cli_settings(cli, &s) != 0) {
        mamori_store_close(st);
        return 1;
    }
    rc = mamori_cli_store_audit_key(st, &s);
    mamori_settings_free(&s);
    if (rc != 0) {
        mamori_store_close(st);
        return 1;
    }
    rc = mamori_audit_verify(st, anchor, &report, &err);
    mamori_store_close(st);
    if (rc != 0) {
        printf("audit chain BROKEN after %" PRId64 " records: %s\n", report.records, err.message);
        return 1;
    }
    printf("audit chain OK: %" PRId64 " records verified (%" PRId64 " keyed, %" PRId64 " from before the key)",
           report.records, report.records - report.plain, report.plain);
    if (anchor != NULL)
        printf("; anchor found at record %" PRId64, report.anchor_seq);
    if (report.head_seq > 0)
        printf("; head: record %" PRId64 " hash %s", report.head_seq, report.head_hash);
    printf("\n");
    return 0;
}
