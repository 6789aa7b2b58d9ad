/*
 * policy_compile.h -- validate the merged policy JSON and compile it: keys
 * into one automaton, expressions into a flat array, guidance into
 * per-language texts. Every problem becomes a positioned diagnostic.
 */
#ifndef MAMORI_RULES_POLICY_COMPILE_H
#define MAMORI_RULES_POLICY_COMPILE_H

#include <jansson.h>

#include "policy_internal.h"

int rules_policy_compile(struct rules_loadctx *ctx, json_t *root, const struct rules_load_options *opt,
                         struct rules_policy **out);

/* dirname(base_file) + "/" + rel, or rel when absolute. Caller frees. */
char *rules_path_resolve(const char *base_file, const char *rel);

/* A phrase as written in the policy, for the lint checks that judge its
 * words (too short once normalized, a common word once kana is folded). */
struct rules_phrase_note {
    json_t *value, *container; /* the JSON string and what holds it (for the position) */
    uint32_t key;              /* phrase key it compiled to */
    uint32_t leaf;             /* written as this rule leaf, or UINT32_MAX (lexicon, benign, cues) */
    uint8_t exact;             /* written "=..." */
    uint8_t cue;               /* written as a negation/quotation cue (1), benign or unless mask (2) */
};

/* Lint checks that need the compiled policy and the JSON (lint.c). */
void rules_lint_checks(struct rules_loadctx *ctx, json_t *root, const struct rules_policy *p, const uint8_t *lex_used,
                       const char *const *lex_names, json_t *const *lex_values, size_t nlex,
                       const struct rules_phrase_note *notes, size_t nnotes);

#endif
