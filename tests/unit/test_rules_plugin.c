/*
 * test_rules_plugin.c -- rules.so through the real host: the loader's
 * checks and dlopen, the entry point, open() with tenant options (a policy
 * path relative to the tenant file), the chain run with the host function
 * table, and what lands in the annotation. Also: the .so exports nothing
 * but its entry point, and open() failures say what to fix.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "plugin/annotation.h"
#include "ingest/chain.h"
#include "note/note.h"
#include "plugin/host_api.h"
#include "plugin/loader.h"
#include "tap.h"
#include "config/tenant.h"
#include "plugin/ticket.h"

static char plugin_dir[1200], policy_dir[1200];

static int open_with(struct mamori_plugin_handle *h, const struct mamori_plugin_option *opts, size_t n,
                     struct mamori_error *err)
{
    struct mamori_plugin_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.tenant_id = "acme";
    cfg.language = "ja";
    cfg.config_dir = policy_dir;
    cfg.option_count = n;
    cfg.options = opts;
    memset(h, 0, sizeof *h);
    if (mamori_plugin_load(h, "rules", "rules", plugin_dir, err) != 0)
        return -1;
    return mamori_plugin_open(h, &mamori_host_table, &cfg, err);
}

/* Run the one-plugin chain over a ticket. */
static int annotate(struct mamori_plugin_handle *h, const char *subject, const char *body, const char *channel,
                    int64_t contacts, struct mamori_annotation *a)
{
    struct mamori_tenant t;
    struct mamori_chain_entry e;
    struct mamori_ticket ticket;
    struct mamori_request req;
    struct mamori_history hist;
    struct mamori_chain_result res;
    int rc;

    memset(&t, 0, sizeof t);
    memset(&e, 0, sizeof e);
    e.handle = *h;
    t.id = (char *)"acme";
    t.name = (char *)"アクメ株式会社";
    t.chain = &e;
    t.chain_count = 1;
    mamori_ticket_init(&ticket);
    ticket.subject = (char *)subject;
    ticket.subject_len = subject ? strlen(subject) : 0;
    ticket.body = (char *)body;
    ticket.body_len = strlen(body);
    ticket.channel = (char *)channel;
    ticket.requester_name = (char *)"山田";
    ticket.ticket_id = (char *)"4711";
    memset(&hist, 0, sizeof hist);
    hist.fixed_contacts = contacts;
    mamori_annotation_init(a);
    memset(&req, 0, sizeof req);
    mamori_chain_request(&req, &t);
    req.ticket = &ticket;
    req.annotation = a;
    req.history = &hist;
    req.now = time(NULL);
    rc = mamori_chain_run(&t, &req, &res, NULL);
    return rc != 0 ? rc : res.plugins_failed;
}

static int has_source(const struct mamori_annotation *a, const char *kind, const char *id)
{
    for (size_t i = 0; i < a->source_count; i++)
        if (strcmp(a->sources[i].kind, kind) == 0 && strcmp(a->sources[i].id, id) == 0)
            return 1;
    return 0;
}

int main(void)
{
    const char *build = getenv("top_builddir"), *src = getenv("top_srcdir");
    struct mamori_plugin_option opt = {"policy", "policy.json"};
    struct mamori_plugin_handle h;
    struct mamori_annotation a;
    struct mamori_error err;
    const char *body = "おまえ　ほんと使えねーな。し　ね";

    plan(41);
    mamori_log_init("test_rules_plugin", MAMORI_LOG_LEVEL_WARNING, 0);
    snprintf(plugin_dir, sizeof plugin_dir, "%s/plugins/rules/.libs", build ? build : ".");
    snprintf(policy_dir, sizeof policy_dir, "%s/tests/rules/basic", src ? src : ".");

    is_int(open_with(&h, &opt, 1, &err), 0, "rules.so loads and opens with policy = policy.json (relative)");
    if (h.desc == NULL) {
        diag("%s", err.message);
        return done();
    }
    is_str(h.desc->name, "rules", "its descriptor is named rules");
    ok(mamori_plugin_accepts_option(&h, "policy") && mamori_plugin_accepts_option(&h, "policy_pubkey") &&
           !mamori_plugin_accepts_option(&h, "polcy"),
       "it accepts the options policy and policy_pubkey only");
    ok(dlsym(h.dl, "mamori_plugin_entry_v1") != NULL, "the entry point is exported");
    ok(dlsym(h.dl, "mamori_rules_eval") == NULL && dlsym(h.dl, "rules_normalize") == NULL &&
           dlsym(h.dl, "rules_ac_scan") == NULL && dlsym(h.dl, "mamori_rules_policy_load") == NULL,
       "the engine's functions are hidden");
    ok((h.desc->flags & MAMORI_PLUGIN_REENTRANT) == 0, "annotate is declared not reentrant (one scratch per process)");

    is_int(annotate(&h, NULL, body, "chat", 1, &a), 0, "the chain runs (dev-029)");
    is_int(a.category_count, 1, "one category");
    is_str(a.categories[0].id, "verbal_abuse", "... verbal_abuse");
    is_str(a.categories[0].label, "暴言", "... with its label");
    ok(a.categories[0].harassment, "... flagged as harassment");
    is_int(a.categories[0].severity, MAMORI_SEVERITY_MEDIUM, "... severity medium");
    ok(a.categories[0].evidence_count == 1, "... one piece of evidence");
    if (a.categories[0].evidence_count >= 1) {
        is_str(a.categories[0].evidence[0].text, "し　ね", "... quoting 「し　ね」 exactly as written");
        is_int(a.categories[0].evidence[0].begin, 39, "... from byte 39");
        is_int(a.categories[0].evidence[0].end, 48, "... to byte 48");
        is_str(a.categories[0].evidence[0].rule_id, "abuse.shine", "... by rule abuse.shine");
    } else {
        for (int i = 0; i < 4; i++)
            ok(0, "no evidence");
    }
    ok(a.steps.count == 2 && strcmp(a.steps.items[0], "記録する") == 0, "first-response steps");
    is_str(a.reply_draft, "山田様 暴言の件", "the reply draft, with {requester_name} from the ticket");
    ok(a.link_count == 1 && strcmp(a.links[0].url, "https://example.com/abuse") == 0, "the training link");
    ok(mamori_strv_contains(&a.tags, "mamori-abuse"), "the category's tag");
    ok(has_source(&a, "plugin", "rules") && has_source(&a, "policy", "test-basic"),
       "sources: the plugin and the policy (id, version)");
    mamori_annotation_free(&a);

    is_int(annotate(&h, "至急", "ころすぞ", "email", 1, &a), 0, "a threat");
    is_int(a.escalation_level, MAMORI_ESCALATE_POLICE, "... escalation police");
    ok(mamori_strv_contains(&a.legal_basis, "刑法222条（脅迫）"), "... with the legal basis");
    ok(mamori_strv_contains(&a.escalation_reasons, "連絡先: 110番"), "... and who to call (policy contacts)");
    contains_str(a.reply_draft, "受付番号 4711", "... the draft has {ticket_id}");
    ok(strstr(a.reply_draft, "テスト株式会社") != NULL && strstr(a.reply_draft, "アクメ") == NULL,
       "... and {company}, the policy's own, not the tenant's name (issue 14)");
    mamori_annotation_free(&a);

    /* Issue 14: with several categories the contact came after their
     * reasons and the note cut it; the agent must see whom to call. */
    is_int(annotate(&h, NULL, "ころすぞ。このばか。ネットに晒すからな", "email", 1, &a), 0,
           "a police-level threat with abuse and an SNS threat");
    ok(a.category_count >= 3 && a.escalation_level == MAMORI_ESCALATE_POLICE && a.escalation_reasons.count >= 3,
       "... three categories, police, several reasons");
    {
        struct mamori_note_context ctx = {"ja", NULL, "ころすぞ。このばか。ネットに晒すからな", NULL, NULL};
        struct mamori_buf note = MAMORI_BUF_INIT;
        const char *text, *esc, *contact;

        is_int(mamori_note_render(&a, &ctx, MAMORI_NOTE_TEXT, &note), 0, "... the note renders");
        text = mamori_buf_str(&note);
        esc = strstr(text, "■ エスカレーション");
        contact = strstr(text, "連絡先: 110番");
        ok(esc != NULL && contact != NULL && contact > esc && strstr(esc, "生命・身体への加害の告知") > contact,
           "... and shows whom to call, first in the escalation section");
        ok(esc != NULL && strstr(esc, "連絡先: 山田法律事務所 03-0000-0000") != NULL &&
               strstr(esc, "連絡先: 山田法律事務所 03-0000-0000") < strstr(esc, "生命・身体への加害の告知"),
           "... the lawyer's number too at police level, before the reasons");
        if (contact == NULL)
            diag("%s", text);
        mamori_buf_free(&note);
    }
    mamori_annotation_free(&a);

    is_int(annotate(&h, NULL, "何回目だと思ってるんだ", "web", 4, &a), 0, "repeat contacts");
    ok(a.category_count == 1 && strcmp(a.categories[0].id, "repeat_contact") == 0,
       "... history_count from the host reaches contacts_at_least");
    mamori_annotation_free(&a);

    is_int(annotate(&h, NULL, "死ぬほど美味しかったです。また買います。", "web", 1, &a), 0, "a benign message");
    ok(a.category_count == 0 && a.escalation_level == 0 && has_source(&a, "policy", "test-basic"),
       "... no category, but the policy is recorded");
    mamori_annotation_free(&a);
    mamori_plugin_unload(&h);

    {
        struct mamori_plugin_option bad = {"policy", "../lint/errors.json"};
        struct mamori_plugin_option missing = {"policy", "nope.json"};
        struct mamori_plugin_option signed_[2] = {{"policy", "policy.json"}, {"policy_pubkey", "../keys/test.pub"}};

        ok(open_with(&h, NULL, 0, &err) != 0 && strstr(err.message, "option \"policy\" is required"),
           "without policy = ..., open says what to set");
        mamori_plugin_unload(&h);
        ok(open_with(&h, &bad, 1, &err) != 0 && strstr(err.message, "errors.json:5:3: unknown key"),
           "a broken policy: open names FILE:LINE:COL (%s)", err.message);
        mamori_plugin_unload(&h);
        ok(open_with(&h, &missing, 1, &err) != 0 && strstr(err.message, "nope.json"),
           "a missing policy file is named");
        mamori_plugin_unload(&h);
        ok(open_with(&h, signed_, 2, &err) != 0 && strstr(err.message, "signature") &&
               strstr(err.message, "policy.json: no signature"),
           "policy_pubkey set: an unsigned policy is refused (%s)", err.message);
        mamori_plugin_unload(&h);
    }
    return done();
}
