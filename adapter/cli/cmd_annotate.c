/*
 * cli/cmd_annotate.c -- `mamori annotate --policy POLICY --jsonl CASES`:
 * run a policy over labelled cases offline and print one JSON object per
 * case, in input order, in the stable shape of FORMAT.md ("Output for
 * tools") that scoring scripts read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/case_runner.h"
#include "cli/cmd_policy_cases.h"

static int usage(FILE *out, int rc)
{
    fprintf(out, "Usage: mamori annotate --policy POLICY --jsonl CASES.jsonl [--pubkey PUB] [--plugin-dir DIR]\n"
                 "Annotate each case (corpus format: id, lang, channel, subject, body,\n"
                 "repeat_contacts_30d) with POLICY, through the rules plugin as the daemon\n"
                 "runs it, and print one line per case:\n"
                 "  {\"id\": ..., \"categories\": [...], \"escalate\": ..., \"flame_risk\": ...,\n"
                 "   \"severity\": ..., \"escalation_level\": ..., \"flame_level\": ..., \"scores\": {...}}\n"
                 "CASES may be - for standard input. A line that is not a case prints\n"
                 "{\"id\": ..., \"error\": \"...\"} and makes the exit status 1, as does a case\n"
                 "the plugin failed on (its line gains \"plugin_errors\").\n"
                 "The plugin is read from --plugin-dir, else $MAMORI_PLUGIN_DIR, else the\n"
                 "configuration's plugin_dir.\n");
    return rc;
}

/* Print one JSON line; 0, or -1 when out of memory. */
static int put_line(json_t *out)
{
    char *line = out ? json_dumps(out, JSON_REAL_PRECISION(10)) : NULL;

    if (line == NULL)
        return -1;
    puts(line);
    free(line);
    return 0;
}

int mamori_cmd_annotate(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *policy = NULL, *cases = NULL, *pubkey = NULL, *plugin_dir_opt = NULL;
    struct case_runner *runner = NULL;
    struct mamori_error err;
    char *plugin_dir;
    FILE *f;
    long lineno = 0;
    int status = 0;

    for (int i = 1; i < argc; i++) {
        if (mamori_cli_is_help(argv[i]))
            return usage(stdout, 0);
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "--jsonl") == 0 && i + 1 < argc)
            cases = argv[++i];
        else if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
            pubkey = argv[++i];
        else if (strcmp(argv[i], "--plugin-dir") == 0 && i + 1 < argc)
            plugin_dir_opt = argv[++i];
        else {
            fprintf(stderr, "mamori annotate: unexpected argument %s\n", argv[i]);
            return usage(stderr, 2);
        }
    }
    if (policy == NULL || cases == NULL)
        return usage(stderr, 2);
    if ((plugin_dir = case_runner_plugin_dir(cli, plugin_dir_opt)) == NULL)
        return 1;
    if (case_runner_open(&runner, plugin_dir, policy, pubkey, NULL, &err) != 0) {
        /* The policy's own diagnostics (FILE:LINE:COL) say more than the
         * plugin's one line when the policy is what failed. */
        size_t nerr = 0;
        struct rules_policy *p = policy_load_print(policy, pubkey, 0, stderr, &nerr, NULL);
        if (p == NULL && nerr > 0)
            fprintf(stderr, "mamori annotate: %s: the policy does not load\n", policy);
        else
            fprintf(stderr, "mamori annotate: %s\n", err.message);
        mamori_rules_policy_free(p);
        free(plugin_dir);
        return 1;
    }
    free(plugin_dir);
    f = strcmp(cases, "-") == 0 ? stdin : fopen(cases, "r");
    if (f == NULL) {
        fprintf(stderr, "mamori annotate: %s: cannot open\n", cases);
        case_runner_close(runner);
        return 1;
    }
    for (;;) {
        struct policy_case c;
        struct mamori_annotation a;
        char why[512];
        json_t *out = NULL;
        int r = policy_case_next(f, &lineno, &c, why, sizeof why);

        if (r == 0)
            break;
        mamori_annotation_init(&a);
        if (r < 0) {
            out = json_pack("{s:o, s:s}", "id", json_null(), "error", why);
            status = 1;
        } else if (case_runner_run(runner, &c, &a) == 0) {
            out = case_annotation_line(&a, c.id);
            if (a.plugin_errors.count > 0)
                status = 1;
        }
        if (put_line(out) != 0) {
            fprintf(stderr, "mamori annotate: out of memory\n");
            json_decref(out);
            mamori_annotation_free(&a);
            policy_case_free(&c);
            status = 1;
            break;
        }
        json_decref(out);
        mamori_annotation_free(&a);
        policy_case_free(&c);
    }
    if (f != stdin)
        fclose(f);
    case_runner_close(runner);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
