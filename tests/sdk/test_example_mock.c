/*
 * test_example_mock.c -- plugins/example unit-tested the way an
 * out-of-tree plugin would be: its source compiled into the test, run
 * through the SDK's mock host (<mamori/plugin_mock.h>), no daemon. Also
 * checks that the mock refuses what the real host refuses.
 */
#include <stdio.h>
#include <string.h>

#include <mamori/plugin_mock.h>

#include "tap.h"

static void test_finds_the_word(void)
{
    struct mamori_plugin_error err;
    mamori_request *t = mamori_mock_new();
    const char *options[] = {"word", "交換", NULL};
    const char *body = "壊れていたので交換してください";
    int rc;

    ok(t != NULL, "a mock ticket");
    if (t == NULL)
        return;
    is_int(mamori_mock_set_field(t, MAMORI_FIELD_BODY, body), 0, "the body is set");
    rc = mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(MAMORI_PLUGIN_ABI_MAJOR, MAMORI_PLUGIN_ABI_MINOR), options, &err);
    is_int(rc, 0, "open, annotate and close succeed");
    is_int(t->category_count, 1, "one category");
    if (t->category_count == 1) {
        is_str(t->categories[0].id, "example", "... example");
        is_int(t->categories[0].severity, MAMORI_SEVERITY_LOW, "... of low severity");
    }
    ok(mamori_mock_category(t, "example") != NULL, "mamori_mock_category finds it by id");
    is_int(t->evidence_count, 1, "one piece of evidence");
    if (t->evidence_count == 1) {
        is_str(t->evidence[0].quote, "交換", "the evidence quotes the word");
        is_int(t->evidence[0].begin, strstr(body, "交換") - body, "... at its byte offset");
        is_str(t->evidence[0].field, MAMORI_FIELD_BODY, "... in the body");
        is_str(t->evidence[0].rule_id, "example.word", "... with its rule id");
    }
    is_int(t->step_count, 1, "one first-response step");
    if (t->step_count == 1)
        contains_str(t->steps[0], "example plugin", "... the plugin's");
    is_int(t->tags.count, 1, "one tag");
    if (t->tags.count == 1)
        is_str(t->tags.items[0], "mamori-example", "... mamori-example");
    is_int(t->escalation_level, MAMORI_ESCALATE_NONE, "no escalation");
    is_int(t->refused, 0, "the host refused none of the plugin's calls");
    contains_str(t->last_log, "for tenant test", "open() logged through the mock host");
    mamori_mock_free(t);
}

static void test_no_word_no_category(void)
{
    struct mamori_plugin_error err;
    mamori_request *t = mamori_mock_new();
    const char *options[] = {"word", "refund", NULL};

    if (t == NULL)
        return;
    mamori_mock_set_field(t, MAMORI_FIELD_BODY, "Thank you for the quick answer.");
    is_int(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), options, &err), 0, "a ticket without the word runs");
    is_int(t->category_count + t->evidence_count + t->step_count + t->tags.count, 0, "... and adds nothing");
    mamori_mock_free(t);

    t = mamori_mock_new();
    if (t == NULL)
        return;
    is_int(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), NULL, &err), 0, "a ticket without a body runs");
    is_int(t->category_count, 0, "... and adds nothing");
    mamori_mock_free(t);
}

static void test_options_are_checked(void)
{
    struct mamori_plugin_error err;
    mamori_request *t = mamori_mock_new();
    const char *unknown[] = {"wrod", "x", NULL};
    const char *empty[] = {"word", "", NULL};

    if (t == NULL)
        return;
    is_int(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), unknown, &err), MAMORI_PLUGIN_EINVAL,
           "an option the plugin does not declare is refused before open(), as in a tenant file");
    contains_str(err.message, "does not accept option \"wrod\"", "... naming it");
    is_int(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(1, 0), empty, &err), MAMORI_PLUGIN_EINVAL,
           "the plugin's own refusal in open() comes back");
    is_str(err.message, "option word must not be empty", "... with its message");
    ok(MAMORI_PLUGIN_ENTRY(2, 0) == NULL, "the entry point refuses another major");
    is_int(mamori_mock_run(t, MAMORI_PLUGIN_ENTRY(2, 0), NULL, &err), MAMORI_PLUGIN_EINVAL,
           "mamori_mock_run refuses a missing descriptor");
    mamori_mock_free(t);
}

/* The mock checks calls as the host does (adapter/plugin/host_api.c). */
static void test_mock_refuses_like_the_host(void)
{
    const struct mamori_host *h = mamori_mock_host();
    mamori_request *t = mamori_mock_new();
    struct mamori_category c;
    struct mamori_evidence e;
    struct mamori_escalation x;

    if (t == NULL)
        return;
    mamori_mock_set_field(t, MAMORI_FIELD_BODY, "交換してください");
    memset(&e, 0, sizeof e);
    e.struct_size = sizeof e;
    e.category_id = "threat";
    e.field = MAMORI_FIELD_BODY;
    e.begin = 0;
    e.end = 6;
    is_int(h->add_evidence(t, &e), MAMORI_PLUGIN_ENOTFOUND, "evidence for a category not added is refused");
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.id = "Threat";
    is_int(h->add_category(t, &c), MAMORI_PLUGIN_EINVAL, "a category id outside [a-z0-9_] is refused");
    c.id = "threat";
    c.score = 0.5;
    c.severity = MAMORI_SEVERITY_HIGH;
    is_int(h->add_category(t, &c), 0, "a category");
    c.score = 0.9;
    c.severity = MAMORI_SEVERITY_LOW;
    is_int(h->add_category(t, &c), 0, "the same id again");
    is_int(t->category_count, 1, "... merges");
    ok(t->categories[0].score == 0.9 && t->categories[0].severity == MAMORI_SEVERITY_HIGH,
       "... keeping the higher score and severity");
    is_int(h->add_evidence(t, &e), 0, "evidence on character boundaries");
    is_str(t->evidence[0].quote, "交換", "... quotes them");
    e.end = 4;
    is_int(h->add_evidence(t, &e), MAMORI_PLUGIN_EINVAL, "evidence that splits a character is refused");
    e.end = 100;
    is_int(h->add_evidence(t, &e), MAMORI_PLUGIN_EINVAL, "evidence beyond the field is refused");
    e.struct_size = 8;
    e.end = 6;
    is_int(h->add_evidence(t, &e), MAMORI_PLUGIN_EINVAL, "a struct smaller than its 1.0 size is refused");
    is_int(h->add_tag(t, "Bad Tag"), MAMORI_PLUGIN_EINVAL, "a tag outside [a-z0-9_:-] is refused");
    is_int(h->add_training_link(t, "x", "ftp://x"), MAMORI_PLUGIN_EINVAL, "a link that is not http(s) is refused");
    is_int(h->add_first_response_step(t, "\xff"), MAMORI_PLUGIN_EINVAL, "text that is not UTF-8 is refused");
    memset(&x, 0, sizeof x);
    x.struct_size = sizeof x;
    x.level = MAMORI_ESCALATE_LAWYER;
    x.reason = "脅迫";
    is_int(h->raise_escalation(t, &x), 0, "an escalation");
    x.level = MAMORI_ESCALATE_SUPERVISOR;
    is_int(h->raise_escalation(t, &x), 0, "a lower one");
    is_int(t->escalation_level, MAMORI_ESCALATE_LAWYER, "... the highest level wins");
    is_int(t->escalation_reasons.count, 1, "... reasons accumulate without duplicates");
    is_int(t->refused, 8, "every refusal is counted in t->refused");
    {
        int64_t n = 0;
        t->contacts = 4;
        is_int(h->history_count(t, MAMORI_COUNTER_CONTACTS, 30, &n), 0, "history_count answers");
        is_int(n, 4, "... the contacts the test set");
    }
    mamori_mock_free(t);
}

int main(void)
{
    test_finds_the_word();
    test_no_word_no_category();
    test_options_are_checked();
    test_mock_refuses_like_the_host();
    return done();
}
