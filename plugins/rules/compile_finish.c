/* compile_finish.c -- see compile_internal.h. */
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

/* ---- finishing ------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

struct key_text {
    const char *text;
    uint32_t key;
};

static int cmp_key_text(const void *a, const void *b)
{
    const struct key_text *x = a, *y = b;
    int d = strcmp(x->text, y->text);
    return d != 0 ? d : (x->key < y->key ? -1 : x->key > y->key);
}

static int chain_variants(struct rules_policy *p)
{
    struct key_text *order;
    size_t nexact = 0;

    /* Plain keys are unique by text (the registry merges them), so texts
     * are shared only where an exact key exists: without one, no chains
     * and no sort (the load of a 10,000-phrase policy stays as it was). */
    for (size_t k = 0; k < p->nphrases; k++)
        nexact += p->keys[k].exact;
    if (nexact == 0)
        return RULES_OK;
    order = malloc((p->nphrases + 1) * sizeof *order);
    if (order == NULL)
        return RULES_ENOMEM;
    for (size_t k = 0; k < p->nphrases; k++) {
        order[k].text = p->keys[k].text;
        order[k].key = (uint32_t)k;
    }
    rules_sort(order, p->nphrases, sizeof *order, cmp_key_text);
    for (size_t i = 0; i < p->nphrases;) {
        size_t j = i + 1;
        while (j < p->nphrases && strcmp(order[i].text, order[j].text) == 0)
            j++;
        /* order[i] (the lowest index) heads the chain; the others follow */
        for (size_t m = i; m < j; m++) {
            p->keys[order[m].key].next_variant = m + 1 < j ? order[m + 1].key : UINT32_MAX;
            p->keys[order[m].key].chained = m > i;
        }
        i = j;
    }
    free(order);
    return RULES_OK;
}

/* The droppable characters phrases contain (sorted, distinct): where a
 * text dropped one of them between letters, the evaluator re-reads it with
 * the dropped symbols put back ("$", "🔪", "=★1"). */
static int symbol_set(struct rules_policy *p)
{
    size_t cap = 0, n = 0;

    for (size_t k = 0; k < p->nphrases; k++) {
        const uint8_t *t = (const uint8_t *)p->keys[k].text;
        size_t i = 0;
        while (i < p->keys[k].blen) {
            int32_t cp = rules_utf8_next(t, p->keys[k].blen, &i);
            if (cp < 0 || !rules_cp_droppable((uint32_t)cp))
                continue;
            if (RULES_GROW(p->sym, cap, n + 1) != 0)
                return RULES_ENOMEM;
            p->sym[n++] = (uint32_t)cp;
        }
    }
    rules_sort(p->sym, n, sizeof *p->sym, cmp_u32);
    p->nsym = 0;
    for (size_t i = 0; i < n; i++)
        if (p->nsym == 0 || p->sym[p->nsym - 1] != p->sym[i])
            p->sym[p->nsym++] = p->sym[i];
    return RULES_OK;
}

int compile_finish(struct compile *c, const struct rules_load_options *opt)
{
    struct rules_policy *p = c->p;
    struct rules_ac_builder *b = NULL;
    uint32_t *count = NULL;
    size_t nk;
    int rc;

    /* Lemma keys go after the phrase keys, amount keys after them. */
    p->nphrases = p->nkeys;
    if (c->nlkeys > 0) {
        uint32_t *remap = malloc(c->nlkeys * sizeof *remap);
        size_t at = p->nkeys;
        if (remap == NULL || RULES_GROW(p->keys, p->keys_cap, p->nkeys + c->nlkeys) != 0) {
            free(remap);
            return RULES_ENOMEM;
        }
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < c->nlkeys; i++)
                if (c->lkeys[i].is_amount == pass) {
                    remap[i] = (uint32_t)at;
                    p->keys[at++] = c->lkeys[i];
                    if (pass == 0)
                        p->nlemma_keys++;
                    else
                        p->namount_keys++;
                }
        p->nkeys += c->nlkeys;
        for (size_t i = 0; i < c->npend; i++)
            if (c->pend[i].key & LEMMA_TAG)
                c->pend[i].key = remap[c->pend[i].key & ~LEMMA_TAG] | LEMMA_TAG;
        free(remap);
        free(c->lkeys);
        c->lkeys = NULL;
        c->nlkeys = 0;
    }
    nk = p->nkeys;
    for (size_t i = 0; i < c->npend; i++)
        c->pend[i].key &= ~LEMMA_TAG;
    /* Uses, grouped by key (counting sort keeps their order). */
    count = calloc(nk + 1, sizeof *count);
    p->uses = malloc((c->npend + 1) * sizeof *p->uses);
    if (count == NULL || p->uses == NULL) {
        free(count);
        return RULES_ENOMEM;
    }
    for (size_t i = 0; i < c->npend; i++)
        count[c->pend[i].key + 1]++;
    for (size_t k = 0; k < nk; k++)
        count[k + 1] += count[k];
    for (size_t k = 0; k < nk; k++) {
        p->keys[k].uses = count[k];
        p->keys[k].nuses = count[k + 1] - count[k];
    }
    for (size_t i = 0; i < c->npend; i++)
        p->uses[count[c->pend[i].key]++] = c->pend[i].use;
    p->nuses = c->npend;
    free(count);

    /* The automaton: every phrase text of the policy, once. Keys that share
     * a text (an exact "=デモ" and a plain "でも") are chained behind the
     * first, which the automaton reports. */
    if ((rc = chain_variants(p)) != 0)
        return rc;
    if ((rc = rules_ac_builder_new(&b)) != 0)
        return rc;
    for (size_t k = 0; k < p->nphrases; k++)
        if (!p->keys[k].chained &&
            (rc = rules_ac_builder_add(b, (const uint8_t *)p->keys[k].text, p->keys[k].blen, (uint32_t)k)) != 0) {
            rules_ac_builder_free(b);
            return rc;
        }
    rc = rules_ac_build(b, opt->dense_budget, &p->ac);
    rules_ac_builder_free(b);
    if (rc != 0)
        return rc;
    if ((rc = symbol_set(p)) != 0)
        return rc;

    /* Kana that phrases use: the readings tried for a wildcard. */
    if (p->norm.nwildcards > 0) {
        uint8_t seen[0x100];
        memset(seen, 0, sizeof seen);
        for (size_t k = 0; k < p->nphrases; k++) {
            size_t i = 0;
            const uint8_t *t = (const uint8_t *)p->keys[k].text;
            while (i < p->keys[k].blen) {
                int32_t cp = rules_utf8_next(t, p->keys[k].blen, &i);
                if (cp >= 0x3000 && cp < 0x3100 && rules_is_kana((uint32_t)cp))
                    seen[cp - 0x3000] = 1;
            }
        }
        p->kana = calloc(0x100, sizeof *p->kana);
        if (p->kana == NULL)
            return RULES_ENOMEM;
        for (uint32_t i = 0; i < 0x100; i++)
            if (seen[i])
                p->kana[p->nkana++] = 0x3000 + i;
    }

    /* Lemma keys by their first lemma. */
    if (p->nlemmas > 0) {
        p->lemma_first_off = calloc(p->nlemmas + 1, sizeof *p->lemma_first_off);
        p->lemma_first_keys = calloc(p->nlemma_keys + 1, sizeof *p->lemma_first_keys);
        if (p->lemma_first_off == NULL || p->lemma_first_keys == NULL)
            return RULES_ENOMEM;
        for (size_t k = p->nphrases; k < p->nphrases + p->nlemma_keys; k++)
            p->lemma_first_off[p->lemma_seq[p->keys[k].lemmas] + 1]++;
        for (size_t l = 0; l < p->nlemmas; l++)
            p->lemma_first_off[l + 1] += p->lemma_first_off[l];
        {
            uint32_t *fill = calloc(p->nlemmas + 1, sizeof *fill);
            if (fill == NULL)
                return RULES_ENOMEM;
            for (size_t k = p->nphrases; k < p->nphrases + p->nlemma_keys; k++) {
                uint32_t l = p->lemma_seq[p->keys[k].lemmas];
                p->lemma_first_keys[p->lemma_first_off[l] + fill[l]++] = (uint32_t)k;
            }
            free(fill);
        }
    }

    p->always_rules = calloc(p->nrules + 1, sizeof *p->always_rules);
    if (p->always_rules == NULL)
        return RULES_ENOMEM;
    for (size_t r = 0; r < p->nrules; r++)
        if (p->rules[r].always)
            p->always_rules[p->nalways++] = (uint32_t)r;
    rules_sort(p->always_rules, p->nalways, sizeof *p->always_rules, cmp_u32);
    return RULES_OK;
}
