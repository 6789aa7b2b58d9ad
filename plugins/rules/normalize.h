/*
 * normalize.h -- the text normalization of policy format v1, with an offset
 * map back to the original bytes.
 *
 * Steps (FORMAT.md, "Text normalization"):
 *   1. NFKC + case folding (utf8proc), per grapheme cluster so that
 *      half-width voiced marks (ﾊﾞ) compose;
 *   2. katakana -> hiragana;
 *   3. separators and symbols inserted between two letters/kana dropped
 *      (spaces collapse to one elsewhere); a policy wildcard standing
 *      between two kana becomes RULES_WILDCARD_CP;
 *   4. the policy's substitutions (leftmost-longest);
 *   5. the policy's romaji words (whole Latin words, longest first).
 *
 * Every normalized character i carries [ob[i], oe[i]): the bytes of the
 * original text it came from. Ranges are non-decreasing and always fall on
 * UTF-8 character boundaries of the original, so evidence [ob[s], oe[e-1])
 * quotes exactly what the customer wrote.
 */
#ifndef MAMORI_RULES_NORMALIZE_H
#define MAMORI_RULES_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "rules_util.h"

/* Stands for a policy wildcard character between two kana. A private-use
 * code point, so no phrase can contain it by accident. */
#define RULES_WILDCARD_CP 0xE000u

/* Per-character flags. */
enum {
    RULES_NF_BOUNDARY = 0x1, /* sentence end or line break: negation/near scopes stop here */
    RULES_NF_NEWLINE = 0x2,  /* a line break */
    RULES_NF_WILD = 0x4,     /* RULES_WILDCARD_CP */
    RULES_NF_SPACE = 0x8,    /* a (collapsed) space */
    RULES_NF_KATA = 0x10     /* written in katakana before step 2 folded it (exact phrases
                              * compare scripts) */
};

/* A code-point trie with values (substitutions, romaji). */
struct rules_cptrie {
    uint32_t *slot_key_node; /* hash of (node, cp) -> child */
    uint32_t *slot_key_cp;
    uint32_t *slot_child;
    size_t slot_cap;         /* power of two */
    size_t nodes;
    int32_t *node_value;     /* index into values or -1 */
    size_t node_cap;
    uint32_t *value_cps;     /* pool */
    size_t value_len, value_cap;
    uint32_t *values;        /* pairs (offset, length) into value_cps */
    size_t nvalues, values_cap;
};

struct rules_norm_config {
    uint32_t wildcards[16];  /* normalized code points */
    size_t nwildcards;
    struct rules_cptrie subst;
    struct rules_cptrie romaji;
};

struct rules_ntext {
    size_t len;              /* normalized characters */
    uint32_t *cp;
    uint32_t *ob, *oe;       /* original byte range of each character */
    uint8_t *fl;             /* RULES_NF_* */
    uint8_t *u8;             /* UTF-8 of cp[], for the byte matcher */
    size_t u8len;
    uint32_t *u8off;         /* byte offset of char i in u8; len+1 entries */
    int has_japanese;        /* any kana or kanji (decides whether MeCab runs) */

    /* Symbols dropped by step 3 between two letters (not the spaces), kept
     * aside so that phrases made of symbols ($, 🔪, ★1) can still be found
     * by re-reading the text with them put back. Dropped character d stood
     * in the gap just before normalized character dpos[d] (non-decreasing;
     * steps 4-5 keep them in step with the text). */
    uint32_t *dpos, *dcp, *dob, *doe;
    size_t ndrop, dcap;

    /* Capacities and work arrays, reused between calls. */
    size_t cap, u8cap, offcap;
    uint32_t *wcp, *wob, *woe;
    uint8_t *wcl, *wfl;
    size_t wcap;
};

void rules_ntext_init(struct rules_ntext *nt);
void rules_ntext_free(struct rules_ntext *nt);

/* Normalize s[0..len) into nt (reusing its buffers). cfg may be NULL: then
 * steps 4-5 and wildcards are skipped. Fields over 4 GiB are refused.
 * Returns 0, RULES_ENOMEM or RULES_EINVAL. */
int rules_normalize(const struct rules_norm_config *cfg, const char *s, size_t len, struct rules_ntext *nt);

/* How a phrase is normalized (FORMAT.md, "Phrases"). */
enum {
    /* Strip spaces and droppable symbols at both ends (they are kept or
     * dropped by context in a text, so a phrase cannot depend on them). */
    RULES_PHRASE_PLAIN = 0,
    /* (PLAIN switches to this by itself when the phrase has no letter or
     * digit: "$", ";)", "🔪"): only spaces and filler (・ * _ - … ー) are
     * stripped at the ends, the symbols stay. */
    RULES_PHRASE_SYMBOLS = 1,
    /* "=..." as written: symbols between letters are kept (a text that
     * drops them is re-read with them put back) and only spaces are
     * stripped at the ends. Katakana is still folded; the caller compares
     * the script through RULES_NF_KATA. */
    RULES_PHRASE_EXACT = 2
};

/* Normalize a phrase (mode: RULES_PHRASE_*). */
int rules_normalize_phrase(const struct rules_norm_config *cfg, const char *s, size_t len, int mode,
                           struct rules_ntext *nt);

/* Whether a normalized character is a letter or digit (a phrase without
 * one is a symbol phrase). */
int rules_cp_alnum(uint32_t cp);

/* Whether normalization may drop cp between two letters (punctuation and
 * symbols, not spaces); such characters of a phrase make the evaluator
 * re-read texts where they were dropped. */
int rules_cp_droppable(uint32_t cp);

/* Character index of the normalized char that contains byte b of nt->u8. */
size_t rules_ntext_char_at(const struct rules_ntext *nt, size_t b);

/* Code-point tries. */
void rules_cptrie_init(struct rules_cptrie *t);
void rules_cptrie_free(struct rules_cptrie *t);
/* Insert key -> value; a key inserted twice keeps the last value. */
int rules_cptrie_insert(struct rules_cptrie *t, const uint32_t *key, size_t klen, const uint32_t *val, size_t vlen);
/* Child of node along cp, or 0 when none (0 is the root, never a child). */
uint32_t rules_cptrie_step(const struct rules_cptrie *t, uint32_t node, uint32_t cp);

int rules_norm_config_init(struct rules_norm_config *c);
void rules_norm_config_free(struct rules_norm_config *c);

#endif
