/*
 * cli/cmd_policy_explain.c -- `mamori policy explain POLICY`: why does this
 * text match? Shows the normalized text, every occurrence the automaton
 * found (exact original bytes and normalized span), what each rule leaf
 * made of it (counted -- with the weight, only when its rule fired on it --,
 * matched but its rule did not fire, or dropped: negated, quoted, benign
 * look-alike, unless, other field, channel), the rules that fired with their
 * weights,
 * the category scores against their thresholds, and the annotation an
 * agent would get.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/case_runner.h"
#include "cli/cmd_policy_cases.h"
#include "model.h"

static const char *const field_names[] = {"subject", "body"};

static void print_normalized(const struct rules_ntext *nt)
{
    fputs("  normalized: ", stdout);
    for (size_t i = 0; i < nt->len; i++) {
        uint32_t c = nt->cp[i];
        if (c == RULES_WILDCARD_CP)
            fputs("{wildcard}", stdout);
        else if (c == '\n')
            fputs("\n              ", stdout);
        else if (c == '\r')
            continue;
        else
            fwrite(nt->u8 + nt->u8off[i], 1, nt->u8off[i + 1] - nt->u8off[i], stdout);
    }
    fputc('\n', stdout);
}

static const char *use_kind_name(int kind)
{
    switch (kind) {
    case RULES_USE_BENIGN: return "benign look-alike";
    case RULES_USE_NEG_AFTER: return "negation cue (after)";
    case RULES_USE_NEG_BEFORE: return "negation cue (before)";
    case RULES_USE_Q_AFTER: return "attribution (after a quotation)";
    case RULES_USE_Q_BEFORE: return "attribution (before a quotation)";
    case RULES_USE_HISTORY: return "reply-history marker";
    case RULES_USE_STAFF: return "staff line prefix";
    case RULES_USE_UNLESS: return "unless mask";
    default: return NULL;
    }
}

static void print_occ(const struct rules_policy *p, const struct rules_input *in, const struct rules_occ *o)
{
    const struct rules_key *k = &p->keys[o->key];

    printf("  %s bytes [%u..%u) \"%.*s\" = %s \"%s\" (normalized chars [%u..%u))", field_names[o->field],
           (unsigned)o->ob, (unsigned)o->oe, (int)(o->oe - o->ob), in->text[o->field] + o->ob,
           k->is_lemma ? "lemmas" : k->is_amount ? "money," : k->exact ? "exact phrase" : "phrase", k->text,
           (unsigned)o->s, (unsigned)o->e);
    if (o->flags & RULES_OCC_NEGATED)
        fputs(" [negated]", stdout);
    if (o->flags & RULES_OCC_QUOTED)
        fputs(" [quoted]", stdout);
    if (o->flags & RULES_OCC_BENIGN)
        fputs(" [inside benign look-alike]", stdout);
    if (o->flags & RULES_OCC_WILDCARD)
        fputs(" [via wildcard]", stdout);
    if (o->flags & RULES_OCC_LEMMA)
        fputs(" [MeCab]", stdout);
    if (o->flags & RULES_OCC_SYMBOL)
        fputs(" [symbol that normalization dropped]", stdout);
    if (k->latin_end && !(o->flags & RULES_OCC_END_OK))
        fputs(" [Latin letter follows]", stdout);
    if (k->kata_end && !(o->flags & RULES_OCC_END_OK))
        fputs(" [katakana follows]", stdout);
    fputc('\n', stdout);
    for (uint32_t u = k->uses; u < k->uses + k->nuses; u++) {
        const char *kind = use_kind_name(p->uses[u].kind);
        if (kind != NULL && p->uses[u].kind != RULES_USE_UNLESS)
            printf("      %s\n", kind);
        else if (p->uses[u].kind == RULES_USE_UNLESS)
            printf("      unless mask of rule %s\n", p->rules[p->uses[u].target].id);
    }
}

/* Whether occurrence occ is among the evidence of fired rule `rule`. */
static int in_evidence(const struct rules_result *r, uint32_t rule, size_t occ)
{
    for (uint32_t e = 0; e < r->rule_nev[rule]; e++)
        if (r->ev[r->rule_ev[rule] + e] == occ)
            return 1;
    return 0;
}

static int usage(FILE *out, int rc)
{
    fprintf(out, "Usage: mamori policy explain POLICY [--text TEXT | -] [--subject S] [--channel C]\n"
                 "                             [--contacts N] [--lang ja|en] [--requester NAME] [--ticket ID]\n"
                 "                             [--plugin-dir DIR]\n");
    return rc;
}

int mamori_cmd_policy_explain(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *plugin_dir_opt = NULL;
    const char *policy = NULL, *text = NULL, *subject = NULL, *channel = "email", *lang = NULL;
    char *owned = NULL;
    struct rules_input in;
    struct rules_policy *p;
    struct rules_scratch *s = NULL;
    struct rules_error err = {0, ""};
    struct mamori_annotation a;
    const struct rules_result *r;
    const struct rules_trace *tr;
    size_t ntr, len = 0;
    long contacts = 1;
    int status = 0;

    memset(&in, 0, sizeof in);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--text") == 0 && i + 1 < argc)
            text = argv[++i];
        else if (strcmp(argv[i], "--subject") == 0 && i + 1 < argc)
            subject = argv[++i];
        else if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc)
            channel = argv[++i];
        else if (strcmp(argv[i], "--contacts") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            contacts = strtol(argv[++i], &end, 10);
            if (errno || *end || contacts < 0) {
                fprintf(stderr, "mamori policy explain: --contacts needs a number\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strcmp(argv[i], "--requester") == 0 && i + 1 < argc)
            in.requester_name = argv[++i];
        else if (strcmp(argv[i], "--ticket") == 0 && i + 1 < argc)
            in.ticket_id = argv[++i];
        else if (strcmp(argv[i], "--plugin-dir") == 0 && i + 1 < argc)
            plugin_dir_opt = argv[++i];
        else if (strcmp(argv[i], "-") == 0)
            text = NULL;
        else if (argv[i][0] == '-')
            return usage(stderr, 2);
        else if (policy == NULL)
            policy = argv[i];
        else
            return usage(stderr, 2);
    }
    if (policy == NULL)
        return usage(stderr, 2);
    if (rules_channel_bit(channel) == 0)
        fprintf(stderr, "mamori policy explain: note: unknown channel \"%s\" is treated as \"other\"\n", channel);
    p = policy_load_print(policy, NULL, 0, stderr, NULL, NULL);
    if (p == NULL)
        return 1;
    if (text == NULL) {
        owned = policy_read_all("-", &len);
        if (owned == NULL) {
            fprintf(stderr, "mamori policy explain: cannot read standard input\n");
            mamori_rules_policy_free(p);
            return 1;
        }
        text = owned;
    } else {
        len = strlen(text);
    }
    in.text[RULES_FIELD_SUBJECT] = subject;
    in.len[RULES_FIELD_SUBJECT] = subject ? strlen(subject) : 0;
    in.text[RULES_FIELD_BODY] = text;
    in.len[RULES_FIELD_BODY] = len;
    in.channel = channel;
    in.fixed_contacts = contacts;
    in.lang = rules_lang_parse(lang) >= 0 ? rules_lang_parse(lang) : p->primary_lang;

    mamori_annotation_init(&a);
    if (mamori_rules_scratch_new(p, &s) != 0) {
        status = 1;
        goto done;
    }
    mamori_rules_trace_enable(s, 1);
    if (mamori_rules_eval(p, &in, s, &err) != 0) {
        fprintf(stderr, "mamori policy explain: %s\n", err.message[0] ? err.message : "out of memory");
        status = 1;
        goto done;
    }
    r = mamori_rules_result(s);
    tr = mamori_rules_traces(s, &ntr);

    printf("policy %s %s (%s", p->id, p->version, p->path);
    for (size_t i = 1; i < p->nfiles; i++)
        printf(", extends %s", p->files[i]);
    printf(")\nchannel %s, contacts %ld, language %s\n", channel, contacts, in.lang == RULES_LANG_EN ? "en" : "ja");
    for (int f = 0; f < RULES_NFIELDS; f++) {
        const struct rules_ntext *nt = mamori_rules_field_text(s, f);
        if (in.len[f] == 0)
            continue;
        printf("\n[%s] %zu bytes, %zu normalized characters%s\n", field_names[f], in.len[f], nt->len,
               nt->has_japanese && p->nlemmas ? " (MeCab ran: the policy has lemma rules)" : "");
        print_normalized(nt);
    }

    printf("\nmatches (%zu):\n", r->nocc);
    for (size_t i = 0; i < r->nocc; i++) {
        print_occ(p, &in, &r->occ[i]);
        for (size_t t = 0; t < ntr; t++) {
            const struct rules_rule *rule;
            const char *label, *cat;
            if (tr[t].occ != i)
                continue;
            rule = &p->rules[tr[t].rule];
            label = p->exprs[tr[t].leaf].label;
            cat = p->cats[rule->category].id;
            /* A weight is shown only where it was added: a lawyer reads
             * "+1" next to a match as points, and a rule that did not
             * fire added none (issue 14). */
            if (tr[t].why != RULES_DROP_NONE)
                printf("      rule %s via %s (%s): not counted: %s\n", rule->id, label, cat,
                       mamori_rules_drop_name(tr[t].why));
            else if (r->rule_fired[tr[t].rule] && in_evidence(r, tr[t].rule, i))
                printf("      rule %s via %s (%s %+g): counted\n", rule->id, label, cat, rule->weight);
            else if (r->rule_fired[tr[t].rule])
                printf("      rule %s via %s (%s): matched; the rule fired on its other matches, this one adds "
                       "nothing\n",
                       rule->id, label, cat);
            else if (p->exprs[tr[t].leaf].exception)
                printf("      rule %s via %s (%s): matched an exception (\"not\"): the rule did not fire, "
                       "adds nothing\n",
                       rule->id, label, cat);
            else
                printf("      rule %s via %s (%s): matched, but the rule did not fire (its other conditions "
                       "did not hold): adds nothing\n",
                       rule->id, label, cat);
        }
    }

    printf("\nrules fired:\n");
    for (size_t i = 0; i < p->nrules; i++) {
        const struct rules_rule *rule = &p->rules[i];
        if (!r->rule_fired[i])
            continue;
        printf("  %s -> %s %+g", rule->id, p->cats[rule->category].id, rule->weight);
        for (uint32_t e = 0; e < r->rule_nev[i]; e++) {
            const struct rules_occ *o = &r->occ[r->ev[r->rule_ev[i] + e]];
            printf(" \"%.*s\"", (int)(o->oe - o->ob), in.text[o->field] + o->ob);
        }
        if (rule->flame >= 0)
            printf(" [flame %s]", mamori_rules_flame_name(rule->flame));
        if (rule->escalation >= 0)
            printf(" [escalation %s]", mamori_rules_escalation_name(rule->escalation));
        putchar('\n');
        if (rule->explain)
            printf("      %s\n", rule->explain);
    }

    printf("\ncategories:\n");
    for (size_t c = 0; c < p->ncats; c++) {
        if (r->score[c] == 0 && !r->cat_fired[c])
            continue;
        printf("  %-20s score %g / threshold %g  %s (%s, %s)\n", p->cats[c].id, r->score[c], p->cats[c].threshold,
               r->cat_fired[c] ? "FIRED" : r->cat_reached[c] ? "suppressed (harassment fired)" : "below threshold",
               p->cats[c].harassment ? "harassment" : "complaint", mamori_rules_severity_name(p->cats[c].severity));
    }
    if (r->model != NULL && p->model != NULL) {
        const struct mamori_model *m = p->model;
        const struct mamori_model_result *mr = r->model;

        printf("\nmodel (%s): probability / threshold per label, and the sentences that moved it most:\n",
               p->model_path ? p->model_path : "pinned model");
        for (size_t l = 0; l < mr->nlabels && l < m->nlabels; l++) {
            int32_t c = -1;
            for (size_t k = 0; k < p->ncats; k++)
                if (p->cat_label[k] == (int32_t)l)
                    c = (int32_t)k;
            printf("  %-20s p %.3f / %.3f  %s%s\n", m->labels[l], mr->prob[l], m->threshold[l],
                   mr->fired[l] ? "above" : "below",
                   c >= 0 && r->cat_must[c] ? " (a must rule fired: the category fires whatever the model reads)" : "");
            for (size_t k = 0; k < mr->ntop[l]; k++) {
                const struct mamori_model_span *sp = &mr->top[l * MAMORI_MODEL_TOP_SPANS + k];
                printf("      %+.3f %s \"%.*s\"\n", sp->contribution, field_names[sp->field], (int)(sp->oe - sp->ob),
                       in.text[sp->field] + sp->ob);
            }
        }
    }
    /* The verdict and the annotation as production makes them: the rules
     * plugin through the host (case_runner.h), not rebuilt here. */
    {
        struct case_runner *runner = NULL;
        struct mamori_error rerr;
        struct policy_case c;
        char *plugin_dir = case_runner_plugin_dir(cli, plugin_dir_opt);

        memset(&c, 0, sizeof c);
        c.id = "explain";
        c.lang = lang;
        c.channel = channel;
        c.subject = subject;
        c.subject_len = subject ? strlen(subject) : 0;
        c.body = text;
        c.body_len = len;
        c.requester_name = in.requester_name;
        c.ticket_id = in.ticket_id;
        c.contacts = contacts;
        if (plugin_dir == NULL || case_runner_open(&runner, plugin_dir, policy, NULL, lang, &rerr) != 0) {
            if (plugin_dir != NULL)
                fprintf(stderr, "mamori policy explain: %s\n", rerr.message);
            status = 1;
        } else if (case_runner_run(runner, &c, &a) != 0) {
            fprintf(stderr, "mamori policy explain: out of memory\n");
            status = 1;
        } else {
            json_t *line = case_annotation_line(&a, "explain"), *j = mamori_annotation_to_json(&a);
            char *t1 = line ? json_dumps(line, JSON_REAL_PRECISION(10)) : NULL;
            char *t2 = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
            printf("\nresult (the rules plugin through the host, as the daemon runs it):\n  %s\n",
                   t1 ? t1 : "(out of memory)");
            printf("\nannotation:\n%s\n", t2 ? t2 : "(out of memory)");
            free(t1);
            free(t2);
            json_decref(line);
            json_decref(j);
        }
        case_runner_close(runner);
        free(plugin_dir);
    }
done:
    mamori_annotation_free(&a);
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
    free(owned);
    return status;
}
