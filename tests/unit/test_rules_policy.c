/*
 * test_rules_policy.c -- loading policies: extends/override/remove merge,
 * lexicon_add, metadata from the child, depth and cycle limits, and lint
 * diagnostics at exact FILE:LINE:COLUMN positions, with the child's entry
 * that causes a finding in its parent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_pos.h"
#include "rules.h"
#include "tap.h"

static const char *top;

static const char *path_of(const char *rel)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/tests/rules/%s", top, rel);
    return buf[k];
}

static const struct rules_category *cat(const struct rules_policy *p, const char *id)
{
    for (size_t i = 0; i < p->ncats; i++)
        if (strcmp(p->cats[i].id, id) == 0)
            return &p->cats[i];
    return NULL;
}

static const struct rules_rule *rule(const struct rules_policy *p, const char *id)
{
    for (size_t i = 0; i < p->nrules; i++)
        if (strcmp(p->rules[i].id, id) == 0)
            return &p->rules[i];
    return NULL;
}

static int has_phrase(const struct rules_policy *p, const char *text)
{
    for (size_t i = 0; i < p->nphrases; i++)
        if (strcmp(p->keys[i].text, text) == 0)
            return 1;
    return 0;
}

/* A diagnostic at file:line:col whose message contains `what`. */
static int has_diag(const struct rules_diags *d, const char *file, int line, int col, int sev, const char *what)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct rules_diag *g = &d->v[i];
        size_t fl = strlen(g->file), ql = strlen(file);
        if (g->line == line && g->col == col && g->severity == sev && fl >= ql &&
            strcmp(g->file + fl - ql, file) == 0 && strstr(g->message, what) != NULL)
            return 1;
    }
    for (size_t i = 0; i < d->n; i++)
        diag("  have %s:%d:%d: %s", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].message);
    return 0;
}

/* Is there any diagnostic at line:col (col 0: anywhere on the line)? */
static int has_diag_quiet(const struct rules_diags *d, int line, int col)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].line == line && (col == 0 || d->v[i].col == col))
            return 1;
    return 0;
}

/* Does the diagnostic at line:col have a hint containing `what`? */
static int diag_hint(const struct rules_diags *d, int line, int col, const char *what)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].line == line && d->v[i].col == col && d->v[i].hint && strstr(d->v[i].hint, what))
            return 1;
    return 0;
}

static void test_merge(void)
{
    struct rules_policy *p = NULL;
    struct rules_error err = {0, ""};
    const struct rules_category *threat;
    int rc = mamori_rules_policy_load(path_of("merge/child.json"), NULL, &p, NULL, &err);

    is_int(rc, 0, "child extending parent loads");
    if (rc != 0) {
        diag("%s", err.message);
        for (int i = 0; i < 19; i++)
            ok(0, "skipped");
        return;
    }
    is_str(p->id, "child", "metadata comes from the child (id)");
    is_str(p->version, "2.0.0", "... (version)");
    is_str(p->company, "子会社", "... (company)");
    ok(p->title == NULL, "... and is not inherited (title)");
    is_int(p->nfiles, 2, "the chain has two files");
    threat = cat(p, "threat");
    ok(threat != NULL && threat->ntraining == 1 && strcmp(threat->training[0].url, "https://child.example/threat") == 0,
       "a category merged by id: the child changes only guidance.training");
    ok(threat != NULL && threat->steps.n[0] == 1 && strcmp(threat->steps.v[0][0], "警察") == 0,
       "... first_response is still the parent's");
    ok(threat != NULL && threat->esc_level == 4 && threat->severity == 4, "... so are escalation and severity");
    ok(cat(p, "old_category") == NULL, "{\"id\": ..., \"remove\": true} deletes a parent category");
    ok(cat(p, "rude") != NULL, "a new category id is appended");
    ok(rule(p, "old.rule") == NULL, "a parent rule is removed");
    ok(rule(p, "abuse.words") != NULL && rule(p, "abuse.words")->weight == 0.5,
       "a rule merged by id: the child changes only its weight");
    ok(rule(p, "abuse.words") != NULL && p->exprs[rule(p, "abuse.words")->root].label != NULL &&
           strcmp(p->exprs[rule(p, "abuse.words")->root].label, "@abuse") == 0,
       "... and keeps the parent's match");
    ok(rule(p, "rude.move") != NULL, "a new rule is appended");
    ok(has_phrase(p, "くず") && has_phrase(p, "ばか"), "lexicon_add appends to the parent's list");
    ok(has_phrase(p, "ぶっころ") && !has_phrase(p, "ころす"), "a child lexicon list replaces the parent's");
    ok(has_phrase(p, "どけ"), "lexicon_add can create a new list");
    is_int(p->neg_window, 4, "objects merge key by key (negation.window overridden)");
    ok(has_phrase(p, "つもりはない"), "... keeping the parent's other keys (negation.after)");
    mamori_rules_policy_free(p);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void test_limits(void)
{
    char dir[] = "/tmp/mamori-rules-test-XXXXXX", path[4200], body[512];
    struct rules_policy *p = NULL;
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    int rc;

    rc = mamori_rules_policy_load(path_of("merge/cycle_a.json"), NULL, &p, &d, &err);
    is_int(rc, RULES_EINVAL, "an extends cycle is refused");
    ok(has_diag(&d, "merge/cycle_b.json", 1, 60, RULES_DIAG_ERROR, "extends cycle"),
       "... at cycle_b.json:1:60, the extends that closes it");
    mamori_rules_diags_free(&d);

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        ok(0, "mkdtemp");
        return;
    }
    /* p0 extends p1 ... p8 extends p9: nine parents. */
    for (int i = 0; i <= 9; i++) {
        snprintf(path, sizeof path, "%s/p%d.json", dir, i);
        if (i < 9)
            snprintf(body, sizeof body, "{\"mamori_policy\": 1, \"id\": \"p%d\", \"version\": \"1\", \"extends\": \"p%d.json\"}\n", i,
                     i + 1);
        else
            snprintf(body, sizeof body, "{\"mamori_policy\": 1, \"id\": \"p9\", \"version\": \"1\"}\n");
        write_file(path, body);
    }
    snprintf(path, sizeof path, "%s/bom.json", dir);
    write_file(path, "\xEF\xBB\xBF{\"mamori_policy\": 1, \"id\": \"bom\", \"version\": \"1\", \"colour\": 1}\n");
    rc = mamori_rules_policy_load(path, NULL, &p, &d, &err);
    ok(rc == RULES_EINVAL && has_diag(&d, "bom.json", 1, 51, RULES_DIAG_ERROR, "unknown key \"colour\""),
       "a UTF-8 byte order mark is skipped (and not counted in columns)");
    mamori_rules_diags_free(&d);
    unlink(path);
    snprintf(path, sizeof path, "%s/p1.json", dir);
    rc = mamori_rules_policy_load(path, NULL, &p, NULL, &err);
    is_int(rc, 0, "an extends chain of 8 parents loads");
    mamori_rules_policy_free(p);
    p = NULL;
    snprintf(path, sizeof path, "%s/p0.json", dir);
    rc = mamori_rules_policy_load(path, NULL, &p, &d, &err);
    ok(rc == RULES_EINVAL && strstr(err.message, "deeper than 8") != NULL, "9 parents are refused: %s", err.message);
    mamori_rules_diags_free(&d);
    for (int i = 0; i <= 9; i++) {
        snprintf(path, sizeof path, "%s/p%d.json", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

static void test_lint(void)
{
    struct rules_load_options opt = {NULL, 1, 0, NULL, NULL, 0, 0};
    struct rules_policy *p = NULL;
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    int rc;

    rc = mamori_rules_policy_load(path_of("lint/errors.json"), &opt, &p, &d, &err);
    is_int(rc, RULES_EINVAL, "a policy with errors does not load");
    contains_str(err.message, "errors.json:5:3: unknown key \"colour\"", "err names the first problem with its position");
    ok(has_diag(&d, "errors.json", 5, 3, RULES_DIAG_ERROR, "unknown key \"colour\""), "unknown top-level key at 5:3");
    ok(has_diag(&d, "errors.json", 8, 83, RULES_DIAG_ERROR, "unknown key \"treshold\""), "misspelt key at 8:83");
    ok(d.n > 1 && strstr(d.v[1].hint ? d.v[1].hint : "", "did you mean \"threshold\"") != NULL,
       "... with a did-you-mean hint");
    ok(has_diag(&d, "errors.json", 9, 70, RULES_DIAG_ERROR, "unknown value \"huge\""), "bad severity at 9:70");
    ok(has_diag(&d, "errors.json", 12, 49, RULES_DIAG_ERROR, "unknown lexicon list @kil"), "unknown list at 12:49");
    ok(has_diag(&d, "errors.json", 13, 30, RULES_DIAG_ERROR, "unknown category \"threats\""),
       "unknown category at 13:30");
    ok(has_diag(&d, "errors.json", 14, 12, RULES_DIAG_ERROR, "duplicate id \"r1\""), "duplicate rule id at 14:12");
    ok(has_diag(&d, "errors.json", 15, 48, RULES_DIAG_ERROR, "\"near\" needs \"within\""), "near without within");
    ok(has_diag(&d, "errors.json", 16, 48, RULES_DIAG_ERROR, "more than one operator"), "two operators in one object");
    ok(has_diag(&d, "errors.json", 17, 48, RULES_DIAG_ERROR, "empty after normalization"),
       "a phrase of separators only");
    is_int(d.errors, 9, "9 errors in all");
    mamori_rules_diags_free(&d);

    rc = mamori_rules_policy_load(path_of("lint/warnings.json"), &opt, &p, &d, &err);
    is_int(rc, 0, "a policy with warnings loads");
    ok(has_diag(&d, "warnings.json", 8, 5, RULES_DIAG_WARNING, "lexicon list \"unused\" is not used"),
       "unused lexicon list at its key (8:5)");
    ok(has_diag(&d, "warnings.json", 14, 12, RULES_DIAG_WARNING, "category lonely has no rules"), "unused category");
    ok(has_diag(&d, "warnings.json", 14, 12, RULES_DIAG_WARNING, "category lonely has no guidance"),
       "category without guidance");
    ok(has_diag(&d, "warnings.json", 12, 60, RULES_DIAG_WARNING, "unknown placeholder {unknown_thing}"),
       "unknown placeholder in a reply draft");
    ok(has_diag(&d, "warnings.json", 20, 58, RULES_DIAG_WARNING, "rule abuse.masked can never match"),
       "a rule whose only phrase is a benign look-alike never matches");
    ok(has_diag(&d, "warnings.json", 21, 65, RULES_DIAG_WARNING, "\"all\" requires a phrase and its \"not\""),
       "all: [x, not x] never matches");
    ok(has_diag(&d, "warnings.json", 15, 93, RULES_DIAG_WARNING, "category high_bar can never fire"),
       "a category whose rules cannot reach its threshold");
    ok(has_diag(&d, "warnings.json", 1, 1, RULES_DIAG_WARNING, "no \"tests\" file"), "no tests file");
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
    p = NULL;

    rc = mamori_rules_policy_load(path_of("basic/policy.json"), &opt, &p, &d, &err);
    is_int(rc, 0, "the basic policy loads under lint");
    /* issue 14: at the "tests" member that names the file (a company's
     * own line), not at the category (which may be the parent's) */
    ok(has_diag(&d, "basic/policy.json", 8, 12, RULES_DIAG_WARNING, "category sns_defamation has no test case"),
       "a category without a labelled case in the policy's tests file, at its \"tests\" member");
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
    p = NULL;

    /* Phrases that normalize to something too short, and katakana words
     * that are common hiragana words once folded (engine 1.1). */
    rc = mamori_rules_policy_load(path_of("lint/phrases.json"), &opt, &p, &d, &err);
    is_int(rc, 0, "the phrase lint policy loads (warnings only)");
    ok(has_diag(&d, "lint/phrases.json", 9, 50, RULES_DIAG_WARNING, "phrase \"★1\" became \"1\""),
       "★1 became 1, at 9:50");
    ok(has_diag(&d, "lint/phrases.json", 9, 50, RULES_DIAG_WARNING, "it matches every \"1\""), "... and why");
    ok(has_diag(&d, "lint/phrases.json", 10, 69, RULES_DIAG_WARNING, "phrase \"500\" is a bare number"),
       "a bare number, even inside near (10:69)");
    ok(has_diag(&d, "lint/phrases.json", 11, 49, RULES_DIAG_WARNING, "phrase \"死\" is one character"),
       "one character that fires its rule (11:49)");
    ok(has_diag(&d, "lint/phrases.json", 12, 58, RULES_DIAG_WARNING, "phrase \"あほ\" is two kana"),
       "two kana under any (12:58)");
    ok(!has_diag_quiet(&d, 12, 66) && !has_diag_quiet(&d, 12, 73) && !has_diag_quiet(&d, 13, 59),
       "... not =あほ (exact), どあほ (three), nor あほ as one part of an all");
    ok(has_diag(&d, "lint/phrases.json", 14, 60, RULES_DIAG_WARNING, "\"デモ\" folds to \"でも\", which is also the common word"),
       "デモ folds to でも (14:60)");
    ok(d.n > 0 && diag_hint(&d, 14, 60, "\"=デモ\""), "... the hint suggests =デモ");
    ok(has_diag(&d, "lint/phrases.json", 15, 60, RULES_DIAG_WARNING, "inside the common word \"おんらいん\""),
       "ライン occurs inside オンライン (15:60)");
    ok(!has_diag_quiet(&d, 16, 0), "exact =デモ and =ライン are not reported");
    ok(has_diag(&d, "lint/phrases.json", 17, 62, RULES_DIAG_WARNING, "phrase \"?\" is one symbol"),
       "one punctuation symbol that fires its rule (17:62)");
    ok(!has_diag_quiet(&d, 17, 67) && !has_diag_quiet(&d, 17, 73), "... emoji and currency symbols are deliberate");
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
    p = NULL;

    rc = mamori_rules_policy_load(path_of("lint/syntax.json"), &opt, &p, &d, &err);
    ok(rc == RULES_EINVAL && has_diag(&d, "syntax.json", 6, 47, RULES_DIAG_ERROR, "expected"),
       "a JSON syntax error has jansson's position (6:47)");
    mamori_rules_diags_free(&d);
}

/* The finding at file:line:col whose message contains `what` has its
 * cause at cause:cline:ccol (cause NULL: has none). */
static int has_cause(const struct rules_diags *d, const char *file, int line, int col, const char *what,
                     const char *cause, int cline, int ccol)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct rules_diag *g = &d->v[i];
        size_t fl = strlen(g->file), ql = strlen(file);
        if (g->line != line || g->col != col || fl < ql || strcmp(g->file + fl - ql, file) != 0 ||
            strstr(g->message, what) == NULL)
            continue;
        if (cause == NULL)
            return g->cause_file == NULL;
        fl = g->cause_file ? strlen(g->cause_file) : 0;
        ql = strlen(cause);
        if (g->cause_file != NULL && fl >= ql && strcmp(g->cause_file + fl - ql, cause) == 0 &&
            g->cause_line == cline && g->cause_col == ccol)
            return 1;
        diag("  cause %s:%d:%d", g->cause_file ? g->cause_file : "(none)", g->cause_line, g->cause_col);
        return 0;
    }
    for (size_t i = 0; i < d->n; i++)
        diag("  have %s:%d:%d: %s", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].message);
    return 0;
}

/* A finding in a parent that an entry of the child causes carries that
 * entry's position (lint prints it there, cmd_policy.c). */
/* Load tests/rules/caused/NAME under lint into *d (freed first). */
static void load_caused(const char *name, struct rules_diags *d)
{
    struct rules_load_options opt = {NULL, 1, 0, NULL, NULL, 0, 0};
    struct rules_policy *p = NULL;
    struct rules_error err = {0, ""};
    char rel[128];

    mamori_rules_diags_free(d);
    snprintf(rel, sizeof rel, "caused/%s", name);
    is_int(mamori_rules_policy_load(path_of(rel), &opt, &p, d, &err), 0, rel);
    mamori_rules_policy_free(p);
}

static void test_caused(void)
{
    struct rules_diags d = {0};

    load_caused("lexicon_add.json", &d);
    ok(has_cause(&d, "caused/parent.json", 21, 72, "rule threat.sue can never match", "caused/lexicon_add.json", 8,
                 19),
       "a parent rule masked through \"@benign_ja\": caused by the child's lexicon_add entry (8:19)");
    ok(has_cause(&d, "caused/lexicon_add.json", 1, 1, "no \"tests\" file", NULL, 0, 0),
       "a finding in the child's own file has no cause");

    load_caused("override.json", &d);
    ok(has_cause(&d, "caused/parent.json", 22, 73, "rule threat.kill can never match", "caused/override.json", 7, 38),
       "a parent rule masked by the override's unless: caused by that unless entry (7:38)");
    ok(has_cause(&d, "caused/parent.json", 10, 18, "phrase \"くず\" is two kana and fires", "caused/override.json", 9,
                 15),
       "a parent phrase that fires by itself through the override's match: caused by its \"@short_ja\" (9:15)");
    ok(has_cause(&d, "caused/parent.json", 16, 12, "category abuse can never fire", "caused/override.json", 10, 16),
       "a parent category below its threshold: caused by the override's lowered weight (10:16)");

    load_caused("remove.json", &d);
    ok(has_cause(&d, "caused/parent.json", 10, 5, "lexicon list \"short_ja\" is not used", "caused/remove.json", 7, 5),
       "a parent list no rule uses any more: caused by the child's \"remove\" of the rule that did (7:5)");
    ok(has_cause(&d, "caused/parent.json", 16, 12, "category abuse has no rules", "caused/remove.json", 7, 5),
       "a parent category without rules: caused by the same \"remove\"");

    load_caused("parent.json", &d);
    ok(d.n == 1 && d.v[0].cause_file == NULL, "the parent alone: one finding of its own, without a cause");
    mamori_rules_diags_free(&d);
}

static void test_json_pos(void)
{
    const char *text = "{\n  \"a\": [1, {\"b~/c\": \"日本\"}],\n  \"d\": {\"e\": \"\\u3042\", \"\\u3042\": true}\n}";
    struct rules_jpos_index *ix;
    struct rules_jpos pos;

    rules_jpos_build(text, strlen(text), &ix);
    ok(rules_jpos_lookup(ix, "/a/1/b~0~1c", &pos) == 0 && pos.line == 2 && pos.col == 21 && pos.key_col == 13,
       "JSON pointer escapes (~0 ~1), line and column of value and key");
    ok(rules_jpos_lookup(ix, "/d/\xE3\x81\x82", &pos) == 0 && pos.line == 3 && pos.col == 34,
       "\\u escapes in keys are decoded; columns count characters");
    ok(rules_jpos_lookup(ix, "/zzz", &pos) == RULES_ENOTFOUND, "unknown pointers are not found");
    rules_jpos_free(ix);
}

int main(void)
{
    top = getenv("top_srcdir");
    if (top == NULL)
        top = ".";
    plan(78);
    test_merge();
    test_limits();
    test_lint();
    test_caused();
    test_json_pos();
    return done();
}
