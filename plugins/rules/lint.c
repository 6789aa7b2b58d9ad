/*
 * lint.c -- the warnings of `mamori policy lint`: things that are valid
 * but almost certainly not what the lawyer meant (a list nobody uses, a
 * rule that can never match, a category agents get no guidance for, a
 * category no test case covers).
 *
 * A warning located in a parent of the extends chain may be the child's
 * doing (its benign phrase masks the parent's rule, its override uses the
 * parent's short phrase alone); each check also names the value written
 * closest to the loaded file that makes it so, and the diagnostic carries
 * that entry's position as its cause (rules.h), where lint prints it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"

/* A finding at v. Its container is its cause when written in another
 * file: a company's override of a parent's rule by id merges into an
 * object positioned at the company's entry, while the parent's members
 * it keeps (its "match") stay where the parent wrote them. */
#define WARN(v, cont, hint, ...) WARN_CAUSED((v), (cont), (cont), (hint), __VA_ARGS__)
#define WARN_CAUSED(v, cont, cause, hint, ...) \
    rules_diag_caused(ctx, (v), (cont), 0, (cause), RULES_DIAG_WARNING, (hint), __VA_ARGS__)

/* What the checks share to find the entry that causes a finding: the
 * merged JSON (which keeps every value's file and position, see
 * policy_internal.h) and the phrases as written. */
struct lint {
    struct rules_loadctx *ctx;
    json_t *root;
    const struct rules_policy *p;
    const struct rules_phrase_note *notes;
    size_t nnotes;
    const uint8_t *leaf;       /* check_phrases: ROLE_* of each rule leaf */
};

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

/* The file of the extends chain v is written in (0: the loaded file), or
 * past the chain when not known: the lower, the closer to the lawyer. */
static int origin_file(const struct rules_loadctx *ctx, const json_t *v)
{
    struct rules_origin o;

    return v != NULL && rules_origin_get(ctx, v, &o) == 0 ? o.file : RULES_MAX_EXTENDS + 2;
}

/* Keep in *best whichever of it and v is written closer to the loaded
 * file; on a tie the one found first. */
static void closer(const struct rules_loadctx *ctx, json_t **best, json_t *v)
{
    if (v != NULL && (*best == NULL || origin_file(ctx, v) < origin_file(ctx, *best)))
        *best = v;
}

/* The element of arr (benign, unless, negation cues) that references the
 * lexicon list `list` as "@name", or NULL. */
static json_t *list_ref(json_t *arr, json_t *lex, const json_t *list)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e)
        if (json_is_string(e) && json_string_value(e)[0] == '@' && json_object_get(lex, json_string_value(e) + 1) == list)
            return e;
    return NULL;
}

/* The first string equal to s in v's tree (a rule's match), or NULL. */
static json_t *find_string(json_t *v, const char *s)
{
    const char *k;
    json_t *m, *f;
    size_t i;

    if (json_is_string(v))
        return strcmp(json_string_value(v), s) == 0 ? v : NULL;
    if (json_is_object(v)) {
        json_object_foreach(v, k, m)
            if ((f = find_string(m, s)) != NULL)
                return f;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            if ((f = find_string(m, s)) != NULL)
                return f;
    }
    return NULL;
}

/* The phrase as written that makes key a mask of the rule written as
 * rule_obj: a benign or unless phrase, or an entry of a lexicon list one
 * of them references ("benign": ["@benign_ja"] with the company's
 * lexicon_add to benign_ja). The one closest to the loaded file. */
static json_t *mask_source(const struct lint *L, json_t *rule_obj, uint32_t key)
{
    json_t *benign = json_object_get(L->root, "benign"), *unless = json_object_get(rule_obj, "unless");
    json_t *lex = json_object_get(L->root, "lexicon"), *best = NULL;

    for (size_t i = 0; i < L->nnotes; i++) {
        const struct rules_phrase_note *n = &L->notes[i];
        if (n->key != key)
            continue;
        if ((n->cue == 2 && (n->container == benign || (unless != NULL && n->container == unless))) ||
            (n->cue == 0 && n->leaf == UINT32_MAX &&
             (list_ref(benign, lex, n->container) != NULL || list_ref(unless, lex, n->container) != NULL)))
            closer(L->ctx, &best, n->value);
    }
    return best;
}

/* The child's value or entry that replaced or removed a parent's value
 * holding the string s (a "@list" reference), or NULL: why the parent's
 * list is no longer used. The innermost replacement comes first. */
static const json_t *replaced_holding(const struct rules_loadctx *ctx, const char *s)
{
    for (size_t i = 0; i < ctx->nreplaced; i++)
        if (find_string(ctx->replaced[i].old, s) != NULL)
            return ctx->replaced[i].by;
    return NULL;
}

/* The child's entry that removed a parent's rule of category cat, or
 * overrode its "category", or NULL: why the category has no rules left. */
static const json_t *replaced_rule_of(const struct rules_loadctx *ctx, const char *cat)
{
    for (size_t i = 0; i < ctx->nreplaced; i++) {
        const json_t *old = ctx->replaced[i].old, *c = json_object_get(old, "category");
        /* a rule removed, or its "category" overridden */
        if ((json_is_string(json_object_get(old, "id")) && json_is_string(c) && strcmp(json_string_value(c), cat) == 0) ||
            (json_is_string(old) && strcmp(json_string_value(old), cat) == 0))
            return ctx->replaced[i].by;
    }
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

/* Why expression x of rule r (written as rule_obj) can never be true, or
 * NULL; *cause: the value written closest to the loaded file that makes
 * it so, when one is known (a company's benign phrase, its override's
 * "channels"). */
static const char *dead_reason(const struct lint *L, json_t *rule_obj, uint32_t r, uint32_t x, json_t **cause)
{
    const struct rules_policy *p = L->p;
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
        if (nkeys == 0) {
            if (e->label != NULL && e->label[0] == '@')
                closer(L->ctx, cause, json_object_get(json_object_get(L->root, "lexicon"), e->label + 1));
            return "it refers to an empty lexicon list";
        }
        if (masked == nkeys) {
            for (size_t k = 0; k < p->nkeys; k++)
                for (uint32_t u = p->keys[k].uses; u < p->keys[k].uses + p->keys[k].nuses; u++)
                    if (p->uses[u].kind == RULES_USE_LEAF && p->uses[u].target == x) {
                        closer(L->ctx, cause, mask_source(L, rule_obj, (uint32_t)k));
                        break;
                    }
            return "every phrase of it is also a benign look-alike (or in the rule's unless), so it is always masked";
        }
        return NULL;
    }
    case RULES_EX_ANY: {
        /* dead when every alternative is: the cause is any one's */
        json_t *any = NULL;
        why = NULL;
        for (uint32_t i = 0; i < e->nkids; i++) {
            why = dead_reason(L, rule_obj, r, p->kids[e->kids + i], &any);
            if (why == NULL)
                return NULL;
        }
        closer(L->ctx, cause, any);
        return why;
    }
    case RULES_EX_ALL:
        for (uint32_t i = 0; i < e->nkids; i++)
            if ((why = dead_reason(L, rule_obj, r, p->kids[e->kids + i], cause)) != NULL)
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
            if ((why = dead_reason(L, rule_obj, r, p->kids[e->kids + i], cause)) != NULL)
                return why;
        return NULL;
    case RULES_EX_NOT_NEAR:
        /* only the first operand gives occurrences; the second only vetoes */
        return dead_reason(L, rule_obj, r, p->kids[e->kids], cause);
    case RULES_EX_CHANNEL:
        if (rule->channels != 0 && (rule->channels & e->channels) == 0) {
            closer(L->ctx, cause, json_object_get(rule_obj, "channels"));
            return "its \"channel\" condition and the rule's \"channels\" have no channel in common";
        }
        return NULL;
    default:
        return NULL;
    }
}

static void check_rules(const struct lint *L, uint8_t *dead)
{
    struct rules_loadctx *ctx = L->ctx;
    const struct rules_policy *p = L->p;
    json_t *rules = json_object_get(L->root, "rules");
    int has_neg = 0;

    for (size_t k = 0; k < p->nkeys; k++)
        if (key_has_use(p, (uint32_t)k, RULES_USE_NEG_AFTER, 0, 1) ||
            key_has_use(p, (uint32_t)k, RULES_USE_NEG_BEFORE, 0, 1))
            has_neg = 1;
    for (size_t r = 0; r < p->nrules; r++) {
        const struct rules_rule *rule = &p->rules[r];
        json_t *obj, *cause = NULL;
        const char *why;

        if (rule->veto_copy) {
            dead[r] = dead[r - 1]; /* a copy of the veto entry before it: reported there */
            continue;
        }
        obj = find_by_id(rules, rule->id);
        why = dead_reason(L, obj, (uint32_t)r, rule->root, &cause);

        if (why == NULL && rule->negation == RULES_NEG_ONLY && !has_neg) {
            why = "it fires only on negated matches, and the policy has no negation cues";
            closer(ctx, &cause, json_object_get(obj, "negation"));
            closer(ctx, &cause, json_object_get(L->root, "negation"));
        }
        if (why != NULL) {
            dead[r] = 1;
            closer(ctx, &cause, obj); /* an override by id, when nothing closer is known */
            WARN_CAUSED(json_object_get(obj, "match"), obj, cause, "fix the match, or remove the rule",
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
    json_t *cats = json_object_get(root, "categories"), *rules = json_object_get(root, "rules");

    for (size_t i = 0; i < p->ncats; i++) {
        const struct rules_category *k = &p->cats[i];
        json_t *obj = find_by_id(cats, k->id), *idv = json_object_get(obj, "id"), *g = json_object_get(obj, "guidance");
        json_t *cause = NULL;
        size_t nrules = 0;
        double reachable = 0;

        for (size_t r = 0; r < p->nrules; r++)
            if (p->rules[r].category == i && !p->rules[r].veto) { /* a veto only cancels */
                nrules++;
                if (!dead[r] && p->rules[r].weight > 0)
                    reachable += p->rules[r].weight;
                /* an override's lower weight (a veto copy has its entry's id) */
                if (!p->rules[r].veto_copy)
                    closer(ctx, &cause, json_object_get(find_by_id(rules, p->rules[r].id), "weight"));
            }
        if (nrules == 0) {
            const json_t *removed = replaced_rule_of(ctx, k->id);
            WARN_CAUSED(idv, obj, removed ? removed : obj, "add rules with this category, or remove it",
                        "category %s has no rules, so it can never fire", k->id);
        }
        else if (reachable + 1e-9 < k->threshold) {
            closer(ctx, &cause, obj);
            WARN_CAUSED(json_object_get(obj, "threshold") ? json_object_get(obj, "threshold") : idv, obj, cause,
                        "raise rule weights or lower the threshold",
                        "category %s can never fire: its rules add up to at most %g, below its threshold %g", k->id,
                        reachable, k->threshold);
        }
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
    /* The finding is about the tests file, so it points at the "tests"
     * member that names it: in a company policy that is the company's own
     * file (metadata is never inherited), while the category itself may
     * be written in the parent, which the lawyer does not edit. */
    for (size_t k = 0; k < p->ncats; k++)
        if (count[k] == 0)
            WARN(json_object_get(root, "tests"), root,
                 "add at least one labelled case, and a look-alike that must not fire",
                 "category %s has no test case in %s (%ld lines)", p->cats[k].id, p->tests_path, lineno);
    free(count);
}

/* ---- phrases: too short once normalized, common words once folded ---- */

/* What a key does in the policy, as bits: it can make a rule fire by
 * itself (alone, or under "any", or as the first operand of not_near);
 * it vetoes (benign, unless, under "not", second operand of not_near);
 * it is a negation or quotation cue; it is one part of an all/near. A
 * short phrase that fires, vetoes or cues by itself acts on every text
 * that contains it; as one part of an all/near the other part constrains
 * it. */
enum { ROLE_FIRE = 1, ROLE_VETO = 2, ROLE_CUE = 4, ROLE_PART = 8 };

static void leaf_roles(const struct rules_policy *p, uint32_t x, int role, uint8_t *leaf)
{
    const struct rules_expr *e = &p->exprs[x];

    switch (e->type) {
    case RULES_EX_TERM:
        leaf[x] |= (uint8_t)role;
        return;
    case RULES_EX_ANY:
        for (uint32_t i = 0; i < e->nkids; i++)
            leaf_roles(p, p->kids[e->kids + i], role, leaf);
        return;
    case RULES_EX_NOT:
        leaf_roles(p, p->kids[e->kids], ROLE_VETO, leaf);
        return;
    case RULES_EX_NOT_NEAR:
        leaf_roles(p, p->kids[e->kids], role, leaf);
        leaf_roles(p, p->kids[e->kids + 1], ROLE_VETO, leaf);
        return;
    case RULES_EX_ALL:
    case RULES_EX_NEAR:
        for (uint32_t i = 0; i < e->nkids; i++)
            leaf_roles(p, p->kids[e->kids + i], role == ROLE_VETO ? ROLE_VETO : ROLE_PART, leaf);
        return;
    default:
        return;
    }
}

/* Hiragana words and grammatical endings that katakana words collide with
 * once kana is folded (デモ -> でも, スレ -> すれば, ガキ -> はがき). A short
 * list: a katakana phrase equal to one of these, or inside one, is
 * reported. */
static const char *const common_words[] = {
    "でも", "ただ", "すれば", "とれず", "わすれず", "ちょんと", "はがき", "こわれ", "われわれ", "まで", "から",
    "けど", "だけ", "しか", "ので", "のに", "ため", "ほど", "くらい", "ぐらい", "など", "なら", "たら", "ても",
    "では", "には", "とは", "かな", "よね", "です", "ます", "でした", "ました", "ません", "ください", "いる",
    "ある", "する", "なる", "いく", "くる", "おる", "みる", "いい", "ない", "たい", "らしい", "ような", "みたい",
    "そう", "こと", "もの", "とき", "ところ", "ここ", "そこ", "どこ", "これ", "それ", "あれ", "どれ", "だれ",
    "おれ", "この", "その", "あの", "どの", "こんな", "そんな", "あんな", "どんな", "また", "まだ", "もう",
    "すぐ", "よく", "とても", "かなり", "あまり", "ぜんぜん", "ちょっと", "ずっと", "やはり", "やっぱり",
    "きっと", "たぶん", "もし", "しかし", "そして", "それで", "だから", "なので", "けれど", "ところが",
    "ただし", "なお", "さらに", "つまり", "まず", "ぜひ", "どうも", "どうぞ", "ありがとう", "すみません",
    "ごめん", "よろしく", "おねがい", "いただき", "いただけ", "いたし", "もらえ", "もらい", "くれ", "あげ",
    "させ", "され", "られ", "れる", "せる", "なか", "うち", "あと", "まえ", "ほか", "みんな", "ひと", "かた",
    "たち", "さん", "さま", "くん", "ちゃん", "はい", "いいえ", "ええ", "うん", "いや", "ほんと", "なに", "なん",
    "いつ", "なぜ", "どう", "どうして", "いくら", "いくつ", "ひとつ", "おかしい", "すごい", "ひどい", "こわい",
    "うるさい", "はやく", "すこし", "たくさん", "おみせ", "かぎ", "てがみ", "おかね", "かえって", "もらって",
    "わかる", "わからない", "しまう", "しまった", "ちゃんと", "きちんと", "しっかり", "はっきり", "ゆっくり", NULL};

/* Loanwords (folded) that contain shorter katakana words: a phrase inside
 * one matches it (ライン in オンライン); a phrase equal to one is the same
 * word and fine. */
static const char *const loanwords[] = {
    "おんらいん", "がいどらいん", "でっどらいん", "めーる", "あかうんと", "ぱすわーど", "ろぐいん", "さーびす",
    "さぽーと", "くれーむ", "ちぇっく", "ぽいんと", "くーぽん", "きゃんせる", "ちけっと", "めにゅー", "すたっふ",
    "あぷり", "さいと", "ぺーじ", "ほーむぺーじ", "でーた", "しすてむ", "えらー", "とらぶる", "れびゅー",
    "こめんと", "ぷれぜんと", "きゃんぺーん", "せーる", "れしーと", "かーど", "くれじっと", "ぎふと", "ぱっけーじ",
    "だんぼーる", "ぼたん", "すまほ", "ぱそこん", "ばってりー", "けーぶる", "らいんあっぷ", "ぷらいべーと",
    "ますたー", "ますく", "しゃつ", "あいす", "ばす", "たくしー", "ほてる", "れすとらん", NULL};

static int has_katakana(const char *s)
{
    size_t i = 0, n = strlen(s);

    while (i < n) {
        int32_t cp = rules_utf8_next((const uint8_t *)s, n, &i);
        if ((cp >= 0 && rules_is_katakana((uint32_t)cp)) || (cp >= 0xFF66 && cp <= 0xFF9D)) /* and half-width */
            return 1;
    }
    return 0;
}

static int is_number_text(const struct rules_ntext *nt)
{
    int digits = 0;

    for (size_t i = 0; i < nt->len; i++) {
        uint32_t c = nt->cp[i];
        if (c >= '0' && c <= '9')
            digits = 1;
        else if (c != ',' && c != '.')
            return 0;
    }
    return digits;
}

static int is_pictograph(uint32_t c)
{
    /* emoji and pictographs, and currency signs: one of them is a
     * deliberate phrase ("🔪", "$") */
    return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF) ||
           c == '$' || c == 0xA5 || c == 0xA3 || c == 0x20AC;
}

/* The entry that gives a lexicon entry's phrase the role `bit` (ROLE_*):
 * a rule leaf "@list" (the company's override may use alone a list the
 * parent used only as one part of an "all"), a benign or unless reference
 * to its list, a negation cue list. The one closest to the loaded file,
 * or NULL. */
static json_t *role_source(const struct lint *L, const struct rules_phrase_note *n, int bit)
{
    const struct rules_policy *p = L->p;
    const struct rules_key *k = &p->keys[n->key];
    json_t *rules = json_object_get(L->root, "rules"), *lex = json_object_get(L->root, "lexicon");
    json_t *neg = json_object_get(L->root, "negation"), *best = NULL;

    for (uint32_t u = k->uses; u < k->uses + k->nuses; u++) {
        const struct rules_use *use = &p->uses[u];
        json_t *obj, *v = NULL;

        switch (use->kind) {
        case RULES_USE_LEAF:
            if (!(L->leaf[use->target] & bit))
                continue;
            obj = find_by_id(rules, p->rules[p->exprs[use->target].rule].id);
            if (p->exprs[use->target].label != NULL)
                v = find_string(json_object_get(obj, "match"), p->exprs[use->target].label);
            closer(L->ctx, &best, v ? v : obj);
            break;
        case RULES_USE_BENIGN:
            if (bit == ROLE_VETO)
                closer(L->ctx, &best, list_ref(json_object_get(L->root, "benign"), lex, n->container));
            break;
        case RULES_USE_UNLESS:
            if (bit == ROLE_VETO && use->target < p->nrules)
                closer(L->ctx, &best,
                       list_ref(json_object_get(find_by_id(rules, p->rules[use->target].id), "unless"), lex,
                                n->container));
            break;
        case RULES_USE_NEG_AFTER:
        case RULES_USE_NEG_BEFORE:
            if (bit == ROLE_CUE) {
                closer(L->ctx, &best, list_ref(json_object_get(neg, "after"), lex, n->container));
                closer(L->ctx, &best, list_ref(json_object_get(neg, "before"), lex, n->container));
            }
            break;
        default:
            break;
        }
    }
    return best;
}

static void check_phrase(const struct lint *L, const struct rules_phrase_note *n, int role, struct rules_ntext *nt)
{
    struct rules_loadctx *ctx = L->ctx;
    const struct rules_policy *p = L->p;
    const struct rules_key *k = &p->keys[n->key];
    const char *raw = json_string_value(n->value), *s = raw;
    size_t len = strlen(raw), kept = 0, written = 0, i;
    int kana = 1, alnum = 0, pict = 1;
    char shown[80];

    /* as phrase_key() reads it: a leading '=', a trailing '*' */
    if (n->exact) {
        s++;
        len--;
    }
    if (len > 1 && s[len - 1] == '*')
        len--;
    if (rules_normalize(&p->norm, s, len, nt) != 0) {
        ctx->oom = 1;
        return;
    }
    /* characters of the phrase as written (after folding), spaces aside */
    for (i = 0; i < nt->len; i++)
        written += nt->cp[i] != ' ';
    if (rules_normalize_phrase(&p->norm, s, len, n->exact ? RULES_PHRASE_EXACT : RULES_PHRASE_PLAIN, nt) != 0) {
        ctx->oom = 1;
        return;
    }
    for (i = 0; i < nt->len; i++) {
        uint32_t c = nt->cp[i];
        kept += c != ' ';
        if (rules_cp_alnum(c))
            alnum = 1;
        if (!is_pictograph(c))
            pict = 0;
        if (!(rules_is_hiragana(c) || c == 0x30FC))
            kana = 0;
    }
    snprintf(shown, sizeof shown, "%s", k->text);
    if (kept < written && (is_number_text(nt) || !alnum || k->clen <= 2)) {
        char hint[160];
        snprintf(hint, sizeof hint, "write \"=%.*s\" to keep the symbols as written, or use a longer phrase", (int)len, s);
        WARN(n->value, n->container, hint,
             "phrase \"%s\" became \"%s\" after normalization (symbols at its ends are dropped): it matches every \"%s\"",
             raw, shown, shown);
        return;
    }
    if (is_number_text(nt)) {
        WARN(n->value, n->container,
             "for money use {\"amount\": {\"min\": ..., \"currency\": [...]}}; otherwise a longer phrase",
             "phrase \"%s\" is a bare number: it matches wherever \"%s\" is written (500件, ★500, 500円)", raw, shown);
        return;
    }
    if (!n->exact && has_katakana(raw)) {
        for (int w = 0; loanwords[w]; w++)
            if (strcmp(loanwords[w], k->text) != 0 && strstr(loanwords[w], k->text) != NULL) {
                WARN(n->value, n->container,
                     "write it with a leading = to match a katakana word of its own (\"=ライン\" does not match オンライン)",
                     "phrase \"%s\" folds to \"%s\", which also occurs inside the common word \"%s\"", raw, shown,
                     loanwords[w]);
                return;
            }
        for (int w = 0; common_words[w]; w++) {
            const char *cw = common_words[w];
            if (strcmp(cw, k->text) == 0) {
                WARN(n->value, n->container, "write it with a leading = to match katakana only (\"=デモ\")",
                     "phrase \"%s\" folds to \"%s\", which is also the common word \"%s\": it matches that word too",
                     raw, shown, cw);
                return;
            }
            if (strstr(cw, k->text) != NULL) {
                WARN(n->value, n->container,
                     "write it with a leading = to match a katakana word of its own (\"=ライン\" does not match オンライン)",
                     "phrase \"%s\" folds to \"%s\", which also occurs inside the common word \"%s\"", raw, shown, cw);
                return;
            }
        }
    }
    if (role & (ROLE_FIRE | ROLE_VETO | ROLE_CUE)) {
        int bit = role & ROLE_FIRE ? ROLE_FIRE : role & ROLE_VETO ? ROLE_VETO : ROLE_CUE;
        const char *what = bit == ROLE_FIRE ? "fires its rule" : bit == ROLE_VETO ? "masks matches" : "acts as a cue";
        /* A lexicon entry gets its role from where its list is used, which
         * may be another file than the entry's. */
        json_t *cause = n->leaf == UINT32_MAX && n->cue == 0 ? role_source(L, n, bit) : NULL;

        if (cause == NULL)
            cause = n->container;
        if (!alnum && k->clen == 1 && !pict) {
            WARN_CAUSED(n->value, n->container, cause, "use it inside near/all with a word, or a longer phrase",
                        "phrase \"%s\" is one symbol and %s wherever \"%s\" appears", raw, what, shown);
            return;
        }
        if (alnum && k->clen == 1) {
            WARN_CAUSED(n->value, n->container, cause, "use it inside near/all with a word, or a longer phrase",
                        "phrase \"%s\" is one character and %s wherever it appears, also inside longer words", raw,
                        what);
            return;
        }
        if (alnum && k->clen == 2 && kana && !n->exact) {
            WARN_CAUSED(n->value, n->container, cause, "use a longer phrase, or put it inside near/all with a word",
                        "phrase \"%s\" is two kana and %s wherever they appear, also inside longer words", raw, what);
            return;
        }
    }
}

static void check_phrases(struct lint *L)
{
    struct rules_loadctx *ctx = L->ctx;
    const struct rules_policy *p = L->p;
    const struct rules_phrase_note *notes = L->notes;
    size_t nnotes = L->nnotes;
    uint8_t *leaf = calloc(p->nexprs + 1, 1), *role = calloc(p->nkeys + 1, 1);
    struct rules_ntext nt;

    if (leaf == NULL || role == NULL) {
        free(leaf);
        free(role);
        ctx->oom = 1;
        return;
    }
    for (size_t r = 0; r < p->nrules; r++)
        if (!p->rules[r].veto_copy)
            leaf_roles(p, p->rules[r].root, ROLE_FIRE, leaf);
    for (size_t k = 0; k < p->nphrases; k++)
        for (uint32_t u = p->keys[k].uses; u < p->keys[k].uses + p->keys[k].nuses; u++) {
            const struct rules_use *use = &p->uses[u];
            if (use->kind == RULES_USE_LEAF)
                role[k] |= leaf[use->target];
            else if (use->kind == RULES_USE_BENIGN || use->kind == RULES_USE_UNLESS)
                role[k] |= ROLE_VETO;
            else
                role[k] |= ROLE_CUE;
        }
    L->leaf = leaf;
    rules_ntext_init(&nt);
    for (size_t i = 0; i < nnotes && !ctx->oom; i++) {
        /* where the phrase was written decides, when we know it */
        const struct rules_phrase_note *n = &notes[i];
        int r = n->leaf != UINT32_MAX ? leaf[n->leaf] : n->cue == 2 ? ROLE_VETO : n->cue == 1 ? ROLE_CUE : role[n->key];
        check_phrase(L, n, r, &nt);
    }
    rules_ntext_free(&nt);
    L->leaf = NULL;
    free(leaf);
    free(role);
}

void rules_lint_checks(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p, const uint8_t *lex_used,
                       const char *const *lex_names, json_t *const *lex_values, size_t nlex,
                       const struct rules_phrase_note *notes, size_t nnotes)
{
    json_t *lex = json_object_get(root, "lexicon");
    uint8_t *dead = calloc(p->nrules + 1, 1);
    struct lint L = {ctx, root, p, notes, nnotes, NULL};

    if (dead == NULL) {
        ctx->oom = 1;
        return;
    }
    for (size_t i = 0; i < nlex; i++)
        if (!lex_used[i]) {
            char ref[256];
            snprintf(ref, sizeof ref, "@%s", lex_names[i]);
            rules_diag_caused(ctx, lex_values[i], lex, 1, replaced_holding(ctx, ref), RULES_DIAG_WARNING,
                              "reference it as \"@name\" in a rule, benign, negation or unless, or remove it",
                              "lexicon list \"%s\" is not used", lex_names[i]);
        }
    check_rules(&L, dead);
    check_categories(ctx, root, p, dead);
    check_tests(ctx, root, p);
    check_phrases(&L);
    free(dead);
}
