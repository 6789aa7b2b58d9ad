/*
 * cli/cmd_policy.c -- `mamori policy ...`, the lawyer's tools:
 *   lint     every problem as FILE:LINE:COLUMN: severity: message -- what to do
 *   test     run labelled cases, per-category precision/recall (cmd_policy_test.c)
 *   explain  why does this text match (cmd_policy_explain.c)
 *   lists    the lexicon lists and where they are used (cmd_policy_lists.c)
 *   train    the policy's model from labelled cases (plugins/rules/tool_train.c)
 *   sign / verify / keygen   Ed25519 signatures over policy files
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_policy_cases.h"
#include "tool_train.h"

/* Files named in the one-line summary of inherited warnings (a chain is
 * at most 9 files). */
#define LINT_MAX_FILES_SHOWN 10

static int usage(FILE *out, int rc)
{
    fprintf(out,
            "Usage: mamori policy COMMAND [ARGS]\n"
            "\n"
            "  lint POLICY [--all] [--pubkey PUB]\n"
            "      check the policy (and its extends chain); every problem is printed as\n"
            "      FILE:LINE:COLUMN: error|warning: message -- what to do. Exit 1 on errors.\n"
            "      Warnings in inherited files (the policy's parents) are counted in one\n"
            "      line; --all prints them too. One that this policy's changes cause is\n"
            "      printed at the line of the policy's entry that causes it.\n"
            "  test POLICY [CASES.jsonl] [--json] [--quiet]\n"
            "      run labelled cases (default: the policy's \"tests\" file) and report\n"
            "      per-category precision/recall/F1, macro-F1, harassment recall, escalation\n"
            "      and flame-risk precision/recall, the benign false-positive rate and every\n"
            "      failing case. Exit 1 below the policy's \"quality\" thresholds.\n"
            "  test POLICY [CASES.jsonl] --cv K [--train FILE]... [--weight FILE=W]...\n"
            "      k-fold cross-validated figures of the cases (each fold scored by a\n"
            "      model trained without it, on the other folds and the --train files):\n"
            "      an honest number for cases the policy's model was trained on.\n"
            "  explain POLICY [--text TEXT | -] [--subject S] [--channel C] [--contacts N]\n"
            "                 [--lang ja|en]\n"
            "      show the normalized text, every match and what became of it, the rule\n"
            "      and category scores, and the resulting annotation. Without --text the\n"
            "      body is read from standard input.\n"
            "  lists POLICY [NAME]\n"
            "      the lexicon lists (\"@name\" in rules) as the extends chain adds them up:\n"
            "      one line per list with the rules that use it, or list NAME's entries\n"
            "      and every rule, mask and cue that uses it.\n"
            "  train POLICY [CASES.jsonl...] -o MODEL [--validation FILE]... [--weight FILE=W]...\n"
            "              [--seed N] [--cv K]\n"
            "      train the policy's model (one per category, harassment, escalation and flame\n"
            "      risk) from labelled cases; the same cases give a byte-identical model.\n"
            "      `mamori policy train --help` lists every option.\n"
            "  sign --key KEY.pem POLICY...\n"
            "      write POLICY.sig (base64 Ed25519 over the exact bytes of POLICY)\n"
            "  verify --pubkey PUB.pem POLICY\n"
            "      check the signature of POLICY and of every file it extends\n"
            "  keygen OUT\n"
            "      make an Ed25519 key pair: OUT (private, mode 0600) and OUT.pub\n");
    return rc;
}

/* A path as the lawyer would type it: "a/b/../../c" is "c". Lexical only
 * (a symlinked directory could make it name another file), so it is used
 * for display, never to open anything. */
static void display_path(const char *in, char *out, size_t cap)
{
    size_t starts[64], nparts = 0, len = 0;
    const char *s = in;

    if (cap == 0)
        return;
    out[0] = '\0';
    if (*s == '/') {
        out[len++] = '/';
        out[len] = '\0';
    }
    while (*s != '\0') {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);

        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* "a//b", "./a": nothing to keep */
        } else if (n == 2 && s[0] == '.' && s[1] == '.' && nparts > 0 &&
                   !(len - starts[nparts - 1] == 2 && strncmp(out + starts[nparts - 1], "..", 2) == 0)) {
            len = starts[--nparts];
            if (len > 0 && out[len - 1] == '/' && !(len == 1 && in[0] == '/'))
                len--;
            out[len] = '\0';
        } else {
            if (nparts == sizeof starts / sizeof *starts || len + n + 2 > cap) {
                snprintf(out, cap, "%s", in); /* too deep or long to tidy: as given */
                return;
            }
            if (len > 0 && out[len - 1] != '/')
                out[len++] = '/';
            starts[nparts++] = len;
            memcpy(out + len, s, n);
            len += n;
            out[len] = '\0';
        }
        s += n;
        if (*s == '/')
            s++;
    }
    if (len == 0)
        snprintf(out, cap, ".");
}

/* One finding; the loaded file's path is printed as the user gave it,
 * a parent's (resolved against its child: "a/../../b") tidied. */
static void print_diag(const struct rules_diag *g, const char *note, int own)
{
    const char *sev = g->severity == RULES_DIAG_ERROR ? "error" : "warning";
    char file[4096];

    if (own)
        snprintf(file, sizeof file, "%s", g->file);
    else
        display_path(g->file, file, sizeof file);
    if (g->line > 0)
        printf("%s:%d:%d: %s: %s%s", file, g->line, g->col, sev, g->message, note);
    else
        printf("%s: %s: %s%s", file, sev, g->message, note);
    if (g->hint)
        printf(" -- %s", g->hint);
    putchar('\n');
}

/* Whether the loader knows the entry of the loaded file (path) that
 * causes finding g (rules.h, cause_file). */
static int cause_in(const struct rules_diag *g, const char *path)
{
    return g->cause_file != NULL && g->cause_line > 0 && strcmp(g->cause_file, path) == 0;
}

/* A warning located in a parent file that this policy's changes caused.
 * It is printed, like a compiler's primary location, at the lawyer's
 * entry that causes it (the loader's cause_file:line:col: the benign or
 * lexicon_add phrase, the override by id), or at the lawyer's file when
 * no single entry is known. The parent's own hint ("fix the match") is
 * about a file the lawyer cannot change, so the hint says what to do in
 * the lawyer's file: drop or narrow the entry of theirs that causes it,
 * or override the parent's rule by id (FORMAT.md, "Overriding one rule by
 * id"). */
static void print_caused_diag(const struct rules_diag *g, const char *own_path)
{
    struct rules_diag shown = *g;
    char rule_id[128] = "", hint[640];
    const char *m = g->message;
    int at_entry = cause_in(g, own_path);

    /* Rule findings start "rule ID ...". */
    if (strncmp(m, "rule ", 5) == 0) {
        size_t n = strcspn(m + 5, " ");
        if (n > 0 && n < sizeof rule_id)
            snprintf(rule_id, sizeof rule_id, "%.*s", (int)n, m + 5);
    }
    if (at_entry && rule_id[0] != '\0')
        snprintf(hint, sizeof hint,
                 "drop or narrow this entry, or override the rule by id: {\"id\": \"%s\", \"match\": ...} or "
                 "{\"id\": \"%s\", \"remove\": true} (FORMAT.md, \"Overriding one rule by id\")",
                 rule_id, rule_id);
    else if (at_entry && g->hint != NULL)
        /* a phrase or a category: the parent's hint says what would fix
         * it, which the lawyer does in their entry */
        snprintf(hint, sizeof hint, "change or drop this entry, or: %s", g->hint);
    else if (at_entry)
        snprintf(hint, sizeof hint, "change or drop this entry");
    else if (rule_id[0] != '\0')
        snprintf(hint, sizeof hint,
                 "in %s: drop or narrow the benign, negation or lexicon entry of yours that causes it, or "
                 "override the rule by id: {\"id\": \"%s\", \"match\": ...} or {\"id\": \"%s\", \"remove\": true} "
                 "(FORMAT.md, \"Overriding one rule by id\")",
                 own_path, rule_id, rule_id);
    else
        snprintf(hint, sizeof hint,
                 "in %s: drop or narrow the entry of yours that causes it (benign, negation, lexicon_add), or "
                 "override the parent's rule that uses it by id (FORMAT.md, \"Overriding one rule by id\")",
                 own_path);
    /* Said at the lawyer's file, which is the one to change; where it
     * shows in the parent follows in parentheses. */
    {
        char where[4096 + 64], pfile[4096];
        display_path(g->file, pfile, sizeof pfile);
        if (g->line > 0)
            snprintf(where, sizeof where, " (shows at %s:%d:%d, an inherited file, because of this policy's changes)",
                     pfile, g->line, g->col);
        else
            snprintf(where, sizeof where, " (shows in %s, an inherited file, because of this policy's changes)", pfile);
        shown.file = (char *)own_path;
        shown.line = at_entry ? g->cause_line : 0;
        shown.col = at_entry ? g->cause_col : 0;
        shown.hint = hint;
        print_diag(&shown, where, 1);
    }
}

/* Where a finding is printed: a parent warning this policy caused at the
 * lawyer's entry that causes it, when known (print_caused_diag). */
struct shown_at {
    const char *file;
    int line, col;
    size_t index;
};

static void shown_at(const struct rules_diag *g, int caused, const char *path, size_t i, struct shown_at *out)
{
    out->index = i;
    if (caused) {
        int at_entry = cause_in(g, path);
        out->file = path;
        out->line = at_entry ? g->cause_line : 0;
        out->col = at_entry ? g->cause_col : 0;
    } else {
        out->file = g->file[0] != '\0' ? g->file : path;
        out->line = g->line;
        out->col = g->col;
    }
}

/* Order of the loader's sort (file, line, column; stable), by where each
 * finding is printed, so the lawyer reads their file top to bottom. */
static int shown_before(const struct shown_at *a, const struct shown_at *b)
{
    int c = strcmp(a->file, b->file);

    if (c != 0)
        return c < 0;
    if (a->line != b->line)
        return a->line < b->line;
    if (a->col != b->col)
        return a->col < b->col;
    return a->index < b->index;
}

/* Whether the parent, linted on its own, reports the same warning. */
static int parent_has(const struct rules_diags *pd, const struct rules_diag *g)
{
    for (size_t i = 0; i < pd->n; i++)
        if (pd->v[i].line == g->line && pd->v[i].col == g->col && strcmp(pd->v[i].file, g->file) == 0 &&
            strcmp(pd->v[i].message, g->message) == 0)
            return 1;
    return 0;
}

/* Lint speaks about the file the lawyer wrote: warnings located in a
 * parent of the extends chain (the shipped default, usually) are counted
 * in one line unless --all, since the lawyer cannot change that file and
 * 30 lines about it hide the 3 about theirs -- except those the parent
 * does not have on its own, which this policy caused and are shown.
 * Errors are always shown: the policy does not load until someone fixes
 * them. */
static int cmd_lint(int argc, char **argv)
{
    const char *path = NULL, *pubkey = NULL;
    struct rules_policy *p = NULL;
    struct rules_load_options opt = {NULL, 1, 0, NULL, NULL, 0, 0};
    struct rules_diags d = {0}, pd = {0};
    struct rules_error err = {0, ""};
    size_t errors, shown = 0, hidden = 0;
    const char *hidden_files[LINT_MAX_FILES_SHOWN];
    size_t nhidden_files = 0;
    struct shown_at *order;
    int all = 0, parent_ok = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
            pubkey = argv[++i];
        else if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage(stderr, 2);
        else if (path == NULL)
            path = argv[i];
        else
            return usage(stderr, 2);
    }
    if (path == NULL)
        return usage(stderr, 2);
    opt.pubkey_path = pubkey;
    rc = mamori_rules_policy_load(path, &opt, &p, &d, &err);
    errors = d.errors;
    /* A warning located in the parent may still be this policy's doing
     * (its benign phrase masks a parent rule, its lexicon_add makes a
     * parent phrase unsafe): lint the parent alone, and show whatever it
     * does not report itself. */
    for (size_t i = 0; !all && rc == 0 && p->nfiles > 1 && i < d.n; i++)
        if (d.v[i].severity == RULES_DIAG_WARNING && d.v[i].file[0] != '\0' && strcmp(d.v[i].file, path) != 0) {
            struct rules_policy *pp = NULL;
            struct rules_error perr = {0, ""};
            parent_ok = mamori_rules_policy_load(p->files[1], &opt, &pp, &pd, &perr) == 0;
            mamori_rules_policy_free(pp);
            break; /* one inherited warning is enough to need the parent's own list */
        }
    order = calloc(d.n + 1, sizeof *order);
    if (order == NULL) {
        fprintf(stderr, "mamori policy lint: out of memory\n");
        mamori_rules_diags_free(&d);
        mamori_rules_diags_free(&pd);
        mamori_rules_policy_free(p);
        return 1;
    }
    for (size_t i = 0; i < d.n; i++) {
        const struct rules_diag *g = &d.v[i];
        int own = g->file[0] == '\0' || strcmp(g->file, path) == 0;
        struct shown_at t;
        size_t j = i;

        shown_at(g, !all && !own && g->severity == RULES_DIAG_WARNING && parent_ok && !parent_has(&pd, g), path, i,
                 &t);
        while (j > 0 && shown_before(&t, &order[j - 1])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = t;
    }
    for (size_t o = 0; o < d.n; o++) {
        const struct rules_diag *g = &d.v[order[o].index];
        /* diagnostics of the loaded file carry its path exactly as given */
        int own = g->file[0] == '\0' || strcmp(g->file, path) == 0;

        if (!all && !own && g->severity == RULES_DIAG_WARNING && parent_ok && !parent_has(&pd, g)) {
            shown++;
            print_caused_diag(g, path);
            continue;
        }
        if (!all && !own && g->severity == RULES_DIAG_WARNING) {
            size_t k = 0;
            while (k < nhidden_files && strcmp(hidden_files[k], g->file) != 0)
                k++;
            if (k == nhidden_files && nhidden_files < LINT_MAX_FILES_SHOWN)
                hidden_files[nhidden_files++] = g->file;
            hidden++;
            continue;
        }
        if (g->severity == RULES_DIAG_WARNING)
            shown++;
        print_diag(g, "", own);
    }
    if (rc != 0 && d.errors == 0) {
        /* Not a problem inside the policy: unreadable file, signature. */
        printf("%s: error: %s\n", path, err.message);
        errors = 1;
    }
    if (hidden > 0) {
        printf("%zu warning%s in inherited files (", hidden, hidden == 1 ? "" : "s");
        for (size_t k = 0; k < nhidden_files; k++) {
            char file[4096];
            display_path(hidden_files[k], file, sizeof file);
            printf("%s%s", k ? ", " : "", file);
        }
        printf("); --all shows them\n");
    }
    if (rc == 0 && p != NULL) {
        printf("%s: policy %s %s: %zu categories, %zu rules, %zu phrases, %zu lemma sequences, "
               "%zu files; loaded in %.1f ms\n",
               path, p->id, p->version, p->ncats, p->nrules, p->nphrases, p->nlemma_keys, p->nfiles,
               p->load_ms);
    }
    printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", shown, shown == 1 ? "" : "s");
    free(order);
    mamori_rules_diags_free(&d);
    mamori_rules_diags_free(&pd);
    mamori_rules_policy_free(p);
    return errors > 0 || rc != 0 ? 1 : 0;
}

static int cmd_sign(int argc, char **argv)
{
    const char *key = NULL;
    int status = 0, files = 0;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
    if (key == NULL)
        return usage(stderr, 2);
    for (int i = 1; i < argc; i++) {
        struct rules_error err = {0, ""};
        char sigpath[4096], *b64 = NULL, *data;
        size_t len;
        FILE *f;

        if (strcmp(argv[i], "--key") == 0) {
            i++;
            continue;
        }
        files++;
        data = policy_read_all(argv[i], &len);
        if (data == NULL) {
            fprintf(stderr, "mamori policy sign: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (mamori_rules_sig_sign(key, data, len, &b64, &err) != 0) {
            fprintf(stderr, "mamori policy sign: %s\n", err.message);
            free(data);
            return 1;
        }
        free(data);
        if ((size_t)snprintf(sigpath, sizeof sigpath, "%s.sig", argv[i]) >= sizeof sigpath ||
            (f = fopen(sigpath, "w")) == NULL) {
            fprintf(stderr, "mamori policy sign: cannot write %s.sig\n", argv[i]);
            free(b64);
            status = 1;
            continue;
        }
        fprintf(f, "%s\n", b64);
        if (fclose(f) != 0) {
            fprintf(stderr, "mamori policy sign: cannot write %s\n", sigpath);
            status = 1;
        } else {
            printf("signed %s -> %s\n", argv[i], sigpath);
        }
        free(b64);
    }
    return files == 0 ? usage(stderr, 2) : status;
}

static void verify_report(void *ctx, const char *file, int ok, const char *message)
{
    (void)ctx;
    if (ok)
        printf("%s: %s\n", file, message);
    else
        printf("%s\n", message);
}

static int cmd_verify(int argc, char **argv)
{
    const char *pub = NULL, *path = NULL;
    struct rules_error err = {0, ""};
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
            pub = argv[++i];
        else if (path == NULL && argv[i][0] != '-')
            path = argv[i];
        else
            return usage(stderr, 2);
    }
    if (pub == NULL || path == NULL)
        return usage(stderr, 2);
    rc = mamori_rules_verify_chain(path, pub, verify_report, NULL, &err);
    if (rc != 0) {
        if (rc != RULES_EAUTH)
            printf("%s\n", err.message);
        printf("FAILED: %s must not be loaded with %s\n", path, pub);
        return 1;
    }
    printf("OK: every file of %s is signed by %s\n", path, pub);
    return 0;
}

static int cmd_keygen(int argc, char **argv)
{
    struct rules_error err = {0, ""};
    char pub[4096];

    if (argc != 2 || argv[1][0] == '-')
        return usage(stderr, 2);
    if ((size_t)snprintf(pub, sizeof pub, "%s.pub", argv[1]) >= sizeof pub) {
        fprintf(stderr, "mamori policy keygen: path too long\n");
        return 1;
    }
    if (mamori_rules_sig_keygen(argv[1], pub, &err) != 0) {
        fprintf(stderr, "mamori policy keygen: %s\n", err.message);
        return 1;
    }
    printf("private key: %s (mode 0600; keep it with the law firm, never on the server)\n"
           "public key:  %s (copy it to the server and set policy_pubkey = in the tenant's [plugin rules])\n",
           argv[1], pub);
    return 0;
}

int mamori_cmd_policy(const struct mamori_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, 2);
    if (mamori_cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0)
        return usage(stdout, 0);
    if (strcmp(argv[1], "train") == 0)
        return mamori_policy_train_main(argc - 1, argv + 1);
    for (int i = 2; i < argc; i++)
        if (mamori_cli_is_help(argv[i]))
            return usage(stdout, 0);
    if (strcmp(argv[1], "lint") == 0)
        return cmd_lint(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0)
        return mamori_cmd_policy_test(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "explain") == 0)
        return mamori_cmd_policy_explain(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "lists") == 0)
        return mamori_cmd_policy_lists(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "sign") == 0)
        return cmd_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    fprintf(stderr, "mamori policy: unknown command \"%s\"\n", argv[1]);
    return usage(stderr, 2);
}
