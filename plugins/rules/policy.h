/*
 * policy.h -- a compiled policy: what policy_load.c builds from the merged
 * JSON and what evaluate.c runs. Everything the matcher needs per ticket is
 * precomputed here, once, at load.
 *
 * Vocabulary
 *   key   a thing the text is searched for: a normalized phrase (matched by
 *         the Aho-Corasick automaton; keys [0, nphrases)), a lemma
 *         sequence (matched on MeCab tokens; the next nlemma_keys keys) or
 *         an amount of money (found by the amount scanner; the last
 *         namount_keys keys). Phrases that normalize to the same text but
 *         differ in how they compare (an exact "=デモ" and a plain "でも")
 *         are separate keys chained by next_variant; only the first of a
 *         chain is in the automaton;
 *   use   one place a key is used: a leaf of a rule expression, a rule's
 *         `unless` mask, or a policy-wide role (benign, negation cue,
 *         quotation cue, history marker, staff prefix). Each key has its
 *         uses in a contiguous slice, so an occurrence reaches exactly the
 *         places that care about it;
 *   leaf  an expression node that is true when one of its keys occurs.
 */
#ifndef MAMORI_RULES_POLICY_H
#define MAMORI_RULES_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "matcher_ac.h"
#include "normalize.h"
#include "rules_util.h"

enum { RULES_LANG_JA = 0, RULES_LANG_EN = 1, RULES_NLANG = 2 };

/* Fields a rule can look at. */
enum { RULES_FIELD_SUBJECT = 0, RULES_FIELD_BODY = 1, RULES_NFIELDS = 2, RULES_FIELD_ANY = 3 };

/* Channels, as bits. */
enum {
    RULES_CH_EMAIL = 1u << 0,
    RULES_CH_WEB = 1u << 1,
    RULES_CH_CHAT = 1u << 2,
    RULES_CH_PHONE = 1u << 3,
    RULES_CH_PHONE_NOTE = 1u << 4,
    RULES_CH_SNS = 1u << 5,
    RULES_CH_API = 1u << 6,
    RULES_CH_OTHER = 1u << 7
};
/* Bit of a channel name; 0 when unknown. */
uint32_t rules_channel_bit(const char *name);
/* Bit of the channel a ticket came through (unknown names are "other"). */
uint32_t rules_ticket_channel(const char *name);
extern const char *const rules_channel_names[8];

enum { RULES_NEG_CANCEL = 0, RULES_NEG_IGNORE = 1, RULES_NEG_ONLY = 2 };
enum { RULES_QUOTED_EXCLUDE = 0, RULES_QUOTED_INCLUDE = 1 };

/* A text in the policy's languages (a plain string fills both). */
struct rules_text {
    char *v[RULES_NLANG];
};
/* A list of texts per language. */
struct rules_texts {
    char **v[RULES_NLANG];
    size_t n[RULES_NLANG];
};

struct rules_link {
    struct rules_text title;
    char *url;
};

struct rules_category {
    char *id;
    int harassment;            /* kind: harassment (1) or complaint (0) */
    int severity;              /* enum mamori_severity (1..4) */
    double threshold;
    struct rules_text label;
    int has_guidance;
    struct rules_texts steps;
    struct rules_text draft;
    struct rules_link *training;
    size_t ntraining;
    int flame_level;           /* enum mamori_flame_level */
    struct rules_text flame_advice;
    int esc_level;             /* enum mamori_escalation_level */
    struct rules_texts esc_reasons;
    struct rules_texts legal_basis;
    char **tags;
    size_t ntags;
};

enum {
    RULES_EX_TERM,      /* phrases / lexicon lists / lemmas: a leaf */
    RULES_EX_ANY,
    RULES_EX_ALL,
    RULES_EX_NOT,
    RULES_EX_NEAR,
    RULES_EX_CONTACTS,
    RULES_EX_CHANNEL,
    RULES_EX_NOT_NEAR   /* occurrences of kid 0 with no kid 1 near them */
};

enum { RULES_ORDER_ANY = 0, RULES_ORDER_FORWARD = 1 };

struct rules_expr {
    uint8_t type;
    uint32_t rule;             /* the rule it belongs to */
    uint32_t kids, nkids;      /* slice of policy->kids */
    uint32_t within;           /* near, not_near */
    uint8_t order;             /* near, not_near: RULES_ORDER_* */
    uint8_t same_sentence;     /* near, not_near: no sentence boundary between the two */
    uint32_t contacts, days;   /* contacts_at_least */
    uint32_t channels;         /* channel */
    char *label;               /* source text for explain: "しね", "@kill_ja", "lemma:殺す" */
    /* Leaves: under an odd number of `not` (or second operands of
     * not_near), so an occurrence argues against the rule firing. A
     * negated exception is no exception: in rules with "negation":
     * "only" such a leaf still drops negated occurrences (as in "cancel")
     * instead of keeping only them. */
    uint8_t exception;
};

struct rules_rule {
    char *id;
    uint32_t category;
    double weight;
    uint32_t root;             /* expression */
    uint8_t field;             /* RULES_FIELD_SUBJECT / BODY / ANY */
    uint8_t negation;          /* RULES_NEG_* */
    uint8_t quoted;            /* RULES_QUOTED_* */
    uint8_t has_unless;
    uint8_t unless_overlap;    /* "unless_mode": "overlap": a mask that overlaps the match drops it */
    uint8_t not_ticket;        /* "not_scope": "ticket": a `not` under `all` looks at the whole
                                * ticket (engine 1.2); by default (engine 1.3) it cancels only
                                * the occurrences in its own sentences */
    uint8_t always;            /* can be true with no occurrence (contacts, channel, not) */
    uint32_t channels;         /* 0: every channel */
    int flame;                 /* -1: not set */
    int escalation;            /* -1: not set */
    char *explain;
    /* A veto ("cancels": [categories], engine 1.2) is compiled to one
     * entry per category it cancels, consecutive, each with weight
     * -HUGE_VAL in its category: a cancelled category can reach no
     * threshold, and explain and test show, per category, which veto
     * cancelled it and on what evidence. The first entry owns the
     * expression and is evaluated; the copies fire with it. */
    uint8_t veto;              /* an entry of a veto */
    uint8_t veto_copy;         /* not the first entry: never evaluated itself */
    uint32_t veto_copies;      /* first entry: number of copies right after it */
    /* "must": true -- with a model, the rule's category fires whenever the
     * rule does, whatever the model reads (weapons, killing, arson). */
    uint8_t must;
};

/* Where an occurrence of a key goes. */
enum {
    RULES_USE_LEAF = 0,        /* target: expression index */
    RULES_USE_UNLESS,          /* target: rule index */
    RULES_USE_BENIGN,
    RULES_USE_NEG_AFTER,
    RULES_USE_NEG_BEFORE,
    RULES_USE_Q_AFTER,
    RULES_USE_Q_BEFORE,
    RULES_USE_HISTORY,
    RULES_USE_STAFF
};

struct rules_use {
    uint32_t target;
    uint8_t kind;              /* RULES_USE_* */
    uint8_t allow_suffix;      /* phrase written with a trailing '*' */
};

/* Script a character of an exact phrase must have in the text. */
enum { RULES_SCRIPT_ANY = 0, RULES_SCRIPT_HIRA = 1, RULES_SCRIPT_KATA = 2 };

struct rules_key {
    char *text;                /* normalized phrase (UTF-8), lemmas joined by '+', or an amount label */
    uint32_t blen, clen;       /* bytes and characters of a phrase */
    uint8_t is_lemma;
    uint8_t is_amount;
    uint8_t latin_start;       /* first char is a Latin letter/digit: needs a boundary before */
    uint8_t latin_end;         /* last char is: needs a boundary after unless the use allows a suffix */
    uint8_t exact;             /* written "=...": kana script compared, symbols kept */
    uint8_t kata_start;        /* exact, first char katakana: no katakana just before */
    uint8_t kata_end;          /* exact, last char katakana: none just after (unless a suffix is allowed) */
    uint8_t *script;           /* exact phrases with kana: RULES_SCRIPT_* per character, else NULL */
    uint32_t next_variant;     /* next phrase key with the same text, or UINT32_MAX */
    uint8_t chained;           /* reached through another key's next_variant (not in the automaton) */
    uint32_t amount;           /* amount keys: index into policy->amounts */
    uint32_t uses, nuses;      /* slice of policy->uses */
    uint32_t lemmas, nlemmas;  /* slice of policy->lemma_seq (lemma keys) */
};

/* Currencies the amount scanner knows (bits of rules_amount.currencies). */
enum { RULES_CUR_JPY = 1u << 0, RULES_CUR_USD = 1u << 1, RULES_CUR_EUR = 1u << 2, RULES_CUR_GBP = 1u << 3 };
#define RULES_CUR_ALL 0xFu

/* {"amount": {"min": ..., "max": ..., "currency": [...]}} */
struct rules_amount {
    double min, max;           /* inclusive; max is HUGE_VAL when not given */
    uint32_t currencies;       /* RULES_CUR_* */
};

struct rules_placeholder {
    char *name;
    struct rules_text value;
};

struct rules_quality {
    double harassment_recall, benign_fp_rate_max, escalation_recall, escalation_precision, macro_f1;
    unsigned set;              /* bit per field above, in that order */
};

struct mamori_model;

struct rules_policy {
    char *path;                /* the file that was loaded */
    char *id, *version, *title, *company, *author, *effective_date;
    char *tests_path;          /* resolved against the file that named it, or NULL */
    unsigned languages;        /* bit per RULES_LANG_* */
    int primary_lang;
    struct rules_quality quality;
    struct rules_placeholder *placeholders;
    size_t nplaceholders;
    struct rules_text contacts[5]; /* who to call, per escalation level (index 1..4) */

    struct rules_norm_config norm;
    uint32_t neg_window, q_window;
    uint32_t q_clause_window;  /* quotation.clause_window: after 」と / 」って, the cue may start this far */
    uint32_t notes_channels;   /* staff-written channels: reported speech there is the customer's */

    struct rules_category *cats;
    size_t ncats;
    struct rules_rule *rules;
    size_t nrules;
    struct rules_expr *exprs;
    size_t nexprs, exprs_cap;
    uint32_t *kids;
    size_t nkids, kids_cap;

    struct rules_key *keys;
    size_t nkeys, nphrases, keys_cap;
    size_t nlemma_keys, namount_keys;
    struct rules_amount *amounts;
    uint32_t *sym;             /* droppable code points that phrases contain, sorted */
    size_t nsym;
    struct rules_use *uses;
    size_t nuses;

    struct rules_ac *ac;
    uint32_t max_clen;         /* longest phrase, in characters */
    uint32_t *kana;            /* kana that occur in phrases (wildcard readings) */
    size_t nkana;

    /* Lemmas: interned strings (kana-folded), sequences, and for each
     * lemma the lemma keys whose sequence starts with it. */
    char **lemma_str;
    size_t nlemmas, lemma_cap;
    uint32_t *lemma_hash;      /* open addressing: lemma id + 1, 0 empty */
    size_t lemma_hcap;
    uint32_t *lemma_seq;
    size_t nlemma_seq, lemma_seq_cap;
    uint32_t *lemma_first_keys; /* CSR: lemma id -> keys */
    uint32_t *lemma_first_off;  /* nlemmas + 1 */

    uint32_t *always_rules;
    size_t nalways;

    /* The learned judgement ("model": {"file", "sha256"}; model.h), or
     * NULL. Loaded, its sha256 checked against the pin and its labels
     * against the categories at load. cat_label[c]: the model label of
     * category c, or -1; label_*: the other labels, or -1. */
    char *model_path;
    struct mamori_model *model;
    int32_t *cat_label;
    int32_t label_harassment, label_escalate, label_flame;

    /* The merged policy (a jansson json_t), with rules_load_options
     * keep_json only; else NULL. */
    struct json_t *json;

    char **files;              /* the extends chain, the loaded file first */
    size_t nfiles;
    double load_ms;
};

/* Lemma id of a (kana-folded) base form, or -1. */
int32_t rules_lemma_lookup(const struct rules_policy *p, const char *s, size_t len);

/* Pick a text in lang, falling back to the other language. */
const char *rules_text_get(const struct rules_text *t, int lang);
/* The list in lang (falling back); *n receives its length. */
char *const *rules_texts_get(const struct rules_texts *t, int lang, size_t *n);

int rules_lang_parse(const char *s);

#endif
