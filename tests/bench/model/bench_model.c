/*
 * bench_model.c -- per-ticket cost of the learned judgement: for every
 * case of the given files, the rules evaluation alone, then evaluation +
 * feature extraction + scoring with MODEL. Prints mean and p99 in
 * microseconds, and the model's load time.
 *
 *   bench_model POLICY MODEL CASES.jsonl... [--rounds N]
 *
 * Not part of `make check`; build with `make tests/bench/model/bench_model`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "train.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof *t, cmp_d);
    printf("%-34s mean %7.1f us  median %7.1f us  p99 %7.1f us  (%zu tickets)\n", what, 1000 * sum / (double)n,
           1000 * t[n / 2], 1000 * t[n * 99 / 100], n);
}

int main(int argc, char **argv)
{
    struct rules_error err = {0, ""};
    struct rules_policy *p = NULL;
    struct rules_scratch *s = NULL;
    struct mamori_model *m = NULL;
    struct mamori_cases cs;
    struct mamori_features f;
    struct mamori_model_result r;
    int rounds = 3, nf = 0;
    double *t_rules, *t_all, t0;
    size_t n = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_model POLICY MODEL CASES.jsonl... [--rounds N]\n");
        return 2;
    }
    mamori_cases_init(&cs);
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            continue;
        }
        if (mamori_cases_load(&cs, argv[i], 1, 0, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        nf++;
    }
    if (mamori_rules_policy_load(argv[1], NULL, &p, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    t0 = rules_now_ms();
    if (mamori_model_load(argv[2], &m, &err) != 0 || mamori_model_check_policy(m, p, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("model load: %.1f ms (%zu features, %zu labels)\n", rules_now_ms() - t0, m->nvocab, m->nlabels);
    if (mamori_rules_scratch_new(p, &s) != 0 || cs.n == 0 || rounds < 1)
        return 1;
    mamori_features_init(&f);
    mamori_model_result_init(&r);
    t_rules = calloc(cs.n * (size_t)rounds, sizeof *t_rules);
    t_all = calloc(cs.n * (size_t)rounds, sizeof *t_all);
    if (t_rules == NULL || t_all == NULL)
        return 1;
    for (size_t i = 0; i < cs.n && i < 50; i++) { /* warm up: MeCab, scratch growth */
        struct rules_input in;
        mamori_case_input(&cs.v[i], p, &in);
        if (mamori_features_eval_extract(p, s, &in, m->bits, &f, &err) != 0 ||
            mamori_model_score(m, &f, &in, &r, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    }
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < cs.n; i++) {
            struct rules_input in;
            double a, b, c;
            mamori_case_input(&cs.v[i], p, &in);
            a = rules_now_ms();
            mamori_rules_eval(p, &in, s, &err);
            b = rules_now_ms();
            mamori_rules_eval(p, &in, s, &err);
            mamori_features_extract(p, s, &in, m->bits, &f, &err);
            mamori_model_score(m, &f, &in, &r, &err);
            c = rules_now_ms();
            t_rules[n] = b - a;
            t_all[n] = c - b;
            n++;
        }
    report("rules only", t_rules, n);
    report("rules + features + model score", t_all, n);
    free(t_rules);
    free(t_all);
    mamori_model_result_free(&r);
    mamori_features_free(&f);
    mamori_rules_scratch_free(s);
    mamori_model_free(m);
    mamori_rules_policy_free(p);
    mamori_cases_free(&cs);
    return 0;
}
