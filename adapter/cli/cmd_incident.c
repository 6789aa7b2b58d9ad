/* cli/cmd_incident.c -- `mamori incident show|export [--tenant ID] TICKET`:
 * one incident record (対応記録); export writes it for the lawyer as
 * DIR/incident-TENANT-TICKET.json and .pdf after verifying the audit
 * chain (report/export.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "config/generation.h"
#include "report/export.h"
#include "store/audit.h"
#include "store/incidents.h"

static int usage(FILE *out)
{
    fprintf(out, "Usage: mamori [-c CONFIG] incident show [--tenant ID] TICKET\n"
                 "       mamori [-c CONFIG] incident export [--tenant ID] [--dir DIR] TICKET\n"
                 "show prints the incident record of a ticket as JSON: the record, escalations,\n"
                 "training links, consultations and warnings, and its audit entries with their\n"
                 "hashes. export first verifies the whole audit chain, then writes the same as\n"
                 "DIR/incident-TENANT-TICKET.json and .pdf (DIR: the current directory). --tenant\n"
                 "may be left out when only one tenant is configured. Exit 1 when the ticket has\n"
                 "no record or the audit chain is broken.\n");
    return out == stdout ? 0 : 2;
}

/* The only configured tenant, or NULL (printed why). Owned by the caller. */
static char *only_tenant(const struct mamori_cli *cli)
{
    struct mamori_generation *g = NULL;
    struct mamori_error err;
    char *id = NULL;

    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return NULL;
    }
    if (g->tenant_count == 1)
        id = mamori_strdup(g->tenants[0].id);
    else
        fprintf(stderr, "mamori incident: %zu tenants are configured: say which with --tenant\n", g->tenant_count);
    mamori_generation_free(g);
    return id;
}

/* File-name-safe copy of s (anything but [A-Za-z0-9._-] becomes _). */
static void safe_name(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; *s && i + 1 < cap; s++, i++)
        out[i] = (strchr("._-", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
                     ? *s
                     : '_';
    out[i] = '\0';
}

int mamori_cmd_incident(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *tenant = NULL, *ticket = NULL, *dir = ".";
    struct mamori_audit_report rep;
    struct mamori_store *st = NULL;
    struct mamori_settings s;
    struct mamori_error err;
    struct mamori_buf pdf = MAMORI_BUF_INIT;
    char *owned_tenant = NULL, *text = NULL, path[4096], t1[128], t2[128];
    json_t *doc = NULL;
    int export, rc = 1;

    if (argc >= 2 && mamori_cli_is_help(argv[1]))
        return usage(stdout);
    if (argc < 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "export") != 0))
        return usage(stderr);
    export = strcmp(argv[1], "export") == 0;
    for (int i = 2; i < argc; i++) {
        if (mamori_cli_is_help(argv[i]))
            return usage(stdout);
        if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
            tenant = argv[++i];
        else if (export && strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] != '-' && ticket == NULL)
            ticket = argv[i];
        else
            return usage(stderr);
    }
    if (ticket == NULL)
        return usage(stderr);
    if (tenant == NULL && (tenant = owned_tenant = only_tenant(cli)) == NULL)
        return 2;
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0 ||
        mamori_cli_need_schema(st, mamori_incident_schema(st)) != 0)
        goto out;
    if (export) {
        if (mamori_cli_settings(cli, &s) != 0)
            goto out;
        rc = mamori_cli_store_audit_key(st, &s);
        mamori_settings_free(&s);
        if (rc != 0)
            goto out;
        if (mamori_audit_verify(st, NULL, &rep, &err) != 0) {
            fprintf(stderr, "mamori incident export: the audit chain is BROKEN (%s): nothing exported; run `mamori "
                            "audit verify` and keep the store as it is for your lawyer\n", err.message);
            rc = 1;
            goto out;
        }
    }
    if (mamori_incident_export_json(st, tenant, ticket, &doc, &err) != 0) {
        fprintf(stderr, "mamori incident: %s\n", err.message);
        rc = 1;
        goto out;
    }
    if (export)
        json_object_set_new(doc, "audit_chain_verified",
                            json_pack("{s:b, s:I}", "ok", 1, "records", (json_int_t)rep.records));
    if ((text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
        fprintf(stderr, "mamori incident: out of memory\n");
        rc = 1;
        goto out;
    }
    if (!export) {
        printf("%s\n", text);
        rc = 0;
        goto out;
    }
    safe_name(t1, sizeof t1, tenant);
    safe_name(t2, sizeof t2, ticket);
    snprintf(path, sizeof path, "%s/incident-%s-%s.json", dir, t1, t2);
    if ((rc = mamori_cli_write_output(path, text, strlen(text))) != 0)
        goto out;
    printf("%s\n", path);
    if (mamori_incident_export_pdf(doc, &pdf) != 0) {
        fprintf(stderr, "mamori incident export: drawing the PDF failed\n");
        rc = 1;
        goto out;
    }
    snprintf(path, sizeof path, "%s/incident-%s-%s.pdf", dir, t1, t2);
    if ((rc = mamori_cli_write_output(path, pdf.data, pdf.len)) == 0)
        printf("%s\n", path);
out:
    mamori_buf_free(&pdf);
    free(text);
    json_decref(doc);
    if (st != NULL)
        mamori_store_close(st);
    free(owned_tenant);
    return rc;
}
