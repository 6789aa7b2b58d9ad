/*
 * cli/cmd_policy_test_cv.c -- `mamori policy test POLICY [CASES] --cv K`:
 * cross-validated figures for a lawyer's own cases.
 *
 * A policy's model is trained on its own cases (a company's "tests",
 * weighted above the default corpus), so `policy test` on those cases
 * measures the model on what it learned from: training-set figures, not
 * an estimate. With --cv K the cases are split into K folds (by batch when
 * they have batches), and each fold is scored by a model trained without
 * it -- on the other folds plus every --train file -- exactly as `policy
 * train --cv K --cv-report CASES` does; this is that command under the
 * name a lawyer looks for. The figures are the model's decision per label
 * (harassment, escalate, flame_risk and each category; the rules' hits are
 * among its features, the override of "must" rules is not applied), so
 * they show how well the model learned the company's cases, the part the
 * lawyer's labels teach.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tool_train.h"

int mamori_policy_test_cv(const char *policy, const char *cases, const char *k, char *const *extra, size_t nextra)
{
    /* train POLICY [--train files...] CASES --cv K --cv-report CASES [extra...] */
    size_t n = 0, cap = nextra + 8;
    char **av = calloc(cap + 1, sizeof *av);
    int rc;

    if (av == NULL) {
        fprintf(stderr, "mamori policy test: out of memory\n");
        return 1;
    }
    av[n++] = (char *)"train";
    av[n++] = (char *)policy;
    for (size_t i = 0; i < nextra; i++)
        av[n++] = extra[i];
    av[n++] = (char *)cases;
    av[n++] = (char *)"--cv";
    av[n++] = (char *)k;
    av[n++] = (char *)"--cv-report";
    av[n++] = (char *)cases;
    av[n] = NULL;
    printf("%s: %s-fold cross-validated figures of %s (each fold scored by a model trained without it)\n", policy,
           k, cases);
    fflush(stdout);
    rc = mamori_policy_train_main((int)n, av);
    free(av);
    return rc;
}
