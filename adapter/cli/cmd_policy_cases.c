/* cli/cmd_policy_cases.c -- see cmd_policy_cases.h. */
#include "config.h"

#include "cli/cmd_policy_cases.h"
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

void policy_case_free(struct policy_case *c)
{
    json_decref(c->root);
    memset(c, 0, sizeof *c);
}

static const char *str_member(json_t *o, const char *k, size_t *len)
{
    json_t *v = json_object_get(o, k);

    if (len)
        *len = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int policy_case_next(FILE *f, long *lineno, struct policy_case *c, char *why, size_t whylen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    memset(c, 0, sizeof *c);
    for (;;) {
        json_error_t jerr;
        json_t *v;

        n = getline(&line, &cap, f);
        if (n < 0) {
            free(line);
            return 0;
        }
        (*lineno)++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        c->line = *lineno;
        c->root = json_loadb(line, (size_t)n, 0, &jerr);
        free(line);
        if (c->root == NULL) {
            snprintf(why, whylen, "line %ld: not JSON: %s (column %d)", *lineno, jerr.text, jerr.column);
            return -1;
        }
        if (!json_is_object(c->root)) {
            snprintf(why, whylen, "line %ld: a case is a JSON object", *lineno);
            policy_case_free(c);
            return -1;
        }
        c->id = str_member(c->root, "id", NULL);
        c->lang = str_member(c->root, "lang", NULL);
        c->channel = str_member(c->root, "channel", NULL);
        c->subject = str_member(c->root, "subject", &c->subject_len);
        c->body = str_member(c->root, "body", &c->body_len);
        c->requester_name = str_member(c->root, "requester_name", NULL);
        c->ticket_id = str_member(c->root, "ticket_id", NULL);
        c->labels = json_object_get(c->root, "labels");
        if (c->labels != NULL && !json_is_array(c->labels)) {
            snprintf(why, whylen, "line %ld (%s): labels must be a list", *lineno, c->id ? c->id : "?");
            policy_case_free(c);
            return -1;
        }
        v = json_object_get(c->root, "escalate");
        c->escalate = json_is_boolean(v) ? json_is_true(v) : -1;
        v = json_object_get(c->root, "flame_risk");
        c->flame = json_is_boolean(v) ? json_is_true(v) : -1;
        v = json_object_get(c->root, "repeat_contacts_30d");
        c->contacts = json_is_integer(v) ? (int64_t)json_integer_value(v) : 1;
        if (c->body == NULL && c->subject == NULL) {
            snprintf(why, whylen, "line %ld (%s): a case needs a subject or a body", *lineno, c->id ? c->id : "?");
            policy_case_free(c);
            return -1;
        }
        return 1;
    }
}

void policy_case_input(const struct policy_case *c, const struct rules_policy *p, struct rules_input *in)
{
    int lang = rules_lang_parse(c->lang);

    memset(in, 0, sizeof *in);
    in->text[RULES_FIELD_SUBJECT] = c->subject;
    in->len[RULES_FIELD_SUBJECT] = c->subject_len;
    in->text[RULES_FIELD_BODY] = c->body;
    in->len[RULES_FIELD_BODY] = c->body_len;
    in->channel = c->channel;
    in->fixed_contacts = c->contacts;
    in->lang = lang >= 0 ? lang : p->primary_lang;
    in->requester_name = c->requester_name;
    in->ticket_id = c->ticket_id ? c->ticket_id : c->id;
}

int policy_case_has_label(const struct policy_case *c, const char *label)
{
    size_t i;
    json_t *l;

    json_array_foreach(c->labels, i, l)
        if (json_is_string(l) && strcmp(json_string_value(l), label) == 0)
            return 1;
    return 0;
}

struct rules_policy *policy_load_print(const char *path, const char *pubkey, int lint, FILE *out, size_t *errors,
                                       size_t *warnings)
{
    struct rules_load_options opt = {pubkey, lint, 0};
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    struct rules_policy *p = NULL;
    int rc = mamori_rules_policy_load(path, &opt, &p, &d, &err);

    for (size_t i = 0; i < d.n; i++) {
        const struct rules_diag *g = &d.v[i];
        const char *sev = g->severity == RULES_DIAG_ERROR ? "error" : "warning";
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s", g->file, g->line, g->col, sev, g->message);
        else
            fprintf(out, "%s: %s: %s", g->file, sev, g->message);
        if (g->hint)
            fprintf(out, " -- %s", g->hint);
        fputc('\n', out);
    }
    if (errors)
        *errors = d.errors;
    if (warnings)
        *warnings = d.warnings;
    if (rc != 0 && d.errors == 0) {
        /* Not a problem inside the policy: unreadable file, signature. */
        fprintf(out, "%s: error: %s\n", path, err.message);
        if (errors)
            *errors = 1;
    }
    mamori_rules_diags_free(&d);
    return rc == 0 ? p : NULL;
}

int policy_predicts_escalate(const struct rules_result *r)
{
    return r->escalation >= MAMORI_ESCALATE_LEGAL;
}

int policy_predicts_flame(const struct rules_result *r)
{
    return r->flame >= MAMORI_FLAME_MEDIUM;
}

static double round4(double x)
{
    return round(x * 10000.0) / 10000.0;
}

json_t *policy_result_json(const struct rules_policy *p, const struct rules_scratch *s, const char *id)
{
    const struct rules_result *r = mamori_rules_result(s);
    json_t *o = json_object(), *cats = json_array(), *scores = json_object();

    if (o == NULL || cats == NULL || scores == NULL) {
        json_decref(o);
        json_decref(cats);
        json_decref(scores);
        return NULL;
    }
    int bad = 0;

    for (size_t i = 0; i < r->nfired; i++) {
        bad |= json_array_append_new(cats, json_string(p->cats[r->fired[i]].id));
        bad |= json_object_set_new(scores, p->cats[r->fired[i]].id, json_real(round4(r->score[r->fired[i]])));
    }
    if (r->nfired == 0)
        bad |= json_array_append_new(cats, json_string("none"));
    /* The key order is part of the contract (FORMAT.md "Output for tools"). */
    bad |= json_object_set_new(o, "id", id ? json_string(id) : json_null());
    bad |= json_object_set_new(o, "categories", cats);
    bad |= json_object_set_new(o, "escalate", json_boolean(policy_predicts_escalate(r)));
    bad |= json_object_set_new(o, "flame_risk", json_boolean(policy_predicts_flame(r)));
    bad |= json_object_set_new(o, "severity", json_string(mamori_rules_severity_name(r->severity)));
    bad |= json_object_set_new(o, "escalation_level", json_string(mamori_rules_escalation_name(r->escalation)));
    bad |= json_object_set_new(o, "flame_level", json_string(mamori_rules_flame_name(r->flame)));
    bad |= json_object_set_new(o, "scores", scores);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The plugin's cap (rules_plugin.c MAX_EVIDENCE_PER_CATEGORY). Until the
 * CLI runs the plugin through the host, this copy must match it. */
#define POLICY_MAX_EVIDENCE_PER_CATEGORY 32

int policy_build_annotation(const struct rules_policy *p, const struct rules_scratch *s,
                            const struct rules_guidance *g, const struct rules_input *in,
                            struct mamori_annotation *a)
{
    const struct rules_result *r = mamori_rules_result(s);
    int rc = 0;

    for (size_t i = 0; i < r->nfired && rc == 0; i++) {
        const struct rules_category *c = &p->cats[r->fired[i]];
        struct mamori_category_item *item;

        size_t nev = 0;

        rc = mamori_annotation_add_category(a, c->id, rules_text_get(&c->label, in->lang), r->score[r->fired[i]],
                                            c->severity, c->harassment, &item);
        for (size_t k = 0; k < p->nrules && rc == 0; k++) {
            const struct rules_rule *rule = &p->rules[k];
            if (rule->category != r->fired[i] || !r->rule_fired[k] || rule->weight <= 0)
                continue;
            for (uint32_t e = 0; e < r->rule_nev[k] && rc == 0 && nev < POLICY_MAX_EVIDENCE_PER_CATEGORY; e++, nev++) {
                const struct rules_occ *o = &r->occ[r->ev[r->rule_ev[k] + e]];
                const char *text = in->text[o->field];
                rc = mamori_annotation_add_evidence(item, o->field == RULES_FIELD_SUBJECT ? "subject" : "body", o->ob,
                                                    o->oe, text + o->ob, o->oe - o->ob, rule->id, rule->weight);
            }
        }
        /* Decided by the model: the sentences that moved it most, as the
         * plugin adds them (rules_plugin.c, rule id "model"). */
        if (rc == 0 && r->model != NULL && r->cat_model[r->fired[i]] && p->cat_label[r->fired[i]] >= 0) {
            const struct mamori_model_result *mr = r->model;
            int32_t l = p->cat_label[r->fired[i]];
            for (size_t k = 0; k < mr->ntop[l] && rc == 0 && nev < POLICY_MAX_EVIDENCE_PER_CATEGORY; k++, nev++) {
                const struct mamori_model_span *sp = &mr->top[(size_t)l * MAMORI_MODEL_TOP_SPANS + k];
                const char *text = in->text[sp->field];
                rc = mamori_annotation_add_evidence(item, sp->field == RULES_FIELD_SUBJECT ? "subject" : "body", sp->ob,
                                                    sp->oe, text + sp->ob, sp->oe - sp->ob, "model", sp->contribution);
            }
        }
    }
    for (size_t i = 0; i < g->nsteps && rc == 0; i++)
        rc = mamori_strv_push_unique(&a->steps, g->steps[i]);
    if (g->draft != NULL && rc == 0) {
        free(a->reply_draft);
        a->reply_draft = mamori_strdup(g->draft);
        if (a->reply_draft == NULL)
            rc = MAMORI_ENOMEM;
    }
    for (size_t i = 0; i < g->nlinks && rc == 0; i++)
        rc = mamori_annotation_add_link(a, rules_text_get(&g->links[i]->title, in->lang), g->links[i]->url);
    if (g->flame > a->flame_level)
        a->flame_level = g->flame;
    for (size_t i = 0; i < g->nflame && rc == 0; i++)
        rc = mamori_strv_push_unique(&a->flame_advice, g->flame_advice[i]);
    for (size_t i = 0; i < g->nesc && rc == 0; i++) {
        mamori_annotation_raise_escalation(a, g->esc[i].level);
        if (g->esc[i].reason)
            rc = mamori_strv_push_unique(&a->escalation_reasons, g->esc[i].reason);
        if (g->esc[i].legal_basis && rc == 0)
            rc = mamori_strv_push_unique(&a->legal_basis, g->esc[i].legal_basis);
    }
    mamori_annotation_raise_escalation(a, g->escalation);
    if (g->contact != NULL && rc == 0)
        rc = mamori_strv_push_unique(&a->escalation_reasons, g->contact);
    for (size_t i = 0; i < g->ntags && rc == 0; i++)
        rc = mamori_strv_push_unique(&a->tags, g->tags[i]);
    if (rc == 0)
        rc = mamori_annotation_add_source(a, "policy", p->id, p->version);
    return rc;
}

char *policy_read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t r;
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}
