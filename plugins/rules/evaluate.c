/*
 * evaluate.c -- one ticket through a compiled policy.
 *
 *   1. normalize subject and body (offset map kept);
 *   2. one automaton scan per field finds every phrase of the policy (plus
 *      a few short re-reads of the text around a wildcard, and MeCab for
 *      lemma rules when the policy has them and the text is Japanese);
 *   3. policy-wide cues found by the same scan (benign look-alikes,
 *      negation and quotation cues, history markers, staff prefixes) decide
 *      each occurrence's flags: masked, negated, quoted;
 *   4. each occurrence is handed to the rule leaves that use its key,
 *      filtered by that rule's field, channel, negation, quoted and unless;
 *   5. only rules with a touched leaf (plus the few that can be true with no
 *      occurrence: contacts, channel, not) are evaluated; fired rules add
 *      their weight to their category (a veto adds -inf to each category it
 *      cancels), categories reaching their threshold fire, harassment
 *      suppresses complaint categories.
 *
 * Steps 2-4 cost time linear in the ticket (and in the occurrences found),
 * whatever the number of phrases in the policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "amount.h"
#include "eval_internal.h"

#define MAX_EVIDENCE_PER_RULE 64

/* Wildcards re-read per field. Each costs a few hundred bytes of scanning
 * per kana the policy uses; a dodge needs a handful, and a message made of
 * thousands of ○ must not cost seconds. */
#define MAX_WILDCARDS_PER_FIELD 64

/* ---- scratch --------------------------------------------------------- */

int mamori_rules_scratch_new(const struct rules_policy *p, struct rules_scratch **out)
{
    struct rules_scratch *s = calloc(1, sizeof *s);

    *out = NULL;
    if (s == NULL)
        return RULES_ENOMEM;
    s->p = p;
    for (int f = 0; f < RULES_NFIELDS; f++)
        rules_ntext_init(&s->nt[f]);
    rules_ntext_init(&s->lemma_nt);
    s->leaf_first = calloc(p->nexprs + 1, sizeof *s->leaf_first);
    s->leaf_n = calloc(p->nexprs + 1, sizeof *s->leaf_n);
    s->rule_mark = calloc(p->nrules + 1, 1);
    s->cand = calloc(p->nrules + 1, sizeof *s->cand);
    s->score = calloc(p->ncats + 1, sizeof *s->score);
    s->cat_fired = calloc(p->ncats + 1, 1);
    s->cat_reached = calloc(p->ncats + 1, 1);
    s->cat_esc = calloc(p->ncats + 1, 1);
    s->fired = calloc(p->ncats + 1, sizeof *s->fired);
    s->rule_fired = calloc(p->nrules + 1, 1);
    s->rule_ev = calloc(p->nrules + 1, sizeof *s->rule_ev);
    s->rule_nev = calloc(p->nrules + 1, sizeof *s->rule_nev);
    s->cat_model = calloc(p->ncats + 1, 1);
    s->cat_must = calloc(p->ncats + 1, 1);
    mamori_features_init(&s->mfeat);
    mamori_model_result_init(&s->mres);
    if (!s->cat_model || !s->cat_must || !s->leaf_first || !s->leaf_n || !s->rule_mark || !s->cand || !s->score || !s->cat_fired || !s->cat_reached || !s->cat_esc ||
        !s->fired || !s->rule_fired || !s->rule_ev || !s->rule_nev) {
        mamori_rules_scratch_free(s);
        return RULES_ENOMEM;
    }
    *out = s;
    return RULES_OK;
}

static void field_ctx_free(struct rules_field_ctx *fc)
{
    free(fc->bcount);
    free(fc->xcount);
    free(fc->excl);
    free(fc->benign);
    free(fc->neg_after);
    free(fc->neg_before);
    free(fc->q_after);
    free(fc->q_before);
    free(fc->history);
    free(fc->staff);
}

void mamori_rules_scratch_free(struct rules_scratch *s)
{
    if (s == NULL)
        return;
    for (int f = 0; f < RULES_NFIELDS; f++) {
        rules_ntext_free(&s->nt[f]);
        field_ctx_free(&s->fc[f]);
    }
    rules_ntext_free(&s->lemma_nt);
    free(s->alt.cp);
    free(s->alt.ob);
    free(s->alt.oe);
    free(s->alt.map);
    free(s->alt.u8off);
    free(s->alt.fl);
    free(s->alt.ins);
    free(s->alt.u8);
    free(s->stem_at);
    free(s->occ);
    free(s->unl);
    free(s->pairs);
    free(s->leaf_first);
    free(s->leaf_n);
    free(s->touched);
    free(s->rule_mark);
    free(s->cand);
    free(s->score);
    free(s->cat_fired);
    free(s->cat_reached);
    free(s->cat_esc);
    free(s->rule_fired);
    free(s->rule_ev);
    free(s->rule_nev);
    free(s->ev);
    free(s->stack);
    free(s->fired);
    free(s->near_used);
    free(s->traces);
    rules_mecab_free(s->mecab);
    mamori_features_free(&s->mfeat);
    mamori_model_result_free(&s->mres);
    free(s->cat_model);
    free(s->cat_must);
    free(s);
}

const struct rules_result *mamori_rules_result(const struct rules_scratch *s)
{
    return &s->res;
}

const struct rules_ntext *mamori_rules_field_text(const struct rules_scratch *s, int field)
{
    return &s->nt[field];
}

void mamori_rules_trace_enable(struct rules_scratch *s, int on)
{
    s->trace_on = on;
}

const struct rules_trace *mamori_rules_traces(const struct rules_scratch *s, size_t *n)
{
    *n = s->ntraces;
    return s->traces;
}

int rules_occ_push(struct rules_scratch *s, const struct rules_occ *o)
{
    if (RULES_GROW(s->occ, s->occ_cap, s->nocc + 1) != 0)
        return RULES_ENOMEM;
    s->occ[s->nocc++] = *o;
    return RULES_OK;
}

/* ---- scanning -------------------------------------------------------- */

/* What a scan reads: the field itself, or an altered copy (s->alt). */
struct view {
    const uint32_t *cp, *ob, *oe, *u8off;
    const uint8_t *fl;
    const uint32_t *map;           /* view char -> field char, or NULL (the field) */
    const uint8_t *ins;            /* symbols put back, or NULL */
    size_t len;
};

struct scan {
    struct rules_scratch *s;
    struct view t;
    const struct rules_ntext *nt;  /* the field */
    int window;                    /* a wildcard window: keep matches with s < must_hi && e > must_lo */
    uint32_t must_lo, must_hi;
    uint8_t field, extra_flags;
    int oom;
};

static size_t char_at(const struct view *t, size_t b)
{
    size_t lo = 0, hi = t->len;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->u8off[mid] <= b)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Katakana for the word boundary of exact phrases: a char folded from
 * katakana, or a long vowel mark after one (ライン in オンライン, ゲーム). */
static int kata_at(const struct view *t, size_t i)
{
    if (t->fl[i] & RULES_NF_KATA)
        return 1;
    return t->cp[i] == 0x30FC && i > 0 && (t->fl[i - 1] & RULES_NF_KATA);
}

/* An exact phrase's kana must have the script it was written in. A
 * wildcard stands for any kana. */
static int script_ok(const struct view *t, size_t cs, const struct rules_key *k)
{
    for (uint32_t i = 0; i < k->clen; i++) {
        uint8_t fl = t->fl[cs + i];
        if (k->script[i] == RULES_SCRIPT_ANY || (fl & RULES_NF_WILD))
            continue;
        if ((k->script[i] == RULES_SCRIPT_KATA) != ((fl & RULES_NF_KATA) != 0))
            return 0;
    }
    return 1;
}

static void on_hit(void *ctx, uint32_t head, size_t end)
{
    struct scan *sc = ctx;
    const struct rules_policy *p = sc->s->p;
    const struct view *t = &sc->t;
    const struct rules_key *k = &p->keys[head];
    size_t cs = char_at(t, end - k->blen), ce = cs + k->clen;
    int pre_latin, post_latin, pre_kata, post_kata;
    struct rules_occ o;

    if (sc->window && !(cs < sc->must_hi && ce > sc->must_lo))
        return; /* found without the wildcard: the main scan has it */
    if (t->ins != NULL) {
        size_t i = cs;
        while (i < ce && !t->ins[i])
            i++;
        if (i == ce)
            return; /* no symbol put back in it: the main scan has it */
    }
    pre_latin = cs > 0 && rules_is_latin_alnum(t->cp[cs - 1]);
    post_latin = ce < t->len && rules_is_latin_alnum(t->cp[ce]);
    pre_kata = cs > 0 && kata_at(t, cs - 1);
    post_kata = ce < t->len && kata_at(t, ce);
    o.field = sc->field;
    if (t->map != NULL) {
        /* A symbol put back stands in the gap before map[]: it covers that
         * char for scopes (quotation, negation, near), and its own bytes
         * for the evidence. */
        o.s = t->map[cs];
        o.e = t->ins != NULL && t->ins[ce - 1] ? t->map[ce - 1] : t->map[ce - 1] + 1;
        if (o.e <= o.s)
            o.e = o.s + 1; /* symbols put back only */
        if (o.e > sc->nt->len)
            o.e = (uint32_t)sc->nt->len; /* the field is not empty: something matched in it */
        if (o.s >= o.e)
            o.s = o.e - 1;
    } else {
        o.s = (uint32_t)cs;
        o.e = (uint32_t)ce;
    }
    o.ob = t->ob[cs];
    o.oe = t->oe[ce - 1];
    /* Every key with this text: plain and exact variants differ in their
     * boundaries and scripts. */
    for (uint32_t key = head; key != UINT32_MAX; key = p->keys[key].next_variant) {
        k = &p->keys[key];
        if ((k->latin_start && pre_latin) || (k->kata_start && pre_kata))
            continue; /* "kill" inside "skill", =ライン inside オンライン */
        if (k->script != NULL && !script_ok(t, cs, k))
            continue; /* =デモ and でも */
        o.flags = sc->extra_flags;
        if (!pre_latin)
            o.flags |= RULES_OCC_START_OK;
        if (k->kata_end ? !post_kata : !post_latin)
            o.flags |= RULES_OCC_END_OK;
        o.key = key;
        if (rules_occ_push(sc->s, &o) != 0)
            sc->oom = 1;
    }
}

/* Room for n chars in the altered text. */
static int alt_reserve(struct rules_scratch *s, size_t n)
{
    size_t cap = s->alt.cap ? s->alt.cap : 64;
    void *q;

    if (n + 1 <= s->alt.cap)
        return RULES_OK;
    while (cap < n + 1)
        cap *= 2;
#define ALT_GROW(field, count)                                       \
    do {                                                             \
        q = realloc(s->alt.field, (count) * sizeof *s->alt.field);   \
        if (q == NULL)                                               \
            return RULES_ENOMEM;                                     \
        s->alt.field = q;                                            \
    } while (0)
    ALT_GROW(cp, cap);
    ALT_GROW(ob, cap);
    ALT_GROW(oe, cap);
    ALT_GROW(map, cap);
    ALT_GROW(u8off, cap);
    ALT_GROW(fl, cap);
    ALT_GROW(ins, cap);
    ALT_GROW(u8, 4 * cap);
#undef ALT_GROW
    s->alt.cap = cap;
    return RULES_OK;
}

/* Scan the altered text of n chars (cp, ob, oe, fl, map, ins filled). */
static int alt_scan(struct rules_scratch *s, int field, size_t n, int window, uint32_t must_lo, uint32_t must_hi,
                    int with_ins)
{
    struct scan sc;
    size_t b = 0;

    for (size_t i = 0; i < n; i++) {
        s->alt.u8off[i] = (uint32_t)b;
        b += rules_utf8_put(s->alt.cp[i], s->alt.u8 + b);
    }
    s->alt.u8off[n] = (uint32_t)b;
    memset(&sc, 0, sizeof sc);
    sc.s = s;
    sc.t.cp = s->alt.cp;
    sc.t.ob = s->alt.ob;
    sc.t.oe = s->alt.oe;
    sc.t.u8off = s->alt.u8off;
    sc.t.fl = s->alt.fl;
    sc.t.map = s->alt.map;
    sc.t.ins = with_ins ? s->alt.ins : NULL;
    sc.t.len = n;
    sc.nt = &s->nt[field];
    sc.field = (uint8_t)field;
    sc.window = window;
    sc.must_lo = must_lo;
    sc.must_hi = must_hi;
    sc.extra_flags = window ? RULES_OCC_WILDCARD : RULES_OCC_SYMBOL;
    rules_ac_scan(s->p->ac, s->alt.u8, b, on_hit, &sc);
    return sc.oom ? RULES_ENOMEM : RULES_OK;
}

/* Copy field chars [lo, hi) into the altered text, with char w dropped
 * (drop) or replaced by `with`, and scan it. */
static int scan_window(struct rules_scratch *s, int field, size_t lo, size_t hi, size_t w, int drop, uint32_t with)
{
    const struct rules_ntext *nt = &s->nt[field];
    size_t n = 0;

    if (alt_reserve(s, hi - lo + 1) != 0)
        return RULES_ENOMEM;
    for (size_t i = lo; i < hi; i++) {
        if (i == w && drop)
            continue;
        s->alt.cp[n] = i == w ? with : nt->cp[i];
        s->alt.ob[n] = nt->ob[i];
        s->alt.oe[n] = nt->oe[i];
        s->alt.fl[n] = nt->fl[i];
        s->alt.map[n] = (uint32_t)i;
        n++;
    }
    if (drop) {
        /* The match must join the two sides of the dropped wildcard. */
        return alt_scan(s, field, n, 1, (uint32_t)(w - lo), (uint32_t)(w - lo), 0);
    }
    /* The wildcard must stand inside the match, between two of its kana:
     * ころ○ぞ reads as ころすぞ, not as a match ending at ○. */
    return alt_scan(s, field, n, 1, (uint32_t)(w - lo + 1), (uint32_t)(w - lo), 0);
}

/* A wildcard between kana stands for one kana (ころ○ぞ) or for nothing
 * (ク＊ズ): re-read a window around it both ways. Costs a few hundred
 * bytes of scanning per wildcard, none when there is none. */
static int scan_wildcards(struct rules_scratch *s, int field)
{
    const struct rules_policy *p = s->p;
    const struct rules_ntext *nt = &s->nt[field];
    size_t span = p->max_clen ? p->max_clen : 1, done = 0;
    int rc;

    for (size_t w = 0; w < nt->len && done < MAX_WILDCARDS_PER_FIELD; w++) {
        size_t lo, hi;
        if (!(nt->fl[w] & RULES_NF_WILD))
            continue;
        done++;
        lo = w >= span ? w - span + 1 : 0;
        hi = w + span + 1 < nt->len ? w + span + 1 : nt->len;
        if ((rc = scan_window(s, field, lo, hi, w, 1, 0)) != 0)
            return rc;
        for (size_t k = 0; k < p->nkana; k++)
            if ((rc = scan_window(s, field, lo, hi, w, 0, p->kana[k])) != 0)
                return rc;
    }
    return RULES_OK;
}

static int in_sym(const struct rules_policy *p, uint32_t cp)
{
    size_t lo = 0, hi = p->nsym;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->sym[mid] == cp)
            return 1;
        if (p->sym[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Symbols normalization dropped between letters ("お前を🔪してやる",
 * "払え¥30000", "評価★1") are invisible to the main scan. When a gap held
 * a symbol some phrase contains, the field is read once more with those
 * gaps put back; only matches that include a symbol put back count. One
 * extra scan of the field at most, none for most tickets. */
static int scan_dropped(struct rules_scratch *s, int field)
{
    const struct rules_ntext *nt = &s->nt[field];
    size_t d = 0, n = 0, any = 0;

    if (nt->len == 0)
        return RULES_OK;
    for (size_t i = 0; i < nt->ndrop && !any; i++)
        any = in_sym(s->p, nt->dcp[i]);
    if (!any)
        return RULES_OK;
    if (alt_reserve(s, nt->len + nt->ndrop) != 0)
        return RULES_ENOMEM;
    for (size_t i = 0; i <= nt->len; i++) {
        /* the gap before char i: put it back if it holds a wanted symbol */
        size_t g = d, wanted = 0;
        while (d < nt->ndrop && nt->dpos[d] == i)
            wanted |= (size_t)in_sym(s->p, nt->dcp[d++]);
        if (wanted)
            for (; g < d; g++) {
                s->alt.cp[n] = nt->dcp[g];
                s->alt.ob[n] = nt->dob[g];
                s->alt.oe[n] = nt->doe[g];
                s->alt.fl[n] = 0;
                s->alt.map[n] = (uint32_t)(i < nt->len ? i : nt->len - 1);
                s->alt.ins[n] = 1;
                n++;
            }
        if (i == nt->len)
            break;
        s->alt.cp[n] = nt->cp[i];
        s->alt.ob[n] = nt->ob[i];
        s->alt.oe[n] = nt->oe[i];
        s->alt.fl[n] = nt->fl[i];
        s->alt.map[n] = (uint32_t)i;
        s->alt.ins[n] = 0;
        n++;
    }
    return alt_scan(s, field, n, 0, 0, 0, 1);
}

/* Amounts of money: every mention the scanner finds, for every amount
 * condition of the policy it satisfies. */
struct money_ctx {
    struct rules_scratch *s;
    uint8_t field;
};

static int on_money(void *ctx, const struct rules_money *m)
{
    struct money_ctx *mc = ctx;
    const struct rules_policy *p = mc->s->p;
    size_t first = p->nphrases + p->nlemma_keys;

    for (size_t k = first; k < first + p->namount_keys; k++) {
        const struct rules_amount *a = &p->amounts[p->keys[k].amount];
        struct rules_occ o;
        if (!(a->currencies & m->currency) || m->value < a->min || m->value > a->max)
            continue;
        o.key = (uint32_t)k;
        o.s = m->s;
        o.e = m->e;
        o.ob = m->ob;
        o.oe = m->oe;
        o.field = mc->field;
        o.flags = RULES_OCC_START_OK | RULES_OCC_END_OK;
        if (rules_occ_push(mc->s, &o) != 0)
            return RULES_ENOMEM;
    }
    return 0;
}

static int scan_amounts(struct rules_scratch *s, int field)
{
    struct money_ctx mc = {s, (uint8_t)field};

    return rules_money_scan(&s->nt[field], on_money, &mc);
}

/* ---- cue arrays ------------------------------------------------------ */

static int push_u32(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
    if (rules_grow((void **)a, cap, *n + 1, sizeof **a) != 0)
        return RULES_ENOMEM;
    (*a)[(*n)++] = v;
    return RULES_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_span(const void *a, const void *b)
{
    const struct rules_span *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

static int cmp_unless(const void *a, const void *b)
{
    const struct rules_unless *x = a, *y = b;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return x->s < y->s ? -1 : x->s > y->s;
}

static int cmp_occ(const void *a, const void *b)
{
    const struct rules_occ *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e < y->e ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->flags < y->flags ? -1 : x->flags > y->flags;
}

static int cmp_pair(const void *a, const void *b)
{
    const struct rules_pair *x = a, *y = b;
    if (x->leaf != y->leaf)
        return x->leaf < y->leaf ? -1 : 1;
    return x->occ < y->occ ? -1 : x->occ > y->occ;
}

static int use_ok(const struct rules_key *k, const struct rules_use *u, const struct rules_occ *o)
{
    return !(k->latin_end || k->kata_end) || (o->flags & RULES_OCC_END_OK) || u->allow_suffix;
}

static int reset_field(struct rules_field_ctx *fc, size_t n)
{
    if (n + 1 > fc->cap) {
        size_t cap = fc->cap;
        if (RULES_GROW(fc->bcount, cap, n + 1) != 0)
            return RULES_ENOMEM;
        cap = fc->cap;
        if (RULES_GROW(fc->xcount, cap, n + 1) != 0)
            return RULES_ENOMEM;
        cap = fc->cap;
        if (RULES_GROW(fc->excl, cap, n + 1) != 0)
            return RULES_ENOMEM;
        fc->cap = cap;
    }
    fc->nbenign = fc->nneg_after = fc->nneg_before = fc->nq_after = fc->nq_before = fc->nhistory = fc->nstaff = 0;
    return RULES_OK;
}

static int collect_cues(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;

    for (size_t i = 0; i < s->nocc; i++) {
        const struct rules_occ *o = &s->occ[i];
        const struct rules_key *k = &p->keys[o->key];
        struct rules_field_ctx *fc = &s->fc[o->field];
        int rc = 0;

        for (uint32_t u = k->uses; u < k->uses + k->nuses && rc == 0; u++) {
            const struct rules_use *use = &p->uses[u];
            if (!use_ok(k, use, o))
                continue;
            switch (use->kind) {
            case RULES_USE_BENIGN:
                if (RULES_GROW(fc->benign, fc->benign_cap, fc->nbenign + 1) != 0)
                    return RULES_ENOMEM;
                fc->benign[fc->nbenign].s = o->s;
                fc->benign[fc->nbenign].e = o->e;
                fc->nbenign++;
                break;
            case RULES_USE_NEG_AFTER:
                rc = push_u32(&fc->neg_after, &fc->nneg_after, &fc->cneg_after, o->s);
                break;
            case RULES_USE_NEG_BEFORE:
                rc = push_u32(&fc->neg_before, &fc->nneg_before, &fc->cneg_before, o->e);
                break;
            case RULES_USE_Q_AFTER:
                rc = push_u32(&fc->q_after, &fc->nq_after, &fc->cq_after, o->s);
                break;
            case RULES_USE_Q_BEFORE:
                rc = push_u32(&fc->q_before, &fc->nq_before, &fc->cq_before, o->e);
                break;
            case RULES_USE_HISTORY:
                rc = push_u32(&fc->history, &fc->nhistory, &fc->chistory, o->s);
                break;
            case RULES_USE_STAFF:
                rc = push_u32(&fc->staff, &fc->nstaff, &fc->cstaff, o->s);
                break;
            case RULES_USE_UNLESS:
                if (RULES_GROW(s->unl, s->unl_cap, s->nunl + 1) != 0)
                    return RULES_ENOMEM;
                s->unl[s->nunl].rule = use->target;
                s->unl[s->nunl].field = o->field;
                s->unl[s->nunl].s = o->s;
                s->unl[s->nunl].e = o->e;
                s->nunl++;
                break;
            default:
                break;
            }
        }
        if (rc != 0)
            return rc;
    }
    for (int f = 0; f < RULES_NFIELDS; f++) {
        struct rules_field_ctx *fc = &s->fc[f];
        rules_sort(fc->benign, fc->nbenign, sizeof *fc->benign, cmp_span);
        for (size_t i = 0; i < fc->nbenign; i++)
            fc->benign[i].maxe = i && fc->benign[i - 1].maxe > fc->benign[i].e ? fc->benign[i - 1].maxe : fc->benign[i].e;
        rules_sort(fc->neg_after, fc->nneg_after, sizeof(uint32_t), cmp_u32);
        rules_sort(fc->neg_before, fc->nneg_before, sizeof(uint32_t), cmp_u32);
        rules_sort(fc->q_after, fc->nq_after, sizeof(uint32_t), cmp_u32);
        rules_sort(fc->q_before, fc->nq_before, sizeof(uint32_t), cmp_u32);
        rules_sort(fc->history, fc->nhistory, sizeof(uint32_t), cmp_u32);
        rules_sort(fc->staff, fc->nstaff, sizeof(uint32_t), cmp_u32);
    }
    rules_sort(s->unl, s->nunl, sizeof *s->unl, cmp_unless);
    for (size_t i = 0; i < s->nunl; i++) {
        int same = i > 0 && s->unl[i - 1].rule == s->unl[i].rule && s->unl[i - 1].field == s->unl[i].field;
        s->unl[i].maxe = same && s->unl[i - 1].maxe > s->unl[i].e ? s->unl[i - 1].maxe : s->unl[i].e;
    }
    return RULES_OK;
}

/* Is [a, b) inside one of the sorted spans? */
static int inside(const struct rules_span *sp, size_t n, uint32_t a, uint32_t b)
{
    size_t lo = 0, hi = n;

    while (lo < hi) { /* first span with s > a */
        size_t mid = lo + (hi - lo) / 2;
        if (sp[mid].s <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && sp[lo - 1].maxe >= b;
}

/* Is occurrence o inside one of rule's unless spans (overlap: does one
 * overlap it)? The spans are sorted by (rule, field, start) with a running
 * maximum of their ends within each (rule, field), so one binary search
 * answers either. */
static int unless_masks(const struct rules_scratch *s, uint32_t rule, const struct rules_occ *o, int overlap)
{
    size_t lo = 0, hi = s->nunl;
    /* inside: spans starting at or before o->s; overlap: before o->e */
    uint32_t bound = overlap ? o->e - 1 : o->s;

    while (lo < hi) { /* first span after (rule, field, bound) */
        size_t mid = lo + (hi - lo) / 2;
        const struct rules_unless *u = &s->unl[mid];
        if (u->rule < rule || (u->rule == rule && (u->field < o->field || (u->field == o->field && u->s <= bound))))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || s->unl[lo - 1].rule != rule || s->unl[lo - 1].field != o->field)
        return 0;
    return overlap ? s->unl[lo - 1].maxe > o->s : s->unl[lo - 1].maxe >= o->e;
}

/* Why occurrence o does not count for a leaf of rule r (RULES_DROP_NONE:
 * it counts). exception: the leaf is under a `not` (FORMAT.md: a negated
 * exception is no exception, also in rules that fire only on negated
 * matches). */
static int drop_reason(const struct rules_scratch *s, const struct rules_rule *r, uint32_t rule,
                       const struct rules_occ *o, int exception)
{
    if (r->channels != 0 && !(r->channels & s->chan))
        return RULES_DROP_CHANNEL;
    if (r->field != RULES_FIELD_ANY && r->field != o->field)
        return RULES_DROP_FIELD;
    if (r->quoted == RULES_QUOTED_EXCLUDE && (o->flags & RULES_OCC_QUOTED))
        return RULES_DROP_QUOTED;
    if (o->flags & RULES_OCC_BENIGN)
        return RULES_DROP_BENIGN;
    if (r->negation == RULES_NEG_ONLY && exception) {
        if (o->flags & RULES_OCC_NEGATED)
            return RULES_DROP_NEGATED;
    } else if (r->negation == RULES_NEG_CANCEL && (o->flags & RULES_OCC_NEGATED)) {
        return RULES_DROP_NEGATED;
    } else if (r->negation == RULES_NEG_ONLY && !(o->flags & RULES_OCC_NEGATED)) {
        return RULES_DROP_NOT_NEGATED;
    }
    if (r->has_unless && unless_masks(s, rule, o, r->unless_overlap))
        return RULES_DROP_UNLESS;
    return RULES_DROP_NONE;
}

static int trace(struct rules_scratch *s, uint32_t occ, uint32_t leaf, uint32_t rule, int why)
{
    if (!s->trace_on)
        return RULES_OK;
    if (RULES_GROW(s->traces, s->traces_cap, s->ntraces + 1) != 0)
        return RULES_ENOMEM;
    s->traces[s->ntraces].occ = occ;
    s->traces[s->ntraces].leaf = leaf;
    s->traces[s->ntraces].rule = rule;
    s->traces[s->ntraces].why = (uint8_t)why;
    s->ntraces++;
    return RULES_OK;
}

/* ---- expressions ----------------------------------------------------- */

static int push_ev(struct rules_scratch *s, uint32_t occ)
{
    if (RULES_GROW(s->stack, s->stack_cap, s->nstack + 1) != 0)
        return RULES_ENOMEM;
    s->stack[s->nstack++] = occ;
    return RULES_OK;
}

int rules_contacts_cached(const struct rules_scratch *s, uint32_t days, int64_t *out)
{
    for (size_t i = 0; i < s->nccache; i++)
        if (s->ccache[i].days == days) {
            *out = s->ccache[i].n;
            return 1;
        }
    return 0;
}

static int contacts(struct rules_scratch *s, uint32_t days, int64_t *out)
{
    const struct rules_input *in = s->in;

    for (size_t i = 0; i < s->nccache; i++)
        if (s->ccache[i].days == days) {
            *out = s->ccache[i].n;
            return RULES_OK;
        }
    *out = in->fixed_contacts > 0 ? in->fixed_contacts : 1;
    if (in->contacts != NULL && in->contacts(in->contacts_ctx, days, out) != 0)
        *out = 1; /* history unavailable: only this contact is known */
    if (s->nccache < sizeof s->ccache / sizeof s->ccache[0]) {
        s->ccache[s->nccache].days = days;
        s->ccache[s->nccache].n = *out;
        s->nccache++;
    }
    return RULES_OK;
}

/* Is y (an occurrence of near's second operand) a partner of x (one of
 * the first)? Within N characters of each other (either order, or y after
 * x for "forward"), and with no sentence boundary between them for
 * same_sentence. */
static int partner(const struct rules_scratch *s, const struct rules_expr *e, const struct rules_occ *x,
                   const struct rules_occ *y)
{
    uint32_t gap, lo, hi;

    if (y->s >= x->e) {
        gap = y->s - x->e;
        lo = x->e;
        hi = y->s;
    } else if (e->order == RULES_ORDER_FORWARD) {
        return 0;
    } else if (x->s >= y->e) {
        gap = x->s - y->e;
        lo = y->e;
        hi = x->s;
    } else {
        gap = 0; /* overlapping */
        lo = hi = 0;
    }
    if (gap > e->within)
        return 0;
    if (e->same_sentence && hi > lo) {
        const uint32_t *bc = s->fc[x->field].bcount;
        if (bc[hi] != bc[lo])
            return 0;
    }
    return 1;
}

/* near: keep the occurrences of A and B that have a partner. not_near
 * (negate): keep the occurrences of A that have none, and none of B. */
static int near_filter(struct rules_scratch *s, const struct rules_expr *e, size_t a0, size_t a1, size_t b1,
                       int negate)
{
    size_t na = a1 - a0, nb = b1 - a1, keep = a0;
    uint32_t within = e->within, maxlen = 0;
    uint8_t *used;
    int any = 0;

    if (RULES_GROW(s->near_used, s->near_cap, na + nb + 1) != 0)
        return -1;
    used = s->near_used;
    memset(used, 0, na + nb);
    /* Occurrences are numbered in text order (field, start), so sorting
     * B's indices sorts B by position. */
    rules_sort(s->stack + a1, nb, sizeof *s->stack, cmp_u32);
    for (size_t j = a1; j < b1; j++) {
        const struct rules_occ *y = &s->occ[s->stack[j]];
        if (y->e - y->s > maxlen)
            maxlen = y->e - y->s;
    }
    for (size_t i = a0; i < a1; i++) {
        const struct rules_occ *x = &s->occ[s->stack[i]];
        uint32_t from = x->s > within + maxlen ? x->s - within - maxlen : 0;
        size_t lo = a1, hi = b1;
        /* First B in x's field that starts at or after `from`: nothing
         * before it can end within reach of x. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const struct rules_occ *y = &s->occ[s->stack[mid]];
            if (y->field < x->field || (y->field == x->field && y->s < from))
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t j = lo; j < b1; j++) {
            const struct rules_occ *y = &s->occ[s->stack[j]];
            if (y->field != x->field || y->s > x->e + within)
                break; /* sorted by position: later ones are farther */
            if (partner(s, e, x, y)) {
                used[i - a0] = used[na + j - a1] = 1;
                any = 1;
                if (negate)
                    break; /* one partner is enough to drop x */
            }
        }
    }
    if (negate) {
        any = 0;
        for (size_t i = a0; i < a1; i++)
            if (!used[i - a0]) {
                s->stack[keep++] = s->stack[i];
                any = 1;
            }
    } else {
        for (size_t i = a0; i < b1; i++)
            if (used[i - a0])
                s->stack[keep++] = s->stack[i];
    }
    s->nstack = keep;
    return any;
}

static int eval_expr(struct rules_scratch *s, uint32_t x);

/* The sentences [*lo, *hi] of its field that occurrence o touches. */
static void sentences_of(const struct rules_scratch *s, const struct rules_occ *o, uint32_t *lo, uint32_t *hi)
{
    const uint32_t *bc = s->fc[o->field].bcount;

    *lo = bc[o->s];
    *hi = o->e > o->s ? bc[o->e - 1] : *lo;
}

/* Does occurrence a share a sentence with any of the occurrences
 * stack[b0, b1)? */
static int shares_sentence(const struct rules_scratch *s, const struct rules_occ *a, size_t b0, size_t b1)
{
    uint32_t alo, ahi;

    sentences_of(s, a, &alo, &ahi);
    for (size_t j = b0; j < b1; j++) {
        const struct rules_occ *b = &s->occ[s->stack[j]];
        uint32_t blo, bhi;
        if (b->field != a->field)
            continue;
        sentences_of(s, b, &blo, &bhi);
        if (blo <= ahi && alo <= bhi)
            return 1;
    }
    return 0;
}

#define SCOPED_MAX_KIDS 32u

/*
 * `all` with its `not` operands scoped to sentences (engine 1.3, the
 * default; "not_scope": "ticket" keeps the whole-ticket reading). The
 * operands that are not `not` are evaluated first, each leaving its
 * evidence as one segment of the stack; then each `not X`: when X holds
 * with occurrences, those occurrences cancel only the evidence in their
 * own sentences (of the same field), and `all` holds only if every
 * operand that gave evidence keeps some. So 「セミナーの件」 in the
 * subject no longer cancels 「土下座しろ」 in the body. An X that holds
 * without occurrences (a channel, a contact count), or a `not` with no
 * positional operand beside it, is about the whole ticket as before.
 */
static int eval_all_scoped(struct rules_scratch *s, const struct rules_expr *e, size_t mark)
{
    const struct rules_policy *p = s->p;
    size_t seg[SCOPED_MAX_KIDS], nseg = 0;
    int r, has_not = 0;

    for (uint32_t i = 0; i < e->nkids; i++) {
        uint32_t kid = p->kids[e->kids + i];
        size_t before = s->nstack;
        if (p->exprs[kid].type == RULES_EX_NOT) {
            has_not = 1;
            continue;
        }
        r = eval_expr(s, kid);
        if (r <= 0) {
            s->nstack = mark;
            return r;
        }
        /* Past SCOPED_MAX_KIDS operands with evidence, the rest extend
         * the last segment (they then share its "keeps some" test). */
        if (s->nstack > before && nseg < SCOPED_MAX_KIDS)
            seg[nseg++] = before;
    }
    if (!has_not)
        return 1;
    for (uint32_t i = 0; i < e->nkids; i++) {
        uint32_t kid = p->kids[e->kids + i];
        size_t b0 = s->nstack, b1, keep;
        if (p->exprs[kid].type != RULES_EX_NOT)
            continue;
        r = eval_expr(s, p->kids[p->exprs[kid].kids]);
        if (r < 0)
            return -1;
        b1 = s->nstack;
        if (r == 0) {
            s->nstack = b0;
            continue;
        }
        if (b1 == b0 || nseg == 0) {
            s->nstack = mark; /* about the whole ticket */
            return 0;
        }
        /* Drop the evidence that shares a sentence with X's, segment by
         * segment, compacting [mark, b0) in place. */
        keep = mark;
        for (size_t g = 0; g < nseg; g++) {
            size_t from = seg[g], to = g + 1 < nseg ? seg[g + 1] : b0, kept = keep;
            seg[g] = keep;
            for (size_t k = from; k < to; k++)
                if (!shares_sentence(s, &s->occ[s->stack[k]], b0, b1))
                    s->stack[keep++] = s->stack[k];
            if (keep == kept) {
                s->nstack = mark;
                return 0; /* an operand lost all its evidence */
            }
        }
        s->nstack = keep; /* and X's evidence goes: none comes from under a not */
    }
    return 1;
}

/* Evaluate expression x; its evidence is pushed on s->stack when true.
 * Returns 1 (true), 0 (false) or -1 (out of memory). */
static int eval_expr(struct rules_scratch *s, uint32_t x)
{
    const struct rules_policy *p = s->p;
    const struct rules_expr *e = &p->exprs[x];
    size_t mark = s->nstack;
    int r, any;
    int64_t n;

    switch (e->type) {
    case RULES_EX_TERM:
        if (s->leaf_n[x] == 0)
            return 0;
        for (uint32_t i = 0; i < s->leaf_n[x]; i++)
            if (push_ev(s, s->pairs[s->leaf_first[x] + i].occ) != 0)
                return -1;
        return 1;
    case RULES_EX_ANY:
        any = 0;
        for (uint32_t i = 0; i < e->nkids; i++) {
            r = eval_expr(s, p->kids[e->kids + i]);
            if (r < 0)
                return -1;
            any |= r;
        }
        return any;
    case RULES_EX_ALL:
        if (!p->rules[e->rule].not_ticket)
            return eval_all_scoped(s, e, mark);
        for (uint32_t i = 0; i < e->nkids; i++) {
            r = eval_expr(s, p->kids[e->kids + i]);
            if (r <= 0) {
                s->nstack = mark;
                return r;
            }
        }
        return 1;
    case RULES_EX_NOT:
        r = eval_expr(s, p->kids[e->kids]);
        s->nstack = mark; /* evidence never comes from under a not */
        return r < 0 ? -1 : !r;
    case RULES_EX_NEAR:
    case RULES_EX_NOT_NEAR: {
        size_t a1, b1;
        int negate = e->type == RULES_EX_NOT_NEAR;
        r = eval_expr(s, p->kids[e->kids]);
        if (r <= 0) {
            s->nstack = mark;
            return r;
        }
        a1 = s->nstack;
        r = eval_expr(s, p->kids[e->kids + 1]);
        if (r < 0)
            return -1;
        if (r == 0 && !negate) {
            s->nstack = mark;
            return 0;
        }
        b1 = s->nstack;
        if (r == 0)
            return 1; /* not_near with no B at all: every A stays */
        r = near_filter(s, e, mark, a1, b1, negate);
        if (r <= 0)
            s->nstack = mark;
        return r;
    }
    case RULES_EX_CONTACTS:
        contacts(s, e->days, &n);
        return n >= (int64_t)e->contacts;
    case RULES_EX_CHANNEL:
        return (e->channels & s->chan) != 0;
    default:
        return 0;
    }
}

/* ---- the whole ticket ------------------------------------------------ */

static int cmp_fired(const void *a, const void *b, const struct rules_policy *p)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (p->cats[x].severity != p->cats[y].severity)
        return p->cats[x].severity > p->cats[y].severity ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void sort_fired(uint32_t *v, size_t n, const struct rules_policy *p)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t t = v[i];
        size_t j = i;
        while (j > 0 && cmp_fired(&v[j - 1], &t, p) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static int distribute(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;

    for (size_t i = 0; i < s->nocc; i++) {
        const struct rules_occ *o = &s->occ[i];
        const struct rules_key *k = &p->keys[o->key];

        for (uint32_t u = k->uses; u < k->uses + k->nuses; u++) {
            const struct rules_use *use = &p->uses[u];
            uint32_t rule;
            int why;

            if (use->kind != RULES_USE_LEAF)
                continue;
            rule = p->exprs[use->target].rule;
            why = use_ok(k, use, o) ? drop_reason(s, &p->rules[rule], rule, o, p->exprs[use->target].exception)
                                    : RULES_DROP_BOUNDARY;
            if (trace(s, (uint32_t)i, use->target, rule, why) != 0)
                return RULES_ENOMEM;
            if (why != RULES_DROP_NONE)
                continue;
            if (RULES_GROW(s->pairs, s->pairs_cap, s->npairs + 1) != 0)
                return RULES_ENOMEM;
            s->pairs[s->npairs].leaf = use->target;
            s->pairs[s->npairs].occ = (uint32_t)i;
            s->npairs++;
        }
    }
    rules_sort(s->pairs, s->npairs, sizeof *s->pairs, cmp_pair);
    for (size_t i = 0; i < s->npairs; i++) {
        uint32_t leaf = s->pairs[i].leaf, rule = p->exprs[leaf].rule;
        if (s->leaf_n[leaf] == 0) {
            s->leaf_first[leaf] = (uint32_t)i;
            if (RULES_GROW(s->touched, s->touched_cap, s->ntouched + 1) != 0)
                return RULES_ENOMEM;
            s->touched[s->ntouched++] = leaf;
        }
        s->leaf_n[leaf]++;
        if (!s->rule_mark[rule]) {
            s->rule_mark[rule] = 1;
            s->cand[s->ncand++] = rule;
        }
    }
    for (size_t i = 0; i < p->nalways; i++)
        if (!s->rule_mark[p->always_rules[i]]) {
            s->rule_mark[p->always_rules[i]] = 1;
            s->cand[s->ncand++] = p->always_rules[i];
        }
    return RULES_OK;
}

static int evaluate_rules(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;

    rules_sort(s->cand, s->ncand, sizeof *s->cand, cmp_u32);
    for (size_t c = 0; c < s->ncand; c++) {
        uint32_t ri = s->cand[c];
        const struct rules_rule *r = &p->rules[ri];
        size_t start = s->nev;
        int fired;

        s->rule_mark[ri] = 0;
        if (r->channels != 0 && !(r->channels & s->chan))
            continue;
        s->nstack = 0;
        fired = eval_expr(s, r->root);
        if (fired < 0)
            return RULES_ENOMEM;
        if (!fired)
            continue;
        s->rule_fired[ri] = 1;
        s->score[r->category] += r->weight;
        /* Evidence: distinct occurrences, in text order. */
        rules_sort(s->stack, s->nstack, sizeof *s->stack, cmp_u32);
        for (size_t i = 0; i < s->nstack && s->nev - start < MAX_EVIDENCE_PER_RULE; i++) {
            if (i > 0 && s->stack[i] == s->stack[i - 1])
                continue;
            if (RULES_GROW(s->ev, s->ev_cap, s->nev + 1) != 0)
                return RULES_ENOMEM;
            s->ev[s->nev++] = s->stack[i];
        }
        s->rule_ev[ri] = (uint32_t)start;
        s->rule_nev[ri] = (uint32_t)(s->nev - start);
        /* A veto cancels its other categories on the same evidence. */
        for (uint32_t k = 1; k <= r->veto_copies; k++) {
            s->rule_fired[ri + k] = 1;
            s->score[p->rules[ri + k].category] += p->rules[ri + k].weight;
            s->rule_ev[ri + k] = s->rule_ev[ri];
            s->rule_nev[ri + k] = s->rule_nev[ri];
        }
    }
    return RULES_OK;
}

/* From cat_reached: fired categories (harassment suppresses complaints),
 * severity, flame, escalation. */
static void settle(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;
    struct rules_result *res = &s->res;

    res->harassment = 0;
    for (size_t c = 0; c < p->ncats; c++) {
        s->cat_fired[c] = s->cat_reached[c];
        if (s->cat_fired[c] && p->cats[c].harassment)
            res->harassment = 1;
    }
    res->nfired = 0;
    res->severity = MAMORI_SEVERITY_NONE;
    res->flame = MAMORI_FLAME_NONE;
    res->escalation = MAMORI_ESCALATE_NONE;
    for (size_t c = 0; c < p->ncats; c++) {
        if (res->harassment && !p->cats[c].harassment)
            s->cat_fired[c] = 0; /* a valid complaint pushed by harassing means */
        if (!s->cat_fired[c])
            continue;
        s->fired[res->nfired++] = (uint32_t)c;
        if (p->cats[c].severity > res->severity)
            res->severity = p->cats[c].severity;
        if (p->cats[c].flame_level > res->flame)
            res->flame = p->cats[c].flame_level;
    }
    /* A fired category's escalation level: the highest level its fired
     * rules warrant, a rule without "escalation" warranting the
     * category's own level. So a rule raises the level (as it always
     * did), and a company that sets one rule's escalation below its
     * category's (an override by id) lowers the level of tickets where
     * only such rules found the category. With no rule of its own fired
     * (the model decided), the category's level. */
    for (size_t c = 0; c < p->ncats; c++)
        s->cat_esc[c] = UINT8_MAX;
    for (size_t r = 0; r < p->nrules; r++) {
        const struct rules_rule *rule = &p->rules[r];
        int lvl;
        if (!s->rule_fired[r] || rule->veto || !(rule->weight > 0) || !s->cat_fired[rule->category])
            continue;
        lvl = rule->escalation >= 0 ? rule->escalation : p->cats[rule->category].esc_level;
        if (s->cat_esc[rule->category] == UINT8_MAX || lvl > s->cat_esc[rule->category])
            s->cat_esc[rule->category] = (uint8_t)lvl;
    }
    for (size_t c = 0; c < p->ncats; c++) {
        if (s->cat_esc[c] == UINT8_MAX)
            s->cat_esc[c] = (uint8_t)p->cats[c].esc_level;
        if (s->cat_fired[c] && s->cat_esc[c] > res->escalation)
            res->escalation = s->cat_esc[c];
    }
    for (size_t r = 0; r < p->nrules; r++) {
        const struct rules_rule *rule = &p->rules[r];
        if (!s->rule_fired[r])
            continue;
        /* Rule flame applies whether or not the category fires (a valid
         * complaint already spreading); rule escalation only with it. */
        if (rule->flame > res->flame)
            res->flame = rule->flame;
        if (rule->escalation > res->escalation && s->cat_fired[rule->category])
            res->escalation = rule->escalation;
    }
    sort_fired(s->fired, res->nfired, p);
    res->score = s->score;
    res->cat_fired = s->cat_fired;
    res->cat_reached = s->cat_reached;
    res->cat_esc = s->cat_esc;
    res->rule_fired = s->rule_fired;
    res->rule_ev = s->rule_ev;
    res->rule_nev = s->rule_nev;
    res->ev = s->ev;
    res->fired = s->fired;
    res->occ = s->occ;
    res->nocc = s->nocc;
    res->model = NULL;
    res->cat_model = NULL;
    res->cat_must = NULL;
}

static void conclude(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;

    for (size_t c = 0; c < p->ncats; c++)
        /* A small tolerance so 0.1 + 0.2 + 0.7 reaches 1.0. */
        s->cat_reached[c] = s->score[c] >= p->cats[c].threshold - 1e-9;
    settle(s);
}

/* The one decision with a model (rules.h, mamori_rules_eval). */
static void model_decide(struct rules_scratch *s)
{
    const struct rules_policy *p = s->p;
    const struct mamori_model *m = p->model;
    const struct mamori_model_result *mr = &s->mres;
    struct rules_result *res = &s->res;
    int h_ok = p->label_harassment < 0 || mr->fired[p->label_harassment], any = 0, any_must = 0;
    size_t best = SIZE_MAX;
    double best_ratio = 0;

    memset(s->cat_must, 0, p->ncats);
    memset(s->cat_model, 0, p->ncats);
    for (size_t r = 0; r < p->nrules; r++)
        if (s->rule_fired[r] && p->rules[r].must && p->rules[r].weight > 0)
            s->cat_must[p->rules[r].category] = 1;
    for (size_t c = 0; c < p->ncats; c++) {
        int32_t l = p->cat_label[c];
        int by_model;
        if (l < 0)
            continue; /* a complaint category: the rules decide */
        by_model = h_ok && mr->fired[l];
        s->cat_reached[c] = s->cat_must[c] || by_model;
        s->cat_model[c] = s->cat_reached[c] && !s->cat_must[c];
        any |= s->cat_reached[c];
        any_must |= s->cat_must[c];
        if (h_ok && m->threshold[l] > 0 && mr->prob[l] / m->threshold[l] > best_ratio) {
            best_ratio = mr->prob[l] / m->threshold[l];
            best = c;
        }
    }
    if (h_ok && p->label_harassment >= 0 && !any && best != SIZE_MAX) {
        s->cat_reached[best] = 1;
        s->cat_model[best] = 1;
    }
    settle(s);
    if (p->label_escalate >= 0) {
        if (mr->fired[p->label_escalate]) {
            if (res->escalation < MAMORI_ESCALATE_LEGAL)
                res->escalation = MAMORI_ESCALATE_LEGAL;
        } else if (!any_must && res->escalation > MAMORI_ESCALATE_SUPERVISOR) {
            res->escalation = MAMORI_ESCALATE_SUPERVISOR;
        }
    }
    if (p->label_flame >= 0) {
        if (mr->fired[p->label_flame]) {
            if (res->flame < MAMORI_FLAME_MEDIUM)
                res->flame = MAMORI_FLAME_MEDIUM;
        } else if (!any_must && res->flame > MAMORI_FLAME_LOW) {
            res->flame = MAMORI_FLAME_LOW;
        }
    }
    res->model = mr;
    res->cat_model = s->cat_model;
    res->cat_must = s->cat_must;
}

int mamori_rules_eval(const struct rules_policy *p, const struct rules_input *in, struct rules_scratch *s,
                      struct rules_error *err)
{
    int rc;

    if (s->p != p)
        return rules_err(err, RULES_EINTERNAL, "scratch belongs to another policy");
    /* Reset what the previous ticket left. */
    for (size_t i = 0; i < s->ntouched; i++)
        s->leaf_n[s->touched[i]] = 0;
    s->ntouched = 0;
    s->nocc = s->nunl = s->npairs = s->ncand = s->nev = s->nstack = s->ntraces = s->nccache = 0;
    memset(s->score, 0, p->ncats * sizeof *s->score);
    memset(s->rule_fired, 0, p->nrules);
    memset(&s->res, 0, sizeof s->res);
    s->in = in;
    s->chan = rules_ticket_channel(in->channel);

    for (int f = 0; f < RULES_NFIELDS; f++) {
        struct scan sc;
        const char *text = in->text[f] ? in->text[f] : "";
        size_t len = in->text[f] ? in->len[f] : 0;

        rc = rules_normalize(&p->norm, text, len, &s->nt[f]);
        if (rc != 0)
            return rules_err(err, rc, rc == RULES_ENOMEM ? "out of memory" : "field too large");
        if (reset_field(&s->fc[f], s->nt[f].len) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        memset(&sc, 0, sizeof sc);
        sc.s = s;
        sc.t.cp = s->nt[f].cp;
        sc.t.ob = s->nt[f].ob;
        sc.t.oe = s->nt[f].oe;
        sc.t.u8off = s->nt[f].u8off;
        sc.t.fl = s->nt[f].fl;
        sc.t.len = s->nt[f].len;
        sc.nt = &s->nt[f];
        sc.field = (uint8_t)f;
        rules_ac_scan(p->ac, s->nt[f].u8, s->nt[f].u8len, on_hit, &sc);
        if (sc.oom)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        if (p->norm.nwildcards > 0 && scan_wildcards(s, f) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        if (p->nsym > 0 && s->nt[f].ndrop > 0 && scan_dropped(s, f) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        if (p->namount_keys > 0 && scan_amounts(s, f) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        if (p->nlemmas > 0 && s->nt[f].has_japanese && (rc = rules_lemma_scan(s, f, text, len, err)) != 0)
            return rc;
    }
    /* Text order (the scans report in no particular order), so evidence
     * and explain read naturally and results are deterministic. */
    rules_sort(s->occ, s->nocc, sizeof *s->occ, cmp_occ);
    if (collect_cues(s) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    for (int f = 0; f < RULES_NFIELDS; f++) {
        struct rules_field_ctx *fc = &s->fc[f];
        const struct rules_ntext *nt = &s->nt[f];
        fc->bcount[0] = 0;
        for (size_t i = 0; i < nt->len; i++)
            fc->bcount[i + 1] = fc->bcount[i] + ((nt->fl[i] & RULES_NF_BOUNDARY) != 0);
        rules_quote_scope(p, nt, fc, (p->notes_channels & s->chan) != 0);
    }
    for (size_t i = 0; i < s->nocc; i++) {
        struct rules_occ *o = &s->occ[i];
        const struct rules_field_ctx *fc = &s->fc[o->field];
        if (fc->xcount[o->e] != fc->xcount[o->s])
            o->flags |= RULES_OCC_QUOTED;
        if (rules_negated(p, fc, o->s, o->e))
            o->flags |= RULES_OCC_NEGATED;
        if (inside(fc->benign, fc->nbenign, o->s, o->e))
            o->flags |= RULES_OCC_BENIGN;
    }
    if (distribute(s) != 0 || evaluate_rules(s) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    conclude(s);
    if (p->model != NULL) {
        /* The features read the rules that fired (set by conclude). */
        if ((rc = mamori_features_extract(p, s, in, p->model->bits, &s->mfeat, err)) != 0 ||
            (rc = mamori_model_score(p->model, &s->mfeat, in, &s->mres, err)) != 0)
            return rc;
        model_decide(s);
    }
    return RULES_OK;
}
