/*
 * tool_train.c -- `mamori policy train`; see tool_train.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool_train.h"
#include "train.h"

#define MAX_FILES 2048
#define MAX_GRID 16

const char *mamori_policy_train_usage(void)
{
    return "Usage: mamori policy train POLICY [CASES.jsonl...] -o MODEL [options]\n"
           "  train the policy's learned judgement (one logistic regression per\n"
           "  harassment category, plus harassment, escalate and flame_risk) from\n"
           "  labelled cases; without CASES the policy's \"tests\" file is used.\n"
           "\n"
           "  -o MODEL              write the model here (atomically)\n"
           "  --validation FILE     cases that choose C and the thresholds (repeatable;\n"
           "                        a FILE not among CASES is read as well). Default:\n"
           "                        whole batches (a case's \"batch\", else its file)\n"
           "                        holding about a fifth of the cases\n"
           "  --weight FILE=W       each case of FILE counts W times (default 1; a\n"
           "                        company's own cases should weigh more)\n"
           "  --seed N              seed of the batch order (default 1)\n"
           "  --bits N              feature hash bits (default 20)\n"
           "  --min-df N            keep features seen in at least N cases (default 2)\n"
           "  --c C1,C2,...         the C grid (default 0.5,2,8,32), walked from its\n"
           "                        middle value outward while validation F1 improves\n"
           "  --no-refit            keep the model fitted without the validation cases\n"
           "  --threads N           labels trained in parallel (default: CPUs, max 8)\n"
           "  --cv K                print K-fold cross-validated figures (folds by batch)\n"
           "  --cv-report FILE      with --cv: also the cross-validated figures of the\n"
           "                        cases of FILE alone (a company's own cases; the\n"
           "                        folds still train on every case)\n"
           "  --relabel FILE        labels that replace the cases' own, by id (repeatable;\n"
           "                        the corpus's resolved/ files: {\"id\", \"labels\",\n"
           "                        \"escalation\", \"flame_risk\"} per line)\n"
           "  --quiet               no progress on standard error\n";
}

static void progress(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "train: %s\n", msg);
}

struct file_opt {
    const char *path;
    double weight;
    int validation;
    int listed;                /* among CASES */
};

static struct file_opt *file_find(struct file_opt *f, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].path, path) == 0)
            return &f[i];
    return NULL;
}

static void print_diags(const struct rules_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct rules_diag *g = &d->v[i];
        if (g->severity != RULES_DIAG_ERROR)
            continue;
        if (g->line > 0)
            fprintf(stderr, "%s:%d:%d: error: %s\n", g->file, g->line, g->col, g->message);
        else
            fprintf(stderr, "%s: error: %s\n", g->file, g->message);
    }
}

static void fmt_ratio(char *buf, size_t n, double v)
{
    if (v < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.3f", v);
}

static void print_reports(const struct mamori_label_report *r, size_t L, char *const *names, int with_thr)
{
    printf("  %-18s %6s %9s %9s %6s %6s %9s\n", "label", "C", "threshold", "precision", "recall", "F1",
           "pos/neg");
    for (size_t l = 0; l < L; l++) {
        char p[16], rc[16], f[16], c[16], t[16], pn[32];
        fmt_ratio(p, sizeof p, r[l].precision);
        fmt_ratio(rc, sizeof rc, r[l].recall);
        fmt_ratio(f, sizeof f, r[l].f1);
        if (r[l].C > 0)
            snprintf(c, sizeof c, "%g", r[l].C);
        else
            snprintf(c, sizeof c, "-");
        if (with_thr)
            snprintf(t, sizeof t, "%.3f", r[l].threshold);
        else
            snprintf(t, sizeof t, "-");
        snprintf(pn, sizeof pn, "%zu/%zu", r[l].pos, r[l].neg);
        printf("  %-18s %6s %9s %9s %6s %6s %9s", names[l], c, t, p, rc, f, pn);
        if (strcmp(names[l], MAMORI_LABEL_HARASSMENT) == 0)
            printf("  benign FPR %.3f", r[l].fpr);
        putchar('\n');
    }
    {
        double sum = 0;
        size_t n = 0;
        for (size_t l = 0; l < L; l++)
            if (strcmp(names[l], MAMORI_LABEL_HARASSMENT) != 0 && strcmp(names[l], MAMORI_LABEL_ESCALATE) != 0 &&
                strcmp(names[l], MAMORI_LABEL_FLAME) != 0 && r[l].f1 >= 0) {
                sum += r[l].f1;
                n++;
            }
        if (n > 0)
            printf("  macro-F1 over %zu categories: %.3f\n", n, sum / (double)n);
    }
}

int mamori_policy_train_main(int argc, char **argv)
{
    const char *policy = NULL, *outp = NULL;
    struct file_opt files[MAX_FILES];
    const char *relabel[MAX_FILES], *cv_report = NULL;
    size_t nfiles = 0, ncases_files = 0, nrelabel = 0;
    struct mamori_train_options o;
    double grid[MAX_GRID];
    unsigned cv = 0;
    int quiet = 0, rc, status = 1;
    struct rules_error err = {0, ""};
    /* The policy's own model is what this replaces: not read (it may be
     * for another feature version). */
    struct rules_load_options lo = {NULL, 0, 0, NULL, NULL, 1, 0};
    struct rules_diags d = {0};
    struct rules_policy *p = NULL;
    struct mamori_cases cs;
    struct mamori_model *m = NULL;
    struct mamori_train_report rep;
    size_t nvalid = 0;

    memset(&rep, 0, sizeof rep);
    mamori_train_options_default(&o);
    mamori_cases_init(&cs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        char *end;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(mamori_policy_train_usage(), stdout);
            return 0;
        }
        if (strcmp(a, "-o") == 0 && more) {
            outp = argv[++i];
        } else if (strcmp(a, "--validation") == 0 && more) {
            struct file_opt *f = file_find(files, nfiles, argv[i + 1]);
            if (f == NULL) {
                if (nfiles == MAX_FILES)
                    goto too_many;
                f = &files[nfiles++];
                memset(f, 0, sizeof *f);
                f->path = argv[i + 1];
                f->weight = 1;
            }
            f->validation = 1;
            i++;
        } else if (strcmp(a, "--weight") == 0 && more) {
            char *eq = strrchr(argv[++i], '=');
            struct file_opt *f;
            double w;
            if (eq == NULL || eq == argv[i]) {
                fprintf(stderr, "mamori policy train: --weight wants FILE=W, not %s\n", argv[i]);
                return 2;
            }
            errno = 0;
            w = strtod(eq + 1, &end);
            if (errno != 0 || *end != '\0' || !(w >= 0) || w > 100) {
                fprintf(stderr, "mamori policy train: --weight %s: W must be a number in 0..100\n", argv[i]);
                return 2;
            }
            *eq = '\0';
            f = file_find(files, nfiles, argv[i]);
            if (f == NULL) {
                if (nfiles == MAX_FILES)
                    goto too_many;
                f = &files[nfiles++];
                memset(f, 0, sizeof *f);
                f->path = argv[i];
            }
            f->weight = w;
        } else if (strcmp(a, "--seed") == 0 && more) {
            errno = 0;
            o.seed = strtoull(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || argv[i][0] == '-') {
                fprintf(stderr, "mamori policy train: --seed wants a number\n");
                return 2;
            }
        } else if ((strcmp(a, "--bits") == 0 || strcmp(a, "--min-df") == 0 || strcmp(a, "--threads") == 0 ||
                    strcmp(a, "--cv") == 0) &&
                   more) {
            long v;
            errno = 0;
            v = strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || v < 0 || v > 1000000) {
                fprintf(stderr, "mamori policy train: %s wants a number\n", a);
                return 2;
            }
            if (strcmp(a, "--bits") == 0)
                o.bits = (unsigned)v;
            else if (strcmp(a, "--min-df") == 0)
                o.min_df = (unsigned)v;
            else if (strcmp(a, "--threads") == 0)
                o.threads = (unsigned)v;
            else
                cv = (unsigned)v;
        } else if (strcmp(a, "--c") == 0 && more) {
            char *s = argv[++i];
            o.nc_grid = 0;
            for (;;) {
                double c;
                errno = 0;
                c = strtod(s, &end);
                if (errno != 0 || end == s || !(c > 0) || o.nc_grid == MAX_GRID) {
                    fprintf(stderr, "mamori policy train: --c wants positive numbers separated by commas\n");
                    return 2;
                }
                grid[o.nc_grid++] = c;
                if (*end == '\0')
                    break;
                if (*end != ',') {
                    fprintf(stderr, "mamori policy train: --c wants positive numbers separated by commas\n");
                    return 2;
                }
                s = end + 1;
            }
            o.c_grid = grid;
        } else if (strcmp(a, "--cv-report") == 0 && more) {
            cv_report = argv[++i];
        } else if (strcmp(a, "--relabel") == 0 && more) {
            if (nrelabel == MAX_FILES)
                goto too_many;
            relabel[nrelabel++] = argv[++i];
        } else if (strcmp(a, "--no-refit") == 0) {
            o.refit = 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "mamori policy train: unknown option %s\n%s", a, mamori_policy_train_usage());
            return 2;
        } else if (policy == NULL) {
            policy = a;
        } else {
            struct file_opt *f = file_find(files, nfiles, a);
            if (f == NULL) {
                if (nfiles == MAX_FILES)
                    goto too_many;
                f = &files[nfiles++];
                memset(f, 0, sizeof *f);
                f->path = a;
                f->weight = 1;
            }
            f->listed = 1;
            ncases_files++;
        }
    }
    if (cv_report != NULL && cv == 0) {
        fprintf(stderr, "mamori policy train: --cv-report needs --cv K\n");
        return 2;
    }
    if (policy == NULL || (outp == NULL && cv == 0)) {
        fputs(mamori_policy_train_usage(), stderr);
        return 2;
    }
    if (!quiet)
        o.progress = progress;

    rc = mamori_rules_policy_load(policy, &lo, &p, &d, &err);
    if (rc != 0) {
        print_diags(&d);
        if (d.errors == 0)
            fprintf(stderr, "%s: error: %s\n", policy, err.message);
        mamori_rules_diags_free(&d);
        return 1;
    }
    mamori_rules_diags_free(&d);
    if (ncases_files == 0) {
        int has_valid_only = 0;
        for (size_t i = 0; i < nfiles; i++)
            has_valid_only |= files[i].validation;
        if (p->tests_path == NULL && !has_valid_only) {
            fprintf(stderr, "mamori policy train: %s names no \"tests\" file; give CASES.jsonl\n", policy);
            goto out;
        }
        if (p->tests_path != NULL) {
            struct file_opt *f = file_find(files, nfiles, p->tests_path);
            if (f == NULL && nfiles < MAX_FILES) {
                f = &files[nfiles++];
                memset(f, 0, sizeof *f);
                f->path = p->tests_path;
                f->weight = 1;
            }
            if (f != NULL)
                f->listed = 1;
        }
    }
    for (size_t i = 0; i < nfiles; i++) {
        if (!files[i].listed && !files[i].validation) {
            fprintf(stderr, "mamori policy train: --weight names %s, which is not among the cases\n", files[i].path);
            goto out;
        }
        if ((rc = mamori_cases_load(&cs, files[i].path, files[i].weight, files[i].validation, &err)) != 0) {
            fprintf(stderr, "mamori policy train: %s\n", err.message);
            goto out;
        }
    }
    for (size_t i = 0; i < nrelabel; i++) {
        size_t napplied;
        if ((rc = mamori_cases_relabel(&cs, relabel[i], &napplied, &err)) != 0) {
            fprintf(stderr, "mamori policy train: --relabel %s\n", err.message);
            goto out;
        }
        if (!quiet)
            fprintf(stderr, "train: %s: %zu case%s relabelled\n", relabel[i], napplied, napplied == 1 ? "" : "s");
    }
    for (size_t i = 0; i < cs.n; i++)
        nvalid += cs.v[i].validation != 0;
    if (cv > 0) {
        struct mamori_cv_result r;
        double t0 = rules_now_ms();
        if ((rc = mamori_model_crossval(p, &cs, cv, &o, &r, &err)) != 0) {
            fprintf(stderr, "mamori policy train: %s\n", err.message);
            goto out;
        }
        printf("policy %s %s: %zu cases, %u-fold cross-validation (folds by %s), %.1f s\n", p->id ? p->id : "?",
               p->version ? p->version : "?", cs.n, cv, r.by_batch ? "batch" : "case",
               (rules_now_ms() - t0) / 1000.0);
        print_reports(r.report, r.nlabels, r.labels, 0);
        if (cv_report != NULL) {
            uint8_t *keep = calloc(cs.n + 1, 1);
            struct mamori_label_report *sub = calloc(r.nlabels + 1, sizeof *sub);
            size_t nkeep = 0;
            if (keep == NULL || sub == NULL) {
                free(keep);
                free(sub);
                mamori_cv_result_free(&r);
                fprintf(stderr, "mamori policy train: out of memory\n");
                goto out;
            }
            for (size_t i = 0; i < cs.n; i++)
                if (cs.v[i].file != NULL && strcmp(cs.v[i].file, cv_report) == 0) {
                    keep[i] = 1;
                    nkeep++;
                }
            if (nkeep == 0) {
                free(keep);
                free(sub);
                mamori_cv_result_free(&r);
                fprintf(stderr, "mamori policy train: --cv-report %s is not among the cases\n", cv_report);
                goto out;
            }
            mamori_cv_report_subset(&r, keep, sub);
            printf("cross-validated figures of the %zu cases of %s:\n", nkeep, cv_report);
            print_reports(sub, r.nlabels, r.labels, 0);
            free(keep);
            free(sub);
        }
        mamori_cv_result_free(&r);
        if (outp == NULL) {
            status = 0;
            goto out;
        }
        for (size_t i = 0; i < cs.n; i++)
            cs.v[i].validation = 0;
        for (size_t i = 0; i < cs.n; i++)
            for (size_t k = 0; k < nfiles; k++)
                if (files[k].validation && strcmp(cs.v[i].file, files[k].path) == 0)
                    cs.v[i].validation = 1;
    }
    if (nvalid == 0) {
        nvalid = mamori_cases_default_split(&cs, o.valid_fraction, o.seed);
        if (nvalid == 0)
            fprintf(stderr, "train: warning: one batch only: no validation split; C %g and thresholds 0.5\n",
                    (o.c_grid ? o.c_grid : (const double[]){0.5, 2, 8, 32})[(o.c_grid ? o.nc_grid : 4) / 2]);
    }
    if ((rc = mamori_model_train(p, &cs, &o, &m, &rep, &err)) != 0) {
        fprintf(stderr, "mamori policy train: %s\n", err.message);
        goto out;
    }
    if ((rc = mamori_model_write(m, outp, &err)) != 0) {
        fprintf(stderr, "mamori policy train: %s\n", err.message);
        goto out;
    }
    {
        struct stat st;
        char hex[65];
        char **names = calloc(rep.nlabels + 1, sizeof *names);
        if (names == NULL) {
            fprintf(stderr, "mamori policy train: out of memory\n");
            goto out;
        }
        for (size_t l = 0; l < rep.nlabels; l++)
            names[l] = rep.labels[l].label;
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", m->sha256[i]);
        printf("policy %s %s: %zu cases: %zu training, %zu validation%s (%zu rows after weights in the final fit)\n",
               p->id ? p->id : "?", p->version ? p->version : "?", rep.ncases, rep.ntrain, rep.nvalid,
               m->refit ? "; refit on both" : "", rep.nrows);
        if (rep.nvalid > 0) {
            printf("validation figures (model fitted on the training cases only):\n");
            print_reports(rep.labels, rep.nlabels, names, 1);
        }
        printf("model %s: %zu features of 2^%u, %zu labels, %lld bytes, sha256 %s\n", outp, m->nvocab, m->bits,
               m->nlabels, stat(outp, &st) == 0 ? (long long)st.st_size : -1LL, hex);
        printf("time: features %.1f s, training %.1f s, total %.1f s\n", rep.ms_features / 1000.0,
               rep.ms_train / 1000.0, rep.ms_total / 1000.0);
        free(names);
    }
    status = 0;
out:
    mamori_train_report_free(&rep);
    mamori_model_free(m);
    mamori_cases_free(&cs);
    mamori_rules_policy_free(p);
    return status;
too_many:
    fprintf(stderr, "mamori policy train: more than %d files\n", MAX_FILES);
    return 2;
}
