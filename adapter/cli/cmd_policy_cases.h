/*
 * cmd_policy_cases.h -- what `mamori policy test|explain` and `mamori
 * annotate` share: labelled cases in the corpus format (JSON lines), the
 * engine input built from one, loading a policy with its diagnostics
 * printed. The annotation itself comes from the plugin (case_runner.h).
 */
#ifndef MAMORI_CMD_POLICY_CASES_H
#define MAMORI_CMD_POLICY_CASES_H

#include <stdio.h>

#include <jansson.h>

#include "plugin/annotation.h"
#include "rules.h"
#include "base/strv.h"

/* One line of a corpus file: id, lang, channel, subject, body, labels,
 * escalate, flame_risk, repeat_contacts_30d. */
struct policy_case {
    const char *id;
    const char *lang;
    const char *channel;
    const char *subject;
    size_t subject_len;
    const char *body;
    size_t body_len;
    const char *requester_name;
    const char *ticket_id;
    json_t *labels;          /* array of strings (borrowed from root) */
    int escalate, flame;     /* -1 when the case does not say */
    int64_t contacts;
    json_t *root;            /* owns the strings above */
    long line;
};

/* Read the next case from f. Returns 1 (a case), 0 (end of file) or -1 (a
 * line that is not a case: *why says why; the caller reports and goes on).
 * Blank lines are skipped. */
int policy_case_next(FILE *f, long *lineno, struct policy_case *c, char *why, size_t whylen);
void policy_case_free(struct policy_case *c);

/* The engine input for a case (borrows from c). */
void policy_case_input(const struct policy_case *c, const struct rules_policy *p, struct rules_input *in);

/* Whether the case's labels include `label`. */
int policy_case_has_label(const struct policy_case *c, const char *label);

/* Load a policy, printing every diagnostic as FILE:LINE:COL: severity:
 * message to out. Returns the policy or NULL (the error was printed). */
struct rules_policy *policy_load_print(const char *path, const char *pubkey, int lint, FILE *out, size_t *errors,
                                       size_t *warnings);

/* Read a whole file or stdin ("-"); caller frees. */
char *policy_read_all(const char *path, size_t *len);

#endif
