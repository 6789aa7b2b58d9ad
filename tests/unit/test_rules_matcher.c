/*
 * test_rules_matcher.c -- the Aho-Corasick automaton against a naive
 * search: same occurrences (pattern, end) on random texts over a small
 * alphabet (so matches overlap a lot), with the dense-row budget at its
 * default and at its minimum (everything but the root sparse), and on
 * multi-byte text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matcher_ac.h"
#include "rules_util.h"
#include "tap.h"

struct hit {
    uint32_t id;
    size_t end;
};

struct hits {
    struct hit *v;
    size_t n, cap;
};

static void collect(void *ctx, uint32_t id, size_t end)
{
    struct hits *h = ctx;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (h->v == NULL)
            abort();
    }
    h->v[h->n].id = id;
    h->v[h->n].end = end;
    h->n++;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static unsigned rnd_state = 1;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 16;
}

/* Compare the automaton with a naive search; returns the number of
 * mismatching rounds. */
static int compare(size_t budget, int rounds, const char *alphabet, size_t npat)
{
    int bad = 0;
    size_t alen = strlen(alphabet);

    for (int r = 0; r < rounds; r++) {
        char pats[64][8], text[2048];
        size_t plen[64], tlen = 0;
        struct rules_ac_builder *b;
        struct rules_ac *ac;
        struct hits got = {0}, want = {0};
        size_t np = 0;

        rules_ac_builder_new(&b);
        for (size_t k = 0; k < npat; k++) {
            size_t l = 1 + rnd() % 6;
            int dup = 0;
            for (size_t i = 0; i < l; i++)
                pats[np][i] = alphabet[rnd() % alen];
            plen[np] = l;
            for (size_t j = 0; j < np; j++)
                if (plen[j] == l && memcmp(pats[j], pats[np], l) == 0)
                    dup = 1;
            if (dup)
                continue;
            rules_ac_builder_add(b, (const uint8_t *)pats[np], l, (uint32_t)np);
            np++;
        }
        if (rules_ac_build(b, budget, &ac) != 0) {
            bad++;
            rules_ac_builder_free(b);
            continue;
        }
        rules_ac_builder_free(b);
        tlen = 200 + rnd() % 1500;
        for (size_t i = 0; i < tlen; i++)
            text[i] = (rnd() % 10 == 0) ? 'z' : alphabet[rnd() % alen];
        rules_ac_scan(ac, (const uint8_t *)text, tlen, collect, &got);
        for (size_t e = 1; e <= tlen; e++)
            for (size_t k = 0; k < np; k++)
                if (plen[k] <= e && memcmp(text + e - plen[k], pats[k], plen[k]) == 0)
                    collect(&want, (uint32_t)k, e);
        qsort(got.v, got.n, sizeof *got.v, cmp_hit);
        if (got.n != want.n)
            bad++;
        else
            for (size_t i = 0; i < got.n; i++)
                if (got.v[i].id != want.v[i].id || got.v[i].end != want.v[i].end) {
                    bad++;
                    break;
                }
        if (rules_ac_count(ac, (const uint8_t *)text, tlen) != want.n)
            bad++;
        free(got.v);
        free(want.v);
        rules_ac_free(ac);
    }
    return bad;
}

int main(void)
{
    struct rules_ac_builder *b;
    struct rules_ac *ac;
    struct hits h = {0};
    struct rules_ac_stats st;
    const char *text = "おまえをころすぞ。ころころ笑う。ころす";

    plan(9);
    is_int(compare(0, 300, "abc", 20), 0, "default budget: same occurrences as a naive search (alphabet abc)");
    is_int(compare(1, 300, "abc", 20), 0, "one dense row: the sparse path finds the same occurrences");
    is_int(compare(64 * 4 * 3, 300, "abcd", 40), 0, "a few dense rows, deep sparse states");
    is_int(compare(0, 100, "ab", 64), 0, "many overlapping patterns over two letters");

    rules_ac_builder_new(&b);
    rules_ac_builder_add(b, (const uint8_t *)"ころす", strlen("ころす"), 0);
    rules_ac_builder_add(b, (const uint8_t *)"ころ", strlen("ころ"), 1);
    rules_ac_builder_add(b, (const uint8_t *)"す", strlen("す"), 2);
    is_int(rules_ac_builder_add(b, (const uint8_t *)"ころ", strlen("ころ"), 9), RULES_EINVAL,
           "the same bytes cannot be added twice");
    is_int(rules_ac_build(b, 0, &ac), 0, "build a UTF-8 automaton");
    rules_ac_builder_free(b);
    rules_ac_scan(ac, (const uint8_t *)text, strlen(text), collect, &h);
    is_int(h.n, 8, "ころ x4, ころす x2, す x2: all reported, overlaps included");
    ok(h.n > 0 && h.v[h.n - 1].end == strlen(text), "the last hit ends at the end of the text");
    rules_ac_get_stats(ac, &st);
    ok(st.states == 11 && st.dense_states == 11, "11 byte states, all dense under the default budget");
    free(h.v);
    rules_ac_free(ac);
    return done();
}
