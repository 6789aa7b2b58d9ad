/*
 * lint.c -- the warnings of `mamori policy lint`: things that are valid
 * but almost certainly not what the lawyer meant (a list nobody uses, a
 * rule that can never match, a category agents get no guidance for, a
 * category no test case covers).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"

#define WARN(v, cont, hint, ...) rules_diag_at(ctx, (v), (cont), 0, RULES_DIAG_WARNING, (hint), __VA_ARGS__)

static json_t *find_by_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e)
        if (json_is_object(e) && json_is_string(json_object_get(e, "id")) &&
            strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
            return e;
    return NULL;
}

static int key_has_use(const struct rules_policy *p, uint32_t key, int kind, uint32_t target, int any_target)
{
    const struct rules_key *k = &p->keys[key];

    for (uint32_t u = k->uses; u < k->uses + k->nuses; u++)
        if (p->uses[u].kind == kind && (any_target || p->uses[u].target == target))
            return 1;
    return 0;
}

/* Why expression x of rule r can never be true, or NULL. */
static const char *dead_reason(const struct rules_policy *p, uint32_t r, uint32_t x)
{
    const struct rules_expr *e = &p->exprs[x];
    const struct rules_rule *rule = &p->rules[r];
    const char *why;

    switch (e->type) {
    case RULES_EX_TERM: {
        size_t nkeys = 0, masked = 0;
        for (size_t k = 0; k < p->nkeys; k++) {
            const struct rules_key *key = &p->keys[k];
            int mine = 0;
            for (uint32_t u = key->uses; u < key->uses + key->nuses; u++)
                if (p->uses[u].kind == RULES_USE_LEAF && p->uses[u].target == x)
                    mine = 1;
            if (!mine)
                continue;
            nkeys++;
            /* Every occurrence of a phrase that is itself a benign phrase
             * (or one of the rule's unless phrases) lies inside a mask. */
            if (key_has_use(p, (uint32_t)k, RULES_USE_BENIGN, 0, 1) ||
                key_has_use(p, (uint32_t)k, RULES_USE_UNLESS, r, 0))
                masked++;
        }
        if (nkeys == 0)
            return "it refers to an empty lexicon list";
        if (masked == nkeys)
            return "every phrase of it is also a benign look-alike (or in the rule's unless), so it is always masked";
        return NULL;
    }
    case RULES_EX_ANY:
        why = NULL;
        for (uint32_t i = 0; i < e->nkids; i++) {
            why = dead_reason(p, r, p->kids[e->kids + i]);
            if (why == NULL)
                return NULL;
        }
        return why;
    case RULES_EX_ALL:
        for (uint32_t i = 0; i < e->nkids; i++)
            if ((why = dead_reason(p, r, p->kids[e->kids + i])) != NULL)
                return why;
        /* all: [x, {not: x}] */
        for (uint32_t i = 0; i < e->nkids; i++) {
            const struct rules_expr *a = &p->exprs[p->kids[e->kids + i]];
            if (a->type != RULES_EX_NOT)
                continue;
            for (uint32_t j = 0; j < e->nkids; j++) {
                const struct rules_expr *b = &p->exprs[p->kids[e->kids + j]];
                const struct rules_expr *na = &p->exprs[p->kids[a->kids]];
                if (b->type == RULES_EX_TERM && na->type == RULES_EX_TERM && b->label && na->label &&
                    strcmp(b->label, na->label) == 0)
                    return "\"all\" requires a phrase and its \"not\" at the same time";
            }
        }
        return NULL;
    case RULES_EX_NEAR:
        for (uint32_t i = 0; i < e->nkids; i++)
            if ((why = dead_reason(p, r, p->kids[e->kids + i])) != NULL)
                return why;
        return NULL;
    case RULES_EX_CHANNEL:
        if (rule->channels != 0 && (rule->channels & e->channels) == 0)
            return "its \"channel\" condition and the rule's \"channels\" have no channel in common";
        return NULL;
    default:
        return NULL;
    }
}

static void check_rules(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p, uint8_t *dead)
{
    json_t *rules = json_object_get(root, "rules");
    int has_neg = 0;

    for (size_t k = 0; k < p->nkeys; k++)
        if (key_has_use(p, (uint32_t)k, RULES_USE_NEG_AFTER, 0, 1) ||
            key_has_use(p, (uint32_t)k, RULES_USE_NEG_BEFORE, 0, 1))
            has_neg = 1;
    for (size_t r = 0; r < p->nrules; r++) {
        const struct rules_rule *rule = &p->rules[r];
        json_t *obj = find_by_id(rules, rule->id);
        const char *why = dead_reason(p, (uint32_t)r, rule->root);

        if (why == NULL && rule->negation == RULES_NEG_ONLY && !has_neg)
            why = "it fires only on negated matches, and the policy has no negation cues";
        if (why != NULL) {
            dead[r] = 1;
            WARN(json_object_get(obj, "match"), obj, "fix the match, or remove the rule",
                 "rule %s can never match: %s", rule->id, why);
            continue;
        }
        if (rule->weight == 0)
            WARN(json_object_get(obj, "weight"), obj, "give it a weight, or remove it",
                 "rule %s has weight 0 and never changes a score", rule->id);
    }
}

static int known_placeholder(const struct rules_policy *p, const char *name, size_t n)
{
    static const char *const builtin[] = {"requester_name", "company", "ticket_id", NULL};

    for (int i = 0; builtin[i]; i++)
        if (strlen(builtin[i]) == n && memcmp(builtin[i], name, n) == 0)
            return 1;
    for (size_t i = 0; i < p->nplaceholders; i++)
        if (strlen(p->placeholders[i].name) == n && memcmp(p->placeholders[i].name, name, n) == 0)
            return 1;
    return 0;
}

static void check_draft(struct rules_loadctx *ctx, json_t *g, const struct rules_policy *p, const char *text,
                        const char *cat)
{
    for (const char *s = text; s && (s = strchr(s, '{')) != NULL; s++) {
        const char *e = s + 1;
        while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_')
            e++;
        if (*e == '}' && e > s + 1 && !known_placeholder(p, s + 1, (size_t)(e - s - 1))) {
            WARN(json_object_get(g, "reply_draft"), g,
                 "use {requester_name}, {company}, {ticket_id}, or define it under \"placeholders\"",
                 "category %s: reply_draft uses unknown placeholder {%.*s}", cat, (int)(e - s - 1), s + 1);
        }
    }
}

static void check_categories(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p, const uint8_t *dead)
{
    json_t *cats = json_object_get(root, "categories");

    for (size_t i = 0; i < p->ncats; i++) {
        const struct rules_category *k = &p->cats[i];
        json_t *obj = find_by_id(cats, k->id), *idv = json_object_get(obj, "id"), *g = json_object_get(obj, "guidance");
        size_t nrules = 0;
        double reachable = 0;

        for (size_t r = 0; r < p->nrules; r++)
            if (p->rules[r].category == i) {
                nrules++;
                if (!dead[r] && p->rules[r].weight > 0)
                    reachable += p->rules[r].weight;
            }
        if (nrules == 0)
            WARN(idv, obj, "add rules with this category, or remove it",
                 "category %s has no rules, so it can never fire", k->id);
        else if (reachable + 1e-9 < k->threshold)
            WARN(json_object_get(obj, "threshold") ? json_object_get(obj, "threshold") : idv, obj,
                 "raise rule weights or lower the threshold",
                 "category %s can never fire: its rules add up to at most %g, below its threshold %g", k->id,
                 reachable, k->threshold);
        if (!k->has_guidance) {
            WARN(idv, obj, "add \"guidance\" with first_response, reply_draft and training",
                 "category %s has no guidance: agents get no first response, draft or training for it", k->id);
            continue;
        }
        if (k->steps.n[0] == 0 && k->steps.n[1] == 0)
            WARN(g, obj, "add \"first_response\": [\"...\"]", "category %s: guidance has no first_response steps",
                 k->id);
        if (k->draft.v[0] == NULL && k->draft.v[1] == NULL)
            WARN(g, obj, "add \"reply_draft\"", "category %s: guidance has no reply_draft", k->id);
        if (k->ntraining == 0)
            WARN(g, obj, "add \"training\": [{\"title\": \"...\", \"url\": \"https://...\"}]",
                 "category %s: guidance has no training link", k->id);
        if (k->draft.v[0] != NULL)
            check_draft(ctx, g, p, k->draft.v[0], k->id);
        if (k->draft.v[1] != NULL && (k->draft.v[0] == NULL || strcmp(k->draft.v[0], k->draft.v[1]) != 0))
            check_draft(ctx, g, p, k->draft.v[1], k->id);
    }
}

static void check_tests(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p)
{
    json_t *cats = json_object_get(root, "categories");
    size_t *count;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;

    if (p->tests_path == NULL) {
        WARN(root, root, "add \"tests\": \"tests.jsonl\" with labelled cases (see FORMAT.md)",
             "policy has no \"tests\" file, so no category is covered by a test case");
        return;
    }
    f = fopen(p->tests_path, "r");
    if (f == NULL) {
        WARN(json_object_get(root, "tests"), root, "check the path; it is relative to the policy file",
             "cannot read tests file %s", p->tests_path);
        return;
    }
    count = calloc(p->ncats + 1, sizeof *count);
    if (count == NULL) {
        fclose(f);
        ctx->oom = 1;
        return;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        json_t *c, *labels, *l;
        size_t i;

        lineno++;
        if (n == 0 || line[0] == '\n')
            continue;
        c = json_loadb(line, (size_t)n, 0, NULL);
        labels = json_object_get(c, "labels");
        json_array_foreach(labels, i, l)
            for (size_t k = 0; k < p->ncats; k++)
                if (json_is_string(l) && strcmp(json_string_value(l), p->cats[k].id) == 0)
                    count[k]++;
        json_decref(c);
    }
    free(line);
    fclose(f);
    for (size_t k = 0; k < p->ncats; k++)
        if (count[k] == 0) {
            json_t *obj = find_by_id(cats, p->cats[k].id);
            WARN(json_object_get(obj, "id"), obj, "add at least one labelled case, and a look-alike that must not fire",
                 "category %s has no test case in %s (%ld lines)", p->cats[k].id, p->tests_path, lineno);
        }
    free(count);
}

void rules_lint_checks(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p, const uint8_t *lex_used,
                       const char *const *lex_names, json_t *const *lex_values, size_t nlex)
{
    json_t *lex = json_object_get(root, "lexicon");
    uint8_t *dead = calloc(p->nrules + 1, 1);

    if (dead == NULL) {
        ctx->oom = 1;
        return;
    }
    for (size_t i = 0; i < nlex; i++)
        if (!lex_used[i])
            rules_diag_at(ctx, lex_values[i], lex, 1, RULES_DIAG_WARNING,
                          "reference it as \"@name\" in a rule, benign, negation or unless, or remove it",
                          "lexicon list \"%s\" is not used", lex_names[i]);
    check_rules(ctx, root, p, dead);
    check_categories(ctx, root, p, dead);
    check_tests(ctx, root, p);
    free(dead);
}
