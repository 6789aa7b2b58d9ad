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
#include "cli/cmd_policy_cases.h"

static int usage(FILE *out, int rc)
{
    fprintf(out, "Usage: mamori annotate --policy POLICY --jsonl CASES.jsonl [--pubkey PUB]\n"
                 "Annotate each case (corpus format: id, lang, channel, subject, body,\n"
                 "repeat_contacts_30d) with POLICY and print one line per case:\n"
                 "  {\"id\": ..., \"categories\": [...], \"escalate\": ..., \"flame_risk\": ...,\n"
                 "   \"severity\": ..., \"escalation_level\": ..., \"flame_level\": ..., \"scores\": {...}}\n"
                 "CASES may be - for standard input. A line that is not a case prints\n"
                 "{\"id\": ..., \"error\": \"...\"} and makes the exit status 1.\n");
    return rc;
}

int mamori_cmd_annotate(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *policy = NULL, *cases = NULL, *pubkey = NULL;
    struct rules_policy *p;
    struct rules_scratch *s = NULL;
    FILE *f;
    long lineno = 0;
    int status = 0;

    (void)cli;
    for (int i = 1; i < argc; i++) {
        if (mamori_cli_is_help(argv[i]))
            return usage(stdout, 0);
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "--jsonl") == 0 && i + 1 < argc)
            cases = argv[++i];
        else if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
            pubkey = argv[++i];
        else {
            fprintf(stderr, "mamori annotate: unexpected argument %s\n", argv[i]);
            return usage(stderr, 2);
        }
    }
    if (policy == NULL || cases == NULL)
        return usage(stderr, 2);
    p = policy_load_print(policy, pubkey, 0, stderr, NULL, NULL);
    if (p == NULL)
        return 1;
    f = strcmp(cases, "-") == 0 ? stdin : fopen(cases, "r");
    if (f == NULL) {
        fprintf(stderr, "mamori annotate: %s: cannot open\n", cases);
        mamori_rules_policy_free(p);
        return 1;
    }
    if (mamori_rules_scratch_new(p, &s) != 0) {
        fprintf(stderr, "mamori annotate: out of memory\n");
        status = 1;
        goto done;
    }
    for (;;) {
        struct policy_case c;
        struct rules_input in;
        struct rules_error err = {0, ""};
        char why[512];
        json_t *out;
        int r = policy_case_next(f, &lineno, &c, why, sizeof why);

        if (r == 0)
            break;
        if (r < 0) {
            out = json_pack("{s:o, s:s}", "id", json_null(), "error", why);
            status = 1;
        } else {
            policy_case_input(&c, p, &in);
            if (mamori_rules_eval(p, &in, s, &err) != 0) {
                out = json_pack("{s:s?, s:s}", "id", c.id, "error", err.message);
                status = 1;
            } else {
                out = policy_result_json(p, s, c.id);
            }
        }
        if (out == NULL) {
            fprintf(stderr, "mamori annotate: out of memory\n");
            policy_case_free(&c);
            status = 1;
            break;
        }
        {
            char *line = json_dumps(out, JSON_REAL_PRECISION(10));
            if (line != NULL)
                puts(line);
            free(line);
        }
        json_decref(out);
        policy_case_free(&c);
    }
done:
    if (f != stdin)
        fclose(f);
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
