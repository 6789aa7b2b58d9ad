/*
 * cli/cmd_policy_lists.c -- `mamori policy lists POLICY [NAME]`: the
 * policy's shared vocabulary (its lexicon lists) as the extends chain adds
 * it up, with where each list is used. A lawyer who writes "@money" in a
 * rule needs to know what money holds and which rules already rely on it
 * before adding to it with lexicon_add.
 *
 * With NAME, the list's entries, those this policy's own lexicon_add adds
 * marked "+". Without NAME, one line per list; FORMAT.md's catalogue of default-ja's
 * lists is this output, and tests/rules/cli.sh checks that it still is.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd_policy_cases.h"

/* How many users and entries the one-line summary names before "+N more". */
#define LISTS_SHOW_USERS 3
#define LISTS_SHOW_ENTRIES 3

/* Keys that are notes, not lists (FORMAT.md: "//" and "x-" are ignored). */
static int is_note_key(const char *k)
{
    return strncmp(k, "//", 2) == 0 || strncmp(k, "x-", 2) == 0;
}

/* Record that list `name` (written "@name") is used by `who`. */
static int add_use(json_t *uses, const char *name, const char *who)
{
    json_t *l = json_object_get(uses, name), *v;
    size_t i;

    if (l == NULL) {
        l = json_array();
        if (l == NULL || json_object_set_new(uses, name, l) != 0)
            return -1;
    }
    json_array_foreach(l, i, v)
        if (strcmp(json_string_value(v), who) == 0)
            return 0; /* a rule that names the list twice uses it once */
    return json_array_append_new(l, json_string(who));
}

/* Every "@list" string anywhere under v (a match expression, an unless
 * list, a block of cues). */
static int walk_refs(json_t *uses, json_t *v, const char *who)
{
    const char *k;
    json_t *m;
    size_t i;

    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        return s[0] == '@' && s[1] != '\0' ? add_use(uses, s + 1, who) : 0;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            if (walk_refs(uses, m, who) != 0)
                return -1;
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, m)
            if (!is_note_key(k) && walk_refs(uses, m, who) != 0)
                return -1;
    }
    return 0;
}

/* list name -> ["rule.id", "rule.id (unless)", "benign", ...] */
static json_t *collect_uses(json_t *root)
{
    static const char *const blocks[] = {"negation", "quotation", NULL};
    json_t *uses = json_object(), *rules = json_object_get(root, "rules"), *e, *v;
    const char *k;
    size_t i;

    if (uses == NULL)
        return NULL;
    json_array_foreach(rules, i, e) {
        const char *id = json_string_value(json_object_get(e, "id"));
        char who[512];

        if (id == NULL)
            continue;
        if (walk_refs(uses, json_object_get(e, "match"), id) != 0)
            goto oom;
        if ((size_t)snprintf(who, sizeof who, "%s (unless)", id) < sizeof who &&
            walk_refs(uses, json_object_get(e, "unless"), who) != 0)
            goto oom;
    }
    if (walk_refs(uses, json_object_get(root, "benign"), "benign") != 0)
        goto oom;
    for (const char *const *b = blocks; *b; b++)
        json_object_foreach(json_object_get(root, *b), k, v) {
            char who[256];
            if (!json_is_array(v) || (size_t)snprintf(who, sizeof who, "%s.%s", *b, k) >= sizeof who)
                continue;
            if (walk_refs(uses, v, who) != 0)
                goto oom;
        }
    return uses;
oom:
    json_decref(uses);
    return NULL;
}

/* An entry as a lawyer wrote it: a phrase, lemma:殺す, lemmas:火+つける. */
static void print_entry(FILE *out, json_t *e)
{
    json_t *l = json_object_get(e, "lemma"), *ls = json_object_get(e, "lemmas"), *v;
    size_t i;

    if (json_is_string(e))
        fputs(json_string_value(e), out);
    else if (json_is_string(l))
        fprintf(out, "lemma:%s", json_string_value(l));
    else if (json_is_array(ls)) {
        fputs("lemmas:", out);
        json_array_foreach(ls, i, v)
            fprintf(out, "%s%s", i ? "+" : "", json_is_string(v) ? json_string_value(v) : "?");
    } else
        fputs("?", out);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_summary(const struct rules_policy *p, json_t *lex, json_t *uses, const char **names, size_t n)
{
    printf("# %zu lexicon lists of %s %s; `mamori policy lists POLICY NAME` shows one\n", n, p->id, p->version);
    printf("# LIST                ENTRIES  USED BY                                           FIRST ENTRIES\n");
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_object_get(lex, names[i]), *u = json_object_get(uses, names[i]), *v;
        size_t nu = json_array_size(u), ne = json_array_size(list), k, width = 0;

        printf("%-22s %5zu  ", names[i], ne);
        if (nu == 0) {
            width = printf("(not used)");
        } else {
            json_array_foreach(u, k, v) {
                if (k == LISTS_SHOW_USERS) {
                    width += printf(" +%zu more", nu - k);
                    break;
                }
                width += printf("%s%s", k ? ", " : "", json_string_value(v));
            }
        }
        /* pad the ASCII column so the entries line up */
        printf("%*s  ", width < 48 ? (int)(48 - width) : 0, "");
        json_array_foreach(list, k, v) {
            if (k == LISTS_SHOW_ENTRIES) {
                fputs(", ...", stdout);
                break;
            }
            if (k)
                fputs(", ", stdout);
            print_entry(stdout, v);
        }
        putchar('\n');
    }
}

/* Whether entry E is in ARR (an own file's list; NULL: no). */
static int in_list(json_t *arr, json_t *e)
{
    size_t k;
    json_t *v;

    json_array_foreach(arr, k, v)
        if (json_equal(v, e))
            return 1;
    return 0;
}

/* OWN is the loaded file as written (not merged with its parents), or
 * NULL for a policy without parents: its "lexicon_add" entries are marked
 * so a lawyer sees which words are theirs in a list the default mostly
 * fills, and a list the file defines itself is said to be its own. */
static int print_one(const struct rules_policy *p, json_t *lex, json_t *uses, const char *name, json_t *own)
{
    json_t *list = json_object_get(lex, name), *u = json_object_get(uses, name), *v;
    json_t *added = own ? json_object_get(json_object_get(own, "lexicon_add"), name) : NULL;
    json_t *defined = own ? json_object_get(json_object_get(own, "lexicon"), name) : NULL;
    size_t k, nadded = 0;

    if (list == NULL || is_note_key(name)) {
        fprintf(stderr, "mamori policy lists: %s %s has no lexicon list \"%s\" (without NAME: every list)\n", p->id,
                p->version, name);
        return 1;
    }
    json_array_foreach(list, k, v)
        nadded += in_list(added, v);
    printf("lexicon list \"%s\" of %s %s: %zu entr%s", name, p->id, p->version, json_array_size(list),
           json_array_size(list) == 1 ? "y" : "ies");
    if (json_is_array(defined))
        printf(", defined in this policy's \"lexicon\" (replacing its parents' list)");
    if (nadded > 0)
        printf(", %zu added by this policy's \"lexicon_add\" (marked +)", nadded);
    putchar('\n');
    json_array_foreach(list, k, v) {
        fputs(in_list(added, v) ? "+ " : "  ", stdout);
        print_entry(stdout, v);
        putchar('\n');
    }
    if (json_array_size(u) == 0) {
        printf("not used (lint warns; write \"@%s\" in a rule to use it)\n", name);
        return 0;
    }
    printf("used by %zu:\n", json_array_size(u));
    json_array_foreach(u, k, v)
        printf("  %s\n", json_string_value(v));
    return 0;
}

int mamori_cmd_policy_lists(const struct mamori_cli *cli, int argc, char **argv)
{
    struct rules_load_options opt = {NULL, 0, 0, NULL, NULL, 0, 1};
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    struct rules_policy *p = NULL;
    const char *path = NULL, *name = NULL, **names = NULL, *k;
    json_t *lex, *uses = NULL, *v;
    size_t n = 0;
    int rc = 1;

    (void)cli;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
            opt.pubkey_path = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "Usage: mamori policy lists POLICY [NAME] [--pubkey PUB]\n");
            return 2;
        } else if (path == NULL)
            path = argv[i];
        else if (name == NULL)
            name = argv[i];
        else {
            fprintf(stderr, "Usage: mamori policy lists POLICY [NAME] [--pubkey PUB]\n");
            return 2;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "Usage: mamori policy lists POLICY [NAME] [--pubkey PUB]\n");
        return 2;
    }
    if (mamori_rules_policy_load(path, &opt, &p, &d, &err) != 0) {
        fprintf(stderr, "mamori policy lists: %s\n", err.message);
        goto done;
    }
    lex = json_object_get(p->json, "lexicon");
    uses = collect_uses(p->json);
    names = calloc(json_object_size(lex) + 1, sizeof *names);
    if (uses == NULL || names == NULL) {
        fprintf(stderr, "mamori policy lists: out of memory\n");
        goto done;
    }
    json_object_foreach(lex, k, v)
        if (!is_note_key(k) && json_is_array(v))
            names[n++] = k;
    qsort(names, n, sizeof *names, name_cmp);
    if (name != NULL) {
        json_t *own = NULL;
        if (p->nfiles > 1) {
            json_error_t jerr;
            /* Loaded above, so readable; a failure here only loses the marks. */
            own = json_load_file(path, 0, &jerr);
        }
        rc = print_one(p, lex, uses, name, own);
        json_decref(own);
    }
    else {
        print_summary(p, lex, uses, names, n);
        rc = 0;
    }
    if (fflush(stdout) != 0)
        rc = 1;
done:
    free(names);
    json_decref(uses);
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
    return rc;
}
