/*
 * cli/cmd_policy_test.c -- `mamori policy test POLICY [CASES.jsonl]`.
 *
 * Runs the policy over labelled cases -- through the rules plugin and the
 * host, as the daemon runs it (case_runner.h) -- and measures it the way DOMAIN.md
 * asks: what it catches (per-category precision/recall/F1, macro-F1 over
 * the harassment categories, harassment recall, escalation and flame-risk
 * precision/recall) as seriously as what it wrongly flags (the benign
 * false-positive rate: harassment predicted on a legitimate complaint or a
 * plain question). Every failing case is listed with what was expected,
 * what came out, and the rules and quotes behind it. The exit status is 1
 * when a metric is below the policy's "quality" thresholds.
 *
 * The figures are the plugin's: what an agent would see. The engine is also
 * run directly on each case, only to explain failures (scores below their
 * threshold, rules that fired in categories that did not); should the two
 * ever disagree on a verdict the case is reported as a mismatch and the
 * run fails, since the lawyer's test would no longer be production's.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "cli/case_runner.h"
#include "cli/cmd_policy_cases.h"
#include "base/utf8.h"

/* The corpus's harassment taxonomy (DOMAIN.md §7, FORMAT.md). */
static const char *const standard_harassment[] = {
    "threat",         "violence",          "verbal_abuse",      "coercion",         "excessive_demand",
    "time_binding",   "repeat_contact",    "authority",         "off_site_binding", "sns_defamation",
    "sexual_harassment", "privacy_intrusion", "discrimination", NULL};

struct catstat {
    char *id;                  /* owned: labels outlive their case */
    int harassment;
    size_t tp, fp, fn;
};

struct stats {
    struct catstat *cat;
    size_t ncat, cap;
    size_t cases, bad_lines, failures, mismatches;
    size_t h_gold, h_hit;
    size_t esc_tp, esc_fp, esc_fn;
    size_t fl_tp, fl_fp, fl_fn;
    size_t benign, benign_fp;
};

static int is_standard_harassment(const char *id)
{
    for (int i = 0; standard_harassment[i]; i++)
        if (strcmp(standard_harassment[i], id) == 0)
            return 1;
    return 0;
}

static struct catstat *cat_get(struct stats *st, const char *id, int harassment)
{
    for (size_t i = 0; i < st->ncat; i++)
        if (strcmp(st->cat[i].id, id) == 0)
            return &st->cat[i];
    if (mamori_grow((void **)&st->cat, &st->cap, st->ncat + 1, sizeof *st->cat) != 0)
        return NULL;
    memset(&st->cat[st->ncat], 0, sizeof st->cat[0]);
    st->cat[st->ncat].id = mamori_strdup(id);
    if (st->cat[st->ncat].id == NULL)
        return NULL;
    st->cat[st->ncat].harassment = harassment;
    return &st->cat[st->ncat++];
}

static double ratio(size_t a, size_t b, double if_empty)
{
    return b ? (double)a / (double)b : if_empty;
}

/* A per-category ratio as printed: "n/a" with nothing to count (FORMAT.md:
 * a category without cases has no recall, one never predicted no
 * precision; 0.000 read as "always wrong"). */
static const char *ratio_text(char buf[16], size_t a, size_t b)
{
    if (b == 0)
        return "n/a";
    snprintf(buf, 16, "%.3f", (double)a / (double)b);
    return buf;
}

/* The same for --json: a number, or null. */
static json_t *ratio_json(size_t a, size_t b)
{
    return b ? json_real((double)a / (double)b) : json_null();
}

static double f1(const struct catstat *c)
{
    double p = ratio(c->tp, c->tp + c->fp, 0), r = ratio(c->tp, c->tp + c->fn, 0);
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static int cat_index(const struct rules_policy *p, const char *id)
{
    for (size_t i = 0; i < p->ncats; i++)
        if (strcmp(p->cats[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int label_is_harassment(const struct rules_policy *p, const char *id)
{
    int k = cat_index(p, id);
    return k >= 0 ? p->cats[k].harassment : is_standard_harassment(id);
}

/* A short quote of the evidence, cut on a character boundary. */
static void quote(struct mamori_buf *b, const struct rules_input *in, const struct rules_occ *o)
{
    const char *t = in->text[o->field] + o->ob;
    size_t n = mamori_utf8_prefix(t, o->oe - o->ob, 60);

    mamori_buf_printf(b, " \"%.*s%s\" %s[%u..%u)", (int)n, t, n < o->oe - o->ob ? "…" : "",
                      o->field == RULES_FIELD_SUBJECT ? "subject" : "body", (unsigned)o->ob, (unsigned)o->oe);
}

/* The rules of category k that fired, with their quotes. */
static void rules_of(struct mamori_buf *b, json_t *jrules, const struct rules_policy *p, const struct rules_result *r,
                     const struct rules_input *in, size_t k)
{
    int any = 0;

    for (size_t i = 0; i < p->nrules; i++) {
        const struct rules_rule *rule = &p->rules[i];
        json_t *jev;
        if (rule->category != k || !r->rule_fired[i])
            continue;
        any = 1;
        mamori_buf_printf(b, "\n      rule %s (%+g)", rule->id, rule->weight);
        jev = json_array();
        for (uint32_t e = 0; e < r->rule_nev[i] && e < 3; e++) {
            const struct rules_occ *o = &r->occ[r->ev[r->rule_ev[i] + e]];
            quote(b, in, o);
            json_array_append_new(jev, json_stringn(in->text[o->field] + o->ob, o->oe - o->ob));
        }
        json_array_append_new(jrules, json_pack("{s:s, s:s, s:f, s:o}", "rule", rule->id, "category", p->cats[k].id,
                                                "weight", rule->weight, "evidence", jev));
    }
    if (!any)
        mamori_buf_puts(b, "\n      (no rule matched)");
}

static void list_json(struct mamori_buf *b, json_t *arr)
{
    size_t i;
    json_t *v;

    mamori_buf_putc(b, '[');
    json_array_foreach(arr, i, v) mamori_buf_printf(b, "%s%s", i ? ", " : "", json_string_value(v));
    mamori_buf_putc(b, ']');
}

/* Whether the engine, run directly, reached the plugin's verdict. */
static int same_verdict(const struct rules_policy *p, const struct rules_result *r, const struct mamori_annotation *a)
{
    size_t fired = 0;

    for (size_t i = 0; i < p->ncats; i++) {
        if (r->cat_fired[i] != case_annotation_has(a, p->cats[i].id))
            return 0;
        fired += r->cat_fired[i];
    }
    return fired == a->category_count && r->escalation == a->escalation_level && r->flame == a->flame_level;
}

/* Score one case by the plugin's annotation a; append a failure report
 * (explained with the engine's result in s) when it does not match. */
static int one_case(struct stats *st, const struct rules_policy *p, const struct rules_scratch *s,
                    const struct mamori_annotation *a, const struct policy_case *c, const struct rules_input *in,
                    struct mamori_buf *report, json_t *failures)
{
    const struct rules_result *r = mamori_rules_result(s);
    int harassment = mamori_annotation_is_harassment(a);
    json_t *expected = json_array(), *got = json_array(), *jrules = json_array(), *jf;
    struct mamori_buf b = MAMORI_BUF_INIT;
    int fail = 0, gold_h = 0, benign = 1, nlabels = 0;
    int pe = case_annotation_escalates(a), pf = case_annotation_flame_risk(a);
    size_t i;
    json_t *l;

    json_array_foreach(c->labels, i, l) {
        const char *id = json_string_value(l);
        if (id == NULL)
            continue;
        nlabels++;
        json_array_append_new(expected, json_string(id));
        if (label_is_harassment(p, id))
            gold_h = 1;
        if (strcmp(id, "legitimate_complaint") != 0 && strcmp(id, "none") != 0)
            benign = 0;
    }
    if (nlabels == 0)
        json_array_append_new(expected, json_string("none"));
    for (i = 0; i < a->category_count; i++)
        json_array_append_new(got, json_string(a->categories[i].id));
    if (a->category_count == 0)
        json_array_append_new(got, json_string("none"));

    /* Per category: every category of the policy and every gold label. */
    for (i = 0; i < p->ncats; i++) {
        struct catstat *cs = cat_get(st, p->cats[i].id, p->cats[i].harassment);
        int g = policy_case_has_label(c, p->cats[i].id), pr = case_annotation_has(a, p->cats[i].id);
        if (cs == NULL)
            return -1;
        cs->tp += g && pr;
        cs->fp += !g && pr;
        cs->fn += g && !pr;
        if (g != pr)
            fail = 1;
    }
    json_array_foreach(c->labels, i, l) {
        const char *id = json_string_value(l);
        struct catstat *cs;
        if (id == NULL || strcmp(id, "none") == 0 || cat_index(p, id) >= 0)
            continue;
        if ((cs = cat_get(st, id, is_standard_harassment(id))) == NULL)
            return -1;
        cs->fn++; /* the policy has no such category */
        fail = 1;
    }
    if (nlabels > 0 && policy_case_has_label(c, "none") && a->category_count > 0)
        fail = 1;
    if (gold_h) {
        st->h_gold++;
        st->h_hit += harassment;
    }
    if (benign && nlabels > 0) {
        st->benign++;
        st->benign_fp += harassment;
    }
    if (c->escalate >= 0) {
        st->esc_tp += c->escalate && pe;
        st->esc_fp += !c->escalate && pe;
        st->esc_fn += c->escalate && !pe;
        if (c->escalate != pe)
            fail = 1;
    }
    if (c->flame >= 0) {
        st->fl_tp += c->flame && pf;
        st->fl_fp += !c->flame && pf;
        st->fl_fn += c->flame && !pf;
        if (c->flame != pf)
            fail = 1;
    }
    if (!fail) {
        json_decref(expected);
        json_decref(got);
        json_decref(jrules);
        return 0;
    }
    st->failures++;
    mamori_buf_printf(&b, "FAIL %s (line %ld, %s): expected ", c->id ? c->id : "?", c->line,
                      c->channel ? c->channel : "no channel");
    list_json(&b, expected);
    mamori_buf_puts(&b, ", got ");
    list_json(&b, got);
    if (c->escalate >= 0 && c->escalate != pe)
        mamori_buf_printf(&b, "; escalate expected %s, got %s (%s)", c->escalate ? "true" : "false",
                          pe ? "true" : "false", mamori_escalation_name(a->escalation_level));
    if (c->flame >= 0 && c->flame != pf)
        mamori_buf_printf(&b, "; flame_risk expected %s, got %s (%s)", c->flame ? "true" : "false",
                          pf ? "true" : "false", mamori_flame_name(a->flame_level));
    for (i = 0; i < p->ncats; i++) {
        int g = policy_case_has_label(c, p->cats[i].id);
        if (!r->cat_fired[i] && !g && r->score[i] == 0)
            continue;
        if (r->cat_fired[i] == g && !(g && c->escalate >= 0 && c->escalate != pe))
            continue;
        mamori_buf_printf(&b, "\n    %s %s: score %g / threshold %g%s", g && !r->cat_fired[i] ? "missing"
                                                                            : !g && r->cat_fired[i] ? "unexpected"
                                                                                                      : "",
                          p->cats[i].id, r->score[i], p->cats[i].threshold,
                          r->cat_reached[i] && !r->cat_fired[i] ? " (suppressed: harassment fired)" : "");
        rules_of(&b, jrules, p, r, in, i);
    }
    mamori_buf_putc(&b, '\n');
    mamori_buf_puts(report, mamori_buf_str(&b));
    mamori_buf_free(&b);
    jf = json_pack("{s:s?, s:i, s:o, s:o, s:o, s:o, s:o}", "id", c->id, "line", (json_int_t)c->line, "expected",
                   expected, "got", got, "escalate",
                   json_pack("{s:o, s:b}", "expected", c->escalate < 0 ? json_null() : json_boolean(c->escalate),
                             "got", pe),
                   "flame_risk",
                   json_pack("{s:o, s:b}", "expected", c->flame < 0 ? json_null() : json_boolean(c->flame), "got", pf),
                   "rules", jrules);
    json_array_append_new(failures, jf);
    return 0;
}

struct threshold {
    const char *name;
    double value, limit;
    int max, set, ok;
};

int mamori_cmd_policy_test(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *policy = NULL, *cases = NULL, *plugin_dir_opt = NULL;
    struct case_runner *runner = NULL;
    struct mamori_error rerr;
    char *plugin_dir = NULL;
    int as_json = 0, quiet = 0, status = 0;
    const char *cv = NULL;
    char **cv_extra = calloc((size_t)argc + 1, sizeof *cv_extra);
    size_t ncv_extra = 0;
    struct rules_policy *p;
    struct rules_scratch *s = NULL;
    struct stats st;
    struct mamori_buf report = MAMORI_BUF_INIT;
    json_t *failures = NULL, *jcats = NULL; /* made once the options are read */
    struct threshold th[5];
    double macro = 0;
    size_t macro_n = 0;
    long lineno = 0;
    FILE *f;

    memset(&st, 0, sizeof st);
    if (cv_extra == NULL) {
        fprintf(stderr, "mamori policy test: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cv") == 0 && i + 1 < argc)
            cv = argv[++i];
        else if ((strcmp(argv[i], "--train") == 0 || strcmp(argv[i], "--weight") == 0 ||
                  strcmp(argv[i], "--relabel") == 0 || strcmp(argv[i], "--seed") == 0 ||
                  strcmp(argv[i], "--threads") == 0 || strcmp(argv[i], "--c") == 0) &&
                 i + 1 < argc) {
            /* --train FILE becomes a plain case file of policy train. */
            if (strcmp(argv[i], "--train") != 0)
                cv_extra[ncv_extra++] = argv[i];
            cv_extra[ncv_extra++] = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--plugin-dir") == 0 && i + 1 < argc)
            plugin_dir_opt = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "mamori policy test: unknown option %s\n", argv[i]);
            free(cv_extra);
            return 2;
        } else if (policy == NULL)
            policy = argv[i];
        else if (cases == NULL)
            cases = argv[i];
        else {
            fprintf(stderr, "mamori policy test: one CASES file at most (%s)\n", argv[i]);
            free(cv_extra);
            return 2;
        }
    }
    if (policy == NULL) {
        fprintf(stderr, "Usage: mamori policy test POLICY [CASES.jsonl] [--json] [--quiet] [--plugin-dir DIR]\n"
                        "       mamori policy test POLICY [CASES.jsonl] --cv K [--train FILE]... [--weight FILE=W]...\n"
                        "                          [--relabel FILE]... [--seed N] [--threads N] [--c C1,C2...] [--quiet]\n");
        free(cv_extra);
        return 2;
    }
    if (cv == NULL && ncv_extra > 0) {
        fprintf(stderr, "mamori policy test: --train, --weight, --relabel, --seed, --threads and --c need --cv K\n");
        free(cv_extra);
        return 2;
    }
    p = policy_load_print(policy, NULL, 0, stderr, NULL, NULL);
    if (p == NULL) {
        free(cv_extra);
        return 1;
    }
    if (cases == NULL)
        cases = p->tests_path;
    if (cases == NULL) {
        fprintf(stderr, "mamori policy test: %s has no \"tests\" file; name the cases: mamori policy test %s "
                        "CASES.jsonl\n",
                policy, policy);
        mamori_rules_policy_free(p);
        free(cv_extra);
        return 2;
    }
    if (cv != NULL) {
        char *cases_copy = strdup(cases);
        mamori_rules_policy_free(p);
        if (cases_copy == NULL) {
            free(cv_extra);
            return 1;
        }
        if (quiet)
            cv_extra[ncv_extra++] = (char *)"--quiet";
        status = mamori_policy_test_cv(policy, cases_copy, cv, cv_extra, ncv_extra);
        free(cases_copy);
        free(cv_extra);
        return status;
    }
    free(cv_extra);
    cv_extra = NULL;
    failures = json_array();
    jcats = json_object();
    if ((plugin_dir = case_runner_plugin_dir(cli, plugin_dir_opt)) == NULL ||
        case_runner_open(&runner, plugin_dir, policy, NULL, NULL, &rerr) != 0) {
        if (plugin_dir != NULL)
            fprintf(stderr, "mamori policy test: %s\n", rerr.message);
        free(plugin_dir);
        mamori_rules_policy_free(p);
        json_decref(failures);
        json_decref(jcats);
        return 1;
    }
    free(plugin_dir);
    f = strcmp(cases, "-") == 0 ? stdin : fopen(cases, "r");
    if (f == NULL || mamori_rules_scratch_new(p, &s) != 0 || failures == NULL || jcats == NULL) {
        fprintf(stderr, "mamori policy test: %s: cannot open\n", cases);
        if (f != NULL && f != stdin)
            fclose(f);
        case_runner_close(runner);
        mamori_rules_scratch_free(s);
        mamori_rules_policy_free(p);
        json_decref(failures);
        json_decref(jcats);
        return 1;
    }
    for (;;) {
        struct policy_case c;
        struct rules_input in;
        struct rules_error err = {0, ""};
        struct mamori_annotation a;
        char why[512];
        int r = policy_case_next(f, &lineno, &c, why, sizeof why);

        if (r == 0)
            break;
        if (r < 0) {
            fprintf(stderr, "%s: %s\n", cases, why);
            st.bad_lines++;
            continue;
        }
        mamori_annotation_init(&a);
        policy_case_input(&c, p, &in);
        if (case_runner_run(runner, &c, &a) != 0) {
            fprintf(stderr, "mamori policy test: out of memory\n");
            mamori_annotation_free(&a);
            policy_case_free(&c);
            status = 1;
            break;
        }
        if (a.plugin_errors.count > 0) {
            fprintf(stderr, "%s: line %ld: %s\n", cases, c.line, a.plugin_errors.items[0]);
            st.bad_lines++;
        } else if (mamori_rules_eval(p, &in, s, &err) != 0) {
            fprintf(stderr, "%s: line %ld: %s\n", cases, c.line, err.message);
            st.bad_lines++;
        } else {
            st.cases++;
            if (!same_verdict(p, mamori_rules_result(s), &a)) {
                fprintf(stderr, "%s: line %ld (%s): MISMATCH: the engine run directly does not reach the plugin's "
                                "verdict; please report this as a bug\n",
                        cases, c.line, c.id ? c.id : "?");
                st.mismatches++;
            }
            if (one_case(&st, p, s, &a, &c, &in, &report, failures) != 0) {
                fprintf(stderr, "mamori policy test: out of memory\n");
                mamori_annotation_free(&a);
                policy_case_free(&c);
                status = 1;
                break;
            }
        }
        mamori_annotation_free(&a);
        policy_case_free(&c);
    }
    if (f != stdin)
        fclose(f);

    for (size_t i = 0; i < st.ncat; i++) {
        const struct catstat *c = &st.cat[i];
        if (c->harassment && c->tp + c->fp + c->fn > 0) {
            macro += f1(c);
            macro_n++;
        }
        json_object_set_new(jcats, c->id,
                            json_pack("{s:b, s:i, s:i, s:i, s:i, s:o, s:o, s:o}", "harassment", c->harassment,
                                      "support", (json_int_t)(c->tp + c->fn), "tp", (json_int_t)c->tp, "fp",
                                      (json_int_t)c->fp, "fn", (json_int_t)c->fn, "precision",
                                      ratio_json(c->tp, c->tp + c->fp), "recall", ratio_json(c->tp, c->tp + c->fn),
                                      "f1", c->tp + c->fp + c->fn ? json_real(f1(c)) : json_null()));
    }
    macro = macro_n ? macro / (double)macro_n : 0;
    {
        double hr = ratio(st.h_hit, st.h_gold, 1), fp = ratio(st.benign_fp, st.benign, 0);
        double er = ratio(st.esc_tp, st.esc_tp + st.esc_fn, 1), ep = ratio(st.esc_tp, st.esc_tp + st.esc_fp, 1);
        struct threshold init[5] = {
            {"harassment_recall", hr, p->quality.harassment_recall, 0, (p->quality.set & 1) != 0, 1},
            {"benign_fp_rate_max", fp, p->quality.benign_fp_rate_max, 1, (p->quality.set & 2) != 0, 1},
            {"escalation_recall", er, p->quality.escalation_recall, 0, (p->quality.set & 4) != 0, 1},
            {"escalation_precision", ep, p->quality.escalation_precision, 0, (p->quality.set & 8) != 0, 1},
            {"macro_f1", macro, p->quality.macro_f1, 0, (p->quality.set & 16) != 0, 1},
        };
        memcpy(th, init, sizeof th);
        for (int i = 0; i < 5; i++)
            if (th[i].set) {
                /* Compare at the precision shown, so 0.9 is not below 0.9. */
                double v = round(th[i].value * 1e6) / 1e6;
                th[i].ok = th[i].max ? v <= th[i].limit : v >= th[i].limit;
                if (!th[i].ok)
                    status = 1;
            }
    }
    if (st.bad_lines > 0 || st.cases == 0 || st.mismatches > 0)
        status = 1; /* a run that measured nothing must not look like a pass */

    if (as_json) {
        json_t *q = json_object(), *out;
        char *text;
        for (int i = 0; i < 5; i++)
            if (th[i].set)
                json_object_set_new(q, th[i].name, json_pack("{s:f, s:f, s:b}", "threshold", th[i].limit, "value",
                                                             th[i].value, "ok", th[i].ok));
        out = json_pack(
            "{s:{s:s, s:s, s:s}, s:s, s:i, s:i, s:i, s:o, s:f, s:i, s:{s:f, s:i, s:i}, s:{s:f, s:f, s:i, s:i, s:i},"
            " s:{s:f, s:f, s:i, s:i, s:i}, s:{s:f, s:i, s:i}, s:o, s:o, s:b}",
            "policy", "id", p->id, "version", p->version, "path", p->path, "cases_file", cases, "cases",
            (json_int_t)st.cases, "bad_lines", (json_int_t)st.bad_lines, "failing", (json_int_t)st.failures,
            "categories", jcats, "macro_f1", macro, "macro_f1_categories", (json_int_t)macro_n, "harassment_recall",
            "value", ratio(st.h_hit, st.h_gold, 1), "detected", (json_int_t)st.h_hit, "cases", (json_int_t)st.h_gold,
            "escalation", "precision", ratio(st.esc_tp, st.esc_tp + st.esc_fp, 1), "recall",
            ratio(st.esc_tp, st.esc_tp + st.esc_fn, 1), "tp", (json_int_t)st.esc_tp, "fp", (json_int_t)st.esc_fp, "fn",
            (json_int_t)st.esc_fn, "flame_risk", "precision", ratio(st.fl_tp, st.fl_tp + st.fl_fp, 1), "recall",
            ratio(st.fl_tp, st.fl_tp + st.fl_fn, 1), "tp", (json_int_t)st.fl_tp, "fp", (json_int_t)st.fl_fp, "fn",
            (json_int_t)st.fl_fn, "benign_fp_rate", "value", ratio(st.benign_fp, st.benign, 0), "false_positives",
            (json_int_t)st.benign_fp, "cases", (json_int_t)st.benign, "failures", failures, "quality", q, "passed",
            status == 0);
        jcats = NULL;
        failures = NULL;
        text = out ? json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
        if (text == NULL) {
            fprintf(stderr, "mamori policy test: out of memory\n");
            status = 1;
        } else {
            puts(text);
        }
        free(text);
        json_decref(out);
    } else {
        if (!quiet && report.len > 0)
            printf("%s\n", mamori_buf_str(&report));
        printf("policy %s %s, %zu cases from %s (%zu failing)\n\n", p->id, p->version, st.cases, cases, st.failures);
        printf("%-20s %7s %4s %4s %4s %9s %7s %6s\n", "category", "support", "TP", "FP", "FN", "precision", "recall",
               "F1");
        for (size_t i = 0; i < st.ncat; i++) {
            const struct catstat *c = &st.cat[i];
            char pb[16], rb[16], fb[16] = "n/a";
            if (c->tp + c->fp + c->fn > 0)
                snprintf(fb, sizeof fb, "%.3f", f1(c));
            printf("%-20s %7zu %4zu %4zu %4zu %9s %7s %6s%s\n", c->id, c->tp + c->fn, c->tp, c->fp, c->fn,
                   ratio_text(pb, c->tp, c->tp + c->fp), ratio_text(rb, c->tp, c->tp + c->fn), fb,
                   c->harassment ? "" : "  (not harassment)");
        }
        printf("\nmacro-F1 (harassment categories with cases or predictions: %zu): %.3f\n", macro_n, macro);
        printf("harassment detected recall: %.3f (%zu/%zu)\n", ratio(st.h_hit, st.h_gold, 1), st.h_hit, st.h_gold);
        printf("escalation: precision %.3f (%zu/%zu), recall %.3f (%zu/%zu)\n",
               ratio(st.esc_tp, st.esc_tp + st.esc_fp, 1), st.esc_tp, st.esc_tp + st.esc_fp,
               ratio(st.esc_tp, st.esc_tp + st.esc_fn, 1), st.esc_tp, st.esc_tp + st.esc_fn);
        printf("flame risk: precision %.3f (%zu/%zu), recall %.3f (%zu/%zu)\n", ratio(st.fl_tp, st.fl_tp + st.fl_fp, 1),
               st.fl_tp, st.fl_tp + st.fl_fp, ratio(st.fl_tp, st.fl_tp + st.fl_fn, 1), st.fl_tp, st.fl_tp + st.fl_fn);
        printf("benign false-positive rate: %.3f (%zu of %zu legitimate-complaint/none cases flagged as "
               "harassment)\n",
               ratio(st.benign_fp, st.benign, 0), st.benign_fp, st.benign);
        if (p->quality.set) {
            printf("\nquality thresholds (\"quality\" in the policy):\n");
            for (int i = 0; i < 5; i++)
                if (th[i].set)
                    printf("  %-21s %.3f %s %.3f  %s\n", th[i].name, th[i].value, th[i].max ? "<=" : ">=",
                           th[i].limit, th[i].ok ? "ok" : th[i].max ? "ABOVE THRESHOLD" : "BELOW THRESHOLD");
        }
        if (st.bad_lines)
            printf("\n%zu line%s of %s could not be read as cases\n", st.bad_lines, st.bad_lines == 1 ? "" : "s",
                   cases);
        if (st.cases == 0)
            printf("\nno cases in %s\n", cases);
        if (st.mismatches)
            printf("\n%zu case%s where the engine run directly disagreed with the plugin (a bug: please report)\n",
                   st.mismatches, st.mismatches == 1 ? "" : "s");
        printf("\nresult: %s\n", status == 0 ? "PASS" : "FAIL");
    }
    json_decref(failures);
    json_decref(jcats);
    mamori_buf_free(&report);
    for (size_t i = 0; i < st.ncat; i++)
        free(st.cat[i].id);
    free(st.cat);
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
    case_runner_close(runner);
    return status;
}
