/* normalize.c -- see normalize.h. */
#include "config.h"

#include "normalize.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* Stage-A character classes (low nibble) and flags. */
enum {
    CL_JA = 1,      /* kana, kanji: Japanese letters */
    CL_PROLONG,     /* ー: a letter after a Japanese letter, a symbol elsewhere */
    CL_LAT,         /* other letters and digits */
    CL_NL,          /* line break */
    CL_SENT,        /* sentence punctuation kept as a boundary */
    CL_SPACE,       /* spaces */
    CL_KEEP,        /* quotes, brackets, ':' and controls: never dropped */
    CL_DROP,        /* other punctuation and symbols: dropped between letters */
    CL_MASK_FLAG = 0x10, /* a symbol people put inside Latin words (f*ck, k_i_l_l) */
    CL_WILD_FLAG = 0x20, /* one of the policy's wildcard characters */
    CL_KATA_FLAG = 0x40, /* folded from katakana (RULES_NF_KATA) */
    CL_MASK = 0x0F
};

#define CLUSTER_MAX 16   /* code points in one cluster (longer runs of marks are split) */
#define DECOMP_MAX 18    /* longest compatibility decomposition (U+FDFA) */

void rules_ntext_init(struct rules_ntext *nt)
{
    memset(nt, 0, sizeof *nt);
}

void rules_ntext_free(struct rules_ntext *nt)
{
    free(nt->cp);
    free(nt->ob);
    free(nt->oe);
    free(nt->fl);
    free(nt->u8);
    free(nt->u8off);
    free(nt->wcp);
    free(nt->wob);
    free(nt->woe);
    free(nt->wcl);
    free(nt->wfl);
    free(nt->dpos);
    free(nt->dcp);
    free(nt->dob);
    free(nt->doe);
    memset(nt, 0, sizeof *nt);
}

/* Grow the parallel arrays (both sets, so they can be swapped) to n. */
static int ensure(struct rules_ntext *nt, size_t n)
{
    size_t cap = nt->cap ? nt->cap : 256;
    void *p;

    if (n <= nt->cap)
        return RULES_OK;
    while (cap < n) {
        if (cap > ((size_t)-1) / 16)
            return RULES_ENOMEM;
        cap *= 2;
    }
#define GROW_ONE(field, type)                                   \
    do {                                                        \
        p = realloc(nt->field, cap * sizeof(type));             \
        if (p == NULL)                                          \
            return RULES_ENOMEM;                                \
        nt->field = p;                                          \
    } while (0)
    GROW_ONE(cp, uint32_t);
    GROW_ONE(ob, uint32_t);
    GROW_ONE(oe, uint32_t);
    GROW_ONE(fl, uint8_t);
    GROW_ONE(wcp, uint32_t);
    GROW_ONE(wob, uint32_t);
    GROW_ONE(woe, uint32_t);
    GROW_ONE(wcl, uint8_t);
    GROW_ONE(wfl, uint8_t);
#undef GROW_ONE
    nt->cap = cap;
    return RULES_OK;
}

/* Swap the output set and the work set after a rewriting stage. */
static void swap_sets(struct rules_ntext *nt)
{
    uint32_t *t;
    uint8_t *f;

    t = nt->cp, nt->cp = nt->wcp, nt->wcp = t;
    t = nt->ob, nt->ob = nt->wob, nt->wob = t;
    t = nt->oe, nt->oe = nt->woe, nt->woe = t;
    f = nt->fl, nt->fl = nt->wfl, nt->wfl = f;
}

static int is_ellipsis(int32_t cp)
{
    return cp == 0x2026 || cp == 0x2025 || cp == 0x22EF || cp == 0xFE19;
}

/* Code points that attach to the preceding character: combining marks and
 * the half-width / spacing voiced sound marks, which NFKC turns into
 * combining ones (ﾊﾞ -> バ). */
static int attaches(int32_t cp)
{
    if (cp == 0xFF9E || cp == 0xFF9F || cp == 0x309B || cp == 0x309C)
        return 1;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
        return 1; /* variation selectors: dropped, but their bytes belong to the base */
    if (cp < 0x300)
        return 0;
    return utf8proc_get_property(cp)->combining_class != 0;
}

/* Applied before utf8proc's own mappings: spacing voiced marks become
 * combining ones (NFKC would give a space plus a mark), and typographic
 * apostrophes become ASCII so "I’m" and "I'm" are one word. */
static utf8proc_int32_t custom_map(utf8proc_int32_t cp, void *data)
{
    (void)data;
    switch (cp) {
    case 0x309B:
        return 0x3099;
    case 0x309C:
        return 0x309A;
    case 0x2019:
    case 0x2018:
    case 0x02BC:
    case 0xFF07:
        return '\'';
    default:
        return cp;
    }
}

static uint32_t fold_kana(uint32_t cp)
{
    return rules_katakana_folds(cp) ? cp - 0x60 : cp;
}

static int base_class(uint32_t cp, int32_t orig)
{
    utf8proc_category_t cat;

    if (cp == 0x30FC)
        return CL_PROLONG;
    if (rules_is_japanese(cp))
        return CL_JA;
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || cp == '\'')
            return CL_LAT;
        switch (cp) {
        case '\n':
        case '\r':
        case '\v':
        case '\f':
            return CL_NL;
        case ' ':
        case '\t':
            return CL_SPACE;
        case '.':
            return is_ellipsis(orig) ? (CL_DROP | CL_MASK_FLAG) : CL_SENT;
        case '!':
        case '?':
            return CL_SENT;
        case '"':
        case ':':
        case '(':
        case ')':
        case '[':
        case ']':
        case '{':
        case '}':
        case '<':
            return CL_KEEP;
        case '*':
        case '_':
            return CL_DROP | CL_MASK_FLAG;
        default:
            return cp < 0x20 || cp == 0x7F ? CL_KEEP : CL_DROP;
        }
    }
    if (cp == 0x3002)
        return CL_SENT;
    if (cp == 0x2028 || cp == 0x2029 || cp == 0x85)
        return CL_NL;
    if (cp == 0x30FB || cp == 0xB7 || cp == 0x2022)
        return CL_DROP | CL_MASK_FLAG;
    cat = utf8proc_category((utf8proc_int32_t)cp);
    switch (cat) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return CL_LAT;
    case UTF8PROC_CATEGORY_ZS:
        return CL_SPACE;
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return CL_NL;
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
        return CL_KEEP;
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CL_DROP;
    default:
        return CL_KEEP;
    }
}

static int is_wildcard(const struct rules_norm_config *cfg, uint32_t cp)
{
    if (cfg == NULL)
        return 0;
    for (size_t i = 0; i < cfg->nwildcards; i++)
        if (cfg->wildcards[i] == cp)
            return 1;
    return 0;
}

/* Decode one code point (inline copy of rules_utf8_next: this is the
 * hottest loop of the engine). */
static inline int32_t next_cp(const uint8_t *s, size_t len, size_t *i)
{
    uint32_t c = s[*i];

    if (c < 0x80) {
        (*i)++;
        return (int32_t)c;
    }
    if (c >= 0xE1 && c <= 0xEC && *i + 2 < len && (s[*i + 1] & 0xC0) == 0x80 && (s[*i + 2] & 0xC0) == 0x80) {
        /* three-byte sequences without overlong/surrogate corner cases:
         * all of kana and the CJK ideographs */
        c = ((c & 0x0F) << 12) | ((uint32_t)(s[*i + 1] & 0x3F) << 6) | (s[*i + 2] & 0x3F);
        *i += 3;
        return (int32_t)c;
    }
    return rules_utf8_next(s, len, i);
}

static inline int ascii_class(uint32_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'')
        return CL_LAT;
    switch (c) {
    case ' ':
    case '\t':
        return CL_SPACE;
    case '\n':
    case '\r':
    case '\v':
    case '\f':
        return CL_NL;
    case '.':
    case '!':
    case '?':
        return CL_SENT;
    case '"':
    case ':':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '<':
        return CL_KEEP;
    case '*':
    case '_':
        return CL_DROP | CL_MASK_FLAG;
    default:
        return c < 0x20 || c == 0x7F ? CL_KEEP : CL_DROP;
    }
}

/* The stage-A arrays, held in locals (refreshed after every ensure()). */
struct aout {
    uint32_t *cp, *ob, *oe;
    uint8_t *cl;
};

static inline void aout_load(struct aout *o, const struct rules_ntext *nt)
{
    o->cp = nt->wcp;
    o->ob = nt->wob;
    o->oe = nt->woe;
    o->cl = nt->wcl;
}

/* Append one stage-A character; room has been made by the caller. */
static inline void put_a(const struct aout *o, size_t *na, const struct rules_norm_config *cfg, uint32_t cp, int cl,
                         size_t ob, size_t oe)
{
    size_t k = *na;

    if ((cl & CL_MASK) == CL_PROLONG) {
        /* ー lengthens the vowel of a preceding kana; anywhere else it is a
         * dash people insert between letters. */
        cl = k > 0 && (o->cl[k - 1] & CL_MASK) == CL_JA ? CL_JA : CL_DROP;
    }
    if (cfg != NULL && cfg->nwildcards > 0 && is_wildcard(cfg, cp))
        cl |= CL_WILD_FLAG;
    o->cp[k] = cp;
    o->ob[k] = (uint32_t)ob;
    o->oe[k] = (uint32_t)oe;
    o->cl[k] = (uint8_t)cl;
    *na = k + 1;
}

/* Could cp attach to the previous character? Cheap tests first: plain kana
 * and ideographs never do. */
static inline int may_attach(int32_t cp)
{
    if (cp < 0x300)
        return 0;
    if ((cp >= 0x3041 && cp <= 0x3096) || rules_is_katakana((uint32_t)cp) || (cp >= 0x4E00 && cp <= 0x9FFF))
        return 0;
    return attaches(cp);
}

/* Stage A: NFKC + case fold + kana fold, one grapheme cluster at a time. */
static int stage_a(const struct rules_norm_config *cfg, const uint8_t *s, size_t len, struct rules_ntext *nt,
                   size_t *out_n)
{
    const utf8proc_option_t opts =
        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    utf8proc_int32_t buf[CLUSTER_MAX * DECOMP_MAX];
    size_t na = 0, i = 0, start = 0, nstart;
    int32_t cp, ncp = -2;
    struct aout o;

    /* One input byte yields at most one output character on the fast
     * paths; the general path makes its own room. */
    if (ensure(nt, len + 1) != 0)
        return RULES_ENOMEM;
    aout_load(&o, nt);
    if (len == 0) {
        *out_n = 0;
        return RULES_OK;
    }
    cp = next_cp(s, len, &i);
    while (cp != -2) {
        size_t after = i, j;
        utf8proc_ssize_t n;

        nstart = i;
        ncp = i < len ? next_cp(s, len, &i) : -2;
        if (cp < 0) {
            /* Malformed byte (the host only passes valid UTF-8; be safe):
             * keep a replacement character so offsets stay exact. */
            put_a(&o, &na, cfg, 0xFFFD, CL_KEEP, start, after);
            start = nstart;
            cp = ncp;
            continue;
        }
        if (ncp < 0 || !may_attach(ncp)) {
            /* Fast paths for what most text is made of; each gives what
             * NFKC + case folding + kana folding would. */
            if (cp < 0x80) {
                uint32_t c = (uint32_t)cp;
                if (c >= 'A' && c <= 'Z')
                    c += 32;
                put_a(&o, &na, cfg, c, ascii_class(c), start, after);
                start = nstart;
                cp = ncp;
                continue;
            }
            if ((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
                rules_katakana_folds((uint32_t)cp)) {
                /* Katakana by its range, not by `>= 0x30A1`: kanji lies
                 * above it, and 「全部タダ」 would lose its =タダ. */
                put_a(&o, &na, cfg, fold_kana((uint32_t)cp),
                      rules_is_katakana((uint32_t)cp) ? (CL_JA | CL_KATA_FLAG) : CL_JA, start, after);
                start = nstart;
                cp = ncp;
                continue;
            }
            if (cp == 0x30FC) {
                put_a(&o, &na, cfg, 0x30FC, CL_PROLONG, start, after);
                start = nstart;
                cp = ncp;
                continue;
            }
            j = after;
        } else {
            /* Gather the marks that attach to cp (at most CLUSTER_MAX). */
            size_t ncl = 2;
            j = i;
            while (i < len && ncl < CLUSTER_MAX) {
                size_t k = i;
                int32_t m = next_cp(s, len, &k);
                if (m < 0 || !attaches(m))
                    break;
                i = k;
                j = k;
                ncl++;
            }
            nstart = j;
            ncp = i < len ? next_cp(s, len, &i) : -2;
        }
        n = utf8proc_decompose_custom(s + start, (utf8proc_ssize_t)(j - start), buf,
                                      (utf8proc_ssize_t)(sizeof buf / sizeof buf[0]), opts, custom_map, NULL);
        if (n < 0 || (size_t)n > sizeof buf / sizeof buf[0]) {
            /* Cannot happen within CLUSTER_MAX * DECOMP_MAX; keep the text. */
            if (ensure(nt, na + 1 + (len - j)) != 0)
                return RULES_ENOMEM;
            aout_load(&o, nt);
            put_a(&o, &na, cfg, 0xFFFD, CL_KEEP, start, j);
        } else {
            n = utf8proc_normalize_utf32(buf, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
            if (ensure(nt, na + (size_t)n + 1 + (len - j)) != 0)
                return RULES_ENOMEM;
            aout_load(&o, nt);
            for (utf8proc_ssize_t k = 0; k < n; k++) {
                uint32_t c = fold_kana((uint32_t)buf[k]);
                put_a(&o, &na, cfg, c, base_class(c, cp) | (rules_is_katakana((uint32_t)buf[k]) ? CL_KATA_FLAG : 0),
                      start, j);
            }
        }
        start = nstart;
        cp = ncp;
    }
    *out_n = na;
    return RULES_OK;
}

static int eff_class(const struct rules_ntext *nt, size_t k)
{
    return nt->wcl[k] & CL_MASK;
}

static inline int wild_between_kana(const struct rules_ntext *nt, size_t na, size_t k)
{
    return (nt->wcl[k] & CL_WILD_FLAG) && k > 0 && k + 1 < na && rules_is_kana(nt->wcp[k - 1]) &&
           rules_is_kana(nt->wcp[k + 1]) && !(nt->wcl[k + 1] & CL_WILD_FLAG);
}

static int is_ascii_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* Should the gap a[k..r) be dropped? */
static int drop_gap(const struct rules_ntext *nt, size_t na, size_t k, size_t r)
{
    int pc, nc, pj, nj, pd, nd, spaces = 0, masks_only = 1;

    if (k == 0 || r >= na)
        return 0; /* at the edge of the text: nothing to join */
    pc = eff_class(nt, k - 1);
    nc = eff_class(nt, r);
    pj = pc == CL_JA;
    nj = nc == CL_JA;
    pd = is_ascii_digit(nt->wcp[k - 1]);
    nd = is_ascii_digit(nt->wcp[r]);
    /* し ね, し・ね, ク＊ズ, 4 ね: Japanese on at least one side, a letter
     * or digit on the other. */
    if ((pj || pd) && (nj || nd) && (pj || nj))
        return 1;
    if (pc != CL_LAT || nc != CL_LAT)
        return 0;
    for (size_t i = k; i < r; i++) {
        if (eff_class(nt, i) == CL_SPACE)
            spaces = 1;
        else if (!(nt->wcl[i] & CL_MASK_FLAG))
            masks_only = 0;
    }
    /* f*ck, k_i_l_l: masking symbols inside a Latin word. */
    if (!spaces && masks_only)
        return 1;
    /* S H I N E: single letters spaced out. Words of two or more letters
     * keep their spaces so English word boundaries survive. */
    if ((k < 2 || eff_class(nt, k - 2) != CL_LAT) && (r + 1 >= na || eff_class(nt, r + 1) != CL_LAT))
        return 1;
    return 0;
}

/* Remember a symbol dropped in the gap before normalized char pos. */
static int record_drop(struct rules_ntext *nt, size_t pos, uint32_t cp, uint32_t ob, uint32_t oe)
{
    if (nt->ndrop + 1 > nt->dcap) {
        size_t cap = nt->dcap ? nt->dcap * 2 : 64;
        void *p;
#define GROW_D(field)                                           \
    do {                                                        \
        p = realloc(nt->field, cap * sizeof *nt->field);        \
        if (p == NULL)                                          \
            return RULES_ENOMEM;                                \
        nt->field = p;                                          \
    } while (0)
        GROW_D(dpos);
        GROW_D(dcp);
        GROW_D(dob);
        GROW_D(doe);
#undef GROW_D
        nt->dcap = cap;
    }
    nt->dpos[nt->ndrop] = (uint32_t)pos;
    nt->dcp[nt->ndrop] = cp;
    nt->dob[nt->ndrop] = ob;
    nt->doe[nt->ndrop] = oe;
    nt->ndrop++;
    return RULES_OK;
}

/* Stage B: drop gaps, collapse spaces, mark wildcards and boundaries. Reads
 * the work set (stage A), writes the output set. Arrays are held in locals:
 * through nt the compiler would reload every pointer after every store.
 * keep_drops (exact phrases): the symbols of a gap that would be dropped
 * stay (its spaces go), so the phrase is what a re-read text looks like. */
static int stage_b(struct rules_ntext *nt, size_t na, size_t *out_n, int keep_drops)
{
    const uint32_t *restrict acp = nt->wcp, *restrict aob = nt->wob, *restrict aoe = nt->woe;
    const uint8_t *restrict acl = nt->wcl;
    uint32_t *restrict cp = nt->cp, *restrict ob = nt->ob, *restrict oe = nt->oe;
    uint8_t *restrict fl = nt->fl;
    size_t n = 0, k = 0;

    while (k < na) {
        int c = acl[k] & CL_MASK;

        if ((acl[k] & CL_WILD_FLAG) && wild_between_kana(nt, na, k)) {
            cp[n] = RULES_WILDCARD_CP;
            ob[n] = aob[k];
            oe[n] = aoe[k];
            fl[n] = RULES_NF_WILD;
            n++;
            k++;
            continue;
        }
        if (c == CL_SPACE || c == CL_DROP) {
            size_t r = k;
            while (r < na && ((acl[r] & CL_MASK) == CL_SPACE || (acl[r] & CL_MASK) == CL_DROP) &&
                   !((acl[r] & CL_WILD_FLAG) && wild_between_kana(nt, na, r)))
                r++;
            if (!drop_gap(nt, na, k, r)) {
                for (size_t i = k; i < r; i++) {
                    if ((acl[i] & CL_MASK) == CL_SPACE) {
                        size_t e = i;
                        while (e + 1 < r && (acl[e + 1] & CL_MASK) == CL_SPACE)
                            e++;
                        cp[n] = ' ';
                        ob[n] = aob[i];
                        oe[n] = aoe[e];
                        fl[n] = RULES_NF_SPACE;
                        n++;
                        i = e;
                    } else {
                        cp[n] = acp[i];
                        ob[n] = aob[i];
                        oe[n] = aoe[i];
                        fl[n] = 0;
                        n++;
                    }
                }
            } else {
                for (size_t i = k; i < r; i++) {
                    if ((acl[i] & CL_MASK) == CL_SPACE)
                        continue;
                    if (keep_drops) {
                        cp[n] = acp[i];
                        ob[n] = aob[i];
                        oe[n] = aoe[i];
                        fl[n] = 0;
                        n++;
                    } else if (record_drop(nt, n, acp[i], aob[i], aoe[i]) != 0) {
                        return RULES_ENOMEM;
                    }
                }
            }
            k = r;
            continue;
        }
        cp[n] = acp[k];
        ob[n] = aob[k];
        oe[n] = aoe[k];
        fl[n] = (uint8_t)((c == CL_NL ? (RULES_NF_BOUNDARY | RULES_NF_NEWLINE) : c == CL_SENT ? RULES_NF_BOUNDARY : 0) |
                          ((acl[k] & CL_KATA_FLAG) ? RULES_NF_KATA : 0));
        n++;
        k++;
    }
    *out_n = n;
    return RULES_OK;
}

static uint8_t flags_for(uint32_t cp)
{
    if (cp == '\n' || cp == '\r')
        return RULES_NF_BOUNDARY | RULES_NF_NEWLINE;
    if (rules_is_sentence_end(cp))
        return RULES_NF_BOUNDARY;
    if (cp == ' ')
        return RULES_NF_SPACE;
    return 0;
}

/* Stage C and D: replace trie keys. word_mode: keys must start and end at
 * Latin word boundaries (romaji). */
static int rewrite(struct rules_ntext *nt, size_t *len, const struct rules_cptrie *t, int word_mode)
{
    size_t n = *len, out = 0, p = 0, d = 0;

    if (t->nvalues == 0)
        return RULES_OK;
    while (p < n) {
        size_t best_len = 0;
        int32_t best_val = -1;

        if (!word_mode || (rules_is_latin_alnum(nt->cp[p]) && (p == 0 || !rules_is_latin_alnum(nt->cp[p - 1])))) {
            uint32_t node = 0;
            for (size_t q = p; q < n; q++) {
                node = rules_cptrie_step(t, node, nt->cp[q]);
                if (node == 0)
                    break;
                if (t->node_value[node] >= 0 &&
                    (!word_mode || q + 1 >= n || !rules_is_latin_alnum(nt->cp[q + 1]))) {
                    best_len = q - p + 1;
                    best_val = t->node_value[node];
                }
            }
        }
        /* Dropped symbols before p (or inside a replaced key) now stand
         * before what replaces it. */
        while (d < nt->ndrop && nt->dpos[d] < p + (best_val >= 0 ? best_len : 1))
            nt->dpos[d++] = (uint32_t)out;
        if (best_val >= 0) {
            uint32_t voff = t->values[2 * (size_t)best_val], vlen = t->values[2 * (size_t)best_val + 1];
            uint32_t ob = nt->ob[p], oe = nt->oe[p + best_len - 1];

            if (ensure(nt, out + vlen + (n - p)) != 0)
                return RULES_ENOMEM;
            /* Every replacement character maps to the whole original key,
             * so evidence quotes what was written (4ね, not 4). */
            for (uint32_t v = 0; v < vlen; v++) {
                nt->wcp[out] = t->value_cps[voff + v];
                nt->wob[out] = ob;
                nt->woe[out] = oe;
                nt->wfl[out] = flags_for(t->value_cps[voff + v]);
                out++;
            }
            p += best_len;
        } else {
            if (ensure(nt, out + 1 + (n - p)) != 0)
                return RULES_ENOMEM;
            nt->wcp[out] = nt->cp[p];
            nt->wob[out] = nt->ob[p];
            nt->woe[out] = nt->oe[p];
            nt->wfl[out] = nt->fl[p];
            out++;
            p++;
        }
    }
    while (d < nt->ndrop)
        nt->dpos[d++] = (uint32_t)out;
    swap_sets(nt);
    *len = out;
    return RULES_OK;
}

static int encode(struct rules_ntext *nt, size_t n)
{
    size_t b = 0;
    int ja = 0;

    if (n + 1 > nt->offcap) {
        size_t cap = nt->offcap;
        if (RULES_GROW(nt->u8off, cap, n + 1) != 0)
            return RULES_ENOMEM;
        nt->offcap = cap;
    }
    if (4 * n + 1 > nt->u8cap) {
        size_t cap = nt->u8cap;
        if (RULES_GROW(nt->u8, cap, 4 * n + 1) != 0)
            return RULES_ENOMEM;
        nt->u8cap = cap;
    }
    {
        const uint32_t *restrict cp = nt->cp;
        uint32_t *restrict off = nt->u8off;
        uint8_t *restrict u8 = nt->u8;
        for (size_t i = 0; i < n; i++) {
            uint32_t c = cp[i];
            off[i] = (uint32_t)b;
            if (c < 0x80) {
                u8[b++] = (uint8_t)c;
            } else if (c < 0x10000 && c >= 0x800) {
                u8[b] = (uint8_t)(0xE0 | (c >> 12));
                u8[b + 1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
                u8[b + 2] = (uint8_t)(0x80 | (c & 0x3F));
                b += 3;
                ja |= rules_is_japanese(c);
            } else {
                b += rules_utf8_put(c, u8 + b);
                ja |= rules_is_japanese(c);
            }
        }
    }
    nt->u8off[n] = (uint32_t)b;
    nt->u8[b] = 0;
    nt->u8len = b;
    nt->len = n;
    nt->has_japanese = ja;
    return RULES_OK;
}

static int normalize(const struct rules_norm_config *cfg, const char *s, size_t len, struct rules_ntext *nt,
                     int keep_drops)
{
    size_t na = 0, n = 0;
    int rc;

    nt->ndrop = 0;
    if (len >= UINT32_MAX / 2)
        return RULES_EINVAL;
    if (ensure(nt, len + 16) != 0)
        return RULES_ENOMEM;
    if ((rc = stage_a(cfg, (const uint8_t *)s, len, nt, &na)) != 0)
        return rc;
    if (ensure(nt, na + 1) != 0)
        return RULES_ENOMEM;
    if ((rc = stage_b(nt, na, &n, keep_drops)) != 0)
        return rc;
    if (cfg != NULL) {
        if ((rc = rewrite(nt, &n, &cfg->subst, 0)) != 0)
            return rc;
        if ((rc = rewrite(nt, &n, &cfg->romaji, 1)) != 0)
            return rc;
    }
    return encode(nt, n);
}

int rules_normalize(const struct rules_norm_config *cfg, const char *s, size_t len, struct rules_ntext *nt)
{
    return normalize(cfg, s, len, nt, 0);
}

int rules_cp_alnum(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    if (rules_is_japanese(cp))
        return 1;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0; /* Lm too: ー and friends are not a word on their own */
    }
}

int rules_cp_droppable(uint32_t cp)
{
    return cp != 0x30FC && (base_class(cp, (int32_t)cp) & CL_MASK) == CL_DROP;
}

static int trimmable(uint32_t cp)
{
    int c = base_class(cp, (int32_t)cp);
    return (c & CL_MASK) == CL_SPACE || (c & CL_MASK) == CL_DROP || (c & CL_MASK) == CL_NL;
}

/* What a symbol phrase loses at its ends: spaces and the filler people
 * put between letters (・ * _ - …), which are never the point of it. */
static int filler(uint32_t cp)
{
    int c = base_class(cp, (int32_t)cp);
    return (c & CL_MASK) == CL_SPACE || (c & CL_MASK) == CL_NL || (c & CL_MASK_FLAG) || cp == 0x30FC ||
           cp == 0x2026 || utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_PD;
}

static int space_or_nl(uint32_t cp)
{
    int c = base_class(cp, (int32_t)cp) & CL_MASK;
    return c == CL_SPACE || c == CL_NL;
}

int rules_normalize_phrase(const struct rules_norm_config *cfg, const char *s, size_t len, int mode,
                           struct rules_ntext *nt)
{
    size_t a = 0, b;
    int rc, (*trim)(uint32_t) = trimmable;

    if ((rc = normalize(cfg, s, len, nt, mode == RULES_PHRASE_EXACT)) != 0)
        return rc;
    if (mode == RULES_PHRASE_EXACT) {
        trim = space_or_nl;
    } else {
        size_t i = 0;
        while (i < nt->len && !rules_cp_alnum(nt->cp[i]))
            i++;
        if (i == nt->len || mode == RULES_PHRASE_SYMBOLS)
            trim = filler; /* no letter or digit: the symbols are the phrase */
    }
    b = nt->len;
    while (a < b && trim(nt->cp[a]) && nt->cp[a] != RULES_WILDCARD_CP)
        a++;
    while (b > a && trim(nt->cp[b - 1]) && nt->cp[b - 1] != RULES_WILDCARD_CP)
        b--;
    if (a > 0 || b < nt->len) {
        memmove(nt->cp, nt->cp + a, (b - a) * sizeof *nt->cp);
        memmove(nt->ob, nt->ob + a, (b - a) * sizeof *nt->ob);
        memmove(nt->oe, nt->oe + a, (b - a) * sizeof *nt->oe);
        memmove(nt->fl, nt->fl + a, (b - a) * sizeof *nt->fl);
        return encode(nt, b - a);
    }
    return RULES_OK;
}

size_t rules_ntext_char_at(const struct rules_ntext *nt, size_t b)
{
    size_t lo = 0, hi = nt->len;

    /* Last i with u8off[i] <= b. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (nt->u8off[mid] <= b)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- code-point trie ------------------------------------------------- */

void rules_cptrie_init(struct rules_cptrie *t)
{
    memset(t, 0, sizeof *t);
}

void rules_cptrie_free(struct rules_cptrie *t)
{
    free(t->slot_key_node);
    free(t->slot_key_cp);
    free(t->slot_child);
    free(t->node_value);
    free(t->value_cps);
    free(t->values);
    memset(t, 0, sizeof *t);
}

static size_t slot_of(const struct rules_cptrie *t, uint32_t node, uint32_t cp)
{
    uint64_t h = ((uint64_t)node * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)cp * 0xC2B2AE3D27D4EB4FULL);
    return (size_t)(h ^ (h >> 29)) & (t->slot_cap - 1);
}

uint32_t rules_cptrie_step(const struct rules_cptrie *t, uint32_t node, uint32_t cp)
{
    size_t s;

    if (t->slot_cap == 0)
        return 0;
    s = slot_of(t, node, cp);
    while (t->slot_child[s] != 0) {
        if (t->slot_key_node[s] == node && t->slot_key_cp[s] == cp)
            return t->slot_child[s];
        s = (s + 1) & (t->slot_cap - 1);
    }
    return 0;
}

static int rehash(struct rules_cptrie *t)
{
    size_t ncap = t->slot_cap ? t->slot_cap * 2 : 64;
    uint32_t *kn = calloc(ncap, sizeof *kn), *kc = calloc(ncap, sizeof *kc), *ch = calloc(ncap, sizeof *ch);
    struct rules_cptrie nt = *t;

    if (kn == NULL || kc == NULL || ch == NULL) {
        free(kn);
        free(kc);
        free(ch);
        return RULES_ENOMEM;
    }
    nt.slot_key_node = kn;
    nt.slot_key_cp = kc;
    nt.slot_child = ch;
    nt.slot_cap = ncap;
    for (size_t i = 0; i < t->slot_cap; i++)
        if (t->slot_child[i] != 0) {
            size_t s = slot_of(&nt, t->slot_key_node[i], t->slot_key_cp[i]);
            while (ch[s] != 0)
                s = (s + 1) & (ncap - 1);
            kn[s] = t->slot_key_node[i];
            kc[s] = t->slot_key_cp[i];
            ch[s] = t->slot_child[i];
        }
    free(t->slot_key_node);
    free(t->slot_key_cp);
    free(t->slot_child);
    *t = nt;
    return RULES_OK;
}

static int new_node(struct rules_cptrie *t, uint32_t *out)
{
    if (RULES_GROW(t->node_value, t->node_cap, t->nodes + 1) != 0)
        return RULES_ENOMEM;
    t->node_value[t->nodes] = -1;
    *out = (uint32_t)t->nodes++;
    return RULES_OK;
}

int rules_cptrie_insert(struct rules_cptrie *t, const uint32_t *key, size_t klen, const uint32_t *val, size_t vlen)
{
    uint32_t node = 0;

    if (klen == 0)
        return RULES_EINVAL;
    if (t->nodes == 0 && new_node(t, &node) != 0)
        return RULES_ENOMEM;
    node = 0;
    for (size_t i = 0; i < klen; i++) {
        uint32_t child = rules_cptrie_step(t, node, key[i]);
        if (child == 0) {
            size_t s;
            if ((t->nodes + 1) * 2 > t->slot_cap && rehash(t) != 0)
                return RULES_ENOMEM;
            if (new_node(t, &child) != 0)
                return RULES_ENOMEM;
            s = slot_of(t, node, key[i]);
            while (t->slot_child[s] != 0)
                s = (s + 1) & (t->slot_cap - 1);
            t->slot_key_node[s] = node;
            t->slot_key_cp[s] = key[i];
            t->slot_child[s] = child;
        }
        node = child;
    }
    if (RULES_GROW(t->value_cps, t->value_cap, t->value_len + vlen + 1) != 0 ||
        RULES_GROW(t->values, t->values_cap, 2 * (t->nvalues + 1)) != 0)
        return RULES_ENOMEM;
    if (vlen)
        memcpy(t->value_cps + t->value_len, val, vlen * sizeof *val);
    t->values[2 * t->nvalues] = (uint32_t)t->value_len;
    t->values[2 * t->nvalues + 1] = (uint32_t)vlen;
    t->value_len += vlen;
    t->node_value[node] = (int32_t)t->nvalues++;
    return RULES_OK;
}

int rules_norm_config_init(struct rules_norm_config *c)
{
    memset(c, 0, sizeof *c);
    rules_cptrie_init(&c->subst);
    rules_cptrie_init(&c->romaji);
    return RULES_OK;
}

void rules_norm_config_free(struct rules_norm_config *c)
{
    rules_cptrie_free(&c->subst);
    rules_cptrie_free(&c->romaji);
}
