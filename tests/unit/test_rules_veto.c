/*
 * test_rules_veto.c -- engine 1.2 on tests/rules/veto/policy.json: vetoes
 * (a rule with "cancels" instead of a category cancels those categories
 * when it matches: a list of ids or "all-harassment", with the rule's
 * channels, quoted, negation and unless), how they are compiled (one
 * entry per cancelled category, weight -inf, shared evidence), their load
 * errors, inheritance (all-harassment covers a child's new category); and
 * negation of exceptions: a negated occurrence under `not` is no exception,
 * also in rules with "negation": "only", while unless masks ignore
 * negation. Each veto test fails on the engine before 1.2, which refuses
 * the policy ("unknown key cancels").
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mamori/plugin.h>

#include "rules.h"
#include "tap.h"

static struct rules_policy *P;
static struct rules_scratch *S;
static const struct rules_result *R;

static int run_on(struct rules_policy *p, struct rules_scratch *s, const char *body, const char *channel)
{
    struct rules_input in;
    struct rules_error err = {0, ""};

    memset(&in, 0, sizeof in);
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    in.channel = channel;
    in.fixed_contacts = 1;
    if (mamori_rules_eval(p, &in, s, &err) != 0) {
        diag("eval failed: %s", err.message);
        return -1;
    }
    R = mamori_rules_result(s);
    return 0;
}

/* Fired categories of p, most severe first, joined with ','; "none". */
static const char *cats_of(struct rules_policy *p, struct rules_scratch *s, const char *body, const char *channel)
{
    static char out[512];
    size_t o = 0;

    if (run_on(p, s, body, channel) != 0)
        return "(error)";
    if (R->nfired == 0)
        return "none";
    out[0] = '\0';
    for (size_t i = 0; i < R->nfired && o < sizeof out; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", p->cats[R->fired[i]].id);
    return out;
}

static const char *cats(const char *body, const char *channel)
{
    return cats_of(P, S, body, channel);
}

static double score(const char *cat)
{
    for (size_t i = 0; i < P->ncats; i++)
        if (strcmp(P->cats[i].id, cat) == 0)
            return R->score[i];
    return 0;
}

/* Entries of p's rule id that fired on the last run (a veto has one per
 * cancelled category). */
static int fired_in(struct rules_policy *p, const char *id)
{
    int n = 0;

    for (size_t i = 0; i < p->nrules; i++)
        if (strcmp(p->rules[i].id, id) == 0 && R->rule_fired[i])
            n++;
    return n;
}

static int fired_entries(const char *id)
{
    return fired_in(P, id);
}

static void test_compiled(void)
{
    size_t first = SIZE_MAX, n = 0;

    for (size_t i = 0; i < P->nrules; i++)
        if (strcmp(P->rules[i].id, "veto.bystander") == 0) {
            if (first == SIZE_MAX)
                first = i;
            n++;
        }
    ok(n == 2, "veto.bystander: one entry per cancelled category (%zu)", n);
    ok(first != SIZE_MAX && P->rules[first].veto && !P->rules[first].veto_copy && P->rules[first].veto_copies == 1,
       "... the first owns the expression");
    ok(first != SIZE_MAX && P->rules[first + 1].veto_copy && P->rules[first + 1].root == P->rules[first].root,
       "... the copy right after it shares it");
    ok(first != SIZE_MAX && strcmp(P->cats[P->rules[first].category].id, "threat") == 0 &&
           strcmp(P->cats[P->rules[first + 1].category].id, "verbal_abuse") == 0,
       "... in the order written");
    ok(first != SIZE_MAX && isinf(P->rules[first].weight) && P->rules[first].weight < 0, "... with weight -inf");
    n = 0;
    for (size_t i = 0; i < P->nrules; i++)
        if (strcmp(P->rules[i].id, "veto.drill") == 0)
            n++;
    ok(n == 3, "all-harassment: every harassment category, not the complaint one (%zu)", n);
}

static void test_cancel(void)
{
    const char *report = "別のお客が店員さんに「ばか、ころすぞ」と叫んでいました。店員さんは大丈夫でしたか。";

    is_str(cats("ばか、ころすぞ", "email"), "threat,verbal_abuse", "without a veto: threat and abuse");
    is_str(cats(report, "email"), "none", "a bystander's report: the veto cancels both");
    ok(isinf(score("threat")) && score("threat") < 0 && isinf(score("verbal_abuse")), "... their scores are -inf");
    is_int(fired_entries("veto.bystander"), 2, "... both entries of the veto fired");
    {
        size_t a = SIZE_MAX, b = SIZE_MAX;
        for (size_t i = 0; i < P->nrules; i++)
            if (strcmp(P->rules[i].id, "veto.bystander") == 0)
                *(a == SIZE_MAX ? &a : &b) = i;
        ok(a != SIZE_MAX && b != SIZE_MAX && R->rule_nev[a] == 2 && R->rule_nev[b] == 2 &&
               R->rule_ev[a] == R->rule_ev[b],
           "... on the same evidence (別のお客, 大丈夫でしたか)");
    }
    is_int(fired_entries("threat.kill"), 1, "the cancelled rules still fired (explain shows them)");
    is_str(cats(report, "phone_note"), "threat,verbal_abuse", "channels: not on a staff note, where it would hide the customer");
    is_str(cats(report, "chat"), "none", "... on chat it applies");
    is_str(cats("別のお客が店員さんに「ばか、ころすぞ」と叫んでいました。", "email"), "threat,verbal_abuse",
           "a veto needs its whole match (no concern, no veto)");
    is_str(cats("別のお客の件です。心配です。SNSで晒すからな", "sns"), "sns_defamation",
           "a category the veto does not list is untouched");
    is_str(cats("別のお客の件です。心配です。ころすぞ。返金しろ", "email"), "legitimate_complaint",
           "with every harassment cancelled, the complaint is no longer suppressed");
}

static void test_all_harassment(void)
{
    const char *drill = "防犯訓練のシナリオです：客役が「ばか、ころすぞ」と言い、返金を求めます。";

    is_str(cats(drill, "email"), "legitimate_complaint", "all-harassment cancels every harassment category");
    is_int(fired_entries("veto.drill"), 3, "... one entry per harassment category");
    is_str(cats("防犯訓練のシナリオ：SNSで晒す", "sns"), "none", "... sns_defamation too");
    ok(R->flame == MAMORI_FLAME_HIGH, "a rule's own flame_risk still applies (as with a negative weight)");
    is_str(cats(drill, "phone_note"), "legitimate_complaint", "no channels: every channel");
}

/* Write text to dir/name; 0 on success. */
static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_load_errors(void)
{
    char dir[] = "/tmp/mamori-rules-veto-XXXXXX", path[4200];
    struct rules_policy *p = NULL;
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    int rc, seen_typo = 0, seen_both = 0, seen_empty = 0, seen_raise = 0;

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return;
    }
    write_file(dir, "p.json",
               "{\"mamori_policy\": 1, \"id\": \"e\", \"version\": \"1\",\n"
               " \"categories\": [{\"id\": \"threat\", \"kind\": \"harassment\", \"severity\": \"low\"}],\n"
               " \"rules\": [\n"
               "  {\"id\": \"t\", \"category\": \"threat\", \"match\": \"x\"},\n"
               "  {\"id\": \"a\", \"cancels\": [\"thraet\"], \"match\": \"y\"},\n"
               "  {\"id\": \"b\", \"cancels\": [\"threat\"], \"category\": \"threat\", \"match\": \"y\"},\n"
               "  {\"id\": \"c\", \"cancels\": [], \"match\": \"y\"},\n"
               "  {\"id\": \"d\", \"cancels\": \"all-harassment\", \"flame_risk\": \"high\", \"match\": \"y\"},\n"
               "  {\"id\": \"e\", \"cancels\": 3, \"match\": \"y\"}\n"
               " ]}\n");
    snprintf(path, sizeof path, "%s/p.json", dir);
    rc = mamori_rules_policy_load(path, NULL, &p, &d, &err);
    is_int(rc, RULES_EINVAL, "a policy misusing cancels does not load");
    for (size_t i = 0; i < d.n; i++) {
        diag("%d:%d %s -- %s", d.v[i].line, d.v[i].col, d.v[i].message, d.v[i].hint ? d.v[i].hint : "");
        seen_typo |= d.v[i].line == 5 && strstr(d.v[i].message, "cancels unknown category \"thraet\"") != NULL &&
                     d.v[i].hint != NULL && strstr(d.v[i].hint, "did you mean \"threat\"") != NULL;
        seen_both |= d.v[i].line == 6 && strstr(d.v[i].message, "\"category\" cannot be used with \"cancels\"") != NULL;
        seen_empty |= d.v[i].line == 7 && strstr(d.v[i].message, "non-empty list") != NULL;
        seen_raise |= d.v[i].line == 8 && strstr(d.v[i].message, "\"flame_risk\" cannot be used") != NULL;
    }
    is_int((int)d.errors, 5, "five errors");
    ok(seen_typo, "an unknown category at its line, with the nearest id as a hint");
    ok(seen_both, "category next to cancels");
    ok(seen_empty, "an empty list");
    ok(seen_raise, "flame_risk on a veto");
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
    unlink(path);

    /* a child's new harassment category is covered by the parent's all-harassment */
    {
        char parent[4200];
        struct rules_scratch *s = NULL;
        const char *top = getenv("top_srcdir");
        snprintf(parent, sizeof parent, "%s/tests/rules/veto/policy.json", top ? top : ".");
        if (parent[0] != '/') {
            char cwd[2048];
            if (getcwd(cwd, sizeof cwd) != NULL) {
                char rel[4200];
                snprintf(rel, sizeof rel, "%s/%s", cwd, parent);
                snprintf(parent, sizeof parent, "%s", rel);
            }
        }
        {
            char child[8800];
            snprintf(child, sizeof child,
                     "{\"mamori_policy\": 1, \"id\": \"child\", \"version\": \"1\", \"extends\": \"%s\",\n"
                     " \"categories\": [{\"id\": \"violence\", \"kind\": \"harassment\", \"severity\": \"critical\"}],\n"
                     " \"rules\": [{\"id\": \"violence.hit\", \"category\": \"violence\", \"match\": \"殴った\"},\n"
                     "            {\"id\": \"veto.bystander\", \"cancels\": [\"threat\", \"verbal_abuse\", \"violence\"]}]}\n",
                     parent);
            write_file(dir, "child.json", child);
        }
        snprintf(path, sizeof path, "%s/child.json", dir);
        p = NULL;
        err.message[0] = '\0';
        rc = mamori_rules_policy_load(path, NULL, &p, NULL, &err);
        is_int(rc, 0, "a child policy extends the veto policy (%s)", err.message);
        if (rc == 0 && mamori_rules_scratch_new(p, &s) == 0) {
            is_str(cats_of(p, s, "防犯訓練のシナリオです。殴った", "email"), "none",
                   "all-harassment of the parent also cancels the child's new category");
            is_str(cats_of(p, s, "別のお客が殴ったそうで心配です", "email"), "none",
                   "a child can widen a veto's list (merged by id)");
            is_str(cats_of(p, s, "殴った", "email"), "violence", "... which fires without it");
        } else {
            ok(0, "child evaluated");
            ok(0, "child evaluated");
            ok(0, "child evaluated");
        }
        mamori_rules_scratch_free(s);
        mamori_rules_policy_free(p);
        unlink(path);
    }
    rmdir(dir);
}

/* A policy from text: written to a temporary p.json, loaded with a
 * scratch, the file removed. 0, or -1 after a failed test naming what. */
static int inline_policy(const char *text, const char *what, struct rules_policy **p, struct rules_scratch **s)
{
    char dir[] = "/tmp/mamori-rules-inline-XXXXXX", path[4200];
    struct rules_error err = {0, ""};
    int rc = 0;

    *p = NULL;
    *s = NULL;
    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return -1;
    }
    snprintf(path, sizeof path, "%s/p.json", dir);
    if (write_file(dir, "p.json", text) != 0 || mamori_rules_policy_load(path, NULL, p, NULL, &err) != 0 ||
        mamori_rules_scratch_new(*p, s) != 0) {
        ok(0, "%s loads: %s", what, err.message);
        mamori_rules_policy_free(*p);
        *p = NULL;
        rc = -1;
    }
    unlink(path);
    rmdir(dir);
    return rc;
}

/* Negation of exceptions (engine 1.2). */
static void test_negated_exceptions(void)
{
    static const char text[] =
        "{\"mamori_policy\": 1, \"id\": \"n\", \"version\": \"1\",\n"
        " \"negation\": {\"after\": [\"しません\", \"つもりはない\"], \"before\": [\"won't\"], \"window\": 10},\n"
        " \"categories\": [{\"id\": \"sns_defamation\", \"kind\": \"harassment\", \"severity\": \"high\"},\n"
        "                {\"id\": \"threat\", \"kind\": \"harassment\", \"severity\": \"critical\"},\n"
        "                {\"id\": \"verbal_abuse\", \"kind\": \"harassment\", \"severity\": \"medium\"}],\n"
        " \"rules\": [\n"
        "  {\"id\": \"sns.review\", \"category\": \"sns_defamation\", \"not_scope\": \"ticket\",\n"
        "   \"match\": {\"all\": [\"口コミに書きます\", {\"not\": {\"all\": [\"正直に\", {\"not\": \"実名\"}]}}]}},\n"
        "  {\"id\": \"sns.hint\", \"category\": \"threat\", \"negation\": \"only\", \"not_scope\": \"ticket\",\n"
        "   \"match\": {\"all\": [\"sns\", {\"not\": \"冗談\"}]}},\n"
        "  {\"id\": \"abuse.raw\", \"category\": \"verbal_abuse\", \"negation\": \"ignore\", \"not_scope\": \"ticket\",\n"
        "   \"match\": {\"all\": [\"ばか\", {\"not\": \"冗談\"}]}},\n"
        "  {\"id\": \"abuse.mask\", \"category\": \"verbal_abuse\", \"negation\": \"ignore\", \"match\": \"kill\",\n"
        "   \"unless\": [\"kill time\"]}\n"
        " ]}\n";
    struct rules_policy *p;
    struct rules_scratch *s;

    if (inline_policy(text, "negation test policy", &p, &s) != 0)
        return;
    /* cancel (the default): a negated naming word is no naming, at any depth of not */
    is_str(cats_of(p, s, "正直に口コミに書きます。", "email"), "none", "an honest review without naming: the exception holds");
    is_str(cats_of(p, s, "正直に口コミに書きます。担当者の実名も。", "email"), "sns_defamation", "... naming someone breaks it");
    is_str(cats_of(p, s, "正直に口コミに書きます。実名は出しません。", "email"), "none",
           "「実名は出しません」: a negated 実名 is no naming");
    /* only: the evidence must be negated; an exception counts when it is not */
    is_str(cats_of(p, s, "snsに書くつもりはないですけど", "email"), "threat", "negation only: negated evidence fires");
    is_str(cats_of(p, s, "冗談です。snsに書くつもりはないですけど", "email"), "none",
           "... and an exception that is not negated vetoes it (it used to be ignored)");
    is_str(cats_of(p, s, "冗談のつもりはない。snsに書くつもりはないですけど", "email"), "threat",
           "... a negated exception is no exception");
    /* ignore: negation plays no part, exceptions included */
    is_str(cats_of(p, s, "ばか", "email"), "verbal_abuse", "negation ignore: fires");
    is_str(cats_of(p, s, "ばか。冗談のつもりはない", "email"), "none", "... a negated exception still counts in an ignore rule");
    /* unless ignores negation: a mask is about the words, not the assertion */
    is_str(cats_of(p, s, "I won't kill", "email"), "verbal_abuse", "unless: an ignore rule fires on a negated match");
    is_str(cats_of(p, s, "I won't kill time here", "email"), "none", "... and a negated unless phrase still masks it");
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
}

/* Engine 1.3: a `not` under `all` cancels only the evidence in its own
 * sentences; "not_scope": "ticket" keeps the whole-ticket reading. */
static void test_not_scope(void)
{
    static const char text[] =
        "{\"mamori_policy\": 1, \"id\": \"s\", \"version\": \"1\",\n"
        " \"categories\": [{\"id\": \"coercion\", \"kind\": \"harassment\", \"severity\": \"high\"},\n"
        "                {\"id\": \"threat\", \"kind\": \"harassment\", \"severity\": \"critical\"},\n"
        "                {\"id\": \"verbal_abuse\", \"kind\": \"harassment\", \"severity\": \"medium\"}],\n"
        " \"rules\": [\n"
        "  {\"id\": \"dogeza\", \"category\": \"coercion\",\n"
        "   \"match\": {\"all\": [\"土下座しろ\", {\"not\": \"セミナー\"}]}},\n"
        "  {\"id\": \"dogeza.ticket\", \"category\": \"threat\", \"not_scope\": \"ticket\",\n"
        "   \"match\": {\"all\": [\"土下座しろ\", {\"not\": \"セミナー\"}]}},\n"
        "  {\"id\": \"two\", \"category\": \"verbal_abuse\",\n"
        "   \"match\": {\"all\": [\"ばか\", \"あほ\", {\"not\": \"冗談\"}]}}\n"
        " ]}\n";
    struct rules_policy *p;
    struct rules_scratch *s;

    if (inline_policy(text, "not_scope test policy", &p, &s) != 0)
        return;
    is_str(cats_of(p, s, "土下座しろ", "email"), "threat,coercion", "not_scope: both rules fire with no cancelling word");
    is_str(cats_of(p, s, "セミナーの件です。土下座しろ", "email"), "coercion",
           "sentence (default): a word in another sentence does not cancel; ticket: it does");
    is_str(cats_of(p, s, "セミナーの件です。\n土下座しろ", "email"), "coercion", "... nor one on another line");
    is_str(cats_of(p, s, "セミナーで土下座しろと言われた", "email"), "none", "... a word in the same sentence cancels both");
    is_str(cats_of(p, s, "土下座しろ。セミナーで土下座しろと言われた", "email"), "coercion",
           "sentence: an occurrence in a sentence of its own survives");
    is_str(cats_of(p, s, "ばか。あほ冗談", "email"), "none",
           "all: an operand that loses all its evidence makes all false");
    is_str(cats_of(p, s, "ばかあほ。冗談", "email"), "verbal_abuse", "... and keeps it with the cancelling word elsewhere");
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
}


/* Issue 11 item 3: a negation cue that is part of a menace phrase does not
 * take the phrase's weight away. A cue inside the match is neither after
 * nor before it; the same cue still negates a shorter phrase that stops
 * where the cue begins, so a policy names the whole menace. */
static void test_cue_inside_phrase(void)
{
    static const char text[] =
        "{\"mamori_policy\": 1, \"id\": \"c\", \"version\": \"1\",\n"
        " \"negation\": {\"after\": [\"ない\", \"ません\"], \"before\": [\"won't\", \"not\"], \"window\": 10},\n"
        " \"categories\": [{\"id\": \"threat\", \"kind\": \"harassment\", \"severity\": \"critical\"},\n"
        "                {\"id\": \"coercion\", \"kind\": \"harassment\", \"severity\": \"high\"}],\n"
        " \"rules\": [\n"
        "  {\"id\": \"menace\", \"category\": \"threat\",\n"
        "   \"match\": {\"any\": [\"ただじゃおかない\", \"済まさない\", \"won't see it coming\", \"will not get away\"]}},\n"
        "  {\"id\": \"short\", \"category\": \"coercion\",\n"
        "   \"match\": {\"any\": [\"ただじゃおか\", \"see it coming\"]}}\n"
        " ]}\n";
    struct rules_policy *p;
    struct rules_scratch *s;

    if (inline_policy(text, "cue inside phrase test policy", &p, &s) != 0)
        return;
    is_str(cats_of(p, s, "ただじゃおかないからな", "email"), "threat",
           "an after cue inside the phrase (ただじゃおか|ない) keeps it; the shorter phrase is negated");
    is_str(cats_of(p, s, "このままでは済まさないぞ", "email"), "threat", "... 済まさ|ない");
    is_str(cats_of(p, s, "You won't see it coming.", "email"), "threat",
           "a before cue inside the phrase (won't|see it coming) keeps it; the shorter phrase is negated");
    is_str(cats_of(p, s, "You will not get away with this.", "email"), "threat", "... will not|get away");
    is_str(cats_of(p, s, "ただじゃおかない。ただじゃおか", "email"), "threat,coercion",
           "the shorter phrase without a cue after it fires");
    is_int(fired_in(p, "menace"), 1, "... and the whole menace in its own sentence still fires");
    is_str(cats_of(p, s, "ただじゃおかないとは言いません", "email"), "none",
           "a cue after the whole phrase still negates it (「…とは言いません」)");
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
}

/* The veto policy's absolute path (a child written to /tmp names it). */
static void veto_parent_path(char *out, size_t cap)
{
    const char *top = getenv("top_srcdir");
    char cwd[2048];

    snprintf(out, cap, "%s/tests/rules/veto/policy.json", top ? top : ".");
    if (out[0] != '/' && getcwd(cwd, sizeof cwd) != NULL) {
        char rel[4200];
        snprintf(rel, sizeof rel, "%s/%s", cwd, out);
        snprintf(out, cap, "%s", rel);
    }
}

/* Load the child text (extends "@PARENT@": the veto policy) from a
 * temporary directory; diags may be NULL. The file is removed. */
static int load_child(const char *tmpl, struct rules_policy **p, struct rules_diags *d, struct rules_error *err)
{
    char dir[] = "/tmp/mamori-rules-override-XXXXXX", parent[4200], path[4200], text[8192];
    const char *at = strstr(tmpl, "@PARENT@");
    int rc;

    *p = NULL;
    if (at == NULL || mkdtemp(dir) == NULL)
        return -1;
    veto_parent_path(parent, sizeof parent);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - tmpl), tmpl, parent, at + strlen("@PARENT@"));
    snprintf(path, sizeof path, "%s/child.json", dir);
    rc = write_file(dir, "child.json", text) == 0 ? mamori_rules_policy_load(path, NULL, p, d, err) : -1;
    unlink(path);
    rmdir(dir);
    return rc;
}

static int diag_has(const struct rules_diags *d, int line, const char *text)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].line == line && strstr(d->v[i].message, text) != NULL)
            return 1;
    return 0;
}

/* Engine 1.4, issue 14: a company overrides one rule of its parent by id
 * -- its escalation (down as well as up), its weight, what a veto
 * cancels ("cancels_add", or "all" for every category, its own
 * included) -- without copying the rule. */
static void test_overrides(void)
{
    static const char child[] =
        "{\"mamori_policy\": 1, \"id\": \"company\", \"version\": \"1\", \"extends\": \"@PARENT@\",\n"
        " \"categories\": [\n"
        "  {\"id\": \"threat\", \"guidance\": {\"escalation\": {\"level\": \"police\", \"reasons\": [\"脅迫\"]}}},\n"
        "  {\"id\": \"store_rules\", \"kind\": \"harassment\", \"severity\": \"medium\"}],\n"
        " \"rules\": [\n"
        "  {\"id\": \"threat.kill\", \"escalation\": \"supervisor\"},\n"
        "  {\"id\": \"abuse.words\", \"escalation\": \"lawyer\"},\n"
        "  {\"id\": \"sns.post\", \"weight\": 0.5},\n"
        "  {\"id\": \"threat.burn\", \"category\": \"threat\", \"match\": \"燃やす\"},\n"
        "  {\"id\": \"store.dogeza\", \"category\": \"store_rules\", \"match\": \"土下座\"},\n"
        "  {\"id\": \"veto.bystander\", \"cancels_add\": [\"store_rules\"]},\n"
        "  {\"id\": \"veto.training\", \"cancels\": \"all\", \"match\": \"研修用の例文\"}]}\n";
    const char *report = "別のお客が店員さんに「ころすぞ、土下座しろ」と叫んでいました。店員さんは大丈夫でしたか。";
    struct rules_policy *p = NULL;
    struct rules_scratch *s = NULL;
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    struct rules_input in;
    struct rules_guidance g;
    int rc = load_child(child, &p, NULL, &err), low = 1;

    is_int(rc, 0, "a company policy overriding rules by id loads (%s)", err.message);
    if (rc != 0 || mamori_rules_scratch_new(p, &s) != 0) {
        for (int i = 0; i < 12; i++)
            ok(0, "override policy evaluated");
        mamori_rules_policy_free(p);
        goto errors;
    }
    is_str(cats_of(p, s, "ころすぞ", "email"), "threat", "escalation down: the rule still fires its category");
    is_int(R->escalation, MAMORI_ESCALATE_SUPERVISOR,
           "... but the ticket escalates to supervisor, the rule's level, not the category's police");
    memset(&in, 0, sizeof in);
    mamori_rules_guidance_init(&g);
    in.text[RULES_FIELD_BODY] = "ころすぞ";
    in.len[RULES_FIELD_BODY] = strlen("ころすぞ");
    in.channel = "email";
    if (mamori_rules_guidance(p, s, &in, &g) == 0)
        for (size_t i = 0; i < g.nesc; i++)
            if (g.esc[i].level > MAMORI_ESCALATE_SUPERVISOR)
                low = 0;
    ok(low && g.nesc >= 1, "... and no escalation reason claims more than supervisor");
    mamori_rules_guidance_free(&g);
    cats_of(p, s, "燃やす", "email");
    is_int(R->escalation, MAMORI_ESCALATE_POLICE, "a rule of the category without an override: the category's police");
    cats_of(p, s, "ころすぞ、燃やす", "email");
    is_int(R->escalation, MAMORI_ESCALATE_POLICE, "both rules: the highest level they warrant");
    is_str(cats_of(p, s, "ばか", "email"), "verbal_abuse", "escalation up: abuse.words");
    is_int(R->escalation, MAMORI_ESCALATE_LAWYER, "... escalates to lawyer");
    is_str(cats_of(p, s, "snsで晒す", "sns"), "none", "weight override: sns.post at 0.5 no longer fires alone");
    is_str(cats_of(p, s, "土下座", "email"), "store_rules", "the company's own category fires");
    is_str(cats_of(p, s, report, "email"), "none",
           "cancels_add: the parent's bystander veto also cancels the company's category, and still its own");
    is_str(cats_of(p, s, "研修用の例文：返金しろ、土下座", "email"), "none",
           "cancels \"all\": every category, complaint and company ones included");
    is_str(cats_of(p, s, "返金してください", "email"), "legitimate_complaint", "... which fire without it");
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);

errors:
    rc = load_child("{\"mamori_policy\": 1, \"id\": \"company\", \"version\": \"1\", \"extends\": \"@PARENT@\", "
                    "\"categories\": [{\"id\": \"all\", \"kind\": \"harassment\", \"severity\": \"low\"}],\n"
                    " \"rules\": [\n"
                    "  {\"id\": \"veto.nope\", \"cancels_add\": [\"threat\"]},\n"
                    "  {\"id\": \"veto.bystander\", \"cancels\": [\"threat\"], \"cancels_add\": [\"sns_defamation\"]},\n"
                    "  {\"id\": \"threat.kill\", \"cancels_add\": [\"sns_defamation\"]},\n"
                    "  {\"id\": \"threat.kil\", \"escalation\": \"supervisor\"}]}\n",
                    &p, &d, &err);
    for (size_t i = 0; i < d.n; i++)
        diag("%d:%d %s", d.v[i].line, d.v[i].col, d.v[i].message);
    is_int(rc, RULES_EINVAL, "misused cancels_add: the policy does not load");
    ok(diag_has(&d, 3, "the parent has no veto \"veto.nope\""), "... an unknown id, at its line");
    ok(diag_has(&d, 4, "cannot be used with \"cancels\"") && diag_has(&d, 5, "is not a veto"),
       "... next to cancels; on a rule that is not a veto");
    {
        int typo = 0;
        for (size_t i = 0; i < d.n; i++)
            typo |= d.v[i].line == 6 && strstr(d.v[i].message, "rule threat.kil: no rule with this id") != NULL &&
                    d.v[i].hint != NULL && strstr(d.v[i].hint, "did you mean \"threat.kill\"") != NULL;
        ok(typo, "an override of an id the parent does not have: an error naming the nearest id");
        ok(diag_has(&d, 1, "category id \"all\" is reserved"), "a category cannot be called \"all\"");
    }
    mamori_rules_diags_free(&d);
    mamori_rules_policy_free(p);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    struct rules_error err = {0, ""};

    snprintf(path, sizeof path, "%s/tests/rules/veto/policy.json", top ? top : ".");
    if (mamori_rules_policy_load(path, NULL, &P, NULL, &err) != 0 || mamori_rules_scratch_new(P, &S) != 0) {
        printf("1..0 # SKIP cannot load %s: %s\n", path, err.message);
        return 1;
    }
    plan(74);
    test_compiled();
    test_cancel();
    test_all_harassment();
    test_load_errors();
    test_not_scope();
    test_negated_exceptions();
    test_cue_inside_phrase();
    test_overrides();
    mamori_rules_scratch_free(S);
    mamori_rules_policy_free(P);
    return done();
}
