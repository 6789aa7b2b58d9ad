/*
 * cli/cmd_admin.c -- the operator's commands:
 *   mamori status [--json]           what the daemon serves, outbox, events
 *   mamori purge [--dry-run] [--tenant ID]   retention, now
 *   mamori backup [--force] FILE     an online, consistent copy of the store
 * See mamori(1).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "config/generation.h"
#include "daemon/retention.h"
#include "daemon/status.h"
#include "store/audit.h"
#include "store/backup.h"
#include "store/outbox.h"
#include "store/poll_cursor.h"

/* Whether pid is a live mamori-fcgi supervisor. EPERM means it exists but
 * belongs to another user (the service user): alive. Where /proc tells the
 * program name, a reused pid of another program is not taken for it. */
static int supervisor_alive(long pid)
{
    char path[64], comm[64] = "";
    FILE *f;

    if (pid <= 1 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    if ((f = fopen(path, "r")) == NULL)
        return 1;
    if (fgets(comm, sizeof comm, f) == NULL)
        comm[0] = '\0';
    fclose(f);
    return strncmp(comm, "mamori", 6) == 0;
}

/* One polled tenant's cursor as {tenant, cursor, last_ok_at} into the
 * array ctx (mamori_poll_cursor_each). */
static int add_poller(void *ctx, const char *tenant, const char *cursor, time_t ok_at)
{
    return json_array_append_new((json_t *)ctx, json_pack("{s:s, s:s, s:I}", "tenant", tenant, "cursor", cursor,
                                                          "last_ok_at", (json_int_t)ok_at)) != 0
               ? MAMORI_ENOMEM
               : 0;
}

static void print_pollers(json_t *pollers, time_t now)
{
    size_t i;
    json_t *p;

    json_array_foreach(pollers, i, p) {
        char when[32];
        long long ok = (long long)json_integer_value(json_object_get(p, "last_ok_at"));
        mamori_cli_format_time((long long)ok, when, sizeof when);
        printf("poller: tenant %s at cursor %s, last successful round %s (%lld s ago)\n",
               json_string_value(json_object_get(p, "tenant")), json_string_value(json_object_get(p, "cursor")), when,
               (long long)now - ok);
    }
}

static void print_tenants(json_t *tenants)
{
    size_t i, j;
    json_t *t, *p;

    printf("tenants (%zu):\n", json_array_size(tenants));
    json_array_foreach(tenants, i, t) {
        json_int_t days = json_integer_value(json_object_get(t, "retention_days"));
        char keep[32];
        if (days > 0)
            snprintf(keep, sizeof keep, "%lld days", (long long)days);
        else
            snprintf(keep, sizeof keep, "forever");
        printf("  %-16s connector=%s language=%s retention=%s\n", json_string_value(json_object_get(t, "id")),
               json_string_value(json_object_get(t, "connector")), json_string_value(json_object_get(t, "language")),
               keep);
        json_array_foreach(json_object_get(t, "plugins"), j, p) {
            json_t *pol = json_object_get(p, "policy");
            const char *ver = json_string_value(json_object_get(p, "version"));
            printf("    plugin %-10s %s", json_string_value(json_object_get(p, "name")), ver ? ver : "(not loaded)");
            if (json_is_object(pol)) {
                const char *pid = json_string_value(json_object_get(pol, "id"));
                const char *pver = json_string_value(json_object_get(pol, "version"));
                if (pid != NULL)
                    printf("  policy %s %s", pid, pver ? pver : "(no version)");
                else
                    printf("  policy %s (%s)", json_string_value(json_object_get(pol, "path")),
                           json_string_value(json_object_get(pol, "error")));
            }
            printf("\n");
        }
    }
}

/* On a PostgreSQL store: which node holds each role (*out stays NULL on
 * sqlite, where the one node runs them all). */
static int role_holders(struct mamori_store *st, json_t **out, struct mamori_error *err)
{
    static const char *const roles[] = {MAMORI_ROLE_DEADLINES, MAMORI_ROLE_POLLER, MAMORI_ROLE_RETENTION};
    char holder[160];

    *out = NULL;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        int rc = mamori_store_role_holder(st, roles[i], holder, sizeof holder, err);
        if (rc == MAMORI_EUNSUPPORTED)
            return MAMORI_OK;
        if (rc < 0)
            return rc;
        if (*out == NULL && (*out = json_object()) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        if (json_object_set_new(*out, roles[i], rc == 1 ? json_string(holder) : json_null()) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    return MAMORI_OK;
}

static void print_roles(json_t *roles)
{
    const char *name;
    json_t *v;

    if (roles == NULL)
        return;
    printf("roles (each run by one node; the nodes connect as their application_name, by default mamori@HOST):\n");
    json_object_foreach(roles, name, v) {
        if (json_is_string(v))
            printf("  %s: %s\n", name, json_string_value(v));
        else
            printf("  %s: no node holds it now (a starting node takes it within seconds)\n", name);
    }
}

int mamori_cmd_status(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    json_t *doc = NULL, *out = NULL, *pollers = NULL, *roles = NULL;
    int64_t pending = 0, dead = 0, total = 0, recent = 0, audit_seq = 0;
    time_t last = 0;
    char audit_hash[65];
    int as_json = 0, running = 0, rc = 1;
    time_t now = time(NULL);
    char when[32];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = 1;
        } else {
            fprintf(mamori_cli_is_help(argv[i]) ? stdout : stderr,
                    "Usage: mamori [-c CONFIG] status [--json]\n"
                    "What mamori-fcgi serves: whether it runs, its generation, every tenant with its\n"
                    "plugins and policy versions; the outbox (pending jobs, dead letters), events,\n"
                    "and for polled helpdesks the cursor and when a polling round last succeeded.\n"
                    "Exit 0 when mamori-fcgi runs, 3 when it does not, 1 on error.\n");
            return mamori_cli_is_help(argv[i]) ? 0 : 2;
        }
    }
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    rc = mamori_status_read(st, &doc, &err);
    if (rc == MAMORI_ENOTFOUND) {
        /* Never ran here: describe the configuration on disk instead. */
        struct mamori_generation *g = NULL;
        if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
            mamori_cli_config_error(cli, err.message);
            goto out;
        }
        doc = json_pack("{s:o}", "tenants", mamori_status_tenants(g));
        mamori_generation_free(g);
    } else if (rc != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        goto out;
    } else {
        running = supervisor_alive((long)json_integer_value(json_object_get(doc, "supervisor_pid")));
    }
    if (doc == NULL || (pollers = json_array()) == NULL) {
        fprintf(stderr, "mamori: out of memory\n");
        rc = 1;
        goto out;
    }
    if (mamori_outbox_depth(st, &pending, &dead, &err) != 0 ||
        mamori_store_event_summary(st, now - 86400, &total, &recent, &last, &err) != 0 ||
        mamori_poll_cursor_each(st, add_poller, pollers, &err) != 0 ||
        mamori_audit_head(st, &audit_seq, audit_hash, &err) != 0 || role_holders(st, &roles, &err) != 0) {
        fprintf(stderr, "mamori: cannot read the store %s: %s\n", st->path, err.message);
        rc = 1;
        goto out;
    }
    rc = running ? 0 : 3;
    if (as_json) {
        out = json_pack("{s:b, s:s, s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:O, s:{s:I, s:s?}}", "running", running, "store",
                        st->path, "outbox", "pending", (json_int_t)pending, "dead", (json_int_t)dead, "events",
                        "total", (json_int_t)total, "last_24h", (json_int_t)recent, "last_at", (json_int_t)last,
                        "pollers", pollers, "audit", "head_seq", (json_int_t)audit_seq, "head_hash",
                        audit_seq ? audit_hash : NULL);
        if (out == NULL || json_object_update(out, doc) != 0 ||
            (roles != NULL && json_object_set(out, "roles", roles) != 0) ||
            json_dumpf(out, stdout, JSON_INDENT(2)) != 0) {
            fprintf(stderr, "mamori: out of memory\n");
            rc = 1;
            goto out;
        }
        printf("\n");
        goto out;
    }
    if (json_object_get(doc, "generation") == NULL) {
        printf("mamori-fcgi: has not run on this store yet (configuration on disk shown)\n");
    } else {
        mamori_cli_format_time((long long)json_integer_value(json_object_get(doc, "loaded_at")), when, sizeof when);
        printf("mamori-fcgi: %s, pid %lld, generation %lld loaded %s, version %s\n",
               running ? "running" : "NOT RUNNING (last seen below)",
               (long long)json_integer_value(json_object_get(doc, "supervisor_pid")),
               (long long)json_integer_value(json_object_get(doc, "generation")), when,
               json_string_value(json_object_get(doc, "version")));
        printf("config: %s\n", json_string_value(json_object_get(doc, "config")));
        if (roles != NULL)
            printf("  (with several nodes on one PostgreSQL store: the node that started or reloaded last, and\n"
                   "  \"running\" judged by its pid on this host; the roles below name the nodes)\n");
    }
    printf("store: %s\n", st->path);
    printf("outbox: %" PRId64 " pending, %" PRId64 " dead letters%s\n", pending, dead,
           dead > 0 ? " (see: mamori outbox)" : "");
    if (last > 0)
        mamori_cli_format_time((long long)last, when, sizeof when);
    printf("events: %" PRId64 " stored, %" PRId64 " in the last 24 h, last %s\n", total, recent,
           last > 0 ? when : "never");
    if (audit_seq > 0)
        printf("audit: head record %" PRId64 " hash %s\n  (note it elsewhere; later: mamori audit verify --anchor "
               "%s)\n", audit_seq, audit_hash, audit_hash);
    else
        printf("audit: no records yet\n");
    print_tenants(json_object_get(doc, "tenants"));
    print_pollers(pollers, now);
    print_roles(roles);
out:
    json_decref(doc);
    json_decref(out);
    json_decref(pollers);
    json_decref(roles);
    mamori_store_close(st);
    return rc;
}

int mamori_cmd_purge(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_retention_report rep;
    struct mamori_generation *g = NULL;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    const char *tenant = NULL;
    int dry_run = 0, rc = 1, any = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0) {
            dry_run = 1;
        } else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) {
            tenant = argv[++i];
        } else {
            fprintf(mamori_cli_is_help(argv[i]) ? stdout : stderr,
                    "Usage: mamori [-c CONFIG] purge [--dry-run] [--tenant ID]\n"
                    "Remove events, annotations and finished outbox jobs (which hold the customer\n"
                    "text and evidence excerpts), and escalations with no activity in the period\n"
                    "(with the messages sent for them), older than each tenant's retention_days\n"
                    "(else [store] retention_days). The audit chain is kept and records the purge, so\n"
                    "`mamori audit verify` still passes. mamori-fcgi's housekeeper does the same\n"
                    "every hour; this runs it now. --dry-run counts without removing.\n");
            return mamori_cli_is_help(argv[i]) ? 0 : 2;
        }
    }
    if (mamori_generation_load(&g, cli->config_path, 0, MAMORI_GEN_NO_PLUGINS, &err) != 0) {
        mamori_cli_config_error(cli, err.message);
        return 1;
    }
    any = g->settings.retention_days > 0;
    for (size_t i = 0; i < g->tenant_count; i++)
        any |= g->tenants[i].retention_days > 0;
    if (!any) {
        printf("no retention period is configured ([store] retention_days and every tenant's retention_days are "
               "0): nothing is ever purged\n");
        rc = 0;
        goto out;
    }
    if (mamori_store_open(&st, g->settings.store_path, g->settings.sync_mode, g->settings.busy_timeout_ms, 0, &err) !=
        0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        goto out;
    }
    if (mamori_cli_store_audit_key(st, &g->settings) != 0)
        goto out;
    if (mamori_retention_purge(st, g, tenant, dry_run, time(NULL), &rep, &err) != 0) {
        fprintf(stderr, "mamori: purge failed (what was removed before the error stays removed): %s\n",
                err.message);
        goto out;
    }
    printf("%s %" PRId64 " events, %" PRId64 " finished outbox jobs and %" PRId64 " escalations (%" PRId64
           " tenants)\n",
           dry_run ? "would remove" : "removed", rep.events, rep.outbox, rep.escalations, rep.tenants);
    rc = 0;
out:
    mamori_store_close(st);
    mamori_generation_free(g);
    return rc;
}

int mamori_cmd_backup(const struct mamori_cli *cli, int argc, char **argv)
{
    struct mamori_backup_report rep;
    struct mamori_store *st = NULL;
    struct mamori_error err;
    const char *dest = NULL;
    int force = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0) {
            force = 1;
        } else if (argv[i][0] != '-' && dest == NULL) {
            dest = argv[i];
        } else {
            fprintf(mamori_cli_is_help(argv[i]) ? stdout : stderr,
                    "Usage: mamori [-c CONFIG] backup [--force] FILE\n"
                    "Copy the store into FILE (mode 0600) while mamori-fcgi keeps serving, with\n"
                    "sqlite's online backup API: one consistent snapshot, integrity-checked before\n"
                    "it is renamed into place. --force replaces an existing FILE. Restore: stop\n"
                    "mamori-fcgi, copy FILE over [store] path, remove the -wal and -shm files, start.\n"
                    "A PostgreSQL store is refused: back it up with pg_dump or pg_basebackup.\n");
            return mamori_cli_is_help(argv[i]) ? 0 : 2;
        }
    }
    if (dest == NULL) {
        fprintf(stderr, "Usage: mamori [-c CONFIG] backup [--force] FILE\n");
        return 2;
    }
    if (mamori_cli_open_store(cli, MAMORI_STORE_READONLY, &st) != 0)
        return 1;
    rc = mamori_backup_store(st, dest, force, &rep, &err);
    mamori_store_close(st);
    if (rc != 0) {
        fprintf(stderr, "mamori: %s\n", err.message);
        return 1;
    }
    printf("backup %s: %" PRId64 " pages, %" PRId64 " bytes, integrity ok%s\n", dest, rep.pages, rep.bytes,
           rep.restarts ? " (restarted while the store changed)" : "");
    return 0;
}
