/*
 * rules.h -- the rules engine as used by the rules plugin and by the
 * `mamori policy ...` / `mamori annotate` commands:
 *
 *   load     mamori_rules_policy_load(): file(s) -> merged, validated and
 *            compiled policy, with every problem as a positioned diagnostic
 *   evaluate mamori_rules_eval(): one ticket -> occurrences, fired rules,
 *            category scores, levels (in a reusable scratch)
 *   guide    mamori_rules_guidance(): fired categories -> first-response
 *            steps, draft, training, flame and escalation, tags
 *
 * Evaluation allocates nothing once a scratch has grown to the size of the
 * tickets it sees; a scratch is used by one thread at a time.
 */
#ifndef MAMORI_RULES_H
#define MAMORI_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "rules_util.h"

/* ---- diagnostics ------------------------------------------------------ */

enum { RULES_DIAG_WARNING = 1, RULES_DIAG_ERROR = 2 };

struct rules_diag {
    char *file;
    int line, col;             /* 0 when unknown */
    int severity;              /* RULES_DIAG_* */
    char *message;
    char *hint;                /* what to do; may be NULL */
    /* A lint finding located in one file of the extends chain that an
     * entry of another file causes (the company's benign phrase masks the
     * parent's rule, its override changes the parent's rule): where that
     * entry is written. NULL and 0 when the finding has no such cause. */
    char *cause_file;
    int cause_line, cause_col;
};

struct rules_diags {
    struct rules_diag *v;
    size_t n, cap;
    size_t errors, warnings;
};

void mamori_rules_diags_free(struct rules_diags *d);
/* Sort by file, line, column (stable for equal positions). */
void mamori_rules_diags_sort(struct rules_diags *d);
int mamori_rules_diag_add(struct rules_diags *d, const char *file, int line, int col, int severity,
                          const char *hint, const char *fmt, ...) RULES_PRINTF(7, 8);

/* ---- loading ---------------------------------------------------------- */

struct rules_load_options {
    const char *pubkey_path;   /* when set: every file of the chain needs a valid FILE.sig */
    int lint;                  /* add the lint warnings (unused lists, rules that never match, ...) */
    size_t dense_budget;       /* matcher dense-row budget in bytes; 0: default */
    /* When set, every file of the chain is opened through it, and the
     * public key is checked with it first (the plugin passes the host's
     * open_config_file, so a tenant's policy is trusted like mamori.conf).
     * Returns a read-only descriptor the loader closes, or a negative
     * RULES_E* code with err set. NULL: plain open (the CLI tools). */
    int (*open_file)(void *ctx, const char *path, const char *what, struct rules_error *err);
    void *open_ctx;
    /* Do not read the model the policy names (its pin is still checked
     * for form): `mamori policy train`, which makes the model, must load a
     * policy whose model is stale (a new feature version) or missing. */
    int no_model;
    /* Keep the merged policy JSON in rules_policy.json (the tools that
     * show the policy as the chain adds up, e.g. `mamori policy lists`);
     * the daemon does not: the tree is several times the file's size. */
    int keep_json;
};

/* Load, merge, validate and compile the policy at path. diags (may be NULL)
 * receives every error and warning with its position. Returns 0, or
 * RULES_EINVAL (errors in the policy; err has the first one as
 * FILE:LINE:COL: message), RULES_EAUTH (a signature did not verify; err says
 * which file and why), RULES_EIO, RULES_ENOMEM. */
int mamori_rules_policy_load(const char *path, const struct rules_load_options *opt, struct rules_policy **out,
                             struct rules_diags *diags, struct rules_error *err);
void mamori_rules_policy_free(struct rules_policy *p);

/* ---- evaluation ------------------------------------------------------- */

struct rules_input {
    const char *text[RULES_NFIELDS];   /* subject, body (not NUL-terminated; may be NULL) */
    size_t len[RULES_NFIELDS];
    const char *channel;               /* "email", ...; NULL or unknown: "other" */
    /* Contacts by this requester in the last `days` days (this one
     * included). NULL: use fixed_contacts. */
    int (*contacts)(void *ctx, uint32_t days, int64_t *out);
    void *contacts_ctx;
    int64_t fixed_contacts;
    int lang;                          /* RULES_LANG_*: texts of the guidance */
    const char *requester_name, *company, *ticket_id; /* placeholders (NULL: policy default) */
};

/* Occurrence flags. */
enum {
    RULES_OCC_START_OK = 0x01,   /* no Latin letter/digit just before */
    RULES_OCC_END_OK = 0x02,     /* none just after (exact phrases ending in katakana: no katakana) */
    RULES_OCC_NEGATED = 0x04,
    RULES_OCC_QUOTED = 0x08,     /* inside quoted history, a staff line or reported speech */
    RULES_OCC_BENIGN = 0x10,     /* inside a benign look-alike */
    RULES_OCC_WILDCARD = 0x20,   /* found through a wildcard reading */
    RULES_OCC_LEMMA = 0x40,
    RULES_OCC_SYMBOL = 0x80      /* found by re-reading symbols normalization dropped */
};

struct rules_occ {
    uint32_t key;
    uint32_t s, e;               /* normalized characters [s, e) of the field */
    uint32_t ob, oe;             /* original bytes [ob, oe) */
    uint8_t field;
    uint8_t flags;
};

/* Why an occurrence did not reach a rule leaf (for explain). */
enum {
    RULES_DROP_NONE = 0,
    RULES_DROP_FIELD,
    RULES_DROP_QUOTED,
    RULES_DROP_NEGATED,
    RULES_DROP_NOT_NEGATED,
    RULES_DROP_BENIGN,
    RULES_DROP_UNLESS,
    RULES_DROP_CHANNEL,
    RULES_DROP_BOUNDARY
};
const char *mamori_rules_drop_name(int why);

struct rules_scratch;

int mamori_rules_scratch_new(const struct rules_policy *p, struct rules_scratch **out);
void mamori_rules_scratch_free(struct rules_scratch *s);

/* Evaluate one ticket. Returns 0, RULES_ENOMEM, or RULES_EINTERNAL when
 * MeCab is needed and cannot start (err says why).
 *
 * One decision, when the policy has a model: a harassment category fires
 * when one of its "must" rules fired, or when the model reads both
 * "harassment" and the category at or above their thresholds; when the
 * model reads harassment but no category passes, the category closest to
 * its threshold (probability / threshold) fires. Complaint categories stay
 * with the rules. Escalation to legal or above needs the model's
 * "escalate" (which also raises it to legal) or a must rule's category;
 * flame risk medium or above likewise needs "flame_risk" or a must rule.
 * Other rules are features of the model, no longer deciding by weight. */
int mamori_rules_eval(const struct rules_policy *p, const struct rules_input *in, struct rules_scratch *s,
                      struct rules_error *err);

/* What the last evaluation found (borrowed from the scratch). */
struct rules_result {
    double *score;               /* per category */
    uint8_t *cat_fired;          /* per category, after harassment suppresses complaints */
    uint8_t *cat_reached;        /* per category: reached its threshold (before suppression) */
    /* per category: the escalation level it stands for in this ticket
     * (MAMORI_ESCALATE_*): the highest "escalation" of its fired rules, a
     * rule without one counting as the category's own level, which is
     * also the level when none of its rules fired. Meaningful for fired
     * categories. */
    uint8_t *cat_esc;
    uint8_t *rule_fired;         /* per rule */
    uint32_t *rule_ev, *rule_nev; /* per rule: slice of ev */
    uint32_t *ev;                /* occurrence indices */
    uint32_t *fired;             /* fired categories, most severe first */
    size_t nfired;
    int harassment;              /* a harassment category fired */
    int severity, flame, escalation;
    const struct rules_occ *occ;
    size_t nocc;
    /* With a model (policy "model"; NULL/unset without): the model's
     * reading of the ticket (probability per label, top sentences), and
     * per category whether a must rule fired it (cat_must) or the model
     * did (cat_model: evidence is the model's top sentences for the
     * category's label, p->cat_label[c]). See "One decision" below. */
    const struct mamori_model_result *model;
    const uint8_t *cat_model, *cat_must;
};
const struct rules_result *mamori_rules_result(const struct rules_scratch *s);

/* The normalized text of a field in the last evaluation (for explain). */
const struct rules_ntext *mamori_rules_field_text(const struct rules_scratch *s, int field);

/* For explain: each (occurrence, leaf) pairing the last evaluation
 * considered and why it was dropped (RULES_DROP_NONE: it counted). */
struct rules_trace {
    uint32_t occ;
    uint32_t leaf;               /* expression index; UINT32_MAX for an unless mask */
    uint32_t rule;
    uint8_t why;
};
void mamori_rules_trace_enable(struct rules_scratch *s, int on);
const struct rules_trace *mamori_rules_traces(const struct rules_scratch *s, size_t *n);

/* ---- guidance --------------------------------------------------------- */

struct rules_escalation_item {
    int level;
    const char *category;        /* id */
    const char *reason;          /* may be NULL */
    const char *legal_basis;     /* may be NULL */
};

struct rules_guidance {
    const char **steps;
    size_t nsteps, steps_cap;
    char *draft;                 /* placeholders filled; NULL when no fired category has one */
    size_t draft_cap;
    const struct rules_link **links;
    size_t nlinks, links_cap;
    int flame;
    const char **flame_advice;
    size_t nflame, flame_cap;
    int escalation;
    char *contact;               /* "連絡先: ..." for the escalation level (policy contacts), or NULL */
    char *contact_lawyer;        /* at police level, the lawyer's "連絡先: ..." too (when set and not
                                  * the same text), or NULL: the police take the menace, the lawyer
                                  * the company's case, and the agent needs both numbers */
    struct rules_escalation_item *esc;
    size_t nesc, esc_cap;
    const char **tags;
    size_t ntags, tags_cap;
};

void mamori_rules_guidance_init(struct rules_guidance *g);
void mamori_rules_guidance_free(struct rules_guidance *g);
/* Compose the guidance of the last evaluation (texts borrowed from p). */
int mamori_rules_guidance(const struct rules_policy *p, const struct rules_scratch *s, const struct rules_input *in,
                          struct rules_guidance *g);

/* ---- signatures (policy_sig.c) ---------------------------------------- */

/* Verify FILE.sig (base64 Ed25519 over data[0..len)) with the public key
 * at pubkey_path. RULES_EAUTH with the reason when it does not verify. */
int mamori_rules_sig_verify(const char *pubkey_path, const char *file, const void *data, size_t len,
                            struct rules_error *err);
/* Verify the signature of every file of the extends chain of path;
 * report(ctx, file, ok, message) is called for each file checked, and for
 * the model the loaded file pins ("model": its sha256 must match). Returns
 * 0 when all verify, RULES_EAUTH at the first that does not, RULES_EIO /
 * RULES_EINVAL when a file cannot be read or its extends followed. */
int mamori_rules_verify_chain(const char *path, const char *pubkey_path,
                              void (*report)(void *ctx, const char *file, int ok, const char *message), void *ctx,
                              struct rules_error *err);
/* Sign data with the private key at key_path; *b64 receives the base64
 * signature (caller frees). */
int mamori_rules_sig_sign(const char *key_path, const void *data, size_t len, char **b64, struct rules_error *err);
/* Make an Ed25519 key pair: private key to priv_path (mode 0600, must not
 * exist), public key to pub_path. */
int mamori_rules_sig_keygen(const char *priv_path, const char *pub_path, struct rules_error *err);

/* ---- small helpers shared with the CLI -------------------------------- */

const char *mamori_rules_severity_name(int severity);
const char *mamori_rules_flame_name(int level);
/* Escalation levels 0 (none) .. RULES_ESCALATION_MAX (police). */
#define RULES_ESCALATION_MAX 4
const char *mamori_rules_escalation_name(int level);

#endif
