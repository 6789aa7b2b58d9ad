/* compile_rules.c -- see compile_internal.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include <mamori/plugin.h>

#include "amount.h"
#include "model.h"
#include "policy_compile.h"
#include "compile_internal.h"

/* ---- expressions ----------------------------------------------------- */

static int new_expr(struct compile *c, int type, uint32_t rule, const char *label, uint32_t *out)
{
    struct rules_policy *p = c->p;
    struct rules_expr *x;

    if (RULES_GROW(p->exprs, p->exprs_cap, p->nexprs + 1) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    x = &p->exprs[p->nexprs];
    memset(x, 0, sizeof *x);
    x->type = (uint8_t)type;
    x->rule = rule;
    if (label != NULL && (x->label = rules_strdup(label)) == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    *out = (uint32_t)p->nexprs++;
    return 0;
}

static int set_kids(struct compile *c, uint32_t x, const uint32_t *kids, size_t n)
{
    struct rules_policy *p = c->p;

    if (RULES_GROW(p->kids, p->kids_cap, p->nkids + n) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    memcpy(p->kids + p->nkids, kids, n * sizeof *kids);
    p->exprs[x].kids = (uint32_t)p->nkids;
    p->exprs[x].nkids = (uint32_t)n;
    p->nkids += n;
    return 0;
}

static const char *const expr_ops[] = {"any",     "all", "not",    "near",     "not_near", "lemma", "lemmas",
                                       "contacts_at_least", "channel", "amount", NULL};

/* {"amount": {"min": N, "max": N, "currency": [...]}}: an amount key. */
static int amount_key(struct compile *c, json_t *obj, json_t *cont, uint32_t *tagged, char *label, size_t lsize)
{
    static const char *const keys[] = {"min", "max", "currency", NULL};
    struct rules_policy *p = c->p;
    struct rules_amount a;
    json_t *cur, *e;
    struct rules_key *k;
    size_t i, off;

    if (!json_is_object(obj)) {
        ERR(obj, cont, "write {\"amount\": {\"min\": 50000, \"currency\": [\"円\", \"$\"]}}",
            "\"amount\" takes an object");
        return -1;
    }
    compile_check_keys(c, obj, "an amount", keys);
    a.min = compile_get_number(c, obj, "min", 0, 0, 1e15, "amount");
    a.max = json_object_get(obj, "max") ? compile_get_number(c, obj, "max", HUGE_VAL, 0, 1e15, "amount") : HUGE_VAL;
    if (a.max < a.min) {
        ERR(json_object_get(obj, "max"), obj, NULL, "amount: max %g is below min %g", a.max, a.min);
        return -1;
    }
    a.currencies = 0;
    cur = json_object_get(obj, "currency");
    if (cur == NULL) {
        a.currencies = RULES_CUR_ALL;
    } else if (!json_is_array(cur) || json_array_size(cur) == 0) {
        ERR(cur, obj, "write [\"円\", \"$\", \"dollars\"]", "amount.currency must be a non-empty list");
        return -1;
    } else {
        json_array_foreach(cur, i, e) {
            uint32_t bit = 0;
            if (json_is_string(e) &&
                rules_normalize(NULL, json_string_value(e), json_string_length(e), &c->nt) == 0)
                bit = rules_currency_bit((const char *)c->nt.u8, c->nt.u8len);
            if (bit == 0) {
                char hint[300];
                snprintf(hint, sizeof hint, "known currencies: %s", rules_currency_names);
                ERR(e, cur, hint, "amount.currency[%zu]: unknown currency %s", i,
                    json_is_string(e) ? json_string_value(e) : "(not a string)");
                return -1;
            }
            a.currencies |= bit;
        }
    }
    /* The label is the key's identity: two amounts with the same bounds
     * and currencies are one key. */
    off = (size_t)snprintf(label, lsize, "amount %.15g..", a.min);
    if (a.max != HUGE_VAL && off < lsize)
        off += (size_t)snprintf(label + off, lsize - off, "%.15g", a.max);
    for (uint32_t b = 1; b <= RULES_CUR_ALL && off < lsize; b <<= 1)
        if (a.currencies & b)
            off += (size_t)snprintf(label + off, lsize - off, " %s", rules_currency_code(b));
    {
        struct key_ident id = {label, 2, 0, NULL, 0};
        if (compile_reg_find(c, &id, tagged))
            return 0;
    }
    if (RULES_GROW(c->lkeys, c->lkeys_cap, c->nlkeys + 1) != 0 ||
        rules_grow((void **)&p->amounts, &c->amounts_cap, c->namounts + 1, sizeof *p->amounts) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    k = &c->lkeys[c->nlkeys];
    memset(k, 0, sizeof *k);
    k->next_variant = UINT32_MAX;
    k->is_amount = 1;
    k->text = rules_strdup(label);
    if (k->text == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    k->amount = (uint32_t)c->namounts;
    p->amounts[c->namounts++] = a;
    *tagged = (uint32_t)c->nlkeys++ | LEMMA_TAG;
    if (compile_reg_add(c, *tagged) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    return 0;
}

static const char *const expr_opts[] = {"within", "order", "same_sentence", "days", NULL};
static const char *const expr_keys[] = {"any",    "all",   "not",           "near", "not_near", "within",
                                        "order",  "same_sentence", "lemma", "lemmas", "amount",  "contacts_at_least",
                                        "days",   "channel", NULL};

static int compile_expr(struct compile *c, json_t *v, json_t *cont, uint32_t rule, int depth, uint32_t *out);

static int compile_list(struct compile *c, json_t *arr, json_t *obj, uint32_t rule, int depth, uint32_t x,
                        const char *op, size_t exact)
{
    uint32_t *kids;
    size_t i, n = 0;
    json_t *e;
    int rc = 0;

    if (!json_is_array(arr) || json_array_size(arr) == 0 || (exact && json_array_size(arr) != exact)) {
        if (exact)
            ERR(arr, obj, "write {\"near\": [a, b], \"within\": N}", "\"%s\" takes a list of exactly %zu expressions",
                op, exact);
        else
            ERR(arr, obj, NULL, "\"%s\" takes a non-empty list of expressions", op);
        return -1;
    }
    kids = calloc(json_array_size(arr), sizeof *kids);
    if (kids == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    json_array_foreach(arr, i, e) {
        if (compile_expr(c, e, arr, rule, depth + 1, &kids[n]) == 0)
            n++;
        else
            rc = -1;
    }
    if (rc == 0)
        rc = set_kids(c, x, kids, n);
    free(kids);
    return rc;
}

static int compile_expr(struct compile *c, json_t *v, json_t *cont, uint32_t rule, int depth, uint32_t *out)
{
    struct rules_policy *p = c->p;
    const char *op = NULL, *k;
    json_t *m;
    uint32_t x;
    int nops = 0;

    if (depth > MAX_EXPR_DEPTH) {
        ERR(v, cont, "split the rule into several rules", "match expression nested deeper than %d", MAX_EXPR_DEPTH);
        return -1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (new_expr(c, RULES_EX_TERM, rule, s, &x) != 0)
            return -1;
        if (s[0] == '@') {
            size_t li;
            struct lexlist *l = compile_find_lex(c, s + 1, &li);
            if (l == NULL) {
                ERR(v, cont, "define it under \"lexicon\", or check the spelling", "unknown lexicon list %s", s);
                return -1;
            }
            c->lex_used[li] = 1;
            for (size_t i = 0; i < l->n; i++)
                compile_add_use(c, l->keys[i], RULES_USE_LEAF, x, l->suffix[i]);
        } else {
            uint32_t key;
            uint8_t suffix;
            if (compile_phrase_key(c, v, cont, "match", &key, &suffix) != 0)
                return -1;
            compile_add_use(c, key, RULES_USE_LEAF, x, suffix);
            compile_note_where(c, x, 0);
        }
        *out = x;
        return 0;
    }
    if (!json_is_object(v)) {
        ERR(v, cont, "write a phrase, \"@list\", or an object with any/all/not/near/lemma/lemmas/contacts_at_least/channel",
            "not a match expression");
        return -1;
    }
    json_object_foreach(v, k, m) {
        if (compile_ignored_key(k))
            continue;
        if (compile_allowed(k, expr_ops)) {
            op = op ? op : k;
            nops++;
        } else if (!compile_allowed(k, expr_opts)) {
            compile_check_keys(c, v, "a match expression", expr_keys);
            return -1;
        }
    }
    if (nops != 1 || ((json_object_get(v, "lemma") != NULL) && (json_object_get(v, "lemmas") != NULL))) {
        ERR(v, cont,
            "use one of any, all, not, near, not_near, lemma, lemmas, amount, contacts_at_least, channel; nest objects "
            "to combine",
            nops == 0 ? "match expression has no operator" : "match expression has more than one operator");
        return -1;
    }
    {
        int is_near = strcmp(op, "near") == 0 || strcmp(op, "not_near") == 0;
        if (((json_object_get(v, "within") != NULL || json_object_get(v, "order") != NULL ||
              json_object_get(v, "same_sentence") != NULL) &&
             !is_near) ||
            (json_object_get(v, "days") != NULL && strcmp(op, "contacts_at_least") != 0)) {
            ERR(v, cont,
                "\"within\", \"order\" and \"same_sentence\" go with \"near\" and \"not_near\", \"days\" with "
                "\"contacts_at_least\"",
                "\"%s\" does not take this option", op);
            return -1;
        }
    }
    if (strcmp(op, "amount") == 0) {
        uint32_t key;
        char label[160];
        if (amount_key(c, json_object_get(v, "amount"), v, &key, label, sizeof label) != 0 ||
            new_expr(c, RULES_EX_TERM, rule, label, &x) != 0)
            return -1;
        compile_add_use(c, key, RULES_USE_LEAF, x, 0);
        *out = x;
        return 0;
    }
    if (strcmp(op, "lemma") == 0 || strcmp(op, "lemmas") == 0) {
        uint32_t key;
        char label[300];
        json_t *l = json_object_get(v, op);
        if (json_is_string(l))
            snprintf(label, sizeof label, "lemma:%s", json_string_value(l));
        else {
            size_t off = (size_t)snprintf(label, sizeof label, "lemmas:");
            size_t i;
            json_t *e;
            json_array_foreach(l, i, e) if (json_is_string(e) && off < sizeof label)
                off += (size_t)snprintf(label + off, sizeof label - off, "%s%s", i ? "+" : "", json_string_value(e));
        }
        if (compile_lemma_key(c, v, "match", &key) != 0 || new_expr(c, RULES_EX_TERM, rule, label, &x) != 0)
            return -1;
        compile_add_use(c, key, RULES_USE_LEAF, x, 0);
        *out = x;
        return 0;
    }
    if (strcmp(op, "any") == 0 || strcmp(op, "all") == 0) {
        if (new_expr(c, op[1] == 'n' ? RULES_EX_ANY : RULES_EX_ALL, rule, op, &x) != 0)
            return -1;
        if (compile_list(c, json_object_get(v, op), v, rule, depth, x, op, 0) != 0)
            return -1;
        *out = x;
        return 0;
    }
    if (strcmp(op, "not") == 0) {
        uint32_t kid;
        if (new_expr(c, RULES_EX_NOT, rule, "not", &x) != 0)
            return -1;
        if (compile_expr(c, json_object_get(v, "not"), v, rule, depth + 1, &kid) != 0 || set_kids(c, x, &kid, 1) != 0)
            return -1;
        *out = x;
        return 0;
    }
    if (strcmp(op, "near") == 0 || strcmp(op, "not_near") == 0) {
        static const char *const orders[] = {"any", "forward", NULL};
        json_t *w = json_object_get(v, "within"), *ss = json_object_get(v, "same_sentence");
        int neg = op[0] == 'n' && op[1] == 'o';
        if (ss != NULL && !json_is_boolean(ss)) {
            ERR(ss, v, "write true or false", "%s: same_sentence must be true or false", op);
            return -1;
        }
        if (w == NULL && !json_is_true(ss)) {
            ERR(v, cont, "add \"within\": N (normalized characters), or \"same_sentence\": true",
                "\"%s\" needs \"within\"", op);
            return -1;
        }
        if (new_expr(c, neg ? RULES_EX_NOT_NEAR : RULES_EX_NEAR, rule, op, &x) != 0)
            return -1;
        /* Without "within", same_sentence alone: anywhere in the sentence. */
        p->exprs[x].within = (uint32_t)compile_get_int(c, v, "within", 10000, 0, 10000, op);
        p->exprs[x].order = (uint8_t)compile_parse_enum(c, json_object_get(v, "order"), v, "order", orders, 0, 0);
        p->exprs[x].same_sentence = (uint8_t)json_is_true(ss);
        if (compile_list(c, json_object_get(v, op), v, rule, depth, x, op, 2) != 0)
            return -1;
        for (uint32_t i = 0; i < p->exprs[x].nkids; i++) {
            int t = p->exprs[p->kids[p->exprs[x].kids + i]].type;
            if (t == RULES_EX_NOT || t == RULES_EX_CONTACTS || t == RULES_EX_CHANNEL) {
                ERR(json_array_get(json_object_get(v, op), i), v,
                    "near and not_near compare positions in the text: use phrases, lists, lemmas, amounts, any, all, "
                    "near or not_near",
                    "%s: operand %u has no position in the text", op, i + 1);
                return -1;
            }
        }
        *out = x;
        return 0;
    }
    if (strcmp(op, "contacts_at_least") == 0) {
        if (new_expr(c, RULES_EX_CONTACTS, rule, "contacts_at_least", &x) != 0)
            return -1;
        p->exprs[x].contacts = (uint32_t)compile_get_int(c, v, "contacts_at_least", 1, 1, 1000000, "contacts_at_least");
        p->exprs[x].days = (uint32_t)compile_get_int(c, v, "days", 30, 1, 3650, "contacts_at_least");
        *out = x;
        return 0;
    }
    /* channel */
    if (new_expr(c, RULES_EX_CHANNEL, rule, "channel", &x) != 0)
        return -1;
    p->exprs[x].channels = compile_channel_list(c, json_object_get(v, "channel"), v, "channel");
    *out = x;
    return 0;
}

/* Can the expression be true when no phrase or lemma occurs? Such rules
 * are evaluated on every ticket; the others only when touched. */
static int can_fire_empty(const struct rules_policy *p, uint32_t x)
{
    const struct rules_expr *e = &p->exprs[x];

    switch (e->type) {
    case RULES_EX_TERM:
    case RULES_EX_NEAR:
    case RULES_EX_NOT_NEAR:
        return 0;
    case RULES_EX_CONTACTS:
    case RULES_EX_CHANNEL:
    case RULES_EX_NOT:
        return 1;
    case RULES_EX_ANY:
        for (uint32_t i = 0; i < e->nkids; i++)
            if (can_fire_empty(p, p->kids[e->kids + i]))
                return 1;
        return 0;
    default: /* all */
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!can_fire_empty(p, p->kids[e->kids + i]))
                return 0;
        return 1;
    }
}

/* Mark the leaves under an odd number of negations (not, the second
 * operand of not_near): their occurrences argue against the rule. */
static void mark_exceptions(struct rules_policy *p, uint32_t x, int odd)
{
    struct rules_expr *e = &p->exprs[x];

    switch (e->type) {
    case RULES_EX_TERM:
        e->exception = (uint8_t)odd;
        return;
    case RULES_EX_NOT:
        mark_exceptions(p, p->kids[e->kids], !odd);
        return;
    case RULES_EX_NOT_NEAR:
        mark_exceptions(p, p->kids[e->kids], odd);
        mark_exceptions(p, p->kids[e->kids + 1], !odd);
        return;
    default:
        for (uint32_t i = 0; i < e->nkids; i++)
            mark_exceptions(p, p->kids[e->kids + i], odd);
        return;
    }
}

/* "cancels" of veto `id` (engine 1.2): a list of category ids, or
 * "all-harassment" (alone or in the list) for every harassment category,
 * or "all" (engine 1.4) for every category.
 * Fills out[] with distinct category indices in the order written (policy
 * order for all-harassment). 0, or -1 after reporting what is wrong. */
static int veto_targets(struct compile *c, json_t *e, const char *id, uint32_t *out, size_t *n)
{
    static const char *const not_with[] = {"category", "weight", "flame_risk", "escalation", NULL};
    struct rules_policy *p = c->p;
    json_t *v = json_object_get(e, "cancels"), *one = NULL, *item;
    size_t i;
    int bad = 0;

    *n = 0;
    for (const char *const *k = not_with; *k; k++)
        if (json_object_get(e, *k) != NULL) {
            ERR(json_object_get(e, *k), e,
                "a veto only cancels categories; put what it should add or raise on a rule of its own",
                "rule %s: \"%s\" cannot be used with \"cancels\"", id, *k);
            bad = 1;
        }
    if (json_is_string(v)) {
        one = json_array();
        if (one == NULL || json_array_append(one, v) != 0) {
            json_decref(one);
            c->ctx->oom = 1;
            return -1;
        }
    } else if (!json_is_array(v) || json_array_size(v) == 0) {
        ERR(v, e, "write \"cancels\": [\"threat\", \"violence\", ...], \"all-harassment\" or \"all\"",
            "rule %s: \"cancels\" must be a non-empty list of category ids, \"all-harassment\" or \"all\"", id);
        return -1;
    }
    json_array_foreach(one ? one : v, i, item) {
        const char *name = json_is_string(item) ? json_string_value(item) : NULL;
        json_t *cv;
        size_t before = *n;

        if (name == NULL) {
            ERR(item, v, "write a category id", "rule %s: cancels[%zu] must be a string", id, i);
            bad = 1;
            continue;
        }
        if (strcmp(name, "all-harassment") == 0 || strcmp(name, "all") == 0) {
            /* Resolved on the merged policy, so both include the
             * categories a company policy adds; "all" also the complaint
             * ones. */
            int every = strcmp(name, "all") == 0;
            for (size_t k = 0; k < p->ncats; k++)
                if (every || p->cats[k].harassment) {
                    size_t j = 0;
                    while (j < *n && out[j] != k)
                        j++;
                    if (j == *n)
                        out[(*n)++] = (uint32_t)k;
                }
            if (*n == before)
                WARN(item, v, "define harassment categories, or remove the veto",
                     "rule %s: \"%s\" adds nothing: no %scategory is left to cancel", id, name,
                     every ? "" : "harassment ");
            continue;
        }
        cv = json_object_get(c->cat_index, name);
        if (cv == NULL) {
            const char *best = NULL;
            size_t bd = 3;
            char hint[160];
            for (size_t k = 0; k < p->ncats; k++)
                if (compile_edit_distance(name, p->cats[k].id) < bd) {
                    bd = compile_edit_distance(name, p->cats[k].id);
                    best = p->cats[k].id;
                }
            if (best != NULL)
                snprintf(hint, sizeof hint, "did you mean \"%s\"?", best);
            else
                snprintf(hint, sizeof hint, "use the id of a category under \"categories\" (or \"all-harassment\", \"all\")");
            ERR(item, v, hint, "rule %s: cancels unknown category \"%s\"", id, name);
            bad = 1;
            continue;
        }
        for (size_t j = 0; j < *n; j++)
            if (out[j] == (uint32_t)json_integer_value(cv)) {
                WARN(item, v, "list each category once", "rule %s: category \"%s\" is cancelled twice", id, name);
                before = SIZE_MAX;
                break;
            }
        if (before != SIZE_MAX)
            out[(*n)++] = (uint32_t)json_integer_value(cv);
    }
    json_decref(one);
    if (bad || *n == 0) {
        if (!bad)
            ERR(v, e, "list at least one category", "rule %s: \"cancels\" names no category", id);
        return -1;
    }
    return 0;
}

/* The copies of veto entry ri, one per further cancelled category. */
static int add_veto_copies(struct compile *c, uint32_t ri, const uint32_t *cancelled, size_t n)
{
    struct rules_policy *p = c->p;

    for (size_t k = 1; k < n; k++) {
        struct rules_rule *r = &p->rules[p->nrules];
        *r = p->rules[ri];
        r->id = compile_dup_str(c, p->rules[ri].id);
        r->explain = p->rules[ri].explain ? compile_dup_str(c, p->rules[ri].explain) : NULL;
        if (c->ctx->oom)
            return -1;
        r->category = cancelled[k];
        r->veto_copy = 1;
        r->always = 0; /* fires with the first entry, never on its own */
        p->nrules++;
    }
    p->rules[ri].veto_copies = (uint32_t)(n - 1);
    return 0;
}

void compile_rules(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"id",       "category", "weight",      "match",      "field",
                                       "channels", "negation", "quoted",      "unless",     "unless_mode",
                                       "flame_risk", "escalation", "explain", "remove",     "cancels",
                                       "must",     "not_scope", NULL};
    static const char *const unless_modes[] = {"inside", "overlap", NULL};
    static const char *const not_scopes[] = {"sentence", "ticket", NULL};
    static const char *const negs[] = {"cancel", "ignore", "only", NULL};
    static const char *const quoted[] = {"exclude", "include", NULL};
    json_t *rules = json_object_get(root, "rules"), *e;
    struct rules_policy *p = c->p;
    size_t i, nentries = 0;
    uint32_t *cancelled;

    if (rules == NULL)
        return;
    if (!json_is_array(rules)) {
        ERR(rules, root, NULL, "rules must be a list");
        return;
    }
    /* A veto takes one entry per category it cancels, at most ncats. */
    json_array_foreach(rules, i, e)
        nentries += json_object_get(e, "cancels") != NULL ? p->ncats + 1 : 1;
    p->rules = calloc(nentries + 1, sizeof *p->rules);
    cancelled = calloc(p->ncats + 1, sizeof *cancelled);
    if (p->rules == NULL || cancelled == NULL) {
        free(cancelled);
        c->ctx->oom = 1;
        return;
    }
    json_array_foreach(rules, i, e) {
        struct rules_rule *r;
        const char *id, *cat = NULL, *ex;
        json_t *cv = NULL, *m, *f;
        uint32_t ri, root_x;
        size_t ncancelled = 0;
        int veto;

        if (!json_is_object(e)) {
            ERR(e, rules, NULL, "rules[%zu] must be an object", i);
            continue;
        }
        compile_check_keys(c, e, "a rule", keys);
        id = compile_get_string(c, e, "id", 1, "rule");
        if (id == NULL)
            continue;
        if (!compile_valid_id(id, "_.-", 0)) {
            ERR(json_object_get(e, "id"), e, "rule ids use a-z 0-9 _ . -", "rule id \"%s\" is not valid", id);
            continue;
        }
        if (json_object_get(c->rule_ids, id) != NULL) {
            ERR(json_object_get(e, "id"), e, "give each rule its own id", "duplicate rule id \"%s\"", id);
            continue;
        }
        if (json_object_set_new(c->rule_ids, id, json_true()) != 0)
            c->ctx->oom = 1;
        if (c->ctx->nfiles > 1 && json_object_get(e, "match") == NULL && json_object_get(e, "category") == NULL &&
            json_object_get(e, "cancels") == NULL) {
            /* Only keys to change, under an id no parent has: an override
             * whose id is misspelt would otherwise read "missing category". */
            json_t *other;
            size_t j, bd = 4;
            const char *best = NULL;
            char hint[200];

            json_array_foreach(rules, j, other) {
                const char *oid = json_string_value(json_object_get(other, "id"));
                if (oid != NULL && j != i && compile_edit_distance(id, oid) < bd) {
                    bd = compile_edit_distance(id, oid);
                    best = oid;
                }
            }
            if (best != NULL)
                snprintf(hint, sizeof hint, "did you mean \"%s\"? (an override names the parent's rule by its id)", best);
            else
                snprintf(hint, sizeof hint, "check the id against the parent policy; a new rule needs \"category\" and "
                                            "\"match\"");
            ERR(json_object_get(e, "id"), e, hint, "rule %s: no rule with this id in the policies it extends, so there is "
                "nothing to override", id);
            continue;
        }
        veto = json_object_get(e, "cancels") != NULL;
        if (veto) {
            if (veto_targets(c, e, id, cancelled, &ncancelled) != 0)
                continue;
        } else {
            cat = compile_get_string(c, e, "category", 1, "rule");
            cv = cat ? json_object_get(c->cat_index, cat) : NULL;
            if (cat != NULL && cv == NULL) {
                ERR(json_object_get(e, "category"), e,
                    "define the category under \"categories\", or check the spelling",
                    "rule %s: unknown category \"%s\"", id, cat);
                continue;
            }
            if (cv == NULL)
                continue;
        }
        m = json_object_get(e, "match");
        if (m == NULL) {
            ERR(e, rules, "add \"match\": a phrase, \"@list\" or an expression", "rule %s: missing \"match\"", id);
            continue;
        }
        ri = (uint32_t)p->nrules;
        r = &p->rules[ri];
        memset(r, 0, sizeof *r);
        r->id = compile_dup_str(c, id);
        if (veto) {
            r->veto = 1;
            r->category = cancelled[0];
            r->weight = -HUGE_VAL;
        } else {
            r->category = (uint32_t)json_integer_value(cv);
            r->weight = compile_get_number(c, e, "weight", 1.0, -1e6, 1e6, "rule");
        }
        f = json_object_get(e, "field");
        r->field = RULES_FIELD_ANY;
        if (f != NULL) {
            static const char *const fields[] = {"subject", "body", "any", NULL};
            int fi = compile_parse_enum(c, f, e, "rule field", fields, 0, 2);
            r->field = fi == 0 ? RULES_FIELD_SUBJECT : fi == 1 ? RULES_FIELD_BODY : RULES_FIELD_ANY;
        }
        r->channels = json_object_get(e, "channels") ? compile_channel_list(c, json_object_get(e, "channels"), e, "rule channels")
                                                     : 0;
        r->negation = (uint8_t)compile_parse_enum(c, json_object_get(e, "negation"), e, "rule negation", negs, 0, 0);
        r->quoted = (uint8_t)compile_parse_enum(c, json_object_get(e, "quoted"), e, "rule quoted", quoted, 0, 0);
        r->unless_overlap =
            (uint8_t)compile_parse_enum(c, json_object_get(e, "unless_mode"), e, "rule unless_mode", unless_modes, 0, 0);
        r->not_ticket =
            (uint8_t)compile_parse_enum(c, json_object_get(e, "not_scope"), e, "rule not_scope", not_scopes, 0, 0);
        r->flame = json_object_get(e, "flame_risk") ? compile_parse_enum(c, json_object_get(e, "flame_risk"), e,
                                                                  "rule flame_risk", compile_flame_names, 0, -1)
                                                    : -1;
        r->escalation = json_object_get(e, "escalation") ? compile_parse_enum(c, json_object_get(e, "escalation"), e,
                                                                       "rule escalation", compile_escalation_names, 0, -1)
                                                         : -1;
        ex = compile_get_string(c, e, "explain", 0, "rule");
        r->explain = ex ? compile_dup_str(c, ex) : NULL;
        if (json_object_get(e, "must") != NULL) {
            json_t *mv = json_object_get(e, "must");
            if (!json_is_boolean(mv))
                ERR(mv, e, "write true or false", "must must be true or false");
            else if (json_is_true(mv) && veto)
                ERR(mv, e, "a veto cancels; only a rule that finds harassment can be a must",
                    "a veto cannot be a must rule");
            else
                r->must = (uint8_t)json_is_true(mv);
        }
        p->nrules++;
        if (compile_expr(c, m, e, ri, 0, &root_x) != 0) {
            p->nrules--;
            free(p->rules[ri].id);
            free(p->rules[ri].explain);
            continue;
        }
        p->rules[ri].root = root_x;
        p->rules[ri].always = (uint8_t)can_fire_empty(p, root_x);
        mark_exceptions(p, root_x, 0);
        if (json_object_get(e, "unless") != NULL) {
            size_t before = c->npend;
            compile_role_phrases(c, json_object_get(e, "unless"), e, "rule unless", RULES_USE_UNLESS, ri, 1);
            p->rules[ri].has_unless = c->npend > before;
        }
        if (veto && add_veto_copies(c, ri, cancelled, ncancelled) != 0)
            break;
    }
    free(cancelled);
}
