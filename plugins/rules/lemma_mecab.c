/*
 * lemma_mecab.c -- lemma rules: MeCab base forms mapped back to offsets.
 *
 * Japanese conjugates (殺す 殺して 殺されたいのか 殺すぞ), so a rule can name
 * the lemma once. MeCab (ipadic) gives each token's base form in feature
 * field 7. MeCab costs about 10 MB/s, so it runs only when the policy has
 * lemma rules and a stem of one of their verbs occurs in the field, and
 * then only on the sentences that hold such a stem (adjacent ones in one
 * call), on the original text (it tags original script far better than the
 * kana-folded normalized text). Token byte ranges are exact original
 * offsets. A lemma sequence matches within one sentence.
 *
 * The tagger is created lazily on the first ticket that needs it, in the
 * process that evaluates: open() runs in the supervisor, which forks the
 * workers afterwards (see plugin.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mecab.h>

#include "eval_internal.h"

struct rules_mecab {
    mecab_t *m;
    /* tokens of the current line */
    struct tok {
        int32_t lemma;         /* policy lemma id, or -1 */
        uint8_t skip;          /* particle / symbol: skipped between lemmas */
        uint8_t stop;          /* sentence end: a sequence does not run past it */
        uint32_t ob, oe;       /* original bytes */
    } *tok;
    size_t ntok, tok_cap;
    /* The line being tagged, NUL-terminated: MeCab's unknown-word path
     * calls strlen() on its input despite the length argument. */
    char *line;
    size_t line_cap;
};

static int mecab_open(struct rules_mecab **out, struct rules_error *err)
{
    struct rules_mecab *mc = calloc(1, sizeof *mc);

    *out = NULL;
    if (mc == NULL)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    mc->m = mecab_new2("");
    if (mc->m == NULL) {
        const char *why = mecab_strerror(NULL);
        free(mc);
        return rules_err(err, RULES_EINTERNAL,
                         "MeCab cannot start (%s); lemma rules need it: apt-get install mecab-ipadic-utf8",
                         why ? why : "unknown error");
    }
    *out = mc;
    return RULES_OK;
}

void rules_mecab_free(struct rules_mecab *mc)
{
    if (mc == NULL)
        return;
    if (mc->m)
        mecab_destroy(mc->m);
    free(mc->tok);
    free(mc->line);
    free(mc);
}

int rules_mecab_probe(struct rules_error *err)
{
    struct rules_mecab *mc;
    int rc = mecab_open(&mc, err);

    rules_mecab_free(mc);
    return rc;
}

/* Field n (0-based) of a CSV feature string; *len its length. */
static const char *feature_field(const char *f, int n, size_t *len)
{
    for (int i = 0; i < n && f; i++) {
        f = strchr(f, ',');
        if (f)
            f++;
    }
    if (f == NULL)
        return NULL;
    *len = strcspn(f, ",");
    return f;
}

static int is_skippable(const char *feature)
{
    /* 助詞 (particle) and 記号 (symbol): 火をつける, 火、つける */
    return strncmp(feature, "\xE5\x8A\xA9\xE8\xA9\x9E", 6) == 0 || strncmp(feature, "\xE8\xA8\x98\xE5\x8F\xB7", 6) == 0;
}

/* 。．.!?！？ -- MeCab tags them as symbols, which sequences skip; a
 * sequence must not run into the next sentence. */
static int sentence_end(const char *p, size_t n)
{
    return (n == 1 && (p[0] == '.' || p[0] == '!' || p[0] == '?')) ||
           (n == 3 && (memcmp(p, "\xE3\x80\x82", 3) == 0 || memcmp(p, "\xEF\xBC\x8E", 3) == 0 ||
                       memcmp(p, "\xEF\xBC\x81", 3) == 0 || memcmp(p, "\xEF\xBC\x9F", 3) == 0));
}

static int scan_line(struct rules_scratch *s, int field, const char *text, size_t a, size_t b)
{
    const struct rules_policy *p = s->p;
    struct rules_mecab *mc = s->mecab;
    const struct rules_ntext *nt = &s->nt[field];
    const mecab_node_t *node;
    const char *base_ptr;

    if (RULES_GROW(mc->line, mc->line_cap, b - a + 1) != 0)
        return RULES_ENOMEM;
    memcpy(mc->line, text + a, b - a);
    mc->line[b - a] = '\0';
    node = mecab_sparse_tonode2(mc->m, mc->line, b - a);
    /* Offsets below are relative to `text`: node surfaces point into the
     * copy, which starts at original byte a. */
    base_ptr = mc->line;

    mc->ntok = 0;
    for (; node != NULL; node = node->next) {
        const char *base;
        size_t blen = 0, off;
        struct tok *t;

        if (node->stat == MECAB_BOS_NODE || node->stat == MECAB_EOS_NODE || node->length == 0)
            continue;
        /* surface points into the sentence we passed in. */
        if (node->surface < base_ptr || node->surface + node->length > base_ptr + (b - a))
            continue;
        off = a + (size_t)(node->surface - base_ptr);
        if (RULES_GROW(mc->tok, mc->tok_cap, mc->ntok + 1) != 0)
            return RULES_ENOMEM;
        t = &mc->tok[mc->ntok++];
        t->ob = (uint32_t)off;
        t->oe = (uint32_t)(off + node->length);
        t->skip = node->feature ? (uint8_t)is_skippable(node->feature) : 0;
        t->stop = (uint8_t)sentence_end(node->surface, node->length);
        base = node->feature ? feature_field(node->feature, 6, &blen) : NULL;
        if (base == NULL || blen == 0 || (blen == 1 && base[0] == '*')) {
            base = node->surface;
            blen = node->length;
        }
        if (rules_normalize(NULL, base, blen, &s->lemma_nt) != 0)
            return RULES_ENOMEM;
        t->lemma = rules_lemma_lookup(p, (const char *)s->lemma_nt.u8, s->lemma_nt.u8len);
    }
    for (size_t i = 0; i < mc->ntok; i++) {
        int32_t l = mc->tok[i].lemma;
        if (l < 0)
            continue;
        for (uint32_t q = p->lemma_first_off[l]; q < p->lemma_first_off[l + 1]; q++) {
            uint32_t key = p->lemma_first_keys[q];
            const struct rules_key *k = &p->keys[key];
            size_t j = i + 1, last = i;
            uint32_t m;
            struct rules_occ o;

            for (m = 1; m < k->nlemmas; m++) {
                while (j < mc->ntok && mc->tok[j].skip && !mc->tok[j].stop &&
                       mc->tok[j].lemma != (int32_t)p->lemma_seq[k->lemmas + m])
                    j++;
                if (j >= mc->ntok || mc->tok[j].lemma != (int32_t)p->lemma_seq[k->lemmas + m])
                    break;
                last = j++;
            }
            if (m < k->nlemmas)
                continue;
            /* Map the original bytes to normalized characters. */
            {
                uint32_t ob = mc->tok[i].ob, oe = mc->tok[last].oe;
                size_t lo = 0, hi = nt->len;
                while (lo < hi) { /* first char ending after ob */
                    size_t mid = lo + (hi - lo) / 2;
                    if (nt->oe[mid] <= ob)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                o.s = (uint32_t)lo;
                hi = nt->len;
                while (lo < hi) { /* first char starting at or after oe */
                    size_t mid = lo + (hi - lo) / 2;
                    if (nt->ob[mid] < oe)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                o.e = (uint32_t)lo;
                if (o.e <= o.s)
                    continue; /* only dropped characters */
                o.ob = ob;
                o.oe = oe;
            }
            o.key = key;
            o.field = (uint8_t)field;
            o.flags = RULES_OCC_START_OK | RULES_OCC_END_OK | RULES_OCC_LEMMA;
            if (rules_occ_push(s, &o) != 0)
                return RULES_ENOMEM;
        }
    }
    return RULES_OK;
}

/*
 * MeCab is the most expensive step of an evaluation, and most tickets
 * contain none of the policy's verbs. A token whose base form is 殺す has a
 * surface that starts with the stem 殺 (殺さ, 殺し, 殺せ ...); in general the
 * base form minus its final hiragana. So MeCab only needs the sentences
 * where the stem of a lemma that starts a sequence occurs; when there is
 * none, it is skipped. A stem of a single hiragana (する, くる: irregular
 * verbs whose surfaces change the first kana) means every sentence.
 */
static int is_hiragana_at(const uint8_t *u, size_t len)
{
    /* U+3041..U+3096 is E3 81 81 .. E3 82 96 */
    return len == 3 && u[0] == 0xE3 && ((u[1] == 0x81 && u[2] >= 0x81) || (u[1] == 0x82 && u[2] <= 0x96));
}

/* Mark in s->stem_at the normalized chars where a stem starts. Returns 1
 * when some stem occurs, 2 when every sentence must be read, 0 for none,
 * or RULES_ENOMEM. */
static int mark_stems(struct rules_scratch *s, const struct rules_ntext *nt)
{
    const struct rules_policy *p = s->p;
    int found = 0;

    if (RULES_GROW(s->stem_at, s->stem_cap, nt->len + 1) != 0)
        return RULES_ENOMEM;
    memset(s->stem_at, 0, nt->len + 1);
    for (size_t l = 0; l < p->nlemmas; l++) {
        const uint8_t *base = (const uint8_t *)p->lemma_str[l], *at = nt->u8, *end = nt->u8 + nt->u8len;
        size_t n = strlen(p->lemma_str[l]), last = n;

        if (p->lemma_first_off[l + 1] == p->lemma_first_off[l])
            continue; /* never the first lemma of a sequence */
        while (last > 0 && (base[last - 1] & 0xC0) == 0x80)
            last--;
        if (last > 0)
            last--; /* start of the final character */
        if (last > 0 && is_hiragana_at(base + last, n - last))
            n = last;
        if (n == 0 || (n == 3 && is_hiragana_at(base, 3)))
            return 2; /* する, くる: no safe stem */
        while (at + n <= end && (at = memmem(at, (size_t)(end - at), base, n)) != NULL) {
            s->stem_at[rules_ntext_char_at(nt, (size_t)(at - nt->u8))] = 1;
            found = 1;
            at++;
        }
    }
    return found;
}

/* Run MeCab on original bytes [a, b), a line at a time. */
static int scan_range(struct rules_scratch *s, int field, const char *text, size_t a, size_t b)
{
    while (a < b) {
        size_t e = a;
        int rc;
        while (e < b && text[e] != '\n')
            e++;
        if (e > a && (rc = scan_line(s, field, text, a, e)) != 0)
            return rc;
        a = e + 1;
    }
    return RULES_OK;
}

/* The scratch's tagger, created in this process on first use. */
static int mecab_ensure(struct rules_scratch *s, struct rules_error *err)
{
    int rc;

    if (s->mecab != NULL && s->mecab_pid != getpid()) {
        /* Inherited across fork(): a copy that works, but make it ours so
         * nothing is shared with the process that created it. */
        rules_mecab_free(s->mecab);
        s->mecab = NULL;
    }
    if (s->mecab == NULL) {
        if ((rc = mecab_open(&s->mecab, err)) != 0)
            return rc;
        s->mecab_pid = getpid();
    }
    return RULES_OK;
}

int rules_mecab_tokens(struct rules_scratch *s, const char *text, size_t a, size_t b, rules_token_fn fn, void *ctx,
                       struct rules_error *err)
{
    int rc;

    if ((rc = mecab_ensure(s, err)) != 0)
        return rc;
    while (a < b) {
        size_t e = a;
        struct rules_mecab *mc = s->mecab;
        const mecab_node_t *node;

        while (e < b && text[e] != '\n')
            e++;
        if (e > a) {
            if (RULES_GROW(mc->line, mc->line_cap, e - a + 1) != 0)
                return rules_err(err, RULES_ENOMEM, "out of memory");
            memcpy(mc->line, text + a, e - a);
            mc->line[e - a] = '\0';
            for (node = mecab_sparse_tonode2(mc->m, mc->line, e - a); node != NULL; node = node->next) {
                const char *base;
                size_t blen = 0, off;

                if (node->stat == MECAB_BOS_NODE || node->stat == MECAB_EOS_NODE || node->length == 0)
                    continue;
                if (node->surface < mc->line || node->surface + node->length > mc->line + (e - a))
                    continue;
                off = a + (size_t)(node->surface - mc->line);
                base = node->feature ? feature_field(node->feature, 6, &blen) : NULL;
                if (base == NULL || blen == 0 || (blen == 1 && base[0] == '*')) {
                    base = node->surface;
                    blen = node->length;
                }
                rc = fn(ctx, (uint32_t)off, (uint32_t)(off + node->length), base, blen,
                        node->feature != NULL && strncmp(node->feature, "\xE8\xA8\x98\xE5\x8F\xB7", 6) == 0);
                if (rc != 0)
                    return rc == RULES_ENOMEM ? rules_err(err, rc, "out of memory") : rc;
            }
        }
        a = e + 1;
    }
    return RULES_OK;
}

int rules_lemma_scan(struct rules_scratch *s, int field, const char *text, size_t len, struct rules_error *err)
{
    const struct rules_ntext *nt = &s->nt[field];
    size_t i = 0, run_a = 0;
    int rc, which, in_run = 0;

    which = mark_stems(s, nt);
    if (which < 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    if (which == 0)
        return RULES_OK;

    if ((rc = mecab_ensure(s, err)) != 0)
        return rc;
    if (which == 2)
        return scan_range(s, field, text, 0, len) != 0 ? rules_err(err, RULES_ENOMEM, "out of memory") : RULES_OK;
    /* Sentences of the normalized text (ending at 。.!? or a line break);
     * a run of adjacent sentences with a stem is one MeCab call, from the
     * end of the sentence before it to its own end in the original. */
    while (i < nt->len) {
        size_t a = i, b = i, want = 0;
        size_t ob, oe;
        while (b < nt->len && !(nt->fl[b] & RULES_NF_BOUNDARY))
            want |= s->stem_at[b++];
        if (b < nt->len)
            b++; /* the boundary belongs to its sentence */
        i = b;
        ob = a == 0 ? 0 : nt->oe[a - 1];
        oe = b >= nt->len ? len : nt->oe[b - 1];
        if (want && !in_run) {
            run_a = ob;
            in_run = 1;
        }
        if (in_run && (!want || i >= nt->len)) {
            size_t run_b = want ? oe : ob;
            in_run = 0;
            if (scan_range(s, field, text, run_a, run_b) != 0)
                return rules_err(err, RULES_ENOMEM, "out of memory");
        }
    }
    return RULES_OK;
}
