/*
 * cli.h -- the `mamori` command: one file per command group (cmd_*.c),
 * dispatched from main.c. Each command returns the process exit status:
 * 0 success, 1 the check failed / the work failed, 2 usage error.
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include "config/settings.h"
#include "store/store.h"

struct mamori_cli {
    const char *config_path;   /* -c, or the default */
    int config_given;          /* whether -c was passed */
};

/* Load the settings (no tenants, no plugins). Prints the error. */
int mamori_cli_settings(const struct mamori_cli *cli, struct mamori_settings *s);

/* Print a failure to load the configuration ("mamori: MESSAGE"); when no
 * -c was given and the default file does not exist, also say so and how to
 * name the file. */
void mamori_cli_config_error(const struct mamori_cli *cli, const char *message);

/* Whether a is --help or -h. */
int mamori_cli_is_help(const char *a);

/* t (Unix seconds) as ISO 8601 UTC into buf, or "-" when t <= 0. */
void mamori_cli_format_time(long long t, char *buf, size_t cap);

/* Open the store named by the settings. Prints the error. A writable store
 * gets the audit key (mamori_cli_store_audit_key). */
int mamori_cli_open_store(const struct mamori_cli *cli, int flags, struct mamori_store **st);

/* Give st the audit key of [store] audit_key_file when the file exists
 * (never created here: a key made by root would lock the daemon out).
 * Without it, commands that write audit records fail saying why. Returns 0,
 * or 1 after printing why the file could not be read. */
int mamori_cli_store_audit_key(struct mamori_store *st, const struct mamori_settings *s);

int mamori_cmd_audit(const struct mamori_cli *cli, int argc, char **argv);

/* Operations (cmd_admin.c): status, retention purge, online backup. */
int mamori_cmd_status(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_purge(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_backup(const struct mamori_cli *cli, int argc, char **argv);

/* Moving a store to PostgreSQL (cmd_store.c): store copy. */
int mamori_cmd_store(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_note(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_outbox(const struct mamori_cli *cli, int argc, char **argv);

/* Tickets quarantined after request_deadline kills (cmd_quarantine.c). */
int mamori_cmd_quarantine(const struct mamori_cli *cli, int argc, char **argv);

/* One polling round now for the polled helpdesks (cmd_poll.c). */
int mamori_cmd_poll(const struct mamori_cli *cli, int argc, char **argv);

/* Escalation (cmd_lawyer.c, cmd_escalation.c): LINE lawyers, escalations,
 * the acknowledgement deadline check. */
int mamori_cmd_lawyer(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_escalation(const struct mamori_cli *cli, int argc, char **argv);
/* An agent's consultation from the command line (cmd_consult.c). */
int mamori_cmd_consult(const struct mamori_cli *cli, int argc, char **argv);

/* A person's decision to restrict a ticket's customer (cmd_restrict.c). */
int mamori_cmd_restrict(const struct mamori_cli *cli, int argc, char **argv);

/* Policy tools (cmd_policy*.c) and offline annotation (cmd_annotate.c). */
int mamori_cmd_policy(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_policy_test(const struct mamori_cli *cli, int argc, char **argv);
/* `policy test --cv K`: k-fold cross-validated figures of CASES through
 * `policy train --cv K --cv-report CASES`; extra: the train options passed
 * on (--train files become plain case files, --weight, --relabel, --seed,
 * --threads, --c, --quiet). Returns the exit status. */
int mamori_policy_test_cv(const char *policy, const char *cases, const char *k, char *const *extra, size_t nextra);
int mamori_cmd_policy_explain(const struct mamori_cli *cli, int argc, char **argv);
/* mamori policy lists POLICY [NAME]: the lexicon lists and where they are used (cmd_policy_lists.c). */
int mamori_cmd_policy_lists(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_annotate(const struct mamori_cli *cli, int argc, char **argv);

/* Reports and incident records (cmd_report.c, cmd_incident.c). */
int mamori_cmd_report(const struct mamori_cli *cli, int argc, char **argv);
int mamori_cmd_incident(const struct mamori_cli *cli, int argc, char **argv);
/* Write data to path whole (path.tmp renamed), or to stdout for NULL or
 * "-". 0, or 1 after printing why. */
int mamori_cli_write_output(const char *path, const void *data, size_t len);
/* 0 when st's schema is at least version, else 1 after saying how to
 * migrate (read-only commands never migrate). */
int mamori_cli_need_schema(struct mamori_store *st, int version);
/* 1 when tenant is configured or has records in st, 0 when not, -1 on a
 * store error (printed). */
int mamori_cli_tenant_known(const struct mamori_cli *cli, struct mamori_store *st, const char *tenant);

#endif
