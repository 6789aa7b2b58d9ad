/* compile_blocks.c -- see compile_internal.h. */
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

/* ---- top-level blocks ------------------------------------------------ */

void compile_normalization(struct compile *c, json_t *root)
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
    compile_check_keys(c, n, "normalization", keys);
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

            if (compile_ignored_key(k))
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

void compile_negation(struct compile *c, json_t *root)
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
    compile_check_keys(c, n, "negation", keys);
    c->p->neg_window = (uint32_t)compile_get_int(c, n, "window", 12, 0, 200, "negation");
    compile_role_phrases(c, json_object_get(n, "after"), n, "negation.after", RULES_USE_NEG_AFTER, 0, 1);
    compile_role_phrases(c, json_object_get(n, "before"), n, "negation.before", RULES_USE_NEG_BEFORE, 0, 1);
}

uint32_t compile_channel_list(struct compile *c, json_t *arr, json_t *cont, const char *what)
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

void compile_quotation(struct compile *c, json_t *root)
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
    compile_check_keys(c, q, "quotation", keys);
    c->p->q_window = (uint32_t)compile_get_int(c, q, "window", 6, 0, 200, "quotation");
    /* An addition: without it the clause window is the window (engine 1.0). */
    c->p->q_clause_window = (uint32_t)compile_get_int(c, q, "clause_window", c->p->q_window, 0, 200, "quotation");
    nc = json_object_get(q, "notes_channels");
    if (nc != NULL)
        c->p->notes_channels = json_array_size(nc) == 0 && json_is_array(nc) ? 0 : compile_channel_list(c, nc, q, "quotation.notes_channels");
    compile_role_phrases(c, json_object_get(q, "history_markers"), q, "quotation.history_markers", RULES_USE_HISTORY, 0, 0);
    compile_role_phrases(c, json_object_get(q, "staff_prefixes"), q, "quotation.staff_prefixes", RULES_USE_STAFF, 0, 0);
    compile_role_phrases(c, json_object_get(q, "attributed_after"), q, "quotation.attributed_after", RULES_USE_Q_AFTER, 0, 0);
    compile_role_phrases(c, json_object_get(q, "attributed_before"), q, "quotation.attributed_before", RULES_USE_Q_BEFORE, 0,
                 0);
}

void compile_lexicon(struct compile *c, json_t *root)
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

        if (compile_ignored_key(name))
            continue;
        if (!compile_valid_id(name, "_.-", 0)) {
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
                ok = compile_phrase_key(c, e, list, what, &key, &suffix) == 0;
            } else if (json_is_object(e)) {
                static const char *const lk[] = {"lemma", "lemmas", NULL};
                compile_check_keys(c, e, "a lexicon lemma entry", lk);
                if (json_object_get(e, "lemma") == NULL && json_object_get(e, "lemmas") == NULL) {
                    ERR(e, list, "write {\"lemma\": \"殺す\"} or {\"lemmas\": [\"火\", \"つける\"]}",
                        "%s[%zu]: an object entry needs \"lemma\" or \"lemmas\"", what, i);
                    continue;
                }
                ok = compile_lemma_key(c, e, what, &key) == 0;
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
    compile_check_keys(c, g, "guidance", keys);
    compile_parse_texts(c, json_object_get(g, "first_response"), g, "guidance.first_response", &k->steps);
    compile_parse_text(c, json_object_get(g, "reply_draft"), g, "guidance.reply_draft", &k->draft);
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
            compile_check_keys(c, e, "a training link", tkeys);
            url = compile_get_string(c, e, "url", 1, "training link");
            if (url == NULL)
                continue;
            if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
                ERR(json_object_get(e, "url"), e, "write a full https:// address", "training url must start with https:// or http://");
                continue;
            }
            compile_parse_text(c, json_object_get(e, "title"), e, "training.title", &k->training[k->ntraining].title);
            k->training[k->ntraining++].url = compile_dup_str(c, url);
        }
    }
    v = json_object_get(g, "flame_risk");
    if (v != NULL && !json_is_object(v))
        ERR(v, g, "write {\"level\": \"high\", \"advice\": \"...\"}", "guidance.flame_risk must be an object");
    else if (v != NULL) {
        compile_check_keys(c, v, "guidance.flame_risk", fkeys);
        k->flame_level = compile_parse_enum(c, json_object_get(v, "level"), v, "flame_risk.level", compile_flame_names, 0, 0);
        compile_parse_text(c, json_object_get(v, "advice"), v, "flame_risk.advice", &k->flame_advice);
    }
    v = json_object_get(g, "escalation");
    if (v != NULL && !json_is_object(v))
        ERR(v, g, "write {\"level\": \"lawyer\", \"reasons\": [...]}", "guidance.escalation must be an object");
    else if (v != NULL) {
        compile_check_keys(c, v, "guidance.escalation", ekeys);
        k->esc_level = compile_parse_enum(c, json_object_get(v, "level"), v, "escalation.level", compile_escalation_names, 0, 0);
        compile_parse_texts(c, json_object_get(v, "reasons"), v, "escalation.reasons", &k->esc_reasons);
        compile_parse_texts(c, json_object_get(v, "legal_basis"), v, "escalation.legal_basis", &k->legal_basis);
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
            if (t == NULL || !compile_valid_id(t, "_:-", 0) || strlen(t) > 64) {
                ERR(e, v, "tags use a-z 0-9 _ : - and are at most 64 bytes", "guidance.tags[%zu] is not a valid tag", i);
                continue;
            }
            k->tags[k->ntags++] = compile_dup_str(c, t);
        }
    }
}

void compile_categories(struct compile *c, json_t *root)
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
        compile_check_keys(c, e, "a category", keys);
        id = compile_get_string(c, e, "id", 1, "category");
        if (id == NULL)
            continue;
        if (!compile_valid_id(id, "_", 0)) {
            ERR(json_object_get(e, "id"), e, "category ids use a-z 0-9 _", "category id \"%s\" is not valid", id);
            continue;
        }
        if (strcmp(id, "all") == 0) {
            /* a veto's "cancels": "all" means every category */
            ERR(json_object_get(e, "id"), e, "choose another id", "category id \"all\" is reserved (\"cancels\": \"all\")");
            continue;
        }
        k = &p->cats[p->ncats];
        k->id = compile_dup_str(c, id);
        kind = compile_parse_enum(c, json_object_get(e, "kind"), e, "category kind", kinds, 0, -1);
        if (json_object_get(e, "kind") == NULL)
            ERR(e, cats, "add \"kind\": \"harassment\" or \"complaint\"", "category %s: missing \"kind\"", id);
        k->harassment = kind != 1;
        if (json_object_get(e, "severity") == NULL)
            ERR(e, cats, "add \"severity\": \"low\" | \"medium\" | \"high\" | \"critical\"",
                "category %s: missing \"severity\"", id);
        k->severity = compile_parse_enum(c, json_object_get(e, "severity"), e, "category severity", compile_severity_names, 1, 1);
        k->threshold = compile_get_number(c, e, "threshold", 1.0, 1e-9, 1e9, "category");
        compile_parse_text(c, json_object_get(e, "label"), e, "category label", &k->label);
        if (k->label.v[0] == NULL && k->label.v[1] == NULL) {
            k->label.v[0] = compile_dup_str(c, id);
            k->label.v[1] = compile_dup_str(c, id);
        }
        g = json_object_get(e, "guidance");
        if (g != NULL)
            compile_guidance(c, g, e, k);
        if (json_object_set_new(c->cat_index, id, json_integer((json_int_t)p->ncats)) != 0)
            c->ctx->oom = 1;
        p->ncats++;
    }
}
