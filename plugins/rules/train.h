/*
 * train.h -- training the learned judgement from labelled cases
 * (liblinear, L2-regularised logistic regression), and k-fold
 * cross-validation for `mamori policy test`.
 *
 * Labels: one binary model per harassment category of the policy (by id,
 * in policy order), then "harassment" (the case has any harassment
 * category), "escalate" and "flame_risk" (the case's booleans; cases that
 * do not say are left out of those two problems).
 *
 * Procedure (mamori_model_train):
 *   1. every case goes through mamori_rules_eval + the feature extractor
 *      once (model_features.h);
 *   2. on the training cases: vocabulary = buckets seen in at least
 *      min_df cases (2 by default: a bucket seen once cannot generalise and
 *      would only grow the file), IDF from their document frequency;
 *   3. per label, train on the training cases at values C of the grid
 *      and score the validation cases; the threshold is the one that
 *      maximises F1 on validation (for "harassment": subject to a benign
 *      false-positive rate of at most max_benign_fpr), put halfway
 *      between the two validation probabilities it separates; the C with
 *      the best validation F1 wins. The grid (sorted ascending) is walked
 *      from its middle value: up while F1 strictly improves; if the first
 *      step up does not improve, down from the middle while F1 does not
 *      get worse (the smaller C wins a tie). Every solve after the first
 *      starts from the best solution so far. With validation F1 unimodal
 *      in C this picks what a full sweep picks, at two fits instead of
 *      four when the top wins (as it did for 16 of 16 labels on the 1.8.0
 *      corpus): the first solve, from zero, costs the most;
 *   4. refit (the default): vocabulary, IDF and weights again on training
 *      plus validation cases with each label's chosen C, keeping the
 *      thresholds from step 3. Decided so because more labelled cases
 *      clearly help (half the corpus is measurably worse) and the
 *      threshold, chosen on cases the step-3 model had not seen, is the
 *      honest part; the figures reported are those of step 3, on cases
 *      the model had not seen. With refit off the step-3 model is kept.
 *
 * Case weights: liblinear 2.3 (Debian) has no per-instance weights, so a
 * case of weight W is repeated round(W) times (1..100) in the training
 * problem -- exact for the logistic loss, which is a sum over cases, and
 * free in memory (the copies share one feature row). Validation figures
 * count each case once.
 *
 * Validation split: the caller marks cases (mamori_cases_load's
 * `validation`, or a case's "split": "validation"). When none is marked,
 * mamori_cases_default_split() picks whole batches (a case's "batch", else
 * its file name), in an order fixed by the seed, until they hold
 * valid_fraction of the cases (skipping a batch that would put more than
 * half of all cases in validation) -- never random single cases: cases written
 * together resemble each other, and a split that cuts through a batch
 * flatters the model. With a single batch there is no validation: C is
 * the grid's middle value and every threshold 0.5.
 *
 * Determinism: cases are used in load order, nothing is random but the
 * seeded batch order, liblinear's Newton solver for L2R_LR has no
 * randomness, and labels train in parallel into separate slots; the same
 * cases and options give a byte-identical model file.
 */
#ifndef MAMORI_RULES_TRAIN_H
#define MAMORI_RULES_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model.h"
#include "rules.h"

/* ---- cases ----------------------------------------------------------- */

/* One labelled case (the corpus JSONL format: id, lang, channel, subject,
 * body, labels, escalate, flame_risk, repeat_contacts_30d; optional
 * batch, split, shape, escalation). Strings are owned. */
/* One labelled case as it stands in its JSON object (the corpus format,
 * policies/corpus/README.md), every member borrowed from the object: the
 * one reading of a case that `policy train`, `policy test`, `annotate` and
 * `explain` share. */
struct rules_case_view {
    const char *id, *lang, *channel, *subject, *body, *batch, *split, *requester_name, *ticket_id;
    size_t subject_len, body_len;
    json_t *labels;            /* array of strings, or NULL */
    int escalate, flame;       /* 0/1; -1 when the case does not say */
    int64_t contacts;          /* repeat_contacts_30d (1 when absent) */
};

/* Read root as a case into *v. 0, or RULES_EINVAL with err->message saying
 * why ("(ID): labels must be a list"; the caller prefixes FILE:LINE). */
int mamori_rules_case_view(json_t *root, struct rules_case_view *v, struct rules_error *err);

struct mamori_case {
    char *id, *lang, *channel, *subject, *body, *batch, *file;
    size_t subject_len, body_len;
    char **labels;
    size_t nlabels;
    int escalate, flame;       /* 0/1; -1 when the case does not say */
    int64_t contacts;          /* repeat_contacts_30d (1 when absent) */
    double weight;             /* >= 0; 1 by default */
    int validation;            /* in the validation split */
    long line;
};

struct mamori_cases {
    struct mamori_case *v;
    size_t n, cap;
};

void mamori_cases_init(struct mamori_cases *cs);
void mamori_cases_free(struct mamori_cases *cs);

/* Append the cases of the JSON-lines file at path, each with `weight` and
 * marked validation when `validation` is set (a case's own "split":
 * "validation" or "train" wins). Blank lines are skipped. RULES_EIO when
 * the file cannot be read; RULES_EINVAL at the first line that is not a
 * case (err: FILE:LINE: why; cases read so far stay); RULES_ENOMEM. */
int mamori_cases_load(struct mamori_cases *cs, const char *path, double weight, int validation,
                      struct rules_error *err);

/* Replace the labels of the cases the JSON-lines file at path names: one
 * object per line, {"id", "labels", "escalation" (none|supervisor|legal|
 * lawyer|police) or "escalate" (bool), "flame_risk" (bool)}, other members
 * ignored (the corpus's resolved/ files: the adjudicated decisions of the
 * cases whose two labelling passes differ). A member a line lacks leaves
 * the case's own value. *napplied: the lines applied. RULES_EINVAL at the
 * first line that is not such an object or names no case among cs (err:
 * FILE:LINE: why; lines before it stay applied), RULES_EIO, RULES_ENOMEM. */
int mamori_cases_relabel(struct mamori_cases *cs, const char *path, size_t *napplied, struct rules_error *err);

/* The engine input for a case (borrows from c). */
void mamori_case_input(const struct mamori_case *c, const struct rules_policy *p, struct rules_input *in);

/* Mark whole batches as validation until they hold `fraction` of the
 * cases (batch order: FNV-1a of seed and batch name; a batch that would
 * take validation past half the cases is skipped). At least one batch
 * stays for training. Returns the number of validation cases (0 with a
 * single batch). */
size_t mamori_cases_default_split(struct mamori_cases *cs, double fraction, uint64_t seed);

/* ---- training -------------------------------------------------------- */

struct mamori_train_options {
    uint64_t seed;             /* batch order of the default split and folds */
    unsigned bits;             /* feature hash bits (MAMORI_FEATURE_BITS_DEFAULT) */
    unsigned min_df;           /* vocabulary: buckets in at least this many cases (2) */
    const double *c_grid;      /* NULL: {0.5, 2, 8, 32} */
    size_t nc_grid;
    double max_benign_fpr;     /* "harassment" threshold constraint (0.05) */
    double valid_fraction;     /* default split (0.2) */
    int refit;                 /* retrain on train + validation (1) */
    unsigned threads;          /* labels trained in parallel (0: online CPUs, at most 8) */
    /* progress lines (no newline); may be NULL */
    void (*progress)(void *ctx, const char *msg);
    void *progress_ctx;
};

void mamori_train_options_default(struct mamori_train_options *o);

/* Validation figures of one label (counts over validation cases that say
 * whether the label applies). f1 etc. are -1 when validation holds no
 * positive case. */
struct mamori_label_report {
    char *label;
    double C, threshold;
    double precision, recall, f1;
    double fpr;                /* false positives / negatives */
    size_t pos, neg, tp, fp, fn;
};

struct mamori_train_report {
    size_t ncases, ntrain, nvalid, nrows;  /* nrows: rows of the final fit after weighting */
    size_t nvocab;
    size_t nlabels;
    struct mamori_label_report *labels;
    double ms_features, ms_train, ms_total;
};

void mamori_train_report_free(struct mamori_train_report *r);

/* Train a model for policy p from cs (validation: cs->v[i].validation; see
 * mamori_cases_default_split). *out: a new model (caller frees with
 * mamori_model_free); rep (may be NULL): the validation figures (caller
 * frees with mamori_train_report_free). Returns 0, RULES_EINVAL (no
 * training case, bad options), RULES_ENOMEM, RULES_EINTERNAL (MeCab,
 * liblinear; err says). */
int mamori_model_train(const struct rules_policy *p, const struct mamori_cases *cs,
                       const struct mamori_train_options *o, struct mamori_model **out,
                       struct mamori_train_report *rep, struct rules_error *err);

/* ---- cross-validation ------------------------------------------------ */

/* Assign each case a fold in [0, k). With at least k distinct batches,
 * whole batches go to folds (seeded order, each batch to the fold with the
 * fewest cases so far); otherwise cases are dealt by FNV-1a of seed and
 * position. Returns 1 when folds follow batches, 0 when they follow cases,
 * RULES_EINVAL when k < 2 or k > number of cases. */
int mamori_cv_folds(const struct mamori_cases *cs, unsigned k, uint64_t seed, uint32_t *fold);

struct mamori_cv_result {
    size_t ncases, nlabels;
    char **labels;             /* owned */
    uint32_t *fold;            /* per case */
    int by_batch;
    double *prob;              /* ncases x nlabels, out of fold */
    uint8_t *fired;            /* ncases x nlabels, with the fold model's thresholds */
    int8_t *truth;             /* ncases x nlabels: 1, 0, or -1 when the case does not say */
    struct mamori_label_report *report;  /* per label, over all cases */
};

void mamori_cv_result_free(struct mamori_cv_result *r);

/* The out-of-fold figures of cv over the cases i with keep[i] set (all
 * cases when keep is NULL) into out[0..cv->nlabels): a company's own
 * cases, cross-validated while the folds train on everything. Labels are
 * borrowed from cv. */
void mamori_cv_report_subset(const struct mamori_cv_result *cv, const uint8_t *keep, struct mamori_label_report *out);

/* k-fold cross-validation: for each fold, a model trained (as
 * mamori_model_train, the next fold serving as its validation split)
 * on the other folds scores the cases of the fold. k: 3 or more (one fold
 * tests, the next validates, the rest train). Returns as
 * mamori_model_train. */
int mamori_model_crossval(const struct rules_policy *p, const struct mamori_cases *cs, unsigned k,
                          const struct mamori_train_options *o, struct mamori_cv_result *out,
                          struct rules_error *err);

#endif
