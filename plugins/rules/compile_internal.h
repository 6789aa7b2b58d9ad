/*
 * compile_internal.h -- what the parts of the policy compiler share (the
 * compiler is policy_compile.c, split by idea):
 *
 *   compile_values.c   validating values: keys, ids, enums, texts, numbers
 *   compile_keys.c     phrases and lemmas into keys, the key registry, uses
 *   compile_blocks.c   normalization, negation, quotation, lexicon, categories
 *   compile_rules.c    expressions, rules and vetoes
 *   compile_finish.c   the automaton, variants and the symbol set
 *   compile_model.c    the pinned model
 *   policy_compile.c   metadata, the entry point, freeing
 *
 * Internal to the rules engine; nothing here is exported.
 */
#ifndef MAMORI_RULES_COMPILE_INTERNAL_H
#define MAMORI_RULES_COMPILE_INTERNAL_H

#include <jansson.h>

#include "policy_compile.h"

#define LEMMA_TAG 0x80000000u
#define MAX_EXPR_DEPTH 32

struct lexlist {
    const char *name;
    json_t *value;
    uint32_t *keys;            /* tagged keys */
    uint8_t *suffix;
    size_t n, cap, scap;
};

struct pend {
    uint32_t key;              /* tagged */
    struct rules_use use;
};

struct compile {
    struct rules_loadctx *ctx;
    struct rules_policy *p;
    struct rules_ntext nt;
    uint32_t *reg;             /* registry of keys: tagged key + 1, 0 empty */
    size_t reg_cap, reg_n;
    struct rules_key *lkeys;   /* lemma and amount keys until they are appended after the phrases */
    size_t nlkeys, lkeys_cap;
    struct rules_phrase_note *notes; /* lint: every phrase as written */
    size_t nnotes, notes_cap;
    size_t namounts, amounts_cap;
    struct pend *pend;
    size_t npend, pend_cap;
    struct lexlist *lex;
    size_t nlex;
    uint8_t *lex_used;
    json_t *cat_index;         /* id -> index */
    json_t *rule_ids;          /* id -> true */
};


/* Diagnostics at a JSON value (c must be in scope). */
#define ERR(v, cont, hint, ...) rules_diag_at(c->ctx, (v), (cont), 0, RULES_DIAG_ERROR, (hint), __VA_ARGS__)
#define WARN(v, cont, hint, ...) rules_diag_at(c->ctx, (v), (cont), 0, RULES_DIAG_WARNING, (hint), __VA_ARGS__)

/* What makes two keys the same: the text, the kind, and for exact phrases
 * the script of every character ("=デモ" and "でも" share the text でも). */
struct key_ident {
    const char *text;
    uint8_t kind;              /* 0 phrase, 1 lemma sequence, 2 amount */
    uint8_t exact;
    const uint8_t *script;     /* clen bytes or NULL */
    uint32_t clen;
};

/* compile_values.c */
extern const char *const compile_severity_names[];
extern const char *const compile_flame_names[];
extern const char *const compile_escalation_names[];
size_t compile_edit_distance(const char *a, const char *b);
int compile_ignored_key(const char *k);
int compile_allowed(const char *k, const char *const *keys);
void compile_check_keys(struct compile *c, json_t *obj, const char *what, const char *const *keys);
int compile_valid_id(const char *s, const char *extra, int first_alnum);
int compile_parse_enum(struct compile *c, json_t *v, json_t *cont, const char *what, const char *const *names, int min, int dflt);
char *compile_dup_str(struct compile *c, const char *s);
void compile_parse_text(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_text *out);
void compile_parse_texts(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_texts *out);
double compile_get_number(struct compile *c, json_t *obj, const char *key, double dflt, double min, double max, const char *what);
long compile_get_int(struct compile *c, json_t *obj, const char *key, long dflt, long min, long max, const char *what);
const char *compile_get_string(struct compile *c, json_t *obj, const char *key, int required, const char *what);

/* compile_keys.c */
int compile_reg_find(struct compile *c, const struct key_ident *id, uint32_t *tagged);
int compile_reg_add(struct compile *c, uint32_t tagged);
void compile_note_where(struct compile *c, uint32_t leaf, int cue);
int compile_phrase_key(struct compile *c, json_t *v, json_t *cont, const char *what, uint32_t *tagged, uint8_t *suffix);
int compile_lemma_key(struct compile *c, json_t *obj, const char *what, uint32_t *tagged);
void compile_add_use(struct compile *c, uint32_t tagged, int kind, uint32_t target, uint8_t suffix);
struct lexlist *compile_find_lex(struct compile *c, const char *name, size_t *index);
void compile_role_phrases(struct compile *c, json_t *arr, json_t *cont, const char *what, int kind, uint32_t target, int allow_refs);

/* compile_blocks.c */
void compile_normalization(struct compile *c, json_t *root);
void compile_negation(struct compile *c, json_t *root);
uint32_t compile_channel_list(struct compile *c, json_t *arr, json_t *cont, const char *what);
void compile_quotation(struct compile *c, json_t *root);
void compile_lexicon(struct compile *c, json_t *root);
void compile_categories(struct compile *c, json_t *root);

/* compile_rules.c */
void compile_rules(struct compile *c, json_t *root);

/* compile_finish.c */
int compile_finish(struct compile *c, const struct rules_load_options *opt);

/* compile_model.c */
int compile_valid_sha256_hex(const char *s);
void compile_load_model(struct compile *c, json_t *root);

#endif
