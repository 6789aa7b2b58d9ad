/*
 * model_features.h -- what the learned judgement sees of a ticket: hashed,
 * TF-IDF weighted, L2-normalised features, each occurrence of which keeps
 * the span of original text it came from.
 *
 * The extractor reads the state mamori_rules_eval() left in a scratch, so
 * the model sees exactly what the rules saw:
 *   - the policy's own normalization (NFKC, case fold, kana fold, dodging
 *     separators removed; normalize.h) and its offset map;
 *   - the policy's quotation scope (quote_scope.c): quoted history, staff
 *     lines of transcripts and reported speech produce no feature, the
 *     same way rules with "quoted": "exclude" ignore them;
 *   - the rules that fired.
 *
 * Features (FEATURE VERSION 2; a model records the version it was trained
 * with and is refused by a build that extracts differently):
 *   c  character 1-4-grams inside words. A word is a maximal run of one
 *      script class, padded with a boundary mark on both sides (so " kill"
 *      and "ill " are distinct from "kil" inside "skill"). Classes:
 *      Japanese (kanji, hiragana, katakana -- folded -- and the long vowel
 *      mark: one class, because okurigana carry the meaning across the
 *      kanji/kana change: 殺す, 死ね, ぶっ殺), Latin letters and digits,
 *      other letters. Spaces, punctuation and symbols separate words and
 *      are not features themselves.
 *   w  whole words of Latin letters and digits, v pairs of consecutive
 *      such words within a sentence ("know where", "where you") -- version
 *      2: English threats live in word combinations the character n-grams
 *      of one word cannot see;
 *   l  MeCab lemma unigrams, m lemma bigrams (Japanese fields only;
 *      particles kept, symbols dropped and ending a bigram chain): 殺され
 *      たいのか -> 殺す, れる, たい, の, か, 殺す+れる, ...
 *   h  the channel ("email", "chat", ...);
 *   n  repeat contacts in 30 days: at least 2, 3, 5, 10;
 *   r  each rule that fired ("rule:<id>"), so the model learns how far to
 *      trust each rule; its span is the rule's first evidence.
 * Subject and body share one feature space.
 *
 * Each feature string is hashed with 64-bit FNV-1a under a fixed key
 * (MAMORI_FEATURE_HASH_KEY) into 2^bits buckets: byte-stable across
 * platforms and runs, no dictionary to ship.
 *
 * Weighting (mamori_features_weigh): value = (1 + ln tf) * idf, over the
 * features the model knows (its vocabulary), then the vector is scaled to
 * unit L2 norm. The IDF table is learned at training and stored in the
 * model.
 */
#ifndef MAMORI_RULES_MODEL_FEATURES_H
#define MAMORI_RULES_MODEL_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#define MAMORI_FEATURE_VERSION 2u
#define MAMORI_FEATURE_HASH_KEY 0x6d616d6f72693031ull /* "mamori01" */
#define MAMORI_FEATURE_BITS_DEFAULT 20u
#define MAMORI_FEATURE_BITS_MIN 8u
#define MAMORI_FEATURE_BITS_MAX 28u

/* Field of an occurrence with no text of its own (channel, contacts, a rule
 * without evidence). */
#define MAMORI_FEAT_NOFIELD 0xFFu

/* One occurrence of a feature: its bucket and the original bytes
 * [ob, oe) of field `field` it was read from. */
struct mamori_feat_occ {
    uint32_t feat;
    uint32_t ob, oe;
    uint8_t field;             /* RULES_FIELD_SUBJECT / BODY, or MAMORI_FEAT_NOFIELD */
};

/* The features of one ticket. Owns its arrays; reused between tickets
 * (mamori_features_init once, mamori_features_free at the end). */
struct mamori_features {
    unsigned bits;             /* hash bits of the last extraction */
    struct mamori_feat_occ *occ;
    size_t nocc, occ_cap;
    /* distinct buckets, ascending, with their counts (term frequency) */
    uint32_t *feat, *count;
    size_t n, cap;
    /* work */
    uint32_t *tmp;
    size_t tmp_cap;
    uint8_t *key;
    size_t key_cap;
};

void mamori_features_init(struct mamori_features *f);
void mamori_features_free(struct mamori_features *f);

/* Extract the features of the ticket `in` that mamori_rules_eval(p, in, s)
 * has just evaluated (the scratch must hold that evaluation: its
 * normalized fields, quotation scope and fired rules are read). bits: hash
 * bits (MAMORI_FEATURE_BITS_MIN..MAX). MeCab runs on the Japanese fields
 * (the scratch's tagger, created on first use). Returns 0, RULES_EINVAL
 * (bits out of range), RULES_ENOMEM, or RULES_EINTERNAL (MeCab cannot
 * start; err says why). */
int mamori_features_extract(const struct rules_policy *p, struct rules_scratch *s, const struct rules_input *in,
                            unsigned bits, struct mamori_features *f, struct rules_error *err);

/* mamori_rules_eval() then mamori_features_extract(). */
int mamori_features_eval_extract(const struct rules_policy *p, struct rules_scratch *s, const struct rules_input *in,
                                 unsigned bits, struct mamori_features *f, struct rules_error *err);

/* The bucket of feature string key[0..len) in namespace ns (one of the
 * letters above). */
uint32_t mamori_feature_hash(char ns, const void *key, size_t len, unsigned bits);

/* A weighted vector aligned with a struct mamori_features: for distinct
 * feature i of f, pos[i] is its index in the vocabulary (UINT32_MAX when
 * the vocabulary does not know it) and val[i] its TF-IDF value after L2
 * normalisation (0 when unknown). Owns its arrays; reusable. */
struct mamori_fvec {
    uint32_t *pos;
    double *val;
    size_t n, cap;
    size_t nknown;             /* entries with pos != UINT32_MAX */
};

void mamori_fvec_free(struct mamori_fvec *v);

/* Weigh the distinct features feat[i] (ascending) with counts count[i]
 * against a vocabulary: vocab[0..nvocab) ascending buckets and idf[] per
 * vocabulary entry. slot, when not NULL, maps every bucket below 2^bits to
 * its vocabulary entry + 1 (0: absent; struct mamori_model) and replaces
 * the search; the result is the same either way. Returns 0 or
 * RULES_ENOMEM. */
int mamori_features_weigh(const uint32_t *feat, const uint32_t *count, size_t n, const uint32_t *vocab,
                          const uint32_t *slot, const float *idf, size_t nvocab, struct mamori_fvec *out);

/* The smoothed IDF the trainer stores: ln((1 + ndocs) / (1 + df)) + 1. */
double mamori_features_idf(uint64_t ndocs, uint64_t df);

#endif
