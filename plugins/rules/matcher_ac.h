/*
 * matcher_ac.h -- one Aho-Corasick automaton over the bytes of normalized
 * UTF-8 text, holding every phrase of a policy.
 *
 * Layout (chosen for the scan loop, which runs on every webhook):
 *   - bytes are mapped to classes (only bytes that occur in some phrase get
 *     their own class; every other byte is class 0 and sends the automaton
 *     straight back to the root);
 *   - states are numbered in breadth-first order; the shallowest ones, where
 *     a scan spends nearly all its time, get a full DFA row (one table load
 *     per byte, failure links already folded in), up to a memory budget;
 *   - deeper states keep their few sorted edges plus a failure link; a miss
 *     follows failure links until it reaches a dense state, so the scan stays
 *     linear in the text length whatever the number of phrases;
 *   - rows hold 16-bit state ids when the automaton has at most 65,536
 *     states (half the cache footprint), else 32-bit;
 *   - a bitset says which states (or their dictionary-suffix chain) end a
 *     phrase, so the loop tests one bit and only then walks the outputs;
 *   - the loop is a chain of dependent loads, so long texts are scanned as
 *     four interleaved segments to keep four loads in flight.
 */
#ifndef MAMORI_RULES_MATCHER_AC_H
#define MAMORI_RULES_MATCHER_AC_H

#include <stddef.h>
#include <stdint.h>

struct rules_ac_builder;
struct rules_ac;

/* Default budget for dense rows. */
#define RULES_AC_DENSE_BUDGET (8u << 20)

int rules_ac_builder_new(struct rules_ac_builder **out);
void rules_ac_builder_free(struct rules_ac_builder *b);

/* Add a non-empty pattern with a caller-chosen id. The caller adds each
 * distinct byte string once; adding the same bytes again is refused with
 * RULES_EINVAL (the first id stays). */
int rules_ac_builder_add(struct rules_ac_builder *b, const uint8_t *pat, size_t len, uint32_t id);

/* Compile. dense_budget: bytes allowed for dense rows (0: the default).
 * The builder may be freed afterwards. */
int rules_ac_build(struct rules_ac_builder *b, size_t dense_budget, struct rules_ac **out);
void rules_ac_free(struct rules_ac *ac);

/* Called for every occurrence: id of the pattern and the byte offset one
 * past its last byte. Overlapping occurrences are all reported, each once,
 * in no particular order (long texts are scanned as four interleaved
 * segments). */
typedef void (*rules_ac_hit_fn)(void *ctx, uint32_t id, size_t end);

void rules_ac_scan(const struct rules_ac *ac, const uint8_t *text, size_t len, rules_ac_hit_fn hit, void *ctx);

/* Count occurrences only (benchmarks). */
size_t rules_ac_count(const struct rules_ac *ac, const uint8_t *text, size_t len);

/* Statistics for logs and benchmarks. */
struct rules_ac_stats {
    size_t states, dense_states, classes, bytes;
};
void rules_ac_get_stats(const struct rules_ac *ac, struct rules_ac_stats *st);

#endif
