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
#include "compile_internal.h"

static void compile_meta(struct compile *c, json_t *root)
{
    static const char *const keys[] = {"mamori_policy", "id",          "version",   "title",      "company",
                                       "author",        "languages",   "effective_date", "extends", "tests",
                                       "quality",       "placeholders", "contacts", "normalization", "negation",
                                       "quotation",     "contact_restriction",
                                       "benign",        "lexicon",     "categories", "rules",      "model",
                                       NULL};
    static const char *const qkeys[] = {"harassment_recall", "benign_fp_rate_max", "escalation_recall",
                                        "escalation_precision", "macro_f1", NULL};
    struct rules_policy *p = c->p;
    const char *s;
    json_t *v, *e;
    size_t i;

    compile_check_keys(c, root, "the policy", keys);
    s = compile_get_string(c, root, "id", 1, "policy");
    if (s != NULL && !compile_valid_id(s, "_.-", 1))
        ERR(json_object_get(root, "id"), root, "policy ids match [a-z0-9][a-z0-9_.-]*", "policy id \"%s\" is not valid",
            s);
    p->id = compile_dup_str(c, s ? s : "");
    s = compile_get_string(c, root, "version", 1, "policy");
    p->version = compile_dup_str(c, s ? s : "");
    p->title = compile_dup_str(c, compile_get_string(c, root, "title", 0, "policy"));
    p->company = compile_dup_str(c, compile_get_string(c, root, "company", 0, "policy"));
    p->author = compile_dup_str(c, compile_get_string(c, root, "author", 0, "policy"));
    s = compile_get_string(c, root, "effective_date", 0, "policy");
    if (s != NULL) {
        int y, m, d;
        char tail;
        if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
            d > 31)
            ERR(json_object_get(root, "effective_date"), root, "write the date as YYYY-MM-DD",
                "effective_date \"%s\" is not a date", s);
        p->effective_date = compile_dup_str(c, s);
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
    s = compile_get_string(c, root, "tests", 0, "policy");
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
        compile_check_keys(c, v, "model", mkeys);
        file = compile_get_string(c, v, "file", 1, "model");
        sha = compile_get_string(c, v, "sha256", 1, "model");
        if (sha != NULL && !compile_valid_sha256_hex(sha))
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
        compile_check_keys(c, v, "quality", qkeys);
        for (int k = 0; qkeys[k]; k++)
            if (json_object_get(v, qkeys[k]) != NULL) {
                *dst[k] = compile_get_number(c, v, qkeys[k], 0, 0, 1, "quality");
                p->quality.set |= 1u << k;
            }
    }
    /* Read by the host (adapter/config/restriction.h), not by this plugin;
     * checked here so a typo is a lint error with its line. */
    v = json_object_get(root, "contact_restriction");
    if (v != NULL && !json_is_object(v))
        ERR(v, root, "write {\"restrict_after\": 3, \"recommendation\": \"...\", \"caution\": \"...\"}",
            "contact_restriction must be an object");
    else if (v != NULL) {
        static const char *const rkeys[] = {"raise_severity", "restrict_after", "recommendation", "caution", NULL};
        compile_check_keys(c, v, "contact_restriction", rkeys);
        compile_get_number(c, v, "raise_severity", 1, 0, 4, "contact_restriction");
        compile_get_number(c, v, "restrict_after", 3, 0, 100, "contact_restriction");
        for (int k = 2; rkeys[k]; k++) {
            json_t *t = json_object_get(v, rkeys[k]);
            if (t != NULL && !json_is_string(t))
                ERR(t, v, NULL, "contact_restriction.%s must be a string", rkeys[k]);
        }
    }
    v = json_object_get(root, "contacts");
    if (v != NULL && !json_is_object(v))
        ERR(v, root, "write {\"lawyer\": \"...\", \"police\": \"110\"}", "contacts must be an object");
    else if (v != NULL) {
        static const char *const ckeys[] = {"supervisor", "legal", "lawyer", "police", NULL};
        compile_check_keys(c, v, "contacts", ckeys);
        for (int k = 0; ckeys[k]; k++)
            compile_parse_text(c, json_object_get(v, ckeys[k]), v, "contacts", &p->contacts[k + 1]);
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
            if (compile_ignored_key(k))
                continue;
            if (!compile_valid_id(k, "_", 0)) {
                rules_diag_at(c->ctx, e, v, 1, RULES_DIAG_ERROR, "placeholder names use a-z 0-9 _",
                              "placeholder name \"%s\" is not valid", k);
                continue;
            }
            p->placeholders[p->nplaceholders].name = compile_dup_str(c, k);
            compile_parse_text(c, e, v, "placeholder", &p->placeholders[p->nplaceholders].value);
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
    compile_role_phrases(&c, json_object_get(root, "benign"), root, "benign", RULES_USE_BENIGN, 0, 1);
    compile_categories(&c, root);
    compile_rules(&c, root);
    if (ctx->diags->errors == 0 && !ctx->oom)
        compile_load_model(&c, root);
    if (ctx->oom) {
        rc = RULES_ENOMEM;
        goto done;
    }
    if (ctx->diags->errors == 0 && (rc = compile_finish(&c, opt)) != 0)
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
    json_decref(p->json);
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
