/*
 * tool_train.h -- `mamori policy train`: the command-line front of
 * train.h, in the engine, so the `mamori` command links it as a library.
 *
 *   mamori policy train POLICY [CASES.jsonl...] -o MODEL
 *       [--validation FILE]... [--weight FILE=W]... [--seed N]
 *       [--bits N] [--min-df N] [--c C1,C2,...] [--no-refit]
 *       [--threads N] [--cv K] [--quiet]
 *
 * Without CASES, the policy's own "tests" file is used. Progress goes to
 * standard error, the summary (cases, per-label validation precision,
 * recall, F1, threshold and C, vocabulary, model size and sha256, time)
 * to standard output. --cv K prints k-fold cross-validated figures
 * instead of (or, with -o, besides) training. Exit status: 0 done, 1
 * failed (the reason on standard error), 2 usage.
 */
#ifndef MAMORI_RULES_TOOL_TRAIN_H
#define MAMORI_RULES_TOOL_TRAIN_H

/* argv[0] is the command's own name ("train"); options follow. */
int mamori_policy_train_main(int argc, char **argv);

/* The usage text (for `mamori policy --help`). */
const char *mamori_policy_train_usage(void);

#endif
