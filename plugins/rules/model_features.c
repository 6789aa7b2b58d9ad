/*
 * model_features.c -- the feature extractor of the learned judgement; see
 * model_features.h for what is extracted and why.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"
#include "model_features.h"

#define MAX_NGRAM 4

void mamori_features_init(struct mamori_features *f)
{
    memset(f, 0, sizeof *f);
}

void mamori_features_free(struct mamori_features *f)
{
    if (f == NULL)
        return;
    free(f->occ);
    free(f->feat);
    free(f->count);
    free(f->tmp);
    free(f->key);
    memset(f, 0, sizeof *f);
}

void mamori_fvec_free(struct mamori_fvec *v)
{
    if (v == NULL)
        return;
    free(v->pos);
    free(v->val);
    memset(v, 0, sizeof *v);
}

uint32_t mamori_feature_hash(char ns, const void *key, size_t len, unsigned bits)
{
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ULL ^ MAMORI_FEATURE_HASH_KEY;

    h ^= (uint8_t)ns;
    h *= 1099511628211ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29; /* FNV's low bits mix poorly; fold the high ones in */
    h ^= h >> 32;
    return (uint32_t)(h & ((1ull << bits) - 1));
}

double mamori_features_idf(uint64_t ndocs, uint64_t df)
{
    return log((1.0 + (double)ndocs) / (1.0 + (double)df)) + 1.0;
}

/* ---- extraction ------------------------------------------------------ */

struct ext {
    const struct rules_policy *p;
    struct rules_scratch *s;
    struct mamori_features *f;
    unsigned bits;
    int field;
    /* lemma bigrams: the previous token */
    uint8_t prev[128];
    size_t prev_len;
    uint32_t prev_ob;
    int have_prev;
};

static int push(struct ext *x, char ns, const void *key, size_t len, int field, uint32_t ob, uint32_t oe)
{
    struct mamori_features *f = x->f;
    struct mamori_feat_occ *o;

    if (RULES_GROW(f->occ, f->occ_cap, f->nocc + 1) != 0)
        return RULES_ENOMEM;
    o = &f->occ[f->nocc++];
    o->feat = mamori_feature_hash(ns, key, len, x->bits);
    o->ob = ob;
    o->oe = oe;
    o->field = (uint8_t)field;
    return RULES_OK;
}

enum { CL_NONE = 0, CL_JA, CL_LATIN, CL_OTHER };

static int char_class(uint32_t c)
{
    if (rules_is_japanese(c) || c == RULES_WILDCARD_CP)
        return CL_JA;
    if (rules_is_latin_alnum(c))
        return CL_LATIN;
    if (rules_cp_alnum(c))
        return CL_OTHER;
    return CL_NONE;
}

/* n-grams of one word: chars [a, b) of nt padded with a boundary mark. */
static int word_ngrams(struct ext *x, const struct rules_ntext *nt, size_t a, size_t b)
{
    struct mamori_features *f = x->f;
    size_t plen = b - a + 2;

    for (size_t n = 1; n <= MAX_NGRAM; n++) {
        if (n > plen)
            break;
        for (size_t i = 0; i + n <= plen; i++) {
            size_t klen = 0, first = SIZE_MAX, last = 0;

            if (n == 1 && (i == 0 || i == plen - 1))
                continue; /* the boundary alone */
            if (RULES_GROW(f->key, f->key_cap, n * 4) != 0)
                return RULES_ENOMEM;
            for (size_t j = i; j < i + n; j++) {
                if (j == 0 || j == plen - 1) {
                    f->key[klen++] = ' ';
                } else {
                    size_t c = a + j - 1;
                    klen += rules_utf8_put(nt->cp[c], f->key + klen);
                    if (first == SIZE_MAX)
                        first = c;
                    last = c;
                }
            }
            if (first == SIZE_MAX)
                continue;
            if (push(x, 'c', f->key, klen, x->field, nt->ob[first], nt->oe[last]) != 0)
                return RULES_ENOMEM;
        }
    }
    return RULES_OK;
}

/* The normalized chars [a, b) as UTF-8 into f->key + at; returns the new
 * length or 0 when out of memory. */
static size_t put_chars(struct mamori_features *f, size_t at, const struct rules_ntext *nt, size_t a, size_t b)
{
    if (RULES_GROW(f->key, f->key_cap, at + (b - a) * 4 + 1) != 0)
        return 0;
    for (size_t c = a; c < b; c++)
        at += rules_utf8_put(nt->cp[c], f->key + at);
    return at;
}

/* Whole Latin-script words and pairs of consecutive ones in a sentence
 * (feature version 2): English harassment is often in the combination
 * ("know where you live", "watch your back") that character n-grams
 * inside one word cannot see, while MeCab's lemmas give Japanese its
 * word pairs. */
static int latin_words(struct ext *x, const struct rules_ntext *nt, size_t a, size_t b, size_t *pa, size_t *pb)
{
    struct mamori_features *f = x->f;
    size_t k;

    if ((k = put_chars(f, 0, nt, a, b)) == 0)
        return RULES_ENOMEM;
    if (push(x, 'w', f->key, k, x->field, nt->ob[a], nt->oe[b - 1]) != 0)
        return RULES_ENOMEM;
    if (*pb > *pa) {
        int boundary = 0;
        for (size_t c = *pb; c < a && !boundary; c++)
            boundary = (nt->fl[c] & RULES_NF_BOUNDARY) != 0;
        if (!boundary) {
            if ((k = put_chars(f, 0, nt, *pa, *pb)) == 0)
                return RULES_ENOMEM;
            f->key[k++] = ' ';
            if ((k = put_chars(f, k, nt, a, b)) == 0)
                return RULES_ENOMEM;
            if (push(x, 'v', f->key, k, x->field, nt->ob[*pa], nt->oe[b - 1]) != 0)
                return RULES_ENOMEM;
        }
    }
    *pa = a;
    *pb = b;
    return RULES_OK;
}

static int char_ngrams(struct ext *x, const struct rules_ntext *nt, const uint8_t *excl)
{
    size_t i = 0, pa = 0, pb = 0; /* the previous Latin word, [pa, pb) */

    while (i < nt->len) {
        int cl = excl[i] ? CL_NONE : char_class(nt->cp[i]);
        size_t j = i + 1;

        if (cl == CL_NONE) {
            if (excl[i])
                pa = pb = 0; /* no pair across quoted text */
            i++;
            continue;
        }
        while (j < nt->len && !excl[j] && char_class(nt->cp[j]) == cl)
            j++;
        if (word_ngrams(x, nt, i, j) != 0)
            return RULES_ENOMEM;
        if (cl == CL_LATIN) {
            if (latin_words(x, nt, i, j, &pa, &pb) != 0)
                return RULES_ENOMEM;
        } else {
            pa = pb = 0;
        }
        i = j;
    }
    return RULES_OK;
}

/* Whether the original bytes [ob, oe) of the field hold a normalized char
 * that is not excluded (quoted). */
static int customer_bytes(const struct rules_ntext *nt, const uint8_t *excl, uint32_t ob, uint32_t oe)
{
    size_t lo = 0, hi = nt->len;

    while (lo < hi) { /* first char ending after ob */
        size_t mid = lo + (hi - lo) / 2;
        if (nt->oe[mid] <= ob)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < nt->len && nt->ob[lo] < oe; lo++)
        if (!excl[lo])
            return 1;
    return 0;
}

static int on_token(void *ctx, uint32_t ob, uint32_t oe, const char *base, size_t blen, int symbol)
{
    struct ext *x = ctx;
    struct rules_scratch *s = x->s;
    const struct rules_ntext *nt = &s->nt[x->field];
    struct rules_ntext *ln = &s->lemma_nt;
    size_t k;

    if (symbol || !customer_bytes(nt, s->fc[x->field].excl, ob, oe)) {
        x->have_prev = 0;
        return RULES_OK;
    }
    if (rules_normalize(NULL, base, blen, ln) != 0)
        return RULES_ENOMEM;
    if (ln->u8len == 0 || ln->u8len > 120 || (ln->u8len == 1 && ln->u8[0] == ' ')) {
        x->have_prev = 0;
        return RULES_OK;
    }
    if (push(x, 'l', ln->u8, ln->u8len, x->field, ob, oe) != 0)
        return RULES_ENOMEM;
    if (x->have_prev) {
        uint8_t key[256];
        memcpy(key, x->prev, x->prev_len);
        key[x->prev_len] = '+';
        memcpy(key + x->prev_len + 1, ln->u8, ln->u8len);
        k = x->prev_len + 1 + ln->u8len;
        if (push(x, 'm', key, k, x->field, x->prev_ob, oe) != 0)
            return RULES_ENOMEM;
    }
    memcpy(x->prev, ln->u8, ln->u8len);
    x->prev_len = ln->u8len;
    x->prev_ob = ob;
    x->have_prev = 1;
    return RULES_OK;
}

/* MeCab over the lines of the field that hold customer text. */
static int lemma_ngrams(struct ext *x, const char *text, size_t len, struct rules_error *err)
{
    struct rules_scratch *s = x->s;
    const struct rules_ntext *nt = &s->nt[x->field];
    const uint8_t *excl = s->fc[x->field].excl;
    size_t i = 0;

    while (i < nt->len) {
        size_t a = i, b;
        int want = 0;
        while (i < nt->len && !(nt->fl[i] & RULES_NF_NEWLINE)) {
            if (!excl[i] && rules_is_japanese(nt->cp[i]))
                want = 1;
            i++;
        }
        b = i;
        if (i < nt->len)
            i++;
        if (!want || b == a)
            continue;
        {
            size_t ob = nt->ob[a], oe = nt->oe[b - 1];
            int rc;
            if (oe > len)
                oe = len;
            x->have_prev = 0;
            rc = rules_mecab_tokens(s, text, ob, oe, on_token, x, err);
            if (rc != 0)
                return rc;
        }
    }
    return RULES_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sort the n buckets of a[] (each below 2^bits) ascending, with aux[] (n
 * entries) as work space. A long ticket has thousands of occurrences:
 * LSD radix sort in passes of 11 bits (two for the default 20 bits) beats
 * qsort's comparisons by several times from about a hundred up; a very
 * short one is left to qsort. */
#define RADIX_BITS 11u
#define RADIX_MIN 128u

static void sort_buckets(uint32_t *a, uint32_t *aux, size_t n, unsigned bits)
{
    static const uint32_t mask = (1u << RADIX_BITS) - 1;
    size_t cnt[1u << RADIX_BITS];
    uint32_t *src = a, *dst = aux;

    if (n < RADIX_MIN) {
        rules_sort(a, n, sizeof *a, cmp_u32);
        return;
    }
    for (unsigned shift = 0; shift < bits; shift += RADIX_BITS) {
        size_t sum = 0;
        uint32_t *t;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(src[i] >> shift) & mask]++;
        for (size_t d = 0; d <= mask; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> shift) & mask]++] = src[i];
        t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

/* Distinct buckets and their counts from the occurrences. */
static int count(struct mamori_features *f)
{
    size_t n = 0;

    if (RULES_GROW(f->tmp, f->tmp_cap, f->nocc + 1) != 0)
        return RULES_ENOMEM;
    if (f->nocc + 1 > f->cap) {
        size_t cap = f->nocc + 1 > 2 * f->cap ? f->nocc + 1 : 2 * f->cap;
        uint32_t *a = realloc(f->feat, cap * sizeof *a), *c;
        if (a == NULL)
            return RULES_ENOMEM;
        f->feat = a;
        c = realloc(f->count, cap * sizeof *c);
        if (c == NULL)
            return RULES_ENOMEM;
        f->count = c;
        f->cap = cap;
    }
    for (size_t i = 0; i < f->nocc; i++)
        f->tmp[i] = f->occ[i].feat;
    sort_buckets(f->tmp, f->feat, f->nocc, f->bits); /* f->feat is free until the loop below */
    for (size_t i = 0; i < f->nocc; i++) {
        if (n > 0 && f->feat[n - 1] == f->tmp[i]) {
            f->count[n - 1]++;
        } else {
            f->feat[n] = f->tmp[i];
            f->count[n] = 1;
            n++;
        }
    }
    f->n = n;
    return RULES_OK;
}

int mamori_features_extract(const struct rules_policy *p, struct rules_scratch *s, const struct rules_input *in,
                            unsigned bits, struct mamori_features *f, struct rules_error *err)
{
    struct ext x;
    const struct rules_result *r = mamori_rules_result(s);
    int rc;

    if (bits < MAMORI_FEATURE_BITS_MIN || bits > MAMORI_FEATURE_BITS_MAX)
        return rules_err(err, RULES_EINVAL, "feature hash bits %u out of range %u..%u", bits, MAMORI_FEATURE_BITS_MIN,
                         MAMORI_FEATURE_BITS_MAX);
    if (s->p != p)
        return rules_err(err, RULES_EINTERNAL, "scratch belongs to another policy");
    memset(&x, 0, sizeof x);
    x.p = p;
    x.s = s;
    x.f = f;
    x.bits = bits;
    f->bits = bits;
    f->nocc = f->n = 0;

    for (int fld = 0; fld < RULES_NFIELDS; fld++) {
        const struct rules_ntext *nt = &s->nt[fld];
        const char *text = in->text[fld] ? in->text[fld] : "";
        size_t len = in->text[fld] ? in->len[fld] : 0;

        x.field = fld;
        if (nt->len == 0)
            continue;
        if (char_ngrams(&x, nt, s->fc[fld].excl) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
        if (nt->has_japanese && (rc = lemma_ngrams(&x, text, len, err)) != 0)
            return rc;
    }
    {
        uint32_t ch = rules_ticket_channel(in->channel);
        for (int i = 0; i < 8; i++)
            if (ch == (1u << i) &&
                push(&x, 'h', rules_channel_names[i], strlen(rules_channel_names[i]), MAMORI_FEAT_NOFIELD, 0, 0) != 0)
                return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    {
        int64_t contacts = in->fixed_contacts;
        static const int64_t steps[] = {2, 3, 5, 10};
        /* The rules asked the host already when a `contacts` condition
         * over 30 days was evaluated: one store query (and keyed hash of
         * the requester) less. Where the two differ (no count: the rules
         * read 1, this 0 or fixed_contacts) neither reaches a step. */
        if (!rules_contacts_cached(s, 30, &contacts) && in->contacts != NULL &&
            in->contacts(in->contacts_ctx, 30, &contacts) != 0)
            contacts = 0;
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
            char key[16];
            int k = snprintf(key, sizeof key, "ge%d", (int)steps[i]);
            if (contacts >= steps[i] && push(&x, 'n', key, (size_t)k, MAMORI_FEAT_NOFIELD, 0, 0) != 0)
                return rules_err(err, RULES_ENOMEM, "out of memory");
        }
    }
    for (size_t k = 0; k < p->nrules; k++) {
        const struct rules_rule *rule = &p->rules[k];
        int field = MAMORI_FEAT_NOFIELD;
        uint32_t ob = 0, oe = 0;

        if (!r->rule_fired || !r->rule_fired[k] || rule->veto_copy)
            continue;
        if (r->rule_nev[k] > 0) {
            const struct rules_occ *o = &r->occ[r->ev[r->rule_ev[k]]];
            field = o->field;
            ob = o->ob;
            oe = o->oe;
        }
        if (push(&x, 'r', rule->id, strlen(rule->id), field, ob, oe) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    if (count(f) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    return RULES_OK;
}

int mamori_features_eval_extract(const struct rules_policy *p, struct rules_scratch *s, const struct rules_input *in,
                                 unsigned bits, struct mamori_features *f, struct rules_error *err)
{
    int rc = mamori_rules_eval(p, in, s, err);

    return rc != 0 ? rc : mamori_features_extract(p, s, in, bits, f, err);
}

/* ---- weighting ------------------------------------------------------- */

int mamori_features_weigh(const uint32_t *feat, const uint32_t *count, size_t n, const uint32_t *vocab,
                          const uint32_t *slot, const float *idf, size_t nvocab, struct mamori_fvec *out)
{
    double sum = 0;
    size_t j = 0;

    if (n > out->cap) {
        uint32_t *pos = realloc(out->pos, n * sizeof *pos);
        double *val;
        if (pos == NULL)
            return RULES_ENOMEM;
        out->pos = pos;
        val = realloc(out->val, n * sizeof *val);
        if (val == NULL)
            return RULES_ENOMEM;
        out->val = val;
        out->cap = n;
    }
    out->n = n;
    out->nknown = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e; /* the vocabulary entry of feat[i], or nvocab */

        if (slot != NULL) {
            if (i + 8 < n)
                __builtin_prefetch(&slot[feat[i + 8]]);
            e = slot[feat[i]] != 0 ? slot[feat[i]] - 1 : nvocab;
        } else {
            /* Both ascending: each lookup starts where the previous one
             * ended, and finds the lower bound of feat[i] in
             * vocab[j..nvocab) by galloping: a ticket has tens to
             * thousands of features, the vocabulary hundreds of
             * thousands, so neither a walk over the vocabulary nor a full
             * binary search per feature. */
            size_t lo = j, hi = j, step = 1;
            while (hi < nvocab && vocab[hi] < feat[i]) {
                lo = hi + 1;
                hi += step;
                step *= 2;
            }
            if (hi > nvocab)
                hi = nvocab;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (vocab[mid] < feat[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            j = lo;
            e = j < nvocab && vocab[j] == feat[i] ? j : nvocab;
        }
        if (e < nvocab) {
            double v = (1.0 + log((double)count[i])) * (double)idf[e];
            out->pos[i] = (uint32_t)e;
            out->val[i] = v;
            sum += v * v;
            out->nknown++;
        } else {
            out->pos[i] = UINT32_MAX;
            out->val[i] = 0;
        }
    }
    if (sum > 0) {
        double inv = 1.0 / sqrt(sum);
        for (size_t i = 0; i < n; i++)
            out->val[i] *= inv;
    }
    return RULES_OK;
}
