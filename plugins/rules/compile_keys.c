/* compile_keys.c -- see compile_internal.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include <mamori/plugin.h>

#include "amount.h"
#include "model.h"
#include "policy_compile.h"
#include "compile_internal.h"

/* ---- keys ------------------------------------------------------------ */

static struct rules_key *key_of(struct compile *c, uint32_t tagged)
{
    return (tagged & LEMMA_TAG) ? &c->lkeys[tagged & ~LEMMA_TAG] : &c->p->keys[tagged];
}


static int key_kind(const struct rules_key *k)
{
    return k->is_lemma ? 1 : k->is_amount ? 2 : 0;
}

static uint64_t key_hash(const char *text, int kind)
{
    return rules_hash(text, strlen(text)) ^ ((uint64_t)kind * 0x5bd1e995u);
}

static int key_is(const struct rules_key *k, const struct key_ident *id)
{
    if (key_kind(k) != id->kind || k->exact != id->exact || strcmp(k->text, id->text) != 0)
        return 0;
    if ((k->script == NULL) != (id->script == NULL))
        return 0;
    return k->script == NULL || memcmp(k->script, id->script, id->clen) == 0;
}

int compile_reg_find(struct compile *c, const struct key_ident *id, uint32_t *tagged)
{
    size_t s;

    if (c->reg_cap == 0)
        return 0;
    s = (size_t)key_hash(id->text, id->kind) & (c->reg_cap - 1);
    while (c->reg[s] != 0) {
        struct rules_key *k = key_of(c, c->reg[s] - 1);
        if (key_is(k, id)) {
            *tagged = c->reg[s] - 1;
            return 1;
        }
        s = (s + 1) & (c->reg_cap - 1);
    }
    return 0;
}

int compile_reg_add(struct compile *c, uint32_t tagged)
{
    size_t s;

    if ((c->reg_n + 1) * 2 > c->reg_cap) {
        size_t ncap = c->reg_cap ? c->reg_cap * 2 : 1024;
        uint32_t *n = calloc(ncap, sizeof *n);
        if (n == NULL)
            return RULES_ENOMEM;
        for (size_t i = 0; i < c->reg_cap; i++)
            if (c->reg[i] != 0) {
                struct rules_key *k = key_of(c, c->reg[i] - 1);
                size_t t = (size_t)key_hash(k->text, key_kind(k)) & (ncap - 1);
                while (n[t] != 0)
                    t = (t + 1) & (ncap - 1);
                n[t] = c->reg[i];
            }
        free(c->reg);
        c->reg = n;
        c->reg_cap = ncap;
    }
    {
        struct rules_key *k = key_of(c, tagged);
        s = (size_t)key_hash(k->text, key_kind(k)) & (c->reg_cap - 1);
    }
    while (c->reg[s] != 0)
        s = (s + 1) & (c->reg_cap - 1);
    c->reg[s] = tagged + 1;
    c->reg_n++;
    return RULES_OK;
}

/* Remember a phrase as written for the lint checks that judge its words
 * (lint.c); only under lint. */
static void note_phrase(struct compile *c, json_t *v, json_t *cont, uint32_t key, int exact)
{
    struct rules_phrase_note *n;

    if (!c->ctx->lint)
        return;
    if (RULES_GROW(c->notes, c->notes_cap, c->nnotes + 1) != 0) {
        c->ctx->oom = 1;
        return;
    }
    n = &c->notes[c->nnotes++];
    n->value = v;
    n->container = cont;
    n->key = key;
    n->leaf = UINT32_MAX;
    n->exact = (uint8_t)exact;
    n->cue = 0;
}

/* Say where the phrase just noted was written (see rules_phrase_note). */
void compile_note_where(struct compile *c, uint32_t leaf, int cue)
{
    if (c->ctx->lint && c->nnotes > 0) {
        c->notes[c->nnotes - 1].leaf = leaf;
        c->notes[c->nnotes - 1].cue = (uint8_t)cue;
    }
}

/* Normalize a phrase and find or create its key. Returns 0, or -1 after a
 * diagnostic. A leading '=' makes the phrase exact (FORMAT.md): kana
 * script compared, symbols kept as written. */
int compile_phrase_key(struct compile *c, json_t *v, json_t *cont, const char *what, uint32_t *tagged, uint8_t *suffix)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    struct rules_key *k;
    struct rules_policy *p = c->p;
    struct key_ident id;
    uint8_t script[256];
    int exact = 0, has_script = 0;

    *suffix = 0;
    if (len > 1 && s[0] == '=') {
        s++;
        len--;
        exact = 1;
    }
    if (len > 1 && s[len - 1] == '*') {
        len--;
        *suffix = 1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20) {
            ERR(v, cont, "remove control characters (line breaks, tabs) from the phrase",
                "%s: phrase contains a control character", what);
            return -1;
        }
    if (rules_normalize_phrase(&p->norm, s, len, exact ? RULES_PHRASE_EXACT : RULES_PHRASE_PLAIN, &c->nt) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    if (c->nt.len == 0) {
        ERR(v, cont, "use letters, digits, kana or symbols; separators alone are dropped by normalization",
            "%s: phrase \"%s\" is empty after normalization", what, json_string_value(v));
        return -1;
    }
    if (exact && c->nt.len > sizeof script) {
        ERR(v, cont, "shorten the phrase", "%s: an exact phrase has at most %zu characters", what, sizeof script);
        return -1;
    }
    if (exact)
        for (size_t i = 0; i < c->nt.len; i++) {
            uint32_t cp = c->nt.cp[i];
            script[i] = RULES_SCRIPT_ANY;
            if (rules_is_hiragana(cp)) {
                script[i] = (c->nt.fl[i] & RULES_NF_KATA) ? RULES_SCRIPT_KATA : RULES_SCRIPT_HIRA;
                has_script = 1;
            }
        }
    id.text = (const char *)c->nt.u8;
    id.kind = 0;
    id.exact = (uint8_t)exact;
    id.script = has_script ? script : NULL;
    id.clen = (uint32_t)c->nt.len;
    if (compile_reg_find(c, &id, tagged)) {
        note_phrase(c, v, cont, *tagged, exact);
        return 0;
    }
    if (RULES_GROW(p->keys, p->keys_cap, p->nkeys + 1) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    k = &p->keys[p->nkeys];
    memset(k, 0, sizeof *k);
    k->next_variant = UINT32_MAX;
    k->text = rules_strndup((const char *)c->nt.u8, c->nt.u8len);
    if (k->text == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    /* The key is in the array from here on, so the policy frees it. */
    p->nkeys++;
    if (has_script) {
        k->script = malloc(c->nt.len);
        if (k->script == NULL) {
            c->ctx->oom = 1;
            return -1;
        }
        memcpy(k->script, script, c->nt.len);
        k->kata_start = script[0] == RULES_SCRIPT_KATA;
        k->kata_end = script[c->nt.len - 1] == RULES_SCRIPT_KATA;
    }
    k->exact = (uint8_t)exact;
    k->blen = (uint32_t)c->nt.u8len;
    k->clen = (uint32_t)c->nt.len;
    k->latin_start = rules_is_latin_alnum(c->nt.cp[0]);
    k->latin_end = rules_is_latin_alnum(c->nt.cp[c->nt.len - 1]);
    *tagged = (uint32_t)(p->nkeys - 1);
    if (k->clen > p->max_clen)
        p->max_clen = k->clen;
    if (compile_reg_add(c, *tagged) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    note_phrase(c, v, cont, *tagged, exact);
    return 0;
}

static uint32_t lemma_hash_of(const char *s, size_t n)
{
    return (uint32_t)rules_hash(s, n);
}

int32_t rules_lemma_lookup(const struct rules_policy *p, const char *s, size_t len)
{
    size_t slot;

    if (p->lemma_hcap == 0)
        return -1;
    slot = lemma_hash_of(s, len) & (p->lemma_hcap - 1);
    while (p->lemma_hash[slot] != 0) {
        const char *t = p->lemma_str[p->lemma_hash[slot] - 1];
        if (strlen(t) == len && memcmp(t, s, len) == 0)
            return (int32_t)(p->lemma_hash[slot] - 1);
        slot = (slot + 1) & (p->lemma_hcap - 1);
    }
    return -1;
}

static int lemma_intern(struct compile *c, const char *s, size_t len, uint32_t *id)
{
    struct rules_policy *p = c->p;
    int32_t found = rules_lemma_lookup(p, s, len);
    size_t slot;

    if (found >= 0) {
        *id = (uint32_t)found;
        return RULES_OK;
    }
    if ((p->nlemmas + 1) * 2 > p->lemma_hcap) {
        size_t ncap = p->lemma_hcap ? p->lemma_hcap * 2 : 64;
        uint32_t *n = calloc(ncap, sizeof *n);
        if (n == NULL)
            return RULES_ENOMEM;
        for (size_t i = 0; i < p->nlemmas; i++) {
            size_t t = lemma_hash_of(p->lemma_str[i], strlen(p->lemma_str[i])) & (ncap - 1);
            while (n[t] != 0)
                t = (t + 1) & (ncap - 1);
            n[t] = (uint32_t)i + 1;
        }
        free(p->lemma_hash);
        p->lemma_hash = n;
        p->lemma_hcap = ncap;
    }
    if (RULES_GROW(p->lemma_str, p->lemma_cap, p->nlemmas + 1) != 0)
        return RULES_ENOMEM;
    p->lemma_str[p->nlemmas] = rules_strndup(s, len);
    if (p->lemma_str[p->nlemmas] == NULL)
        return RULES_ENOMEM;
    slot = lemma_hash_of(s, len) & (p->lemma_hcap - 1);
    while (p->lemma_hash[slot] != 0)
        slot = (slot + 1) & (p->lemma_hcap - 1);
    p->lemma_hash[slot] = (uint32_t)p->nlemmas + 1;
    *id = (uint32_t)p->nlemmas++;
    return RULES_OK;
}

/* {"lemma": "殺す"} or {"lemmas": ["火", "つける"]}. */
int compile_lemma_key(struct compile *c, json_t *obj, const char *what, uint32_t *tagged)
{
    struct rules_policy *p = c->p;
    json_t *one = json_object_get(obj, "lemma"), *many = json_object_get(obj, "lemmas"), *e;
    struct rules_buf text = RULES_BUF_INIT;
    uint32_t ids[16];
    size_t n = 0, i;
    struct rules_key *k;

    if (one != NULL) {
        if (!json_is_string(one) || json_string_length(one) == 0) {
            ERR(one, obj, "write the dictionary form, e.g. \"殺す\"", "%s: lemma must be a non-empty string", what);
            return -1;
        }
        many = NULL;
    } else if (!json_is_array(many) || json_array_size(many) == 0 || json_array_size(many) > 16) {
        ERR(many, obj, "write 1 to 16 dictionary forms, e.g. [\"火\", \"つける\"]",
            "%s: lemmas must be a list of 1 to 16 strings", what);
        return -1;
    }
    for (i = 0; i < (one ? 1 : json_array_size(many)); i++) {
        e = one ? one : json_array_get(many, i);
        if (!json_is_string(e) || json_string_length(e) == 0) {
            ERR(e, obj, NULL, "%s: lemmas[%zu] must be a non-empty string", what, i);
            return -1;
        }
        /* MeCab gives base forms in their own script; fold width and
         * katakana the same way on both sides. */
        if (rules_normalize(NULL, json_string_value(e), json_string_length(e), &c->nt) != 0 || c->nt.len == 0) {
            ERR(e, obj, NULL, "%s: lemma \"%s\" is empty after normalization", what, json_string_value(e));
            return -1;
        }
        if (lemma_intern(c, (const char *)c->nt.u8, c->nt.u8len, &ids[n]) != 0) {
            c->ctx->oom = 1;
            return -1;
        }
        if (n > 0)
            rules_buf_putc(&text, '+');
        rules_buf_add(&text, c->nt.u8, c->nt.u8len);
        n++;
    }
    if (text.failed) {
        c->ctx->oom = 1;
        return -1;
    }
    {
        struct key_ident id = {text.data, 1, 0, NULL, 0};
        if (compile_reg_find(c, &id, tagged)) {
            rules_buf_free(&text);
            return 0;
        }
    }
    if (RULES_GROW(c->lkeys, c->lkeys_cap, c->nlkeys + 1) != 0 ||
        RULES_GROW(p->lemma_seq, p->lemma_seq_cap, p->nlemma_seq + n) != 0) {
        rules_buf_free(&text);
        c->ctx->oom = 1;
        return -1;
    }
    k = &c->lkeys[c->nlkeys];
    memset(k, 0, sizeof *k);
    k->next_variant = UINT32_MAX;
    k->text = text.data;
    k->is_lemma = 1;
    k->lemmas = (uint32_t)p->nlemma_seq;
    k->nlemmas = (uint32_t)n;
    memcpy(p->lemma_seq + p->nlemma_seq, ids, n * sizeof *ids);
    p->nlemma_seq += n;
    *tagged = (uint32_t)c->nlkeys++ | LEMMA_TAG;
    if (compile_reg_add(c, *tagged) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    return 0;
}

void compile_add_use(struct compile *c, uint32_t tagged, int kind, uint32_t target, uint8_t suffix)
{
    if (RULES_GROW(c->pend, c->pend_cap, c->npend + 1) != 0) {
        c->ctx->oom = 1;
        return;
    }
    c->pend[c->npend].key = tagged;
    c->pend[c->npend].use.kind = (uint8_t)kind;
    c->pend[c->npend].use.target = target;
    c->pend[c->npend].use.allow_suffix = suffix;
    c->npend++;
}

struct lexlist *compile_find_lex(struct compile *c, const char *name, size_t *index)
{
    for (size_t i = 0; i < c->nlex; i++)
        if (strcmp(c->lex[i].name, name) == 0) {
            *index = i;
            return &c->lex[i];
        }
    return NULL;
}

/* A list of phrases (strings; "@list" references allowed when allow_refs)
 * for a policy-wide role. */
void compile_role_phrases(struct compile *c, json_t *arr, json_t *cont, const char *what, int kind, uint32_t target,
                         int allow_refs)
{
    size_t i;
    json_t *e;

    if (arr == NULL)
        return;
    if (!json_is_array(arr)) {
        ERR(arr, cont, "write [\"phrase\", ...]", "%s must be a list of phrases", what);
        return;
    }
    json_array_foreach(arr, i, e) {
        uint32_t key;
        uint8_t suffix;

        if (!json_is_string(e) || json_string_length(e) == 0) {
            ERR(e, arr, "write the phrase as a string", "%s[%zu] must be a non-empty string", what, i);
            continue;
        }
        if (allow_refs && json_string_value(e)[0] == '@') {
            size_t li;
            struct lexlist *l = compile_find_lex(c, json_string_value(e) + 1, &li);
            if (l == NULL) {
                ERR(e, arr, "define it under \"lexicon\", or check the spelling", "%s: unknown lexicon list %s",
                    what, json_string_value(e));
                continue;
            }
            c->lex_used[li] = 1;
            for (size_t k = 0; k < l->n; k++)
                if (!(l->keys[k] & LEMMA_TAG))
                    compile_add_use(c, l->keys[k], kind, target, l->suffix[k]);
            continue;
        }
        if (compile_phrase_key(c, e, arr, what, &key, &suffix) == 0) {
            compile_add_use(c, key, kind, target, suffix);
            compile_note_where(c, UINT32_MAX, kind == RULES_USE_BENIGN || kind == RULES_USE_UNLESS ? 2 : 1);
        }
    }
}
