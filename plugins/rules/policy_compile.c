/* policy_compile.c -- see policy_compile.h. */
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

/* ---- small validation helpers ---------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];

    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j], best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

static int ignored_key(const char *k)
{
    return strncmp(k, "//", 2) == 0 || strncmp(k, "x-", 2) == 0;
}

static int allowed(const char *k, const char *const *keys)
{
    for (const char *const *a = keys; *a; a++)
        if (strcmp(*a, k) == 0)
            return 1;
    return 0;
}

static void check_keys(struct compile *c, json_t *obj, const char *what, const char *const *keys)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v) {
        const char *best = NULL;
        size_t bd = 3;
        char hint[256];

        if (ignored_key(k) || allowed(k, keys))
            continue;
        for (const char *const *a = keys; *a; a++) {
            size_t d = edit_distance(k, *a);
            if (d < bd) {
                bd = d;
                best = *a;
            }
        }
        if (best)
            snprintf(hint, sizeof hint, "did you mean \"%s\"? (notes go in keys starting with \"//\" or \"x-\")",
                     best);
        else {
            size_t off = (size_t)snprintf(hint, sizeof hint, "known keys:");
            for (const char *const *a = keys; *a && off < sizeof hint; a++)
                off += (size_t)snprintf(hint + off, sizeof hint - off, " %s", *a);
            if (off < sizeof hint)
                snprintf(hint + off, sizeof hint - off, " (notes go in keys starting with \"//\" or \"x-\")");
        }
        rules_diag_at(c->ctx, v, obj, 1, RULES_DIAG_ERROR, hint, "unknown key \"%s\" in %s", k, what);
    }
}

#define ERR(v, cont, hint, ...) rules_diag_at(c->ctx, (v), (cont), 0, RULES_DIAG_ERROR, (hint), __VA_ARGS__)
#define WARN(v, cont, hint, ...) rules_diag_at(c->ctx, (v), (cont), 0, RULES_DIAG_WARNING, (hint), __VA_ARGS__)

static int valid_id(const char *s, const char *extra, int first_alnum)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 128)
        return 0;
    for (const char *p = s; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p && strchr(extra, *p));
        if (!ok)
            return 0;
        if (p == s && first_alnum && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    }
    return 1;
}

static int enum_index(const char *s, const char *const *names)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *const severity_names[] = {"none", "low", "medium", "high", "critical", NULL};
static const char *const flame_names[] = {"none", "low", "medium", "high", NULL};
static const char *const escalation_names[] = {"none", "supervisor", "legal", "lawyer", "police", NULL};

static int parse_enum(struct compile *c, json_t *v, json_t *cont, const char *what, const char *const *names,
                      int min, int dflt)
{
    int i;
    char hint[256];
    size_t off = 0;

    if (v == NULL)
        return dflt;
    i = json_is_string(v) ? enum_index(json_string_value(v), names) : -1;
    if (i >= min)
        return i;
    off += (size_t)snprintf(hint, sizeof hint, "use one of:");
    for (int k = min; names[k] && off < sizeof hint; k++)
        off += (size_t)snprintf(hint + off, sizeof hint - off, " %s", names[k]);
    ERR(v, cont, hint, "%s: unknown value %s%s%s", what, json_is_string(v) ? "\"" : "",
        json_is_string(v) ? json_string_value(v) : "(not a string)", json_is_string(v) ? "\"" : "");
    return dflt;
}

static char *dup_str(struct compile *c, const char *s)
{
    char *d = rules_strdup(s);
    if (d == NULL && s != NULL)
        c->ctx->oom = 1;
    return d;
}

/* A string or {"ja": ..., "en": ...}. */
static void parse_text(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_text *out)
{
    static const char *const langs[] = {"ja", "en", NULL};

    if (v == NULL)
        return;
    if (json_is_string(v)) {
        out->v[0] = dup_str(c, json_string_value(v));
        out->v[1] = dup_str(c, json_string_value(v));
        return;
    }
    if (json_is_object(v)) {
        check_keys(c, v, what, langs);
        for (int l = 0; l < RULES_NLANG; l++) {
            json_t *t = json_object_get(v, langs[l]);
            if (t == NULL)
                continue;
            if (!json_is_string(t))
                ERR(t, v, "write the text as a string", "%s.%s must be a string", what, langs[l]);
            else
                out->v[l] = dup_str(c, json_string_value(t));
        }
        return;
    }
    ERR(v, cont, "write a string, or {\"ja\": \"...\", \"en\": \"...\"}", "%s must be a text", what);
}

static void push_texts(struct compile *c, json_t *arr, const char *what, struct rules_texts *out, int lang)
{
    size_t i;
    json_t *e;

    out->v[lang] = calloc(json_array_size(arr) + 1, sizeof(char *));
    if (out->v[lang] == NULL) {
        c->ctx->oom = 1;
        return;
    }
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0) {
            ERR(e, arr, "each entry is a non-empty string", "%s[%zu] must be a non-empty string", what, i);
            continue;
        }
        out->v[lang][out->n[lang]++] = dup_str(c, json_string_value(e));
    }
}

/* A list of strings or {"ja": [...], "en": [...]}. */
static void parse_texts(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_texts *out)
{
    static const char *const langs[] = {"ja", "en", NULL};

    if (v == NULL)
        return;
    if (json_is_array(v)) {
        push_texts(c, v, what, out, 0);
        push_texts(c, v, what, out, 1);
        return;
    }
    if (json_is_object(v)) {
        check_keys(c, v, what, langs);
        for (int l = 0; l < RULES_NLANG; l++) {
            json_t *t = json_object_get(v, langs[l]);
            if (t == NULL)
                continue;
            if (!json_is_array(t))
                ERR(t, v, "write a list of strings", "%s.%s must be a list of strings", what, langs[l]);
            else
                push_texts(c, t, what, out, l);
        }
        return;
    }
    ERR(v, cont, "write [\"...\", ...] or {\"ja\": [...], \"en\": [...]}", "%s must be a list of texts", what);
}

static double get_number(struct compile *c, json_t *obj, const char *key, double dflt, double min, double max,
                         const char *what)
{
    json_t *v = json_object_get(obj, key);
    double d;

    if (v == NULL)
        return dflt;
    if (!json_is_number(v)) {
        ERR(v, obj, "write a number", "%s.%s must be a number", what, key);
        return dflt;
    }
    d = json_number_value(v);
    if (!(d >= min && d <= max)) {
        ERR(v, obj, NULL, "%s.%s must be between %g and %g", what, key, min, max);
        return dflt;
    }
    return d;
}

static long get_int(struct compile *c, json_t *obj, const char *key, long dflt, long min, long max, const char *what)
{
    json_t *v = json_object_get(obj, key);
    json_int_t i;

    if (v == NULL)
        return dflt;
    if (!json_is_integer(v)) {
        ERR(v, obj, "write a whole number", "%s.%s must be an integer", what, key);
        return dflt;
    }
    i = json_integer_value(v);
    if (i < min || i > max) {
        ERR(v, obj, NULL, "%s.%s must be between %ld and %ld", what, key, min, max);
        return dflt;
    }
    return (long)i;
}

static const char *get_string(struct compile *c, json_t *obj, const char *key, int required, const char *what)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        if (required)
            ERR(obj, obj, NULL, "%s: missing \"%s\"", what, key);
        return NULL;
    }
    if (!json_is_string(v)) {
        ERR(v, obj, "write a string", "%s.%s must be a string", what, key);
        return NULL;
    }
    return json_string_value(v);
}

/* ---- keys ------------------------------------------------------------ */

static struct rules_key *key_of(struct compile *c, uint32_t tagged)
{
    return (tagged & LEMMA_TAG) ? &c->lkeys[tagged & ~LEMMA_TAG] : &c->p->keys[tagged];
}

/* What makes two keys the same: the text, the kind, and for exact phrases
 * the script of every character ("=デモ" and "でも" share the text でも). */
struct key_ident {
    const char *text;
    uint8_t kind;              /* 0 phrase, 1 lemma sequence, 2 amount */
    uint8_t exact;
    const uint8_t *script;     /* clen bytes or NULL */
    uint32_t clen;
};

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

static int reg_find(struct compile *c, const struct key_ident *id, uint32_t *tagged)
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

static int reg_add(struct compile *c, uint32_t tagged)
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
static void note_where(struct compile *c, uint32_t leaf, int cue)
{
    if (c->ctx->lint && c->nnotes > 0) {
        c->notes[c->nnotes - 1].leaf = leaf;
        c->notes[c->nnotes - 1].cue = (uint8_t)cue;
    }
}

/* Normalize a phrase and find or create its key. Returns 0, or -1 after a
 * diagnostic. A leading '=' makes the phrase exact (FORMAT.md): kana
 * script compared, symbols kept as written. */
static int phrase_key(struct compile *c, json_t *v, json_t *cont, const char *what, uint32_t *tagged, uint8_t *suffix)
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
    if (reg_find(c, &id, tagged)) {
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
    if (reg_add(c, *tagged) != 0) {
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
static int lemma_key(struct compile *c, json_t *obj, const char *what, uint32_t *tagged)
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
        if (reg_find(c, &id, tagged)) {
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
    if (reg_add(c, *tagged) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    return 0;
}

static void add_use(struct compile *c, uint32_t tagged, int kind, uint32_t target, uint8_t suffix)
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

static struct lexlist *find_lex(struct compile *c, const char *name, size_t *index)
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
static void role_phrases(struct compile *c, json_t *arr, json_t *cont, const char *what, int kind, uint32_t target,
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
            struct lexlist *l = find_lex(c, json_string_value(e) + 1, &li);
            if (l == NULL) {
                ERR(e, arr, "define it under \"lexicon\", or check the spelling", "%s: unknown lexicon list %s",
                    what, json_string_value(e));
                continue;
            }
            c->lex_used[li] = 1;
            for (size_t k = 0; k < l->n; k++)
                if (!(l->keys[k] & LEMMA_TAG))
                    add_use(c, l->keys[k], kind, target, l->suffix[k]);
            continue;
        }
        if (phrase_key(c, e, arr, what, &key, &suffix) == 0) {
            add_use(c, key, kind, target, suffix);
            note_where(c, UINT32_MAX, kind == RULES_USE_BENIGN || kind == RULES_USE_UNLESS ? 2 : 1);
        }
    }
}

/* ---- top-level blocks ------------------------------------------------ */

static void compile_normalization(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"substitutions", "wildcards", "romaji", NULL};
    json_t *n = json_object_get(root, "normalization"), *v, *e;
    struct rules_policy *p = c->p;
    const char *k;
    size_t i;

    if (n == NULL)
        return;
    if (!json_is_object(n)) {
        ERR(n, root, NULL, "normalization must be an object");
        return;
    }
    check_keys(c, n, "normalization", keys);
    v = json_object_get(n, "wildcards");
    if (v != NULL && !json_is_array(v))
        ERR(v, n, "write [\"○\", \"〇\", ...]", "normalization.wildcards must be a list of single characters");
    else if (v != NULL)
        json_array_foreach(v, i, e) {
            if (!json_is_string(e) || rules_normalize(NULL, json_string_value(e), json_string_length(e), &c->nt) != 0 ||
                c->nt.len != 1) {
                ERR(e, v, "each wildcard is one character", "normalization.wildcards[%zu] must be one character", i);
                continue;
            }
            if (rules_is_latin_alnum(c->nt.cp[0]) || rules_is_kana(c->nt.cp[0])) {
                ERR(e, v, "use a symbol such as ○ or ＊", "normalization.wildcards[%zu]: a letter cannot be a wildcard",
                    i);
                continue;
            }
            if (p->norm.nwildcards >= sizeof p->norm.wildcards / sizeof p->norm.wildcards[0]) {
                ERR(e, v, NULL, "normalization.wildcards: at most 16");
                break;
            }
            p->norm.wildcards[p->norm.nwildcards++] = c->nt.cp[0];
        }
    for (int pass = 0; pass < 2; pass++) {
        const char *name = pass == 0 ? "substitutions" : "romaji";
        struct rules_cptrie *t = pass == 0 ? &p->norm.subst : &p->norm.romaji;

        v = json_object_get(n, name);
        if (v == NULL)
            continue;
        if (!json_is_object(v)) {
            ERR(v, n, "write {\"from\": \"to\", ...}", "normalization.%s must be an object", name);
            continue;
        }
        json_object_foreach(v, k, e) {
            uint32_t key[256], val[256];
            size_t kl, vl;

            if (ignored_key(k))
                continue;
            if (!json_is_string(e)) {
                ERR(e, v, NULL, "normalization.%s.%s must be a string", name, k);
                continue;
            }
            /* Keys and values are normalized by steps 1-3, as the text is
             * when they are applied. */
            if (rules_normalize(NULL, k, strlen(k), &c->nt) != 0 || c->nt.len == 0 || c->nt.len > 256) {
                rules_diag_at(c->ctx, e, v, 1, RULES_DIAG_ERROR, NULL, "normalization.%s: key \"%s\" is empty or too long",
                              name, k);
                continue;
            }
            kl = c->nt.len;
            memcpy(key, c->nt.cp, kl * sizeof *key);
            if (pass == 1)
                for (size_t j = 0; j < kl; j++)
                    if (!(key[j] < 0x80 && ((key[j] >= 'a' && key[j] <= 'z') || key[j] == ' ' ||
                                            (key[j] >= '0' && key[j] <= '9')))) {
                        rules_diag_at(c->ctx, e, v, 1, RULES_DIAG_ERROR,
                                      "romaji keys are Latin words separated by spaces",
                                      "normalization.romaji: key \"%s\" is not romaji", k);
                        kl = 0;
                        break;
                    }
            if (kl == 0)
                continue;
            if (rules_normalize(NULL, json_string_value(e), json_string_length(e), &c->nt) != 0 || c->nt.len == 0 ||
                c->nt.len > 256) {
                ERR(e, v, NULL, "normalization.%s.%s: value is empty or too long", name, k);
                continue;
            }
            vl = c->nt.len;
            memcpy(val, c->nt.cp, vl * sizeof *val);
            if (rules_cptrie_insert(t, key, kl, val, vl) != 0)
                c->ctx->oom = 1;
        }
    }
}

static void compile_negation(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"after", "before", "window", NULL};
    json_t *n = json_object_get(root, "negation");

    c->p->neg_window = 12;
    if (n == NULL)
        return;
    if (!json_is_object(n)) {
        ERR(n, root, NULL, "negation must be an object");
        return;
    }
    check_keys(c, n, "negation", keys);
    c->p->neg_window = (uint32_t)get_int(c, n, "window", 12, 0, 200, "negation");
    role_phrases(c, json_object_get(n, "after"), n, "negation.after", RULES_USE_NEG_AFTER, 0, 1);
    role_phrases(c, json_object_get(n, "before"), n, "negation.before", RULES_USE_NEG_BEFORE, 0, 1);
}

static uint32_t channel_list(struct compile *c, json_t *arr, json_t *cont, const char *what)
{
    uint32_t mask = 0;
    size_t i;
    json_t *e;

    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        ERR(arr, cont, "write e.g. [\"email\", \"web\"]", "%s must be a non-empty list of channels", what);
        return 0;
    }
    json_array_foreach(arr, i, e) {
        uint32_t b = json_is_string(e) ? rules_channel_bit(json_string_value(e)) : 0;
        if (b == 0)
            ERR(e, arr, "channels are: email, web, chat, phone, phone_note, sns, api, other",
                "%s: unknown channel %s", what, json_is_string(e) ? json_string_value(e) : "(not a string)");
        mask |= b;
    }
    return mask;
}

static void compile_quotation(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"history_markers", "staff_prefixes", "attributed_after", "attributed_before",
                                       "window",          "clause_window",  "notes_channels",   NULL};
    json_t *q = json_object_get(root, "quotation"), *nc;

    c->p->q_window = 6;
    c->p->q_clause_window = 6;
    c->p->notes_channels = RULES_CH_PHONE_NOTE;
    if (q == NULL)
        return;
    if (!json_is_object(q)) {
        ERR(q, root, NULL, "quotation must be an object");
        return;
    }
    check_keys(c, q, "quotation", keys);
    c->p->q_window = (uint32_t)get_int(c, q, "window", 6, 0, 200, "quotation");
    /* An addition: without it the clause window is the window (engine 1.0). */
    c->p->q_clause_window = (uint32_t)get_int(c, q, "clause_window", c->p->q_window, 0, 200, "quotation");
    nc = json_object_get(q, "notes_channels");
    if (nc != NULL)
        c->p->notes_channels = json_array_size(nc) == 0 && json_is_array(nc) ? 0 : channel_list(c, nc, q, "quotation.notes_channels");
    role_phrases(c, json_object_get(q, "history_markers"), q, "quotation.history_markers", RULES_USE_HISTORY, 0, 0);
    role_phrases(c, json_object_get(q, "staff_prefixes"), q, "quotation.staff_prefixes", RULES_USE_STAFF, 0, 0);
    role_phrases(c, json_object_get(q, "attributed_after"), q, "quotation.attributed_after", RULES_USE_Q_AFTER, 0, 0);
    role_phrases(c, json_object_get(q, "attributed_before"), q, "quotation.attributed_before", RULES_USE_Q_BEFORE, 0,
                 0);
}

static void compile_lexicon(struct compile *c, json_t *root)
{
    json_t *lex = json_object_get(root, "lexicon"), *list, *e;
    const char *name;
    size_t i;

    if (lex == NULL)
        return;
    if (!json_is_object(lex)) {
        ERR(lex, root, "write {\"name\": [\"phrase\", ...]}", "lexicon must be an object of phrase lists");
        return;
    }
    c->lex = calloc(json_object_size(lex) + 1, sizeof *c->lex);
    c->lex_used = calloc(json_object_size(lex) + 1, 1);
    if (c->lex == NULL || c->lex_used == NULL) {
        c->ctx->oom = 1;
        return;
    }
    json_object_foreach(lex, name, list) {
        struct lexlist *l;
        char what[160];

        if (ignored_key(name))
            continue;
        if (!valid_id(name, "_.-", 0)) {
            rules_diag_at(c->ctx, list, lex, 1, RULES_DIAG_ERROR, "use lower-case letters, digits, _ . -",
                          "lexicon list name \"%s\" is not valid", name);
            continue;
        }
        if (!json_is_array(list)) {
            ERR(list, lex, "write [\"phrase\", {\"lemma\": \"...\"}, ...]", "lexicon.%s must be a list", name);
            continue;
        }
        l = &c->lex[c->nlex++];
        l->name = name;
        l->value = list;
        snprintf(what, sizeof what, "lexicon.%s", name);
        json_array_foreach(list, i, e) {
            uint32_t key;
            uint8_t suffix = 0;
            int ok;

            if (json_is_string(e)) {
                if (json_string_value(e)[0] == '@') {
                    ERR(e, list, "list the phrases here, or reference both lists from the rule",
                        "%s[%zu]: a lexicon list cannot reference another list", what, i);
                    continue;
                }
                ok = phrase_key(c, e, list, what, &key, &suffix) == 0;
            } else if (json_is_object(e)) {
                static const char *const lk[] = {"lemma", "lemmas", NULL};
                check_keys(c, e, "a lexicon lemma entry", lk);
                if (json_object_get(e, "lemma") == NULL && json_object_get(e, "lemmas") == NULL) {
                    ERR(e, list, "write {\"lemma\": \"殺す\"} or {\"lemmas\": [\"火\", \"つける\"]}",
                        "%s[%zu]: an object entry needs \"lemma\" or \"lemmas\"", what, i);
                    continue;
                }
                ok = lemma_key(c, e, what, &key) == 0;
            } else {
                ERR(e, list, "write a phrase or a lemma object", "%s[%zu] must be a phrase or a lemma object", what, i);
                continue;
            }
            if (!ok)
                continue;
            if (RULES_GROW(l->keys, l->cap, l->n + 1) != 0 || RULES_GROW(l->suffix, l->scap, l->n + 1) != 0) {
                c->ctx->oom = 1;
                return;
            }
            l->keys[l->n] = key;
            l->suffix[l->n] = suffix;
            l->n++;
        }
    }
}

static void compile_guidance(struct compile *c, json_t *g, json_t *cat, struct rules_category *k)
{
    static const char *const keys[] = {"first_response", "reply_draft", "training", "flame_risk", "escalation",
                                       "tags", NULL};
    static const char *const fkeys[] = {"level", "advice", NULL};
    static const char *const ekeys[] = {"level", "reasons", "legal_basis", NULL};
    static const char *const tkeys[] = {"title", "url", NULL};
    json_t *v, *e;
    size_t i;

    if (!json_is_object(g)) {
        ERR(g, cat, NULL, "category %s: guidance must be an object", k->id);
        return;
    }
    k->has_guidance = 1;
    check_keys(c, g, "guidance", keys);
    parse_texts(c, json_object_get(g, "first_response"), g, "guidance.first_response", &k->steps);
    parse_text(c, json_object_get(g, "reply_draft"), g, "guidance.reply_draft", &k->draft);
    v = json_object_get(g, "training");
    if (v != NULL && !json_is_array(v))
        ERR(v, g, "write [{\"title\": \"...\", \"url\": \"https://...\"}]", "guidance.training must be a list");
    else if (v != NULL) {
        k->training = calloc(json_array_size(v) + 1, sizeof *k->training);
        if (k->training == NULL) {
            c->ctx->oom = 1;
            return;
        }
        json_array_foreach(v, i, e) {
            const char *url;
            if (!json_is_object(e)) {
                ERR(e, v, "write {\"title\": \"...\", \"url\": \"https://...\"}", "guidance.training[%zu] must be an object", i);
                continue;
            }
            check_keys(c, e, "a training link", tkeys);
            url = get_string(c, e, "url", 1, "training link");
            if (url == NULL)
                continue;
            if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
                ERR(json_object_get(e, "url"), e, "write a full https:// address", "training url must start with https:// or http://");
                continue;
            }
            parse_text(c, json_object_get(e, "title"), e, "training.title", &k->training[k->ntraining].title);
            k->training[k->ntraining++].url = dup_str(c, url);
        }
    }
    v = json_object_get(g, "flame_risk");
    if (v != NULL && !json_is_object(v))
        ERR(v, g, "write {\"level\": \"high\", \"advice\": \"...\"}", "guidance.flame_risk must be an object");
    else if (v != NULL) {
        check_keys(c, v, "guidance.flame_risk", fkeys);
        k->flame_level = parse_enum(c, json_object_get(v, "level"), v, "flame_risk.level", flame_names, 0, 0);
        parse_text(c, json_object_get(v, "advice"), v, "flame_risk.advice", &k->flame_advice);
    }
    v = json_object_get(g, "escalation");
    if (v != NULL && !json_is_object(v))
        ERR(v, g, "write {\"level\": \"lawyer\", \"reasons\": [...]}", "guidance.escalation must be an object");
    else if (v != NULL) {
        check_keys(c, v, "guidance.escalation", ekeys);
        k->esc_level = parse_enum(c, json_object_get(v, "level"), v, "escalation.level", escalation_names, 0, 0);
        parse_texts(c, json_object_get(v, "reasons"), v, "escalation.reasons", &k->esc_reasons);
        parse_texts(c, json_object_get(v, "legal_basis"), v, "escalation.legal_basis", &k->legal_basis);
    }
    v = json_object_get(g, "tags");
    if (v != NULL && !json_is_array(v))
        ERR(v, g, "write [\"mamori-threat\"]", "guidance.tags must be a list");
    else if (v != NULL) {
        k->tags = calloc(json_array_size(v) + 1, sizeof *k->tags);
        if (k->tags == NULL) {
            c->ctx->oom = 1;
            return;
        }
        json_array_foreach(v, i, e) {
            const char *t = json_string_value(e);
            if (t == NULL || !valid_id(t, "_:-", 0) || strlen(t) > 64) {
                ERR(e, v, "tags use a-z 0-9 _ : - and are at most 64 bytes", "guidance.tags[%zu] is not a valid tag", i);
                continue;
            }
            k->tags[k->ntags++] = dup_str(c, t);
        }
    }
}

static void compile_categories(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"id", "kind", "label", "severity", "threshold", "guidance", "remove", NULL};
    static const char *const kinds[] = {"harassment", "complaint", NULL};
    json_t *cats = json_object_get(root, "categories"), *e;
    struct rules_policy *p = c->p;
    size_t i;

    if (cats == NULL)
        return;
    if (!json_is_array(cats)) {
        ERR(cats, root, NULL, "categories must be a list");
        return;
    }
    p->cats = calloc(json_array_size(cats) + 1, sizeof *p->cats);
    if (p->cats == NULL) {
        c->ctx->oom = 1;
        return;
    }
    json_array_foreach(cats, i, e) {
        struct rules_category *k;
        const char *id;
        json_t *g;
        int kind;

        if (!json_is_object(e)) {
            ERR(e, cats, NULL, "categories[%zu] must be an object", i);
            continue;
        }
        check_keys(c, e, "a category", keys);
        id = get_string(c, e, "id", 1, "category");
        if (id == NULL)
            continue;
        if (!valid_id(id, "_", 0)) {
            ERR(json_object_get(e, "id"), e, "category ids use a-z 0-9 _", "category id \"%s\" is not valid", id);
            continue;
        }
        k = &p->cats[p->ncats];
        k->id = dup_str(c, id);
        kind = parse_enum(c, json_object_get(e, "kind"), e, "category kind", kinds, 0, -1);
        if (json_object_get(e, "kind") == NULL)
            ERR(e, cats, "add \"kind\": \"harassment\" or \"complaint\"", "category %s: missing \"kind\"", id);
        k->harassment = kind != 1;
        if (json_object_get(e, "severity") == NULL)
            ERR(e, cats, "add \"severity\": \"low\" | \"medium\" | \"high\" | \"critical\"",
                "category %s: missing \"severity\"", id);
        k->severity = parse_enum(c, json_object_get(e, "severity"), e, "category severity", severity_names, 1, 1);
        k->threshold = get_number(c, e, "threshold", 1.0, 1e-9, 1e9, "category");
        parse_text(c, json_object_get(e, "label"), e, "category label", &k->label);
        if (k->label.v[0] == NULL && k->label.v[1] == NULL) {
            k->label.v[0] = dup_str(c, id);
            k->label.v[1] = dup_str(c, id);
        }
        g = json_object_get(e, "guidance");
        if (g != NULL)
            compile_guidance(c, g, e, k);
        if (json_object_set_new(c->cat_index, id, json_integer((json_int_t)p->ncats)) != 0)
            c->ctx->oom = 1;
        p->ncats++;
    }
}

/* ---- expressions ----------------------------------------------------- */

static int new_expr(struct compile *c, int type, uint32_t rule, const char *label, uint32_t *out)
{
    struct rules_policy *p = c->p;
    struct rules_expr *x;

    if (RULES_GROW(p->exprs, p->exprs_cap, p->nexprs + 1) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    x = &p->exprs[p->nexprs];
    memset(x, 0, sizeof *x);
    x->type = (uint8_t)type;
    x->rule = rule;
    if (label != NULL && (x->label = rules_strdup(label)) == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    *out = (uint32_t)p->nexprs++;
    return 0;
}

static int set_kids(struct compile *c, uint32_t x, const uint32_t *kids, size_t n)
{
    struct rules_policy *p = c->p;

    if (RULES_GROW(p->kids, p->kids_cap, p->nkids + n) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    memcpy(p->kids + p->nkids, kids, n * sizeof *kids);
    p->exprs[x].kids = (uint32_t)p->nkids;
    p->exprs[x].nkids = (uint32_t)n;
    p->nkids += n;
    return 0;
}

static const char *const expr_ops[] = {"any",     "all", "not",    "near",     "not_near", "lemma", "lemmas",
                                       "contacts_at_least", "channel", "amount", NULL};

/* {"amount": {"min": N, "max": N, "currency": [...]}}: an amount key. */
static int amount_key(struct compile *c, json_t *obj, json_t *cont, uint32_t *tagged, char *label, size_t lsize)
{
    static const char *const keys[] = {"min", "max", "currency", NULL};
    struct rules_policy *p = c->p;
    struct rules_amount a;
    json_t *cur, *e;
    struct rules_key *k;
    size_t i, off;

    if (!json_is_object(obj)) {
        ERR(obj, cont, "write {\"amount\": {\"min\": 50000, \"currency\": [\"円\", \"$\"]}}",
            "\"amount\" takes an object");
        return -1;
    }
    check_keys(c, obj, "an amount", keys);
    a.min = get_number(c, obj, "min", 0, 0, 1e15, "amount");
    a.max = json_object_get(obj, "max") ? get_number(c, obj, "max", HUGE_VAL, 0, 1e15, "amount") : HUGE_VAL;
    if (a.max < a.min) {
        ERR(json_object_get(obj, "max"), obj, NULL, "amount: max %g is below min %g", a.max, a.min);
        return -1;
    }
    a.currencies = 0;
    cur = json_object_get(obj, "currency");
    if (cur == NULL) {
        a.currencies = RULES_CUR_ALL;
    } else if (!json_is_array(cur) || json_array_size(cur) == 0) {
        ERR(cur, obj, "write [\"円\", \"$\", \"dollars\"]", "amount.currency must be a non-empty list");
        return -1;
    } else {
        json_array_foreach(cur, i, e) {
            uint32_t bit = 0;
            if (json_is_string(e) &&
                rules_normalize(NULL, json_string_value(e), json_string_length(e), &c->nt) == 0)
                bit = rules_currency_bit((const char *)c->nt.u8, c->nt.u8len);
            if (bit == 0) {
                char hint[300];
                snprintf(hint, sizeof hint, "known currencies: %s", rules_currency_names);
                ERR(e, cur, hint, "amount.currency[%zu]: unknown currency %s", i,
                    json_is_string(e) ? json_string_value(e) : "(not a string)");
                return -1;
            }
            a.currencies |= bit;
        }
    }
    /* The label is the key's identity: two amounts with the same bounds
     * and currencies are one key. */
    off = (size_t)snprintf(label, lsize, "amount %.15g..", a.min);
    if (a.max != HUGE_VAL && off < lsize)
        off += (size_t)snprintf(label + off, lsize - off, "%.15g", a.max);
    for (uint32_t b = 1; b <= RULES_CUR_ALL && off < lsize; b <<= 1)
        if (a.currencies & b)
            off += (size_t)snprintf(label + off, lsize - off, " %s", rules_currency_code(b));
    {
        struct key_ident id = {label, 2, 0, NULL, 0};
        if (reg_find(c, &id, tagged))
            return 0;
    }
    if (RULES_GROW(c->lkeys, c->lkeys_cap, c->nlkeys + 1) != 0 ||
        rules_grow((void **)&p->amounts, &c->amounts_cap, c->namounts + 1, sizeof *p->amounts) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    k = &c->lkeys[c->nlkeys];
    memset(k, 0, sizeof *k);
    k->next_variant = UINT32_MAX;
    k->is_amount = 1;
    k->text = rules_strdup(label);
    if (k->text == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    k->amount = (uint32_t)c->namounts;
    p->amounts[c->namounts++] = a;
    *tagged = (uint32_t)c->nlkeys++ | LEMMA_TAG;
    if (reg_add(c, *tagged) != 0) {
        c->ctx->oom = 1;
        return -1;
    }
    return 0;
}

static const char *const expr_opts[] = {"within", "order", "same_sentence", "days", NULL};
static const char *const expr_keys[] = {"any",    "all",   "not",           "near", "not_near", "within",
                                        "order",  "same_sentence", "lemma", "lemmas", "amount",  "contacts_at_least",
                                        "days",   "channel", NULL};

static int compile_expr(struct compile *c, json_t *v, json_t *cont, uint32_t rule, int depth, uint32_t *out);

static int compile_list(struct compile *c, json_t *arr, json_t *obj, uint32_t rule, int depth, uint32_t x,
                        const char *op, size_t exact)
{
    uint32_t *kids;
    size_t i, n = 0;
    json_t *e;
    int rc = 0;

    if (!json_is_array(arr) || json_array_size(arr) == 0 || (exact && json_array_size(arr) != exact)) {
        if (exact)
            ERR(arr, obj, "write {\"near\": [a, b], \"within\": N}", "\"%s\" takes a list of exactly %zu expressions",
                op, exact);
        else
            ERR(arr, obj, NULL, "\"%s\" takes a non-empty list of expressions", op);
        return -1;
    }
    kids = calloc(json_array_size(arr), sizeof *kids);
    if (kids == NULL) {
        c->ctx->oom = 1;
        return -1;
    }
    json_array_foreach(arr, i, e) {
        if (compile_expr(c, e, arr, rule, depth + 1, &kids[n]) == 0)
            n++;
        else
            rc = -1;
    }
    if (rc == 0)
        rc = set_kids(c, x, kids, n);
    free(kids);
    return rc;
}

static int compile_expr(struct compile *c, json_t *v, json_t *cont, uint32_t rule, int depth, uint32_t *out)
{
    struct rules_policy *p = c->p;
    const char *op = NULL, *k;
    json_t *m;
    uint32_t x;
    int nops = 0;

    if (depth > MAX_EXPR_DEPTH) {
        ERR(v, cont, "split the rule into several rules", "match expression nested deeper than %d", MAX_EXPR_DEPTH);
        return -1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (new_expr(c, RULES_EX_TERM, rule, s, &x) != 0)
            return -1;
        if (s[0] == '@') {
            size_t li;
            struct lexlist *l = find_lex(c, s + 1, &li);
            if (l == NULL) {
                ERR(v, cont, "define it under \"lexicon\", or check the spelling", "unknown lexicon list %s", s);
                return -1;
            }
            c->lex_used[li] = 1;
            for (size_t i = 0; i < l->n; i++)
                add_use(c, l->keys[i], RULES_USE_LEAF, x, l->suffix[i]);
        } else {
            uint32_t key;
            uint8_t suffix;
            if (phrase_key(c, v, cont, "match", &key, &suffix) != 0)
                return -1;
            add_use(c, key, RULES_USE_LEAF, x, suffix);
            note_where(c, x, 0);
        }
        *out = x;
        return 0;
    }
    if (!json_is_object(v)) {
        ERR(v, cont, "write a phrase, \"@list\", or an object with any/all/not/near/lemma/lemmas/contacts_at_least/channel",
            "not a match expression");
        return -1;
    }
    json_object_foreach(v, k, m) {
        if (ignored_key(k))
            continue;
        if (allowed(k, expr_ops)) {
            op = op ? op : k;
            nops++;
        } else if (!allowed(k, expr_opts)) {
            check_keys(c, v, "a match expression", expr_keys);
            return -1;
        }
    }
    if (nops != 1 || ((json_object_get(v, "lemma") != NULL) && (json_object_get(v, "lemmas") != NULL))) {
        ERR(v, cont,
            "use one of any, all, not, near, not_near, lemma, lemmas, amount, contacts_at_least, channel; nest objects "
            "to combine",
            nops == 0 ? "match expression has no operator" : "match expression has more than one operator");
        return -1;
    }
    {
        int is_near = strcmp(op, "near") == 0 || strcmp(op, "not_near") == 0;
        if (((json_object_get(v, "within") != NULL || json_object_get(v, "order") != NULL ||
              json_object_get(v, "same_sentence") != NULL) &&
             !is_near) ||
            (json_object_get(v, "days") != NULL && strcmp(op, "contacts_at_least") != 0)) {
            ERR(v, cont,
                "\"within\", \"order\" and \"same_sentence\" go with \"near\" and \"not_near\", \"days\" with "
                "\"contacts_at_least\"",
                "\"%s\" does not take this option", op);
            return -1;
        }
    }
    if (strcmp(op, "amount") == 0) {
        uint32_t key;
        char label[160];
        if (amount_key(c, json_object_get(v, "amount"), v, &key, label, sizeof label) != 0 ||
            new_expr(c, RULES_EX_TERM, rule, label, &x) != 0)
            return -1;
        add_use(c, key, RULES_USE_LEAF, x, 0);
        *out = x;
        return 0;
    }
    if (strcmp(op, "lemma") == 0 || strcmp(op, "lemmas") == 0) {
        uint32_t key;
        char label[300];
        json_t *l = json_object_get(v, op);
        if (json_is_string(l))
            snprintf(label, sizeof label, "lemma:%s", json_string_value(l));
        else {
            size_t off = (size_t)snprintf(label, sizeof label, "lemmas:");
            size_t i;
            json_t *e;
            json_array_foreach(l, i, e) if (json_is_string(e) && off < sizeof label)
                off += (size_t)snprintf(label + off, sizeof label - off, "%s%s", i ? "+" : "", json_string_value(e));
        }
        if (lemma_key(c, v, "match", &key) != 0 || new_expr(c, RULES_EX_TERM, rule, label, &x) != 0)
            return -1;
        add_use(c, key, RULES_USE_LEAF, x, 0);
        *out = x;
        return 0;
    }
    if (strcmp(op, "any") == 0 || strcmp(op, "all") == 0) {
        if (new_expr(c, op[1] == 'n' ? RULES_EX_ANY : RULES_EX_ALL, rule, op, &x) != 0)
            return -1;
        if (compile_list(c, json_object_get(v, op), v, rule, depth, x, op, 0) != 0)
            return -1;
        *out = x;
        return 0;
    }
    if (strcmp(op, "not") == 0) {
        uint32_t kid;
        if (new_expr(c, RULES_EX_NOT, rule, "not", &x) != 0)
            return -1;
        if (compile_expr(c, json_object_get(v, "not"), v, rule, depth + 1, &kid) != 0 || set_kids(c, x, &kid, 1) != 0)
            return -1;
        *out = x;
        return 0;
    }
    if (strcmp(op, "near") == 0 || strcmp(op, "not_near") == 0) {
        static const char *const orders[] = {"any", "forward", NULL};
        json_t *w = json_object_get(v, "within"), *ss = json_object_get(v, "same_sentence");
        int neg = op[0] == 'n' && op[1] == 'o';
        if (ss != NULL && !json_is_boolean(ss)) {
            ERR(ss, v, "write true or false", "%s: same_sentence must be true or false", op);
            return -1;
        }
        if (w == NULL && !json_is_true(ss)) {
            ERR(v, cont, "add \"within\": N (normalized characters), or \"same_sentence\": true",
                "\"%s\" needs \"within\"", op);
            return -1;
        }
        if (new_expr(c, neg ? RULES_EX_NOT_NEAR : RULES_EX_NEAR, rule, op, &x) != 0)
            return -1;
        /* Without "within", same_sentence alone: anywhere in the sentence. */
        p->exprs[x].within = (uint32_t)get_int(c, v, "within", 10000, 0, 10000, op);
        p->exprs[x].order = (uint8_t)parse_enum(c, json_object_get(v, "order"), v, "order", orders, 0, 0);
        p->exprs[x].same_sentence = (uint8_t)json_is_true(ss);
        if (compile_list(c, json_object_get(v, op), v, rule, depth, x, op, 2) != 0)
            return -1;
        for (uint32_t i = 0; i < p->exprs[x].nkids; i++) {
            int t = p->exprs[p->kids[p->exprs[x].kids + i]].type;
            if (t == RULES_EX_NOT || t == RULES_EX_CONTACTS || t == RULES_EX_CHANNEL) {
                ERR(json_array_get(json_object_get(v, op), i), v,
                    "near and not_near compare positions in the text: use phrases, lists, lemmas, amounts, any, all, "
                    "near or not_near",
                    "%s: operand %u has no position in the text", op, i + 1);
                return -1;
            }
        }
        *out = x;
        return 0;
    }
    if (strcmp(op, "contacts_at_least") == 0) {
        if (new_expr(c, RULES_EX_CONTACTS, rule, "contacts_at_least", &x) != 0)
            return -1;
        p->exprs[x].contacts = (uint32_t)get_int(c, v, "contacts_at_least", 1, 1, 1000000, "contacts_at_least");
        p->exprs[x].days = (uint32_t)get_int(c, v, "days", 30, 1, 3650, "contacts_at_least");
        *out = x;
        return 0;
    }
    /* channel */
    if (new_expr(c, RULES_EX_CHANNEL, rule, "channel", &x) != 0)
        return -1;
    p->exprs[x].channels = channel_list(c, json_object_get(v, "channel"), v, "channel");
    *out = x;
    return 0;
}

/* Can the expression be true when no phrase or lemma occurs? Such rules
 * are evaluated on every ticket; the others only when touched. */
static int can_fire_empty(const struct rules_policy *p, uint32_t x)
{
    const struct rules_expr *e = &p->exprs[x];

    switch (e->type) {
    case RULES_EX_TERM:
    case RULES_EX_NEAR:
    case RULES_EX_NOT_NEAR:
        return 0;
    case RULES_EX_CONTACTS:
    case RULES_EX_CHANNEL:
    case RULES_EX_NOT:
        return 1;
    case RULES_EX_ANY:
        for (uint32_t i = 0; i < e->nkids; i++)
            if (can_fire_empty(p, p->kids[e->kids + i]))
                return 1;
        return 0;
    default: /* all */
        for (uint32_t i = 0; i < e->nkids; i++)
            if (!can_fire_empty(p, p->kids[e->kids + i]))
                return 0;
        return 1;
    }
}

/* Mark the leaves under an odd number of negations (not, the second
 * operand of not_near): their occurrences argue against the rule. */
static void mark_exceptions(struct rules_policy *p, uint32_t x, int odd)
{
    struct rules_expr *e = &p->exprs[x];

    switch (e->type) {
    case RULES_EX_TERM:
        e->exception = (uint8_t)odd;
        return;
    case RULES_EX_NOT:
        mark_exceptions(p, p->kids[e->kids], !odd);
        return;
    case RULES_EX_NOT_NEAR:
        mark_exceptions(p, p->kids[e->kids], odd);
        mark_exceptions(p, p->kids[e->kids + 1], !odd);
        return;
    default:
        for (uint32_t i = 0; i < e->nkids; i++)
            mark_exceptions(p, p->kids[e->kids + i], odd);
        return;
    }
}

/* "cancels" of veto `id` (engine 1.2): a list of category ids, or
 * "all-harassment" (alone or in the list) for every harassment category.
 * Fills out[] with distinct category indices in the order written (policy
 * order for all-harassment). 0, or -1 after reporting what is wrong. */
static int veto_targets(struct compile *c, json_t *e, const char *id, uint32_t *out, size_t *n)
{
    static const char *const not_with[] = {"category", "weight", "flame_risk", "escalation", NULL};
    struct rules_policy *p = c->p;
    json_t *v = json_object_get(e, "cancels"), *one = NULL, *item;
    size_t i;
    int bad = 0;

    *n = 0;
    for (const char *const *k = not_with; *k; k++)
        if (json_object_get(e, *k) != NULL) {
            ERR(json_object_get(e, *k), e,
                "a veto only cancels categories; put what it should add or raise on a rule of its own",
                "rule %s: \"%s\" cannot be used with \"cancels\"", id, *k);
            bad = 1;
        }
    if (json_is_string(v)) {
        one = json_array();
        if (one == NULL || json_array_append(one, v) != 0) {
            json_decref(one);
            c->ctx->oom = 1;
            return -1;
        }
    } else if (!json_is_array(v) || json_array_size(v) == 0) {
        ERR(v, e, "write \"cancels\": [\"threat\", \"violence\", ...] or \"cancels\": \"all-harassment\"",
            "rule %s: \"cancels\" must be a non-empty list of category ids or \"all-harassment\"", id);
        return -1;
    }
    json_array_foreach(one ? one : v, i, item) {
        const char *name = json_is_string(item) ? json_string_value(item) : NULL;
        json_t *cv;
        size_t before = *n;

        if (name == NULL) {
            ERR(item, v, "write a category id", "rule %s: cancels[%zu] must be a string", id, i);
            bad = 1;
            continue;
        }
        if (strcmp(name, "all-harassment") == 0) {
            for (size_t k = 0; k < p->ncats; k++)
                if (p->cats[k].harassment) {
                    size_t j = 0;
                    while (j < *n && out[j] != k)
                        j++;
                    if (j == *n)
                        out[(*n)++] = (uint32_t)k;
                }
            if (*n == before)
                WARN(item, v, "define harassment categories, or remove the veto",
                     "rule %s: \"all-harassment\" adds nothing: no harassment category is left to cancel", id);
            continue;
        }
        cv = json_object_get(c->cat_index, name);
        if (cv == NULL) {
            const char *best = NULL;
            size_t bd = 3;
            char hint[160];
            for (size_t k = 0; k < p->ncats; k++)
                if (edit_distance(name, p->cats[k].id) < bd) {
                    bd = edit_distance(name, p->cats[k].id);
                    best = p->cats[k].id;
                }
            if (best != NULL)
                snprintf(hint, sizeof hint, "did you mean \"%s\"?", best);
            else
                snprintf(hint, sizeof hint, "use the id of a category under \"categories\" (or \"all-harassment\")");
            ERR(item, v, hint, "rule %s: cancels unknown category \"%s\"", id, name);
            bad = 1;
            continue;
        }
        for (size_t j = 0; j < *n; j++)
            if (out[j] == (uint32_t)json_integer_value(cv)) {
                WARN(item, v, "list each category once", "rule %s: category \"%s\" is cancelled twice", id, name);
                before = SIZE_MAX;
                break;
            }
        if (before != SIZE_MAX)
            out[(*n)++] = (uint32_t)json_integer_value(cv);
    }
    json_decref(one);
    if (bad || *n == 0) {
        if (!bad)
            ERR(v, e, "list at least one category", "rule %s: \"cancels\" names no category", id);
        return -1;
    }
    return 0;
}

/* The copies of veto entry ri, one per further cancelled category. */
static int add_veto_copies(struct compile *c, uint32_t ri, const uint32_t *cancelled, size_t n)
{
    struct rules_policy *p = c->p;

    for (size_t k = 1; k < n; k++) {
        struct rules_rule *r = &p->rules[p->nrules];
        *r = p->rules[ri];
        r->id = dup_str(c, p->rules[ri].id);
        r->explain = p->rules[ri].explain ? dup_str(c, p->rules[ri].explain) : NULL;
        if (c->ctx->oom)
            return -1;
        r->category = cancelled[k];
        r->veto_copy = 1;
        r->always = 0; /* fires with the first entry, never on its own */
        p->nrules++;
    }
    p->rules[ri].veto_copies = (uint32_t)(n - 1);
    return 0;
}

static void compile_rules(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"id",       "category", "weight",      "match",      "field",
                                       "channels", "negation", "quoted",      "unless",     "unless_mode",
                                       "flame_risk", "escalation", "explain", "remove",     "cancels",
                                       "must",     NULL};
    static const char *const unless_modes[] = {"inside", "overlap", NULL};
    static const char *const negs[] = {"cancel", "ignore", "only", NULL};
    static const char *const quoted[] = {"exclude", "include", NULL};
    json_t *rules = json_object_get(root, "rules"), *e;
    struct rules_policy *p = c->p;
    size_t i, nentries = 0;
    uint32_t *cancelled;

    if (rules == NULL)
        return;
    if (!json_is_array(rules)) {
        ERR(rules, root, NULL, "rules must be a list");
        return;
    }
    /* A veto takes one entry per category it cancels, at most ncats. */
    json_array_foreach(rules, i, e)
        nentries += json_object_get(e, "cancels") != NULL ? p->ncats + 1 : 1;
    p->rules = calloc(nentries + 1, sizeof *p->rules);
    cancelled = calloc(p->ncats + 1, sizeof *cancelled);
    if (p->rules == NULL || cancelled == NULL) {
        free(cancelled);
        c->ctx->oom = 1;
        return;
    }
    json_array_foreach(rules, i, e) {
        struct rules_rule *r;
        const char *id, *cat = NULL, *ex;
        json_t *cv = NULL, *m, *f;
        uint32_t ri, root_x;
        size_t ncancelled = 0;
        int veto;

        if (!json_is_object(e)) {
            ERR(e, rules, NULL, "rules[%zu] must be an object", i);
            continue;
        }
        check_keys(c, e, "a rule", keys);
        id = get_string(c, e, "id", 1, "rule");
        if (id == NULL)
            continue;
        if (!valid_id(id, "_.-", 0)) {
            ERR(json_object_get(e, "id"), e, "rule ids use a-z 0-9 _ . -", "rule id \"%s\" is not valid", id);
            continue;
        }
        if (json_object_get(c->rule_ids, id) != NULL) {
            ERR(json_object_get(e, "id"), e, "give each rule its own id", "duplicate rule id \"%s\"", id);
            continue;
        }
        if (json_object_set_new(c->rule_ids, id, json_true()) != 0)
            c->ctx->oom = 1;
        veto = json_object_get(e, "cancels") != NULL;
        if (veto) {
            if (veto_targets(c, e, id, cancelled, &ncancelled) != 0)
                continue;
        } else {
            cat = get_string(c, e, "category", 1, "rule");
            cv = cat ? json_object_get(c->cat_index, cat) : NULL;
            if (cat != NULL && cv == NULL) {
                ERR(json_object_get(e, "category"), e,
                    "define the category under \"categories\", or check the spelling",
                    "rule %s: unknown category \"%s\"", id, cat);
                continue;
            }
            if (cv == NULL)
                continue;
        }
        m = json_object_get(e, "match");
        if (m == NULL) {
            ERR(e, rules, "add \"match\": a phrase, \"@list\" or an expression", "rule %s: missing \"match\"", id);
            continue;
        }
        ri = (uint32_t)p->nrules;
        r = &p->rules[ri];
        memset(r, 0, sizeof *r);
        r->id = dup_str(c, id);
        if (veto) {
            r->veto = 1;
            r->category = cancelled[0];
            r->weight = -HUGE_VAL;
        } else {
            r->category = (uint32_t)json_integer_value(cv);
            r->weight = get_number(c, e, "weight", 1.0, -1e6, 1e6, "rule");
        }
        f = json_object_get(e, "field");
        r->field = RULES_FIELD_ANY;
        if (f != NULL) {
            static const char *const fields[] = {"subject", "body", "any", NULL};
            int fi = parse_enum(c, f, e, "rule field", fields, 0, 2);
            r->field = fi == 0 ? RULES_FIELD_SUBJECT : fi == 1 ? RULES_FIELD_BODY : RULES_FIELD_ANY;
        }
        r->channels = json_object_get(e, "channels") ? channel_list(c, json_object_get(e, "channels"), e, "rule channels")
                                                     : 0;
        r->negation = (uint8_t)parse_enum(c, json_object_get(e, "negation"), e, "rule negation", negs, 0, 0);
        r->quoted = (uint8_t)parse_enum(c, json_object_get(e, "quoted"), e, "rule quoted", quoted, 0, 0);
        r->unless_overlap =
            (uint8_t)parse_enum(c, json_object_get(e, "unless_mode"), e, "rule unless_mode", unless_modes, 0, 0);
        r->flame = json_object_get(e, "flame_risk") ? parse_enum(c, json_object_get(e, "flame_risk"), e,
                                                                  "rule flame_risk", flame_names, 0, -1)
                                                    : -1;
        r->escalation = json_object_get(e, "escalation") ? parse_enum(c, json_object_get(e, "escalation"), e,
                                                                       "rule escalation", escalation_names, 0, -1)
                                                         : -1;
        ex = get_string(c, e, "explain", 0, "rule");
        r->explain = ex ? dup_str(c, ex) : NULL;
        if (json_object_get(e, "must") != NULL) {
            json_t *mv = json_object_get(e, "must");
            if (!json_is_boolean(mv))
                ERR(mv, e, "write true or false", "must must be true or false");
            else if (json_is_true(mv) && veto)
                ERR(mv, e, "a veto cancels; only a rule that finds harassment can be a must",
                    "a veto cannot be a must rule");
            else
                r->must = (uint8_t)json_is_true(mv);
        }
        p->nrules++;
        if (compile_expr(c, m, e, ri, 0, &root_x) != 0) {
            p->nrules--;
            free(p->rules[ri].id);
            free(p->rules[ri].explain);
            continue;
        }
        p->rules[ri].root = root_x;
        p->rules[ri].always = (uint8_t)can_fire_empty(p, root_x);
        mark_exceptions(p, root_x, 0);
        if (json_object_get(e, "unless") != NULL) {
            size_t before = c->npend;
            role_phrases(c, json_object_get(e, "unless"), e, "rule unless", RULES_USE_UNLESS, ri, 1);
            p->rules[ri].has_unless = c->npend > before;
        }
        if (veto && add_veto_copies(c, ri, cancelled, ncancelled) != 0)
            break;
    }
    free(cancelled);
}

/* ---- finishing ------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

struct key_text {
    const char *text;
    uint32_t key;
};

static int cmp_key_text(const void *a, const void *b)
{
    const struct key_text *x = a, *y = b;
    int d = strcmp(x->text, y->text);
    return d != 0 ? d : (x->key < y->key ? -1 : x->key > y->key);
}

static int chain_variants(struct rules_policy *p)
{
    struct key_text *order;
    size_t nexact = 0;

    /* Plain keys are unique by text (the registry merges them), so texts
     * are shared only where an exact key exists: without one, no chains
     * and no sort (the load of a 10,000-phrase policy stays as it was). */
    for (size_t k = 0; k < p->nphrases; k++)
        nexact += p->keys[k].exact;
    if (nexact == 0)
        return RULES_OK;
    order = malloc((p->nphrases + 1) * sizeof *order);
    if (order == NULL)
        return RULES_ENOMEM;
    for (size_t k = 0; k < p->nphrases; k++) {
        order[k].text = p->keys[k].text;
        order[k].key = (uint32_t)k;
    }
    rules_sort(order, p->nphrases, sizeof *order, cmp_key_text);
    for (size_t i = 0; i < p->nphrases;) {
        size_t j = i + 1;
        while (j < p->nphrases && strcmp(order[i].text, order[j].text) == 0)
            j++;
        /* order[i] (the lowest index) heads the chain; the others follow */
        for (size_t m = i; m < j; m++) {
            p->keys[order[m].key].next_variant = m + 1 < j ? order[m + 1].key : UINT32_MAX;
            p->keys[order[m].key].chained = m > i;
        }
        i = j;
    }
    free(order);
    return RULES_OK;
}

/* The droppable characters phrases contain (sorted, distinct): where a
 * text dropped one of them between letters, the evaluator re-reads it with
 * the dropped symbols put back ("$", "🔪", "=★1"). */
static int symbol_set(struct rules_policy *p)
{
    size_t cap = 0, n = 0;

    for (size_t k = 0; k < p->nphrases; k++) {
        const uint8_t *t = (const uint8_t *)p->keys[k].text;
        size_t i = 0;
        while (i < p->keys[k].blen) {
            int32_t cp = rules_utf8_next(t, p->keys[k].blen, &i);
            if (cp < 0 || !rules_cp_droppable((uint32_t)cp))
                continue;
            if (RULES_GROW(p->sym, cap, n + 1) != 0)
                return RULES_ENOMEM;
            p->sym[n++] = (uint32_t)cp;
        }
    }
    rules_sort(p->sym, n, sizeof *p->sym, cmp_u32);
    p->nsym = 0;
    for (size_t i = 0; i < n; i++)
        if (p->nsym == 0 || p->sym[p->nsym - 1] != p->sym[i])
            p->sym[p->nsym++] = p->sym[i];
    return RULES_OK;
}

static int finish(struct compile *c, const struct rules_load_options *opt)
{
    struct rules_policy *p = c->p;
    struct rules_ac_builder *b = NULL;
    uint32_t *count = NULL;
    size_t nk;
    int rc;

    /* Lemma keys go after the phrase keys, amount keys after them. */
    p->nphrases = p->nkeys;
    if (c->nlkeys > 0) {
        uint32_t *remap = malloc(c->nlkeys * sizeof *remap);
        size_t at = p->nkeys;
        if (remap == NULL || RULES_GROW(p->keys, p->keys_cap, p->nkeys + c->nlkeys) != 0) {
            free(remap);
            return RULES_ENOMEM;
        }
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < c->nlkeys; i++)
                if (c->lkeys[i].is_amount == pass) {
                    remap[i] = (uint32_t)at;
                    p->keys[at++] = c->lkeys[i];
                    if (pass == 0)
                        p->nlemma_keys++;
                    else
                        p->namount_keys++;
                }
        p->nkeys += c->nlkeys;
        for (size_t i = 0; i < c->npend; i++)
            if (c->pend[i].key & LEMMA_TAG)
                c->pend[i].key = remap[c->pend[i].key & ~LEMMA_TAG] | LEMMA_TAG;
        free(remap);
        free(c->lkeys);
        c->lkeys = NULL;
        c->nlkeys = 0;
    }
    nk = p->nkeys;
    for (size_t i = 0; i < c->npend; i++)
        c->pend[i].key &= ~LEMMA_TAG;
    /* Uses, grouped by key (counting sort keeps their order). */
    count = calloc(nk + 1, sizeof *count);
    p->uses = malloc((c->npend + 1) * sizeof *p->uses);
    if (count == NULL || p->uses == NULL) {
        free(count);
        return RULES_ENOMEM;
    }
    for (size_t i = 0; i < c->npend; i++)
        count[c->pend[i].key + 1]++;
    for (size_t k = 0; k < nk; k++)
        count[k + 1] += count[k];
    for (size_t k = 0; k < nk; k++) {
        p->keys[k].uses = count[k];
        p->keys[k].nuses = count[k + 1] - count[k];
    }
    for (size_t i = 0; i < c->npend; i++)
        p->uses[count[c->pend[i].key]++] = c->pend[i].use;
    p->nuses = c->npend;
    free(count);

    /* The automaton: every phrase text of the policy, once. Keys that share
     * a text (an exact "=デモ" and a plain "でも") are chained behind the
     * first, which the automaton reports. */
    if ((rc = chain_variants(p)) != 0)
        return rc;
    if ((rc = rules_ac_builder_new(&b)) != 0)
        return rc;
    for (size_t k = 0; k < p->nphrases; k++)
        if (!p->keys[k].chained &&
            (rc = rules_ac_builder_add(b, (const uint8_t *)p->keys[k].text, p->keys[k].blen, (uint32_t)k)) != 0) {
            rules_ac_builder_free(b);
            return rc;
        }
    rc = rules_ac_build(b, opt->dense_budget, &p->ac);
    rules_ac_builder_free(b);
    if (rc != 0)
        return rc;
    if ((rc = symbol_set(p)) != 0)
        return rc;

    /* Kana that phrases use: the readings tried for a wildcard. */
    if (p->norm.nwildcards > 0) {
        uint8_t seen[0x100];
        memset(seen, 0, sizeof seen);
        for (size_t k = 0; k < p->nphrases; k++) {
            size_t i = 0;
            const uint8_t *t = (const uint8_t *)p->keys[k].text;
            while (i < p->keys[k].blen) {
                int32_t cp = rules_utf8_next(t, p->keys[k].blen, &i);
                if (cp >= 0x3000 && cp < 0x3100 && rules_is_kana((uint32_t)cp))
                    seen[cp - 0x3000] = 1;
            }
        }
        p->kana = calloc(0x100, sizeof *p->kana);
        if (p->kana == NULL)
            return RULES_ENOMEM;
        for (uint32_t i = 0; i < 0x100; i++)
            if (seen[i])
                p->kana[p->nkana++] = 0x3000 + i;
    }

    /* Lemma keys by their first lemma. */
    if (p->nlemmas > 0) {
        p->lemma_first_off = calloc(p->nlemmas + 1, sizeof *p->lemma_first_off);
        p->lemma_first_keys = calloc(p->nlemma_keys + 1, sizeof *p->lemma_first_keys);
        if (p->lemma_first_off == NULL || p->lemma_first_keys == NULL)
            return RULES_ENOMEM;
        for (size_t k = p->nphrases; k < p->nphrases + p->nlemma_keys; k++)
            p->lemma_first_off[p->lemma_seq[p->keys[k].lemmas] + 1]++;
        for (size_t l = 0; l < p->nlemmas; l++)
            p->lemma_first_off[l + 1] += p->lemma_first_off[l];
        {
            uint32_t *fill = calloc(p->nlemmas + 1, sizeof *fill);
            if (fill == NULL)
                return RULES_ENOMEM;
            for (size_t k = p->nphrases; k < p->nphrases + p->nlemma_keys; k++) {
                uint32_t l = p->lemma_seq[p->keys[k].lemmas];
                p->lemma_first_keys[p->lemma_first_off[l] + fill[l]++] = (uint32_t)k;
            }
            free(fill);
        }
    }

    p->always_rules = calloc(p->nrules + 1, sizeof *p->always_rules);
    if (p->always_rules == NULL)
        return RULES_ENOMEM;
    for (size_t r = 0; r < p->nrules; r++)
        if (p->rules[r].always)
            p->always_rules[p->nalways++] = (uint32_t)r;
    rules_sort(p->always_rules, p->nalways, sizeof *p->always_rules, cmp_u32);
    return RULES_OK;
}

static int valid_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') || (s[n] >= 'A' && s[n] <= 'F')))
            return 0;
    return n == 64;
}

/* Load the model the policy names: its bytes must have the pinned sha256
 * (so a signed policy covers its model), parse, fit the categories. */
static void load_model(struct compile *c, json_t *root)
{
    struct rules_policy *p = c->p;
    json_t *v = json_object_get(root, "model");
    const char *pin = json_string_value(json_object_get(v, "sha256"));
    struct rules_error err = {0, ""};
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    unsigned char digest[32];
    unsigned int dlen = 0;
    char hex[65];
    FILE *f;
    int rc;

    if (p->model_path == NULL || pin == NULL)
        return;
    f = fopen(p->model_path, "rb");
    if (f == NULL) {
        ERR(json_object_get(v, "file"), v, "train it with `mamori policy train`; the path is relative to the policy file",
            "cannot read model %s: %s", p->model_path, strerror(errno));
        return;
    }
    for (;;) {
        size_t got;
        if (cap - len < 65536) {
            size_t nc = cap ? cap * 2 : 1 << 20;
            unsigned char *nd = realloc(data, nc);
            if (nd == NULL) {
                free(data);
                fclose(f);
                c->ctx->oom = 1;
                return;
            }
            data = nd;
            cap = nc;
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    rc = ferror(f);
    fclose(f);
    if (rc) {
        ERR(json_object_get(v, "file"), v, NULL, "cannot read model %s", p->model_path);
        free(data);
        return;
    }
    if (EVP_Digest(data, len, digest, &dlen, EVP_sha256(), NULL) != 1 || dlen != 32) {
        free(data);
        c->ctx->oom = 1;
        return;
    }
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    if (strcasecmp(hex, pin) != 0) {
        ERR(json_object_get(v, "sha256"), v,
            "the model file changed since the policy pinned it: put back the signed model, or retrain, update "
            "sha256 and sign the policy again",
            "model %s has sha256 %s, the policy pins %s", p->model_path, hex, pin);
        free(data);
        return;
    }
    rc = mamori_model_parse(data, len, &p->model, &err);
    free(data);
    if (rc == RULES_ENOMEM) {
        c->ctx->oom = 1;
        return;
    }
    if (rc != 0) {
        ERR(json_object_get(v, "file"), v, "retrain it with `mamori policy train`", "model %s: %s", p->model_path,
            err.message);
        return;
    }
    if (mamori_model_check_policy(p->model, p, &err) != 0) {
        ERR(json_object_get(v, "file"), v, "retrain the model for this policy", "model %s: %s", p->model_path,
            err.message);
        mamori_model_free(p->model);
        p->model = NULL;
        return;
    }
    p->cat_label = calloc(p->ncats + 1, sizeof *p->cat_label);
    if (p->cat_label == NULL) {
        c->ctx->oom = 1;
        return;
    }
    for (size_t k = 0; k < p->ncats; k++)
        p->cat_label[k] = p->cats[k].harassment ? mamori_model_label(p->model, p->cats[k].id) : -1;
    p->label_harassment = mamori_model_label(p->model, MAMORI_LABEL_HARASSMENT);
    p->label_escalate = mamori_model_label(p->model, MAMORI_LABEL_ESCALATE);
    p->label_flame = mamori_model_label(p->model, MAMORI_LABEL_FLAME);
}

static void compile_meta(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"mamori_policy", "id",          "version",   "title",      "company",
                                       "author",        "languages",   "effective_date", "extends", "tests",
                                       "quality",       "placeholders", "contacts", "normalization", "negation",
                                       "quotation",
                                       "benign",        "lexicon",     "categories", "rules",      "model",
                                       NULL};
    static const char *const qkeys[] = {"harassment_recall", "benign_fp_rate_max", "escalation_recall",
                                        "escalation_precision", "macro_f1", NULL};
    struct rules_policy *p = c->p;
    const char *s;
    json_t *v, *e;
    size_t i;

    check_keys(c, root, "the policy", keys);
    s = get_string(c, root, "id", 1, "policy");
    if (s != NULL && !valid_id(s, "_.-", 1))
        ERR(json_object_get(root, "id"), root, "policy ids match [a-z0-9][a-z0-9_.-]*", "policy id \"%s\" is not valid",
            s);
    p->id = dup_str(c, s ? s : "");
    s = get_string(c, root, "version", 1, "policy");
    p->version = dup_str(c, s ? s : "");
    p->title = dup_str(c, get_string(c, root, "title", 0, "policy"));
    p->company = dup_str(c, get_string(c, root, "company", 0, "policy"));
    p->author = dup_str(c, get_string(c, root, "author", 0, "policy"));
    s = get_string(c, root, "effective_date", 0, "policy");
    if (s != NULL) {
        int y, m, d;
        char tail;
        if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
            d > 31)
            ERR(json_object_get(root, "effective_date"), root, "write the date as YYYY-MM-DD",
                "effective_date \"%s\" is not a date", s);
        p->effective_date = dup_str(c, s);
    }
    p->primary_lang = -1;
    v = json_object_get(root, "languages");
    if (v != NULL && !json_is_array(v))
        ERR(v, root, "write [\"ja\"] or [\"ja\", \"en\"]", "languages must be a list");
    else if (v != NULL)
        json_array_foreach(v, i, e) {
            int l = rules_lang_parse(json_string_value(e));
            if (l < 0 || strlen(json_string_value(e)) != 2) {
                ERR(e, v, "languages are \"ja\" and \"en\"", "unknown language");
                continue;
            }
            p->languages |= 1u << l;
            if (p->primary_lang < 0)
                p->primary_lang = l;
        }
    if (p->primary_lang < 0)
        p->primary_lang = RULES_LANG_JA;
    s = get_string(c, root, "tests", 0, "policy");
    if (s != NULL && s[0] != '\0') {
        struct rules_origin o;
        const char *base = c->ctx->files[0];
        if (rules_origin_get(c->ctx, json_object_get(root, "tests"), &o) == 0)
            base = c->ctx->files[o.file];
        p->tests_path = rules_path_resolve(base, s);
        if (p->tests_path == NULL)
            c->ctx->oom = 1;
    }
    v = json_object_get(root, "model");
    if (v != NULL && !json_is_object(v)) {
        ERR(v, root, "write {\"file\": \"policy.model\", \"sha256\": \"...\"}", "model must be an object");
    } else if (v != NULL) {
        static const char *const mkeys[] = {"file", "sha256", NULL};
        const char *file, *sha;
        check_keys(c, v, "model", mkeys);
        file = get_string(c, v, "file", 1, "model");
        sha = get_string(c, v, "sha256", 1, "model");
        if (sha != NULL && !valid_sha256_hex(sha))
            ERR(json_object_get(v, "sha256"), v, "64 hexadecimal digits, as sha256sum prints them",
                "model sha256 \"%s\" is not a sha256", sha);
        if (file != NULL && file[0] != '\0') {
            struct rules_origin o;
            const char *base = c->ctx->files[0];
            if (rules_origin_get(c->ctx, json_object_get(v, "file"), &o) == 0)
                base = c->ctx->files[o.file];
            p->model_path = rules_path_resolve(base, file);
            if (p->model_path == NULL)
                c->ctx->oom = 1;
        }
    }
    v = json_object_get(root, "quality");
    if (v != NULL && !json_is_object(v))
        ERR(v, root, NULL, "quality must be an object");
    else if (v != NULL) {
        double *dst[] = {&p->quality.harassment_recall, &p->quality.benign_fp_rate_max, &p->quality.escalation_recall,
                         &p->quality.escalation_precision, &p->quality.macro_f1};
        check_keys(c, v, "quality", qkeys);
        for (int k = 0; qkeys[k]; k++)
            if (json_object_get(v, qkeys[k]) != NULL) {
                *dst[k] = get_number(c, v, qkeys[k], 0, 0, 1, "quality");
                p->quality.set |= 1u << k;
            }
    }
    v = json_object_get(root, "contacts");
    if (v != NULL && !json_is_object(v))
        ERR(v, root, "write {\"lawyer\": \"...\", \"police\": \"110\"}", "contacts must be an object");
    else if (v != NULL) {
        static const char *const ckeys[] = {"supervisor", "legal", "lawyer", "police", NULL};
        check_keys(c, v, "contacts", ckeys);
        for (int k = 0; ckeys[k]; k++)
            parse_text(c, json_object_get(v, ckeys[k]), v, "contacts", &p->contacts[k + 1]);
    }
    v = json_object_get(root, "placeholders");
    if (v != NULL && !json_is_object(v))
        ERR(v, root, "write {\"requester_name\": \"お客様\"}", "placeholders must be an object");
    else if (v != NULL) {
        const char *k;
        p->placeholders = calloc(json_object_size(v) + 1, sizeof *p->placeholders);
        if (p->placeholders == NULL) {
            c->ctx->oom = 1;
            return;
        }
        json_object_foreach(v, k, e) {
            if (ignored_key(k))
                continue;
            if (!valid_id(k, "_", 0)) {
                rules_diag_at(c->ctx, e, v, 1, RULES_DIAG_ERROR, "placeholder names use a-z 0-9 _",
                              "placeholder name \"%s\" is not valid", k);
                continue;
            }
            p->placeholders[p->nplaceholders].name = dup_str(c, k);
            parse_text(c, e, v, "placeholder", &p->placeholders[p->nplaceholders].value);
            p->nplaceholders++;
        }
    }
}

int rules_policy_compile(struct rules_loadctx *ctx, json_t *root, const struct rules_load_options *opt,
                         struct rules_policy **out)
{
    struct compile c;
    struct rules_policy *p;
    const char **lex_names = NULL;
    json_t **lex_values = NULL;
    int rc = RULES_OK;

    *out = NULL;
    memset(&c, 0, sizeof c);
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return RULES_ENOMEM;
    p->label_harassment = p->label_escalate = p->label_flame = -1;
    c.ctx = ctx;
    c.p = p;
    rules_ntext_init(&c.nt);
    rules_norm_config_init(&p->norm);
    c.cat_index = json_object();
    c.rule_ids = json_object();
    p->path = rules_strdup(ctx->files[0]);
    if (c.cat_index == NULL || c.rule_ids == NULL || p->path == NULL) {
        rc = RULES_ENOMEM;
        goto done;
    }
    compile_meta(&c, root);
    /* Normalization first: every phrase below is normalized with it. */
    compile_normalization(&c, root);
    compile_lexicon(&c, root);
    compile_negation(&c, root);
    compile_quotation(&c, root);
    role_phrases(&c, json_object_get(root, "benign"), root, "benign", RULES_USE_BENIGN, 0, 1);
    compile_categories(&c, root);
    compile_rules(&c, root);
    if (ctx->diags->errors == 0 && !ctx->oom)
        load_model(&c, root);
    if (ctx->oom) {
        rc = RULES_ENOMEM;
        goto done;
    }
    if (ctx->diags->errors == 0 && (rc = finish(&c, opt)) != 0)
        goto done;
    if (ctx->lint && ctx->diags->errors == 0) {
        lex_names = calloc(c.nlex + 1, sizeof *lex_names);
        lex_values = calloc(c.nlex + 1, sizeof *lex_values);
        if (lex_names == NULL || lex_values == NULL) {
            rc = RULES_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < c.nlex; i++) {
            lex_names[i] = c.lex[i].name;
            lex_values[i] = c.lex[i].value;
        }
        rules_lint_checks(ctx, root, p, c.lex_used, lex_names, lex_values, c.nlex, c.notes, c.nnotes);
    }
done:
    if (rc == 0 && !ctx->oom) {
        *out = p;
        p = NULL;
    } else if (rc == 0) {
        rc = RULES_ENOMEM;
    }
    mamori_rules_policy_free(p);
    free(lex_names);
    free(lex_values);
    rules_ntext_free(&c.nt);
    free(c.reg);
    for (size_t i = 0; i < c.nlkeys; i++)
        free(c.lkeys[i].text);
    free(c.lkeys);
    free(c.notes);
    free(c.pend);
    for (size_t i = 0; i < c.nlex; i++) {
        free(c.lex[i].keys);
        free(c.lex[i].suffix);
    }
    free(c.lex);
    free(c.lex_used);
    json_decref(c.cat_index);
    json_decref(c.rule_ids);
    return rc;
}

/* ---- freeing --------------------------------------------------------- */

static void text_free(struct rules_text *t)
{
    for (int l = 0; l < RULES_NLANG; l++)
        free(t->v[l]);
}

static void texts_free(struct rules_texts *t)
{
    for (int l = 0; l < RULES_NLANG; l++) {
        for (size_t i = 0; i < t->n[l]; i++)
            free(t->v[l][i]);
        free(t->v[l]);
    }
}

void mamori_rules_policy_free(struct rules_policy *p)
{
    if (p == NULL)
        return;
    free(p->path);
    free(p->id);
    free(p->version);
    free(p->title);
    free(p->company);
    free(p->author);
    free(p->effective_date);
    free(p->tests_path);
    free(p->model_path);
    mamori_model_free(p->model);
    free(p->cat_label);
    for (size_t i = 0; i < p->nplaceholders; i++) {
        free(p->placeholders[i].name);
        text_free(&p->placeholders[i].value);
    }
    free(p->placeholders);
    for (int i = 0; i < 5; i++)
        text_free(&p->contacts[i]);
    rules_norm_config_free(&p->norm);
    for (size_t i = 0; i < p->ncats; i++) {
        struct rules_category *k = &p->cats[i];
        free(k->id);
        text_free(&k->label);
        texts_free(&k->steps);
        text_free(&k->draft);
        for (size_t j = 0; j < k->ntraining; j++) {
            text_free(&k->training[j].title);
            free(k->training[j].url);
        }
        free(k->training);
        text_free(&k->flame_advice);
        texts_free(&k->esc_reasons);
        texts_free(&k->legal_basis);
        for (size_t j = 0; j < k->ntags; j++)
            free(k->tags[j]);
        free(k->tags);
    }
    free(p->cats);
    for (size_t i = 0; i < p->nrules; i++) {
        free(p->rules[i].id);
        free(p->rules[i].explain);
    }
    free(p->rules);
    for (size_t i = 0; i < p->nexprs; i++)
        free(p->exprs[i].label);
    free(p->exprs);
    free(p->kids);
    for (size_t i = 0; i < p->nkeys; i++) {
        free(p->keys[i].text);
        free(p->keys[i].script);
    }
    free(p->keys);
    free(p->amounts);
    free(p->sym);
    free(p->uses);
    rules_ac_free(p->ac);
    free(p->kana);
    for (size_t i = 0; i < p->nlemmas; i++)
        free(p->lemma_str[i]);
    free(p->lemma_str);
    free(p->lemma_hash);
    free(p->lemma_seq);
    free(p->lemma_first_keys);
    free(p->lemma_first_off);
    free(p->always_rules);
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i]);
    free(p->files);
    free(p);
}
