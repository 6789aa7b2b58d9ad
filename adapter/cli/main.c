/*
 * cli/main.c -- `mamori COMMAND ...`, the tool for lawyers and admins.
 * See mamori(1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "config/generation.h"

struct command {
    const char *name;
    int (*run)(const struct mamori_cli *cli, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"audit", mamori_cmd_audit, "verify the tamper-evident audit chain (audit verify)"},
    {"status", mamori_cmd_status, "what mamori-fcgi serves: generation, tenants, plugins, outbox"},
    {"purge", mamori_cmd_purge, "remove what is older than the retention period, now"},
    {"backup", mamori_cmd_backup, "copy the store to FILE while mamori-fcgi serves"},
    {"store", mamori_cmd_store, "copy a sqlite store into PostgreSQL (store copy --from FILE --to URL)"},
    {"note", mamori_cmd_note, "render the agent's note from an annotation JSON"},
    {"outbox", mamori_cmd_outbox, "list, show, retry and drop write-back jobs (outbox --help)"},
    {"quarantine", mamori_cmd_quarantine, "list tickets quarantined after request_deadline kills; release one"},
    {"poll", mamori_cmd_poll, "one polling round now for the polled helpdesks (Redmine)"},
    {"consult", mamori_cmd_consult, "send an agent's question about a ticket to the tenant's lawyer or supervisor"},
    {"restrict", mamori_cmd_restrict, "record a person's decision to restrict a ticket's customer (suspend where the helpdesk can)"},
    {"lawyer", mamori_cmd_lawyer, "list, approve and revoke the LINE users who are a tenant's lawyers"},
    {"escalation", mamori_cmd_escalation, "list, show and acknowledge escalations; run the deadline check"},
    {"policy", mamori_cmd_policy, "lint, test, explain, sign and verify policies (policy --help)"},
    {"report", mamori_cmd_report, "a tenant's incident report over a period: html, pdf, csv, json"},
    {"incident", mamori_cmd_incident, "show or export (PDF + JSON with audit hashes) a ticket's incident record"},
    {"annotate", mamori_cmd_annotate, "run a policy over labelled cases, one JSON line each"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori [-c CONFIG] COMMAND [ARGS]...\n\nCommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nOptions:\n"
                 "  -c, --config FILE  configuration file (default " MAMORI_DEFAULT_CONFIG ")\n"
                 "  -V, --version      print the version\n"
                 "  -h, --help         print this help\n"
                 "\nRun `mamori COMMAND --help` for a command's own options. See mamori(1).\n");
}

int mamori_cli_is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

void mamori_cli_format_time(long long t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0) {
        snprintf(buf, cap, "-");
        return;
    }
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void mamori_cli_config_error(const struct mamori_cli *cli, const char *message)
{
    fprintf(stderr, "mamori: %s\n", message);
    /* A build from source looks in its own sysconfdir (/usr/local/etc),
     * not where the admin put the file: say how to name it. */
    if (!cli->config_given && access(cli->config_path, F_OK) != 0)
        fprintf(stderr,
                "mamori: no configuration at %s, the default of this build; name yours with -c, e.g. "
                "mamori -c /etc/mamori/mamori.conf status\n",
                cli->config_path);
}

int mamori_cli_settings(const struct mamori_cli *cli, struct mamori_settings *s)
{
    struct mamori_error err;

    if (mamori_settings_load(s, cli->config_path, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        mamori_settings_free(s);
        return 1;
    }
    return 0;
}

int mamori_cli_store_audit_key(struct mamori_store *st, const struct mamori_settings *s)
{
    struct mamori_secret key;
    struct mamori_error err;
    int rc;

    if (access(s->audit_key_file, F_OK) != 0)
        return 0;
    if (mamori_audit_key_load(&key, s->audit_key_file, 0, &err) != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        return 1;
    }
    rc = mamori_store_set_audit_key(st, key.data, key.len);
    mamori_secret_free(&key);
    if (rc != 0)
        fprintf(stderr, "mamori: out of memory\n");
    return rc != 0;
}

int mamori_cli_open_store(const struct mamori_cli *cli, int flags, struct mamori_store **st)
{
    struct mamori_settings s;
    struct mamori_error err;
    int rc;

    if (mamori_cli_settings(cli, &s) != 0)
        return 1;
    rc = mamori_store_open(st, s.store_path, s.sync_mode, s.busy_timeout_ms, flags, &err);
    if (rc != 0)
        fprintf(stderr, "mamori: %s\n", err.message);
    else if (!(flags & MAMORI_STORE_READONLY) && mamori_cli_store_audit_key(*st, &s) != 0) {
        mamori_store_close(*st);
        *st = NULL;
        rc = 1;
    }
    mamori_settings_free(&s);
    return rc != 0;
}

int main(int argc, char **argv)
{
    struct mamori_cli cli = {MAMORI_DEFAULT_CONFIG, 0};
    int i = 1;

    mamori_log_init("mamori", MAMORI_LOG_LEVEL_WARNING, 0);
    while (i < argc && argv[i][0] == '-') {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            cli.config_path = argv[i + 1];
            cli.config_given = 1;
            i += 2;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            cli.config_path = argv[i] + 9;
            cli.config_given = 1;
            i++;
        } else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("mamori %s\n", PACKAGE_VERSION);
            return 0;
        } else if (mamori_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "mamori: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(argv[i], c->name) == 0)
            return c->run(&cli, argc - i, argv + i);
    fprintf(stderr, "mamori: unknown command \"%s\"\n", argv[i]);
    usage(stderr);
    return 2;
}
