/*
 * model.h -- the learned judgement's model file, and scoring a ticket with
 * it.
 *
 * A model holds, per label, a linear classifier over the features of
 * model_features.h (weights, bias) and the probability threshold chosen on a
 * validation split; plus the vocabulary (hash buckets seen often enough at
 * training) and its IDF table. Labels: the policy's harassment categories
 * by id, then "harassment" (any of them), "escalate" and "flame_risk".
 *
 * File format: compact little-endian binary, chosen over a text format
 * because a trained model is some 10^5 vocabulary entries x 16 labels of
 * weights (a text form is several times larger and slower to load at every
 * reload), and because an exact byte image is what a sha256 in policy.json
 * and a signature pin down. Floats are stored as IEEE-754 bit patterns, so
 * a write is byte-deterministic and a load reproduces the same numbers.
 *
 *   header   "MAMORIML" (8 bytes)
 *            u32 format version (MAMORI_MODEL_FORMAT)
 *            u32 feature version (MAMORI_FEATURE_VERSION at training)
 *            u64 payload length
 *   payload  u32 hash bits, u32 nlabels, u32 nvocab
 *            nlabels x { str name, f64 bias, f64 threshold, f64 C }
 *            nvocab x u32 bucket (strictly ascending, < 2^bits)
 *            nvocab x f32 idf
 *            nlabels x nvocab x f32 weight (label-major)
 *            metadata: u64 seed, u64 cases, u64 train cases, u64 validation
 *            cases, u32 min_df, u32 refit, str policy id, str policy
 *            version, str free-form note
 *   trailer  sha256 over header and payload (32 bytes)
 *   (str: u32 length + UTF-8 bytes, no NUL)
 *
 * Load checks, in this order, each with its own message: shorter than a
 * header (truncated), magic (not a mamori model), format version, feature
 * version (trained for another feature extractor: retrain), length
 * (truncated), checksum (corrupted), then every count and index (wrong
 * dimension: a bucket beyond 2^bits, unordered vocabulary, sizes that do
 * not add up). mamori_model_check_policy() then checks each category label
 * is a category of the policy.
 */
#ifndef MAMORI_RULES_MODEL_H
#define MAMORI_RULES_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "model_features.h"
#include "rules.h"

#define MAMORI_MODEL_MAGIC "MAMORIML"
#define MAMORI_MODEL_FORMAT 1u
/* The largest hash space given a direct bucket index (2^24 x 4 bytes). */
#define MAMORI_MODEL_SLOT_BITS 24u

/* Labels that are not categories. */
#define MAMORI_LABEL_HARASSMENT "harassment"
#define MAMORI_LABEL_ESCALATE "escalate"
#define MAMORI_LABEL_FLAME "flame_risk"

struct mamori_model {
    uint32_t feature_version;
    unsigned bits;
    size_t nlabels;
    char **labels;             /* owned */
    double *bias, *threshold, *C;
    size_t nvocab;
    uint32_t *vocab;           /* ascending buckets */
    float *idf;                /* per vocabulary entry */
    /* Weights, feature-major: the weight of label l for vocabulary entry j
     * is w[j * nlabels + l] (mamori_model_weight), so scoring reads one
     * cache line per feature for all labels. The file stores them
     * label-major; loading and writing transpose. */
    float *w;
    /* Bucket -> vocabulary entry + 1 (0: not in the vocabulary), 2^bits
     * entries, built by mamori_model_parse so scoring finds a feature in
     * one read instead of a search through the vocabulary (most of a short
     * ticket's scoring time was cache misses in that search). NULL for
     * models built in memory (the trainer) or with more than
     * MAMORI_MODEL_SLOT_BITS hash bits: scoring then searches vocab. */
    uint32_t *slot;
    /* training metadata */
    uint64_t seed, ncases, ntrain, nvalid;
    uint32_t min_df, refit;
    char *policy_id, *policy_version, *note;
    unsigned char sha256[32];  /* of the whole file it was loaded from or written to
                                * (what sha256sum prints; what policy.json pins) */
};

/* An empty model with nlabels labels (names copied) and nvocab vocabulary
 * entries, all numbers zero. Returns 0 or RULES_ENOMEM. */
int mamori_model_new(size_t nlabels, const char *const *labels, size_t nvocab, unsigned bits,
                     struct mamori_model **out);
void mamori_model_free(struct mamori_model *m);

/* Index of a label, or -1. */
int mamori_model_label(const struct mamori_model *m, const char *name);

/* The file image (caller frees *data). Byte-deterministic: the same model
 * gives the same bytes. Sets m->sha256. */
int mamori_model_serialize(struct mamori_model *m, unsigned char **data, size_t *len, struct rules_error *err);
/* Write the file image atomically (temporary file, fsync, rename). */
int mamori_model_write(struct mamori_model *m, const char *path, struct rules_error *err);

/* Parse a file image / read a file. RULES_EINVAL with the reason (see the
 * order above), RULES_EIO when the file cannot be read, RULES_ENOMEM. */
int mamori_model_parse(const unsigned char *data, size_t len, struct mamori_model **out, struct rules_error *err);
int mamori_model_load(const char *path, struct mamori_model **out, struct rules_error *err);

/* Whether the model fits the policy: every label other than harassment,
 * escalate and flame_risk must be a category of p. RULES_EINVAL naming
 * the first label that is not. */
int mamori_model_check_policy(const struct mamori_model *m, const struct rules_policy *p, struct rules_error *err);

/* ---- scoring --------------------------------------------------------- */

/* A sentence of a field and how much it moved one label's score. */
struct mamori_model_span {
    uint8_t field;             /* RULES_FIELD_* */
    uint32_t ob, oe;           /* original bytes of the sentence */
    double contribution;       /* sum of weight x value over its feature occurrences */
};

#define MAMORI_MODEL_TOP_SPANS 3

/* The model's reading of one ticket; reusable between tickets. */
struct mamori_model_result {
    size_t nlabels;
    double *margin;            /* per label: w.x + b */
    double *prob;              /* per label: logistic(margin) */
    uint8_t *fired;            /* per label: prob >= threshold */
    /* per label, up to MAMORI_MODEL_TOP_SPANS sentences with the largest
     * positive contribution, largest first */
    struct mamori_model_span *top;   /* nlabels x MAMORI_MODEL_TOP_SPANS */
    uint8_t *ntop;
    /* work */
    struct mamori_fvec vec;
    struct sent {
        uint8_t field;
        uint32_t ob, oe;
    } *sent;
    size_t nsent, sent_cap;
    double *sent_sum;
    size_t sent_sum_cap;
    size_t cap_labels;
};

void mamori_model_result_init(struct mamori_model_result *r);
void mamori_model_result_free(struct mamori_model_result *r);

/* Score features f of the ticket in (its texts are needed to cut
 * sentences). f must have been extracted with m->bits. Returns 0,
 * RULES_EINVAL (hash bits differ) or RULES_ENOMEM. */
int mamori_model_score(const struct mamori_model *m, const struct mamori_features *f, const struct rules_input *in,
                       struct mamori_model_result *r, struct rules_error *err);

static inline float mamori_model_weight(const struct mamori_model *m, size_t l, size_t j)
{
    return m->w[j * m->nlabels + l];
}

/* Margin of a weighted vector v (aligned with f, see model_features.h) for
 * label l: the same arithmetic as scoring, for the trainer. */
double mamori_model_margin(const struct mamori_model *m, size_t l, const struct mamori_fvec *v);

/* The margins of every label at once into out[0..nlabels): one pass over
 * v, the same sums in the same order as mamori_model_margin per label. */
void mamori_model_margins(const struct mamori_model *m, const struct mamori_fvec *v, double *out);

/* The sentences of text[0..len): ends at 。！？!?． and a line break, and at
 * '.' followed by a space or the end (the rule of the note's evidence).
 * fn(ctx, b, e) gets each sentence's bytes with surrounding spaces
 * trimmed; empty sentences are skipped. Returns 0 or fn's error. */
int mamori_sentences(const char *text, size_t len, int (*fn)(void *ctx, size_t b, size_t e), void *ctx);

#endif
