/*
 * policy_internal.h -- what the loader's parts share: the load context
 * (diagnostics, the files of the extends chain) and the origin map that
 * remembers, for every JSON value of every file, where it was written. The
 * merge keeps values by reference, so after merging a value still knows its
 * file, line and column, and validation can point at it.
 */
#ifndef MAMORI_RULES_POLICY_INTERNAL_H
#define MAMORI_RULES_POLICY_INTERNAL_H

#include <jansson.h>

#include "json_pos.h"
#include "rules.h"

#define RULES_MAX_EXTENDS 8

struct rules_origin {
    const json_t *value;
    int file;                  /* index into ctx->files */
    struct rules_jpos pos;
};

/* Under lint: a parent's value the merge replaced or removed, and the
 * child's value or entry that did it, so lint can say which entry of the
 * company's made a parent's list unused or left a category without rules
 * (the merged policy no longer holds the parent's value). */
struct rules_replaced {
    json_t *old;               /* a reference */
    const json_t *by;
};

struct rules_loadctx {
    struct rules_diags *diags;
    struct rules_diags own;    /* used when the caller passed no diags */
    char *files[RULES_MAX_EXTENDS + 2];
    size_t nfiles;
    struct rules_origin *origins;
    size_t ocap, ocount;
    struct rules_replaced *replaced;
    size_t nreplaced, replaced_cap;
    int lint;
    int no_model;              /* rules_load_options.no_model */
    int oom;
};

/* Remember where v is (file index and position). */
int rules_origin_put(struct rules_loadctx *ctx, const json_t *v, int file, const struct rules_jpos *pos);
/* Give a value created by the merge the origin of another. */
int rules_origin_copy(struct rules_loadctx *ctx, const json_t *to, const json_t *from);
/* Where v is; 0 or RULES_ENOTFOUND. */
int rules_origin_get(const struct rules_loadctx *ctx, const json_t *v, struct rules_origin *out);

/* Under lint, remember that `by` replaced or removed the parent's old. */
void rules_replaced_put(struct rules_loadctx *ctx, json_t *old, const json_t *by);

/* Report a problem at value v (use_key: at its key, for "unknown key").
 * Falls back to `container` when v has no recorded position (true, false
 * and null are shared singletons in jansson). */
void rules_diag_at(struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key, int severity,
                   const char *hint, const char *fmt, ...) RULES_PRINTF(7, 8);

/* The same, for a finding that an entry written elsewhere causes: when
 * cause (a value of another file of the extends chain than the finding's)
 * has a position, the diagnostic carries it as cause_file:line:col, so
 * lint can point a company's lawyer at the entry of theirs that made the
 * parent's rule or phrase a problem. */
void rules_diag_caused(struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key,
                       const json_t *cause, int severity, const char *hint, const char *fmt, ...) RULES_PRINTF(8, 9);

/* Merge child onto parent per FORMAT.md "Inheritance"; parent may be NULL
 * (a root file: `remove` entries and `lexicon_add` are still applied).
 * *out is a new reference. */
int rules_policy_merge(struct rules_loadctx *ctx, json_t *parent, json_t *child, json_t **out);

#endif
