/*
 * rules_plugin.c -- the `rules` plugin: a lawyer's policy file, turned into
 * an annotation for every ticket.
 *
 * Options ([plugin rules] in the tenant file):
 *   policy         path of the policy JSON (relative to the tenant file's
 *                  directory when relative); required
 *   policy_pubkey  Ed25519 public key (PEM); when set, every file of the
 *                  extends chain must carry a valid FILE.sig
 *
 * open() loads, verifies and compiles the policy once per configuration
 * generation (in the supervisor, before the workers fork); annotate() runs
 * the compiled policy over one ticket with a scratch area that is reused,
 * so it allocates nothing in the steady state. annotate() is not reentrant
 * within a process (one scratch, one MeCab tagger), so the descriptor does
 * not set MAMORI_PLUGIN_REENTRANT and the host serializes calls.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "eval_internal.h"
#include "policy_compile.h"
#include "rules.h"

#define MAX_EVIDENCE_PER_CATEGORY 32

struct rules_state {
    struct rules_policy *policy;
    struct rules_scratch *scratch;
    struct rules_guidance guidance;
    int lang;
};

static const char *const rules_options[] = {"policy", "policy_pubkey", NULL};

static int fail(struct mamori_plugin_error *err, int code, const char *fmt, ...) RULES_PRINTF(3, 4);

static int fail(struct mamori_plugin_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

static const char *option(const struct mamori_plugin_config *config, const char *key)
{
    for (size_t i = 0; i < config->option_count; i++)
        if (strcmp(config->options[i].key, key) == 0)
            return config->options[i].value;
    return NULL;
}

/* A path from the tenant file, relative to its directory. */
static char *tenant_path(const struct mamori_plugin_config *config, const char *path)
{
    size_t dl, pl;
    char *out;

    if (path[0] == '/' || config->config_dir == NULL || config->config_dir[0] == '\0')
        return rules_strdup(path);
    dl = strlen(config->config_dir);
    pl = strlen(path);
    out = malloc(dl + 1 + pl + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, config->config_dir, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, path, pl + 1);
    return out;
}

static void state_free(struct rules_state *st)
{
    if (st == NULL)
        return;
    mamori_rules_guidance_free(&st->guidance);
    mamori_rules_scratch_free(st->scratch);
    mamori_rules_policy_free(st->policy);
    free(st);
}

/* The engine's open_file through the host's open_config_file (ctx is the
 * host table): a tenant's policy chain and public key are trusted only as
 * the host trusts its own configuration. */
static int open_via_host(void *ctx, const char *path, const char *what, struct rules_error *err)
{
    const struct mamori_host *host = ctx;
    struct mamori_plugin_error perr = {0, ""};
    int fd = host->open_config_file(path, what, &perr);

    if (fd >= 0)
        return fd;
    return rules_err(err, fd == MAMORI_PLUGIN_EIO ? RULES_EIO : RULES_EINVAL, "%s", perr.message);
}

static int rules_open(const struct mamori_host *host, const struct mamori_plugin_config *config, void **state,
                      struct mamori_plugin_error *err)
{
    const char *policy = option(config, "policy"), *pubkey = option(config, "policy_pubkey");
    struct rules_load_options opt = {NULL, 0, 0, NULL, NULL, 0, 0};
    struct rules_diags diags = {0};
    struct rules_error rerr = {0, ""};
    struct rules_state *st = NULL;
    char *path = NULL, *keypath = NULL;
    int rc, lang;

    *state = NULL;
    if (policy == NULL || policy[0] == '\0')
        return fail(err, MAMORI_PLUGIN_EINVAL,
                    "option \"policy\" is required: the path of the policy JSON (e.g. policy = "
                    "/usr/share/mamori/policies/default-ja/policy.json)");
    path = tenant_path(config, policy);
    keypath = pubkey && pubkey[0] ? tenant_path(config, pubkey) : NULL;
    st = calloc(1, sizeof *st);
    if (path == NULL || (pubkey && pubkey[0] && keypath == NULL) || st == NULL) {
        rc = fail(err, MAMORI_PLUGIN_ENOMEM, "out of memory");
        goto done;
    }
    mamori_rules_guidance_init(&st->guidance);
    opt.pubkey_path = keypath;
    if (host->abi_minor >= 1 && host->struct_size > offsetof(struct mamori_host, open_config_file) &&
        host->open_config_file != NULL) {
        opt.open_file = open_via_host;
        opt.open_ctx = (void *)host;
    }
    rc = mamori_rules_policy_load(path, &opt, &st->policy, &diags, &rerr);
    if (rc != 0) {
        /* rerr names the file (and, for signatures, why); pass it on. */
        rc = fail(err, rc == RULES_ENOMEM ? MAMORI_PLUGIN_ENOMEM : rc == RULES_EIO ? MAMORI_PLUGIN_EIO
                                                                                 : MAMORI_PLUGIN_EINVAL,
                  "%s%s", rc == RULES_EAUTH ? "policy signature check failed: " : "", rerr.message);
        goto done;
    }
    if ((st->policy->nlemmas > 0 || st->policy->model != NULL) && rules_mecab_probe(&rerr) != 0) {
        rc = fail(err, MAMORI_PLUGIN_EINVAL, "%s: %s", path, rerr.message);
        goto done;
    }
    if (mamori_rules_scratch_new(st->policy, &st->scratch) != 0) {
        rc = fail(err, MAMORI_PLUGIN_ENOMEM, "out of memory");
        goto done;
    }
    lang = rules_lang_parse(config->language);
    st->lang = lang >= 0 ? lang : st->policy->primary_lang;
    {
        struct rules_ac_stats as;
        rules_ac_get_stats(st->policy->ac, &as);
        host->log(NULL, MAMORI_LOG_INFO,
                  "tenant %s: policy %s %s loaded from %s%s: %zu categories, %zu rules, %zu phrases, %zu lemma "
                  "sequences, %zu automaton states, %.1f ms%s",
                  config->tenant_id ? config->tenant_id : "?", st->policy->id, st->policy->version, path,
                  keypath ? " (signature verified)" : "", st->policy->ncats, st->policy->nrules,
                  st->policy->nphrases, st->policy->nlemma_keys, as.states, st->policy->load_ms,
                  diags.warnings ? "; it has warnings, run: mamori policy lint" : "");
    }
    *state = st;
    st = NULL;
    rc = MAMORI_PLUGIN_OK;
done:
    mamori_rules_diags_free(&diags);
    state_free(st);
    free(path);
    free(keypath);
    return rc;
}

struct contacts_ctx {
    const struct mamori_host *host;
    mamori_request *req;
};

static int host_contacts(void *ctx, uint32_t days, int64_t *out)
{
    struct contacts_ctx *c = ctx;
    return c->host->history_count(c->req, MAMORI_COUNTER_CONTACTS, days, out) == MAMORI_PLUGIN_OK ? 0 : -1;
}

/* A field as a NUL-terminated borrowed string, or NULL when empty. The
 * host's ticket strings are C strings except subject and body, which are
 * read with their length. */
static const char *field(const struct mamori_host *host, mamori_request *req, const char *name)
{
    const char *v;
    size_t n;

    if (host->ticket_field(req, name, &v, &n) != MAMORI_PLUGIN_OK || n == 0)
        return NULL;
    return v;
}

static int host_rc(int rc)
{
    /* Only running out of memory aborts the annotation; a value the host
     * refuses (a tag that is too long) must not hide the rest. */
    return rc == MAMORI_PLUGIN_ENOMEM ? rc : MAMORI_PLUGIN_OK;
}

static int emit(const struct rules_state *st, const struct mamori_host *host, mamori_request *req)
{
    const struct rules_policy *p = st->policy;
    const struct rules_result *res = mamori_rules_result(st->scratch);
    const struct rules_guidance *g = &st->guidance;
    int rc;

    for (size_t i = 0; i < res->nfired; i++) {
        const struct rules_category *c = &p->cats[res->fired[i]];
        struct mamori_category cat;
        size_t nev = 0;

        memset(&cat, 0, sizeof cat);
        cat.struct_size = sizeof cat;
        cat.id = c->id;
        cat.label = rules_text_get(&c->label, st->lang);
        cat.score = res->score[res->fired[i]];
        /* Fired by a must rule or by the model although a veto cancelled
         * the rules' score (-inf): the host takes finite scores only (the
         * note is JSON), so report the threshold as the score reached. */
        if (!isfinite(cat.score))
            cat.score = c->threshold;
        cat.severity = c->severity;
        cat.flags = c->harassment ? MAMORI_CATEGORY_HARASSMENT : 0;
        if ((rc = host->add_category(req, &cat)) != MAMORI_PLUGIN_OK)
            return rc;
        for (size_t r = 0; r < p->nrules; r++) {
            const struct rules_rule *rule = &p->rules[r];
            if (rule->category != res->fired[i] || !res->rule_fired[r] || rule->weight <= 0)
                continue;
            for (uint32_t k = 0; k < res->rule_nev[r] && nev < MAX_EVIDENCE_PER_CATEGORY; k++, nev++) {
                const struct rules_occ *o = &res->occ[res->ev[res->rule_ev[r] + k]];
                struct mamori_evidence ev;

                memset(&ev, 0, sizeof ev);
                ev.struct_size = sizeof ev;
                ev.category_id = c->id;
                ev.field = o->field == RULES_FIELD_SUBJECT ? MAMORI_FIELD_SUBJECT : MAMORI_FIELD_BODY;
                ev.begin = o->ob;
                ev.end = o->oe;
                ev.rule_id = rule->id;
                ev.weight = rule->weight;
                if ((rc = host_rc(host->add_evidence(req, &ev))) != 0)
                    return rc;
            }
        }
        /* Decided by the model: its reading is the evidence, the sentences
         * that moved the category's probability most (rule id "model"). */
        if (res->model != NULL && res->cat_model[res->fired[i]] && p->cat_label[res->fired[i]] >= 0) {
            const struct mamori_model_result *mr = res->model;
            int32_t l = p->cat_label[res->fired[i]];
            for (size_t k = 0; k < mr->ntop[l] && nev < MAX_EVIDENCE_PER_CATEGORY; k++, nev++) {
                const struct mamori_model_span *sp = &mr->top[(size_t)l * MAMORI_MODEL_TOP_SPANS + k];
                struct mamori_evidence ev;

                memset(&ev, 0, sizeof ev);
                ev.struct_size = sizeof ev;
                ev.category_id = c->id;
                ev.field = sp->field == RULES_FIELD_SUBJECT ? MAMORI_FIELD_SUBJECT : MAMORI_FIELD_BODY;
                ev.begin = sp->ob;
                ev.end = sp->oe;
                ev.rule_id = "model";
                ev.weight = sp->contribution;
                if ((rc = host_rc(host->add_evidence(req, &ev))) != 0)
                    return rc;
            }
        }
    }
    for (size_t i = 0; i < g->nsteps; i++)
        if ((rc = host_rc(host->add_first_response_step(req, g->steps[i]))) != 0)
            return rc;
    if (g->draft != NULL && (rc = host_rc(host->set_reply_draft(req, g->draft))) != 0)
        return rc;
    for (size_t i = 0; i < g->nlinks; i++)
        if ((rc = host_rc(host->add_training_link(req, rules_text_get(&g->links[i]->title, st->lang),
                                                  g->links[i]->url))) != 0)
            return rc;
    if (g->flame > MAMORI_FLAME_NONE) {
        if (g->nflame == 0 && (rc = host_rc(host->set_flame_risk(req, g->flame, NULL))) != 0)
            return rc;
        for (size_t i = 0; i < g->nflame; i++)
            if ((rc = host_rc(host->set_flame_risk(req, g->flame, g->flame_advice[i]))) != 0)
                return rc;
    }
    for (size_t i = 0; i < g->nesc; i++) {
        struct mamori_escalation e;
        memset(&e, 0, sizeof e);
        e.struct_size = sizeof e;
        e.level = g->esc[i].level;
        e.category_id = g->esc[i].category;
        e.reason = g->esc[i].reason;
        e.legal_basis = g->esc[i].legal_basis;
        if ((rc = host_rc(host->raise_escalation(req, &e))) != 0)
            return rc;
    }
    for (int k = 0; k < 2; k++) {
        const char *who = k == 0 ? g->contact : g->contact_lawyer;
        struct mamori_escalation e;
        if (who == NULL)
            continue;
        memset(&e, 0, sizeof e);
        e.struct_size = sizeof e;
        e.level = g->escalation;
        e.reason = who;
        if ((rc = host_rc(host->raise_escalation(req, &e))) != 0)
            return rc;
    }
    for (size_t i = 0; i < g->ntags; i++)
        if ((rc = host_rc(host->add_tag(req, g->tags[i]))) != 0)
            return rc;
    return host_rc(host->add_source(req, "policy", p->id, p->version));
}

static int rules_annotate(void *state, const struct mamori_host *host, mamori_request *req,
                          struct mamori_plugin_error *err)
{
    struct rules_state *st = state;
    struct contacts_ctx cc = {host, req};
    struct rules_input in;
    struct rules_error rerr = {0, ""};
    const char *v;
    size_t n;
    int rc;

    memset(&in, 0, sizeof in);
    if (host->ticket_field(req, MAMORI_FIELD_SUBJECT, &v, &n) == MAMORI_PLUGIN_OK) {
        in.text[RULES_FIELD_SUBJECT] = v;
        in.len[RULES_FIELD_SUBJECT] = n;
    }
    if (host->ticket_field(req, MAMORI_FIELD_BODY, &v, &n) == MAMORI_PLUGIN_OK) {
        in.text[RULES_FIELD_BODY] = v;
        in.len[RULES_FIELD_BODY] = n;
    }
    in.channel = field(host, req, MAMORI_FIELD_CHANNEL);
    in.requester_name = field(host, req, MAMORI_FIELD_REQUESTER_NAME);
    in.company = field(host, req, MAMORI_FIELD_COMPANY);
    in.ticket_id = field(host, req, MAMORI_FIELD_TICKET_ID);
    in.contacts = host_contacts;
    in.contacts_ctx = &cc;
    in.lang = st->lang;
    rc = mamori_rules_eval(st->policy, &in, st->scratch, &rerr);
    if (rc == 0)
        rc = mamori_rules_guidance(st->policy, st->scratch, &in, &st->guidance);
    if (rc != 0) {
        err->code = rc == RULES_ENOMEM ? MAMORI_PLUGIN_ENOMEM : MAMORI_PLUGIN_EINTERNAL;
        snprintf(err->message, sizeof err->message, "policy %s: %s", st->policy->id,
                 rerr.message[0] ? rerr.message : "out of memory");
        return err->code;
    }
    rc = emit(st, host, req);
    if (rc != 0) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "the host refused the annotation (%d)", rc);
    }
    return rc;
}

static void rules_close(void *state)
{
    state_free(state);
}

static const struct mamori_plugin rules_plugin = {
    .struct_size = sizeof(struct mamori_plugin),
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR,
    .name = "rules",
    .version = PACKAGE_VERSION,
    .description = "the company's policy file (categories, rules, first response) applied to every ticket",
    .flags = 0,
    .option_keys = rules_options,
    .open = rules_open,
    .annotate = rules_annotate,
    .close = rules_close,
};

MAMORI_PLUGIN_EXPORT const struct mamori_plugin *MAMORI_PLUGIN_ENTRY(uint16_t host_abi_major, uint16_t host_abi_minor)
{
    (void)host_abi_minor;
    return host_abi_major == MAMORI_PLUGIN_ABI_MAJOR ? &rules_plugin : NULL;
}
