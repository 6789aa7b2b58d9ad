/* cmd_store.c -- `mamori store copy`: move an install from its sqlite
 * file to PostgreSQL (copy.h), then check the copied audit chain. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/audit.h"
#include "store/copy.h"

static int usage(FILE *out, int status)
{
    fprintf(out,
            "Usage: mamori [-c CONFIG] store copy --from FILE.db --to postgresql://USER@HOST/DB\n"
            "Copy every row of a sqlite store (one consistent snapshot; mamori-fcgi may keep\n"
            "serving from it) into an empty PostgreSQL database, in one transaction, then\n"
            "verify the copied audit chain with [store] audit_key_file of CONFIG. Then set\n"
            "[store] url on every node and reload (doc/ha.md). The password: ~/.pgpass.\n");
    return status;
}

static int copy(const struct mamori_cli *cli, const char *from_path, const char *to_url)
{
    struct mamori_store *from = NULL, *to = NULL;
    struct mamori_copy_report rep;
    struct mamori_audit_report audit;
    struct mamori_settings s;
    struct mamori_error err;
    int64_t seq = 0;
    char head[65] = "";
    int rc = 1, have_settings = 0;

    if (!mamori_store_is_url(to_url) || mamori_store_is_url(from_path)) {
        fprintf(stderr, "mamori: store copy goes from a sqlite file (--from) to a postgresql:// URL (--to)\n");
        return 2;
    }
    mamori_error_clear(&err);
    if (mamori_store_open(&from, from_path, 0, 5000, MAMORI_STORE_READONLY, &err) != 0 ||
        mamori_store_open(&to, to_url, 0, 5000, 0, &err) != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        goto out;
    }
    if (mamori_store_copy(from, to, &rep, &err) != 0) {
        fprintf(stderr, "mamori: store copy: %s\n", err.message);
        goto out;
    }
    for (int i = 0; i < MAMORI_COPY_TABLES; i++)
        printf("%-20s %" PRId64 " rows\n", mamori_copy_table_names[i], rep.rows[i]);
    /* The same chain, record for record: the source's head must verify
     * as an anchor on the copy. */
    mamori_audit_head(from, &seq, head, NULL);
    if (mamori_cli_settings(cli, &s) == 0) {
        have_settings = 1;
        if (mamori_cli_store_audit_key(to, &s) != 0)
            goto out;
    }
    if (mamori_audit_verify(to, seq > 0 ? head : NULL, &audit, &err) != 0) {
        fprintf(stderr, "mamori: the copied audit chain does not verify: %s\n", err.message);
        goto out;
    }
    printf("audit chain copied and verified: %" PRId64 " records, head %s\n", audit.records,
           audit.records ? audit.head_hash : "none");
    rc = 0;
out:
    if (have_settings)
        mamori_settings_free(&s);
    mamori_store_close(from);
    mamori_store_close(to);
    return rc;
}

int mamori_cmd_store(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;

    if (argc < 2 || strcmp(argv[1], "copy") != 0)
        return usage(argc >= 2 && mamori_cli_is_help(argv[1]) ? stdout : stderr,
                     argc >= 2 && mamori_cli_is_help(argv[1]) ? 0 : 2);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else
            return usage(mamori_cli_is_help(argv[i]) ? stdout : stderr, mamori_cli_is_help(argv[i]) ? 0 : 2);
    }
    if (from == NULL || to == NULL)
        return usage(stderr, 2);
    return copy(cli, from, to);
}
