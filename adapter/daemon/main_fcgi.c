/*
 * main_fcgi.c -- mamori-fcgi: options, checks, the listening socket, then
 * the supervisor. See mamori-fcgi(8).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/proctitle.h"
#include "config/generation.h"
#include "config/settings.h"
#include "daemon/check_user.h"
#include "daemon/listen.h"
#include "daemon/plugin_check.h"
#include "daemon/roles.h"
#include "daemon/supervisor.h"
#include "store/group_commit.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: mamori-fcgi [OPTION]...\n"
            "Receive helpdesk webhooks over FastCGI, annotate tickets with the tenant's policy\n"
            "plugins, and write the internal note back.\n"
            "\n"
            "  -c, --config FILE     configuration file (default " MAMORI_DEFAULT_CONFIG ")\n"
            "  -l, --listen ADDR     /path/to.sock or host:port (overrides [server] listen);\n"
            "                        without either, use the socket inherited on fd 0 or from systemd\n"
            "  -w, --workers N       worker processes (overrides [server] workers; default: cores)\n"
            "  -t, --check-config    check config, tenants, secrets, plugins, policies and the store,\n"
            "                        then exit: 0 if everything loads, 1 with the reason otherwise;\n"
            "                        creates nothing; as root, checks again as the service user\n"
            "  -u, --user USER       with -t as root: the service user (default: the owner of the\n"
            "                        store's directory)\n"
            "  -V, --version         print the version and exit\n"
            "  -h, --help            print this help and exit\n"
            "\n"
            "Signals: SIGHUP reloads (the old generation keeps serving if the new one fails);\n"
            "SIGTERM finishes in-flight requests and exits 0.\n"
            "Documentation: mamori-fcgi(8), mamori.conf(5).\n");
}

/* "mamori-fcgi: supervisor /usr/sbin/mamori-fcgi -c FILE", as nginx's
 * "master process ...": the role, then the command line it was started
 * with (argv holds copies now, see base/proctitle.h). */
static void set_supervisor_title(int argc, char **argv)
{
    char line[512];
    size_t len = 0;

    line[0] = '\0';
    for (int i = 0; i < argc && len < sizeof line; i++) {
        int n = snprintf(line + len, sizeof line - len, "%s%s", i ? " " : "", argv[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    mamori_proctitle_set("supervisor %s", line);
}

/* The rest of --check-config, then its verdict; frees gen. The store is
 * checked, never opened: a check run as root that created or migrated it
 * would leave root's files behind and the daemon a read-only store. */
static int check_store_and_user(struct mamori_generation *gen, const char *config_path, const char *user)
{
    struct mamori_error err;
    char name[256], shown[256];
    uid_t uid = 0;
    int found = 0, rc;

    mamori_error_clear(&err);
    rc = mamori_store_check(gen->settings.store_path, &err);
    /* A PostgreSQL store has no directory to tell the service user by:
     * only an explicit --user is checked (its ~/.pgpass, say). */
    if (rc == 0 && (user != NULL || (geteuid() == 0 && !gen->settings.store_is_url))) {
        found = mamori_check_user_find(user, gen->settings.store_path, &uid, name, sizeof name, &err);
        rc = found < 0 ? found : 0;
        if (found > 0 && geteuid() != 0 && uid != geteuid())
            rc = mamori_error_set(&err, MAMORI_EINVAL, "--user %s: only root can check as another user", name);
        else if (found > 0 && uid != geteuid())
            rc = mamori_check_user_run(config_path, name, &err);
    }
    if (rc != 0) {
        mamori_log_err("config_error", "%s", err.message);
        fprintf(stderr, "mamori-fcgi: configuration check FAILED: %s\n", err.message);
        mamori_generation_free(gen);
        return 1;
    }
    if (geteuid() == 0 && found == 0 && !gen->settings.store_is_url)
        fprintf(stderr, "mamori-fcgi: note: checked as root only: the store's directory belongs to root, so the "
                        "service user is not known; pass --user USER to check what that user can read\n");
    mamori_store_display(gen->settings.store_path, shown, sizeof shown); /* never a URL's password */
    printf("mamori-fcgi: configuration %s is OK (%zu tenants, store %s%s%s)\n", config_path, gen->tenant_count,
           shown, found > 0 ? ", readable by " : "", found > 0 ? name : "");
    mamori_generation_free(gen);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'}, {"check-config", no_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},    {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config_path = MAMORI_DEFAULT_CONFIG, *listen_addr = NULL, *user = NULL;
    struct mamori_supervisor_options opts;
    struct mamori_generation *gen = NULL;
    struct mamori_store *store = NULL;
    struct mamori_error err;
    long workers = 0;
    int check = 0, opt, fd = -1, rc;

    /* Before anything reads argv or the environment: the children's
     * titles are written where they were (base/proctitle.h). */
    mamori_proctitle_init(argc, argv);
    mamori_log_init("mamori-fcgi", MAMORI_LOG_LEVEL_INFO, 0);
    while ((opt = getopt_long(argc, argv, "c:l:w:tu:Vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; break;
        case 'l': listen_addr = optarg; break;
        case 'w': {
            char *end;
            workers = strtol(optarg, &end, 10);
            if (*end != '\0' || workers < 1 || workers > 256) {
                fprintf(stderr, "mamori-fcgi: --workers must be a number from 1 to 256\n");
                return 2;
            }
            break;
        }
        case 't': check = 1; break;
        case 'u': user = optarg; break;
        case 'V': printf("mamori-fcgi %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, MAMORI_PLUGIN_ABI_MAJOR,
                         MAMORI_PLUGIN_ABI_MINOR);
            return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (user != NULL && !check) {
        fprintf(stderr, "mamori-fcgi: --user goes with --check-config (systemd's User= sets who serves)\n");
        return 2;
    }
    if (optind != argc) {
        fprintf(stderr, "mamori-fcgi: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    /* Plugins' open() runs in a child (daemon/plugin_check.h): a plugin
     * that crashes there fails the check, or at start only its tenant. */
    if (mamori_generation_load(&gen, config_path, 1,
                               MAMORI_GEN_DEFER_OPEN |
                                   (check ? MAMORI_GEN_CHECK : (MAMORI_GEN_CREATE_KEY | MAMORI_GEN_DEGRADED_OK)),
                               &err) != 0 ||
        mamori_plugin_check(gen, !check, &err) != 0) {
        mamori_generation_free(gen);
        mamori_log_err("config_error", "%s", err.message);
        if (check)
            fprintf(stderr, "mamori-fcgi: configuration check FAILED: %s\n", err.message);
        return 1;
    }
    mamori_log_init("mamori-fcgi", gen->settings.log_level, gen->settings.use_syslog);
    if (check)
        return check_store_and_user(gen, config_path, user);
    if (mamori_store_open(&store, gen->settings.store_path, gen->settings.sync_mode, gen->settings.busy_timeout_ms, 0,
                          &err) != 0) {
        mamori_log_err("store_error", "%s", err.message);
        mamori_generation_free(gen);
        return 1;
    }
    mamori_store_close(store);

    if (listen_addr == NULL)
        listen_addr = gen->settings.listen;
    rc = listen_addr ? mamori_listen_open(listen_addr, gen->settings.listen_mode, gen->settings.listen_group, &fd, &err)
                     : mamori_listen_inherited(&fd, &err);
    if (rc != 0) {
        mamori_log_err("listen_error", "%s", err.message);
        mamori_generation_free(gen);
        return 1;
    }
    if (mamori_metrics_init() != 0)
        mamori_log_warn("metrics", "cannot map shared memory for metrics; /metrics will be partial");
    if (mamori_group_commit_init() != 0)
        mamori_log_warn("group_commit", "cannot map shared memory for group commit; every commit syncs itself");

    if (workers == 0)
        workers = gen->settings.workers;
    if (workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        workers = n > 0 ? n : 2;
    }
    memset(&opts, 0, sizeof opts);
    opts.config_path = config_path;
    opts.listen_fd = fd;
    opts.workers = workers;
    opts.aux = mamori_aux_roles;
    mamori_log_info("listening", "listening on %s", listen_addr ? listen_addr : "inherited socket");
    set_supervisor_title(argc, argv);
    return mamori_supervisor_run(&opts, gen);
}
