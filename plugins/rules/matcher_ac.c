/* matcher_ac.c -- see matcher_ac.h. */
#include "config.h"

#include "matcher_ac.h"

#include <stdlib.h>
#include <string.h>

#include "rules_util.h"

#define NO_ID UINT32_MAX
#define OUT_FLAG 0x80000000u
#define STATE_MASK 0x7FFFFFFFu

/* ---- builder: a plain trie with a hash for (node, byte) -> child ------- */

struct rules_ac_builder {
    size_t nodes, node_cap;
    uint32_t *first_edge;   /* per node: head of its edge list, or NO_ID */
    uint32_t *out;          /* per node: pattern id ending here, or NO_ID */
    /* edges */
    size_t edges, edge_cap;
    uint32_t *edge_next, *edge_to;
    uint8_t *edge_byte;
    /* hash: key = node * 256 + byte, value = child */
    uint64_t *hkey;
    uint32_t *hval;
    size_t hcap;            /* power of two; key 0 never used (root edges have node 0... so store key+1) */
};

static size_t hslot(uint64_t key, size_t cap)
{
    key *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(key >> 17) & (cap - 1);
}

static uint32_t child_of(const struct rules_ac_builder *b, uint32_t node, uint8_t byte)
{
    uint64_t key = ((uint64_t)node << 8 | byte) + 1;
    size_t s = hslot(key, b->hcap);

    while (b->hkey[s] != 0) {
        if (b->hkey[s] == key)
            return b->hval[s];
        s = (s + 1) & (b->hcap - 1);
    }
    return NO_ID;
}

static int hash_grow(struct rules_ac_builder *b)
{
    size_t ncap = b->hcap * 2;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *v = malloc(ncap * sizeof *v);

    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return RULES_ENOMEM;
    }
    for (size_t i = 0; i < b->hcap; i++)
        if (b->hkey[i] != 0) {
            size_t s = hslot(b->hkey[i], ncap);
            while (k[s] != 0)
                s = (s + 1) & (ncap - 1);
            k[s] = b->hkey[i];
            v[s] = b->hval[i];
        }
    free(b->hkey);
    free(b->hval);
    b->hkey = k;
    b->hval = v;
    b->hcap = ncap;
    return RULES_OK;
}

static int add_node(struct rules_ac_builder *b, uint32_t *id)
{
    if (b->nodes >= STATE_MASK)
        return RULES_ENOMEM;
    if (b->nodes + 1 > b->node_cap) {
        size_t cap = b->node_cap;
        if (RULES_GROW(b->first_edge, cap, b->nodes + 1) != 0)
            return RULES_ENOMEM;
        cap = b->node_cap;
        if (RULES_GROW(b->out, cap, b->nodes + 1) != 0)
            return RULES_ENOMEM;
        b->node_cap = cap;
    }
    b->first_edge[b->nodes] = NO_ID;
    b->out[b->nodes] = NO_ID;
    *id = (uint32_t)b->nodes++;
    return RULES_OK;
}

int rules_ac_builder_new(struct rules_ac_builder **out)
{
    struct rules_ac_builder *b = calloc(1, sizeof *b);
    uint32_t root;

    *out = NULL;
    if (b == NULL)
        return RULES_ENOMEM;
    b->hcap = 1024;
    b->hkey = calloc(b->hcap, sizeof *b->hkey);
    b->hval = malloc(b->hcap * sizeof *b->hval);
    if (b->hkey == NULL || b->hval == NULL || add_node(b, &root) != 0) {
        rules_ac_builder_free(b);
        return RULES_ENOMEM;
    }
    *out = b;
    return RULES_OK;
}

void rules_ac_builder_free(struct rules_ac_builder *b)
{
    if (b == NULL)
        return;
    free(b->first_edge);
    free(b->out);
    free(b->edge_next);
    free(b->edge_to);
    free(b->edge_byte);
    free(b->hkey);
    free(b->hval);
    free(b);
}

int rules_ac_builder_add(struct rules_ac_builder *b, const uint8_t *pat, size_t len, uint32_t id)
{
    uint32_t node = 0;

    if (len == 0 || id == NO_ID)
        return RULES_EINVAL;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = child_of(b, node, pat[i]);
        if (c == NO_ID) {
            uint64_t key = ((uint64_t)node << 8 | pat[i]) + 1;
            size_t s, e = b->edges;

            if ((b->edges + 1) * 2 > b->hcap && hash_grow(b) != 0)
                return RULES_ENOMEM;
            if (add_node(b, &c) != 0)
                return RULES_ENOMEM;
            if (b->edges + 1 > b->edge_cap) {
                size_t cap = b->edge_cap;
                if (RULES_GROW(b->edge_next, cap, b->edges + 1) != 0)
                    return RULES_ENOMEM;
                cap = b->edge_cap;
                if (RULES_GROW(b->edge_to, cap, b->edges + 1) != 0)
                    return RULES_ENOMEM;
                cap = b->edge_cap;
                if (RULES_GROW(b->edge_byte, cap, b->edges + 1) != 0)
                    return RULES_ENOMEM;
                b->edge_cap = cap;
            }
            b->edge_byte[e] = pat[i];
            b->edge_to[e] = c;
            b->edge_next[e] = b->first_edge[node];
            b->first_edge[node] = (uint32_t)e;
            b->edges++;
            s = hslot(key, b->hcap);
            while (b->hkey[s] != 0)
                s = (s + 1) & (b->hcap - 1);
            b->hkey[s] = key;
            b->hval[s] = c;
        }
        node = c;
    }
    if (b->out[node] != NO_ID)
        return RULES_EINVAL;
    b->out[node] = id;
    return RULES_OK;
}

/* ---- the compiled automaton ------------------------------------------ */

struct rules_ac {
    uint8_t cls[256];
    uint32_t nclasses;
    uint32_t shift;          /* row stride = 1 << shift */
    uint32_t nstates, ndense;
    uint32_t maxlen;         /* longest pattern, bytes */
    uint16_t *dense16;       /* ndense rows of target states, when nstates <= 65536 */
    uint32_t *dense32;       /* otherwise */
    uint64_t *outbits;       /* per state: it (or its suffix chain) ends a pattern */
    uint32_t *fail;          /* per state */
    uint32_t *out;           /* per state: pattern id or NO_ID */
    uint32_t *dict;          /* per state: next state on the suffix chain with an output, or 0 */
    uint32_t *sp_first;      /* per sparse state: first edge (one extra entry at the end) */
    uint8_t *sp_cls;
    uint32_t *sp_to;
    size_t nsp_edges;
};

void rules_ac_free(struct rules_ac *ac)
{
    if (ac == NULL)
        return;
    free(ac->dense16);
    free(ac->dense32);
    free(ac->outbits);
    free(ac->fail);
    free(ac->out);
    free(ac->dict);
    free(ac->sp_first);
    free(ac->sp_cls);
    free(ac->sp_to);
    free(ac);
}

static int cmp_u8(const void *a, const void *b)
{
    return (int)*(const uint8_t *)a - (int)*(const uint8_t *)b;
}

int rules_ac_build(struct rules_ac_builder *b, size_t dense_budget, struct rules_ac **out)
{
    struct rules_ac *ac = NULL;
    uint32_t *order = NULL, *newid = NULL, *ofail = NULL, *depth = NULL;
    uint8_t used[256];
    size_t n = b->nodes, head = 0, tail = 0, stride, ndense, esize;
    int rc = RULES_ENOMEM;

    *out = NULL;
    if (dense_budget == 0)
        dense_budget = RULES_AC_DENSE_BUDGET;
    ac = calloc(1, sizeof *ac);
    order = malloc(n * sizeof *order);
    newid = malloc(n * sizeof *newid);
    ofail = calloc(n, sizeof *ofail);
    depth = calloc(n, sizeof *depth);
    if (ac == NULL || order == NULL || newid == NULL || ofail == NULL || depth == NULL)
        goto done;

    /* Byte classes: one per byte used by some pattern. */
    memset(used, 0, sizeof used);
    for (size_t e = 0; e < b->edges; e++)
        used[b->edge_byte[e]] = 1;
    ac->nclasses = 1;
    for (int c = 0; c < 256; c++)
        ac->cls[c] = used[c] ? (uint8_t)(ac->nclasses++) : 0;
    if (ac->nclasses > 255) {
        /* Valid UTF-8 never uses 0xC0, 0xC1 or 0xF5-0xFF, so patterns that
         * use every byte are not normalized text. */
        rc = RULES_EINVAL;
        goto done;
    }
    ac->shift = 0;
    while ((1u << ac->shift) < ac->nclasses)
        ac->shift++;
    stride = (size_t)1 << ac->shift;

    /* Breadth-first order and failure links (old ids). */
    order[tail++] = 0;
    while (head < tail) {
        uint32_t u = order[head++];
        for (uint32_t e = b->first_edge[u]; e != NO_ID; e = b->edge_next[e]) {
            uint32_t v = b->edge_to[e];
            uint8_t byte = b->edge_byte[e];
            depth[v] = depth[u] + 1;
            if (depth[v] > ac->maxlen)
                ac->maxlen = depth[v];
            if (u == 0) {
                ofail[v] = 0;
            } else {
                uint32_t f = ofail[u], t;
                for (;;) {
                    t = child_of(b, f, byte);
                    if (t != NO_ID || f == 0)
                        break;
                    f = ofail[f];
                }
                ofail[v] = (t != NO_ID && t != v) ? t : 0;
            }
            order[tail++] = v;
        }
    }
    for (size_t i = 0; i < n; i++)
        newid[order[i]] = (uint32_t)i;

    ac->nstates = (uint32_t)n;
    ac->fail = malloc(n * sizeof *ac->fail);
    ac->out = malloc(n * sizeof *ac->out);
    ac->dict = calloc(n, sizeof *ac->dict);
    ac->outbits = calloc(n / 64 + 1, sizeof *ac->outbits);
    if (ac->fail == NULL || ac->out == NULL || ac->dict == NULL || ac->outbits == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        uint32_t old = order[i];
        ac->fail[i] = newid[ofail[old]];
        ac->out[i] = b->out[old];
    }
    /* Dictionary links, in BFS order so the fail target is final. */
    for (size_t i = 1; i < n; i++) {
        uint32_t f = ac->fail[i];
        ac->dict[i] = ac->out[f] != NO_ID ? f : ac->dict[f];
    }
    for (size_t i = 0; i < n; i++)
        if (ac->out[i] != NO_ID || ac->dict[i] != 0)
            ac->outbits[i / 64] |= (uint64_t)1 << (i % 64);

    /* 16-bit rows when every state id fits: half the cache footprint. */
    esize = n <= 65536 ? 2 : 4;
    ndense = dense_budget / (stride * esize);
    if (ndense < 1)
        ndense = 1;
    if (ndense > n)
        ndense = n;
    ac->ndense = (uint32_t)ndense;
    if (esize == 2)
        ac->dense16 = malloc(ndense * stride * esize);
    else
        ac->dense32 = malloc(ndense * stride * esize);
    ac->sp_first = malloc((n - ndense + 1) * sizeof *ac->sp_first);
    if ((ac->dense16 == NULL && ac->dense32 == NULL) || ac->sp_first == NULL)
        goto done;

    /* Count sparse edges. */
    ac->nsp_edges = 0;
    for (size_t i = ndense; i < n; i++)
        for (uint32_t e = b->first_edge[order[i]]; e != NO_ID; e = b->edge_next[e])
            ac->nsp_edges++;
    ac->sp_cls = malloc(ac->nsp_edges + 1);
    ac->sp_to = malloc((ac->nsp_edges + 1) * sizeof *ac->sp_to);
    if (ac->sp_cls == NULL || ac->sp_to == NULL)
        goto done;

    /* Dense rows: a row is its failure state's row with its own edges on
     * top; the failure state is shallower, so its row is already done. */
    for (size_t i = 0; i < ndense; i++) {
        if (esize == 2) {
            uint16_t *row = ac->dense16 + i * stride;
            if (i == 0)
                memset(row, 0, stride * esize);
            else
                memcpy(row, ac->dense16 + (size_t)ac->fail[i] * stride, stride * esize);
            for (uint32_t e = b->first_edge[order[i]]; e != NO_ID; e = b->edge_next[e])
                row[ac->cls[b->edge_byte[e]]] = (uint16_t)newid[b->edge_to[e]];
        } else {
            uint32_t *row = ac->dense32 + i * stride;
            if (i == 0)
                memset(row, 0, stride * esize);
            else
                memcpy(row, ac->dense32 + (size_t)ac->fail[i] * stride, stride * esize);
            for (uint32_t e = b->first_edge[order[i]]; e != NO_ID; e = b->edge_next[e])
                row[ac->cls[b->edge_byte[e]]] = newid[b->edge_to[e]];
        }
    }
    /* Sparse states: own edges sorted by class. */
    {
        size_t pos = 0;
        for (size_t i = ndense; i < n; i++) {
            uint8_t tmp[256];
            size_t k = 0;
            ac->sp_first[i - ndense] = (uint32_t)pos;
            for (uint32_t e = b->first_edge[order[i]]; e != NO_ID; e = b->edge_next[e])
                tmp[k++] = ac->cls[b->edge_byte[e]];
            rules_sort(tmp, k, 1, cmp_u8);
            for (size_t j = 0; j < k; j++)
                for (uint32_t e = b->first_edge[order[i]]; e != NO_ID; e = b->edge_next[e])
                    if (ac->cls[b->edge_byte[e]] == tmp[j]) {
                        ac->sp_cls[pos] = tmp[j];
                        ac->sp_to[pos] = newid[b->edge_to[e]];
                        pos++;
                        break;
                    }
        }
        ac->sp_first[n - ndense] = (uint32_t)pos;
    }
    *out = ac;
    ac = NULL;
    rc = RULES_OK;
done:
    rules_ac_free(ac);
    free(order);
    free(newid);
    free(ofail);
    free(depth);
    return rc;
}

/* Transition from a state that may be sparse. */
static inline uint32_t step_slow(const struct rules_ac *ac, uint32_t s, uint32_t c)
{
    if (c == 0)
        return 0; /* a byte no pattern contains: only the empty suffix survives */
    for (;;) {
        if (s < ac->ndense)
            return ac->dense16 ? ac->dense16[((size_t)s << ac->shift) | c]
                               : ac->dense32[((size_t)s << ac->shift) | c];
        {
            uint32_t lo = ac->sp_first[s - ac->ndense], hi = ac->sp_first[s - ac->ndense + 1];
            const uint8_t *cl = ac->sp_cls;
            /* Deep states have one or two edges: a linear scan wins. */
            for (uint32_t k = lo; k < hi; k++)
                if (cl[k] == c)
                    return ac->sp_to[k];
        }
        s = ac->fail[s];
    }
}

static void report(const struct rules_ac *ac, uint32_t s, size_t end, rules_ac_hit_fn hit, void *ctx)
{
    if (ac->out[s] != NO_ID)
        hit(ctx, ac->out[s], end);
    for (uint32_t d = ac->dict[s]; d != 0; d = ac->dict[d])
        hit(ctx, ac->out[d], end);
}

#define HAS_OUT(ac, s) (((ac)->outbits[(s) >> 6] >> ((s)&63)) & 1)

/*
 * The scan is a chain of dependent loads (the next state needs the current
 * one), so it runs at memory latency, not bandwidth. Long texts are cut in
 * four segments scanned in one loop: four independent chains keep four
 * loads in flight. A segment's automaton starts `maxlen` bytes early (its
 * state then only depends on bytes it has seen) and reports only matches
 * ending inside its own segment, so every occurrence is reported once.
 */
#define DEFINE_SCAN(NAME, T, TABLE)                                                                          \
    static void NAME(const struct rules_ac *ac, const uint8_t *text, size_t len, rules_ac_hit_fn hit, void *ctx) \
    {                                                                                                        \
        const T *dense = ac->TABLE;                                                                          \
        const uint8_t *cls = ac->cls;                                                                        \
        const uint32_t nd = ac->ndense, shift = ac->shift;                                                   \
        size_t warm = ac->maxlen, q, i;                                                                      \
        uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                             \
                                                                                                             \
        if (len < 4 * (warm + 64)) {                                                                         \
            for (i = 0; i < len; i++) {                                                                      \
                uint32_t c = cls[text[i]];                                                                   \
                s0 = s0 < nd ? dense[((size_t)s0 << shift) | c] : step_slow(ac, s0, c);                      \
                if (HAS_OUT(ac, s0))                                                                         \
                    report(ac, s0, i + 1, hit, ctx);                                                         \
            }                                                                                                \
            return;                                                                                          \
        }                                                                                                    \
        q = len / 4;                                                                                         \
        /* Warm up segments 1-3 on the bytes before them, reporting nothing. */                              \
        for (i = q - warm; i < q; i++) {                                                                     \
            uint32_t c1 = cls[text[i]], c2 = cls[text[q + i]], c3 = cls[text[2 * q + i]];                    \
            s1 = s1 < nd ? dense[((size_t)s1 << shift) | c1] : step_slow(ac, s1, c1);                        \
            s2 = s2 < nd ? dense[((size_t)s2 << shift) | c2] : step_slow(ac, s2, c2);                        \
            s3 = s3 < nd ? dense[((size_t)s3 << shift) | c3] : step_slow(ac, s3, c3);                        \
        }                                                                                                    \
        for (i = 0; i < q; i++) {                                                                            \
            uint32_t c0 = cls[text[i]], c1 = cls[text[q + i]], c2 = cls[text[2 * q + i]],                    \
                     c3 = cls[text[3 * q + i]];                                                              \
            s0 = s0 < nd ? dense[((size_t)s0 << shift) | c0] : step_slow(ac, s0, c0);                        \
            s1 = s1 < nd ? dense[((size_t)s1 << shift) | c1] : step_slow(ac, s1, c1);                        \
            s2 = s2 < nd ? dense[((size_t)s2 << shift) | c2] : step_slow(ac, s2, c2);                        \
            s3 = s3 < nd ? dense[((size_t)s3 << shift) | c3] : step_slow(ac, s3, c3);                        \
            if (__builtin_expect(HAS_OUT(ac, s0) | HAS_OUT(ac, s1) | HAS_OUT(ac, s2) | HAS_OUT(ac, s3), 0)) { \
                if (HAS_OUT(ac, s0))                                                                         \
                    report(ac, s0, i + 1, hit, ctx);                                                         \
                if (HAS_OUT(ac, s1))                                                                         \
                    report(ac, s1, q + i + 1, hit, ctx);                                                     \
                if (HAS_OUT(ac, s2))                                                                         \
                    report(ac, s2, 2 * q + i + 1, hit, ctx);                                                 \
                if (HAS_OUT(ac, s3))                                                                         \
                    report(ac, s3, 3 * q + i + 1, hit, ctx);                                                 \
            }                                                                                                \
        }                                                                                                    \
        for (i = 4 * q; i < len; i++) {                                                                      \
            uint32_t c = cls[text[i]];                                                                       \
            s3 = s3 < nd ? dense[((size_t)s3 << shift) | c] : step_slow(ac, s3, c);                          \
            if (HAS_OUT(ac, s3))                                                                             \
                report(ac, s3, i + 1, hit, ctx);                                                             \
        }                                                                                                    \
    }

DEFINE_SCAN(scan16, uint16_t, dense16)
DEFINE_SCAN(scan32, uint32_t, dense32)

void rules_ac_scan(const struct rules_ac *ac, const uint8_t *text, size_t len, rules_ac_hit_fn hit, void *ctx)
{
    if (ac->dense16)
        scan16(ac, text, len, hit, ctx);
    else
        scan32(ac, text, len, hit, ctx);
}

static void count_hit(void *ctx, uint32_t id, size_t end)
{
    (void)id;
    (void)end;
    (*(size_t *)ctx)++;
}

size_t rules_ac_count(const struct rules_ac *ac, const uint8_t *text, size_t len)
{
    size_t n = 0;

    rules_ac_scan(ac, text, len, count_hit, &n);
    return n;
}

void rules_ac_get_stats(const struct rules_ac *ac, struct rules_ac_stats *st)
{
    st->states = ac->nstates;
    st->dense_states = ac->ndense;
    st->classes = ac->nclasses;
    st->bytes = (size_t)ac->ndense * ((size_t)1 << ac->shift) * (ac->dense16 ? 2 : 4) + (size_t)ac->nstates * 12 +
                ac->nstates / 8 + ac->nsp_edges * 5 + (ac->nstates - ac->ndense + 1) * 4;
}
