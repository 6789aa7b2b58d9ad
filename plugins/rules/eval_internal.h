/*
 * eval_internal.h -- the per-ticket working state of the evaluator and the
 * helpers that fill it (quotation scope, negation, MeCab lemmas).
 *
 * Everything here is sized by the ticket, grown on demand and reused, so a
 * worker that has seen a few tickets evaluates the next one without
 * allocating.
 */
#ifndef MAMORI_RULES_EVAL_INTERNAL_H
#define MAMORI_RULES_EVAL_INTERNAL_H

#include <sys/types.h>

#include "model.h"
#include "rules.h"

struct rules_span {
    uint32_t s, e;
    uint32_t maxe;             /* max e over this and all earlier spans (sorted by s) */
};

/* What the cues found in one field. */
struct rules_field_ctx {
    uint32_t *bcount;          /* bcount[i]: boundaries among chars [0, i) */
    uint32_t *xcount;          /* xcount[i]: excluded (quoted) chars among [0, i) */
    uint8_t *excl;
    size_t cap;
    struct rules_span *benign;
    size_t nbenign, benign_cap;
    uint32_t *neg_after, *neg_before, *q_after, *q_before, *history, *staff;
    size_t nneg_after, nneg_before, nq_after, nq_before, nhistory, nstaff;
    size_t cneg_after, cneg_before, cq_after, cq_before, chistory, cstaff;
};

struct rules_unless {
    uint32_t rule;
    uint8_t field;
    uint32_t s, e;
    uint32_t maxe;             /* max e over this and earlier spans of the same rule and field */
};

struct rules_pair {
    uint32_t leaf, occ;
};

struct rules_mecab;

struct rules_scratch {
    const struct rules_policy *p;
    struct rules_ntext nt[RULES_NFIELDS];
    struct rules_field_ctx fc[RULES_NFIELDS];

    struct rules_occ *occ;
    size_t nocc, occ_cap;
    struct rules_unless *unl;
    size_t nunl, unl_cap;
    struct rules_pair *pairs;
    size_t npairs, pairs_cap;

    uint32_t *leaf_first, *leaf_n;   /* per expression */
    uint32_t *touched;               /* leaves with leaf_n > 0 */
    size_t ntouched, touched_cap;
    uint8_t *rule_mark;
    uint32_t *cand;
    size_t ncand;

    double *score;
    uint8_t *cat_fired, *cat_reached, *rule_fired;
    uint8_t *cat_esc;                /* per category: escalation level (settle()) */
    uint32_t *rule_ev, *rule_nev;
    uint32_t *ev;
    size_t nev, ev_cap;
    uint32_t *stack;
    size_t nstack, stack_cap;
    uint32_t *fired;
    struct rules_result res;

    /* near: positions of both operands */
    uint8_t *near_used;
    size_t near_cap;

    struct {
        uint32_t days;
        int64_t n;
    } ccache[8];
    size_t nccache;

    /* A text re-read with a change: a window with a wildcard resolved, or
     * the field with its dropped symbols put back. map: its char -> field
     * char (for a symbol put back: the field char after the gap); ins:
     * the char was put back. */
    struct {
        uint32_t *cp, *ob, *oe, *map, *u8off;
        uint8_t *fl, *ins, *u8;
        size_t cap;
    } alt;

    /* MeCab: which normalized chars start a lemma stem (reused) */
    uint8_t *stem_at;
    size_t stem_cap;

    /* MeCab, created on first use in the process that evaluates */
    struct rules_mecab *mecab;
    pid_t mecab_pid;
    struct rules_ntext lemma_nt;

    int trace_on;
    struct rules_trace *traces;
    size_t ntraces, traces_cap;

    const struct rules_input *in;
    uint32_t chan;

    /* The learned judgement (policies with a model) */
    struct mamori_features mfeat;
    struct mamori_model_result mres;
    uint8_t *cat_model, *cat_must;   /* per category */
};

/* Push an occurrence; 0 or RULES_ENOMEM. */
int rules_occ_push(struct rules_scratch *s, const struct rules_occ *o);
/* 1 and *out: the contact count over `days` that the last evaluation on s
 * already asked the host for (as its `contacts` conditions read it); 0:
 * not asked. */
int rules_contacts_cached(const struct rules_scratch *s, uint32_t days, int64_t *out);

/* Mark quoted spans of field f (history, staff lines, reported speech) and
 * fill fc->excl / fc->xcount. notes: the ticket is a staff note, where
 * reported speech is the customer's. */
int rules_quote_scope(const struct rules_policy *p, const struct rules_ntext *nt, struct rules_field_ctx *fc,
                      int notes);

/* Whether normalized span [s, e) is negated by a cue of the field. */
int rules_negated(const struct rules_policy *p, const struct rules_field_ctx *fc, uint32_t s, uint32_t e);

/* MeCab: find the policy's lemma sequences in field f. */
int rules_lemma_scan(struct rules_scratch *s, int field, const char *text, size_t len, struct rules_error *err);
int rules_mecab_probe(struct rules_error *err);
/* MeCab tokens of the original bytes [a, b) of text, tagged a line at a
 * time with the scratch's tagger (created on first use in this process):
 * fn(ctx, ob, oe, base, blen, symbol) gets each token's original bytes,
 * its base form (the surface when MeCab gives none; not NUL-terminated)
 * and whether MeCab tagged it a symbol (記号). fn returns 0 or an error,
 * which stops the walk and is returned. Returns 0, RULES_ENOMEM or
 * RULES_EINTERNAL (MeCab cannot start; err says why). */
typedef int (*rules_token_fn)(void *ctx, uint32_t ob, uint32_t oe, const char *base, size_t blen, int symbol);
int rules_mecab_tokens(struct rules_scratch *s, const char *text, size_t a, size_t b, rules_token_fn fn, void *ctx,
                       struct rules_error *err);
void rules_mecab_free(struct rules_mecab *m);

#endif
