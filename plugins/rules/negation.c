/*
 * negation.c -- is a match negated?
 *
 * FORMAT.md: a cue from `after` starting within `window` normalized
 * characters after the match, or a cue from `before` ending within
 * `window` characters before it, with no sentence boundary in between.
 * Only the nearest cue on each side matters: if a boundary separates the
 * nearest one, it separates every farther one too. Cue positions are
 * sorted, so each test is two binary searches and two subtractions.
 */
#include "config.h"

#include "eval_internal.h"

/* First index with a[i] >= x. */
static size_t lower_bound(const uint32_t *a, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rules_negated(const struct rules_policy *p, const struct rules_field_ctx *fc, uint32_t s, uint32_t e)
{
    uint32_t w = p->neg_window;
    size_t i;

    if (fc->nneg_after > 0) {
        i = lower_bound(fc->neg_after, fc->nneg_after, e);
        if (i < fc->nneg_after) {
            uint32_t c = fc->neg_after[i];
            if (c - e <= w && fc->bcount[c] == fc->bcount[e])
                return 1;
        }
    }
    if (fc->nneg_before > 0) {
        /* Last cue end <= s. */
        i = lower_bound(fc->neg_before, fc->nneg_before, s + 1);
        if (i > 0) {
            uint32_t c = fc->neg_before[i - 1];
            if (s - c <= w && fc->bcount[s] == fc->bcount[c])
                return 1;
        }
    }
    return 0;
}
