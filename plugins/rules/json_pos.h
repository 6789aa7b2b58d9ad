/*
 * json_pos.h -- where each value of a JSON text is: line and column per
 * JSON Pointer (RFC 6901) path.
 *
 * jansson parses policies but keeps no positions, and lint must say
 * FILE:LINE:COLUMN for semantic problems (an unknown category in rule 12),
 * not only for syntax errors. This is a small scanner over the same text
 * that records, for every value, where it starts and, for object members,
 * where the key starts. Columns count characters (as jansson's do), from 1.
 */
#ifndef MAMORI_RULES_JSON_POS_H
#define MAMORI_RULES_JSON_POS_H

#include <stddef.h>

#include "rules_util.h"

struct rules_jpos {
    int line, col;            /* start of the value */
    int key_line, key_col;    /* start of its key (object members), else 0 */
};

struct rules_jpos_index;

/* Scan text. On malformed JSON the index holds what was scanned before the
 * error and RULES_EINVAL is returned (jansson reports the syntax error). */
int rules_jpos_build(const char *text, size_t len, struct rules_jpos_index **out);
void rules_jpos_free(struct rules_jpos_index *ix);

/* Position of the value at pointer ("" is the root); 0 or RULES_ENOTFOUND. */
int rules_jpos_lookup(const struct rules_jpos_index *ix, const char *pointer, struct rules_jpos *pos);

/* Append "/" + token (escaped: ~ -> ~0, / -> ~1) to a pointer. */
int rules_jpos_append(struct rules_buf *pointer, const char *token);
int rules_jpos_append_index(struct rules_buf *pointer, size_t index);

#endif
