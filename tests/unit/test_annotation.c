/* Unit tests: the annotation model, its JSON form, and the host functions
 * plugins use to build it (validation, merging). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugin/annotation.h"
#include "plugin/host_api.h"
#include "plugin/ticket.h"
#include "tap.h"

int main(void)
{
    const struct mamori_host *h = &mamori_host_table;
    struct mamori_ticket t;
    struct mamori_annotation a, back;
    struct mamori_request req;
    struct mamori_category c;
    struct mamori_evidence e;
    struct mamori_escalation esc;
    struct mamori_error err;
    json_t *j, *ev;
    const char *body = "お前の名前は覚えた。殺すぞ";
    size_t start = strlen("お前の名前は覚えた。");

    plan(34);
    mamori_ticket_init(&t);
    t.body = (char *)body;
    t.body_len = strlen(body);
    t.channel = (char *)"email";
    mamori_annotation_init(&a);
    memset(&req, 0, sizeof req);
    req.ticket = &t;
    req.annotation = &a;

    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.id = "threat";
    c.label = "威嚇・脅迫";
    c.score = 1.5;
    c.severity = MAMORI_SEVERITY_CRITICAL;
    c.flags = MAMORI_CATEGORY_HARASSMENT;
    is_int(h->add_category(&req, &c), 0, "a category is added");
    c.score = 3.0;
    c.severity = MAMORI_SEVERITY_HIGH;
    is_int(h->add_category(&req, &c), 0, "the same category again merges");
    is_int(a.category_count, 1, "... into one");
    ok(a.categories[0].score == 3.0, "... keeping the higher score");
    is_int(a.categories[0].severity, MAMORI_SEVERITY_CRITICAL, "... and the higher severity");
    c.id = "Bad Id";
    is_int(h->add_category(&req, &c), MAMORI_PLUGIN_EINVAL, "an invalid category id is refused");
    c.id = "legitimate_complaint";
    c.flags = 0;
    c.severity = MAMORI_SEVERITY_LOW;
    h->add_category(&req, &c);

    memset(&e, 0, sizeof e);
    e.struct_size = sizeof e;
    e.category_id = "threat";
    e.field = MAMORI_FIELD_BODY;
    e.begin = start;
    e.end = strlen(body);
    e.rule_id = "threat.kill";
    e.weight = 1.5;
    is_int(h->add_evidence(&req, &e), 0, "evidence inside the field is accepted");
    is_str(a.categories[0].evidence[0].text, "殺すぞ", "the quote is the original bytes");
    e.end = strlen(body) + 1;
    is_int(h->add_evidence(&req, &e), MAMORI_PLUGIN_EINVAL, "evidence past the end is refused");
    e.begin = start + 1;
    e.end = strlen(body);
    is_int(h->add_evidence(&req, &e), MAMORI_PLUGIN_EINVAL, "evidence cutting a character is refused");
    e.category_id = "nope";
    e.begin = start;
    is_int(h->add_evidence(&req, &e), MAMORI_PLUGIN_ENOTFOUND, "evidence for an unknown category is refused");

    is_int(h->add_first_response_step(&req, "記録する"), 0, "a step is added");
    h->add_first_response_step(&req, "記録する");
    is_int(a.steps.count, 1, "a repeated step is kept once");
    is_int(h->add_first_response_step(&req, "\xff"), MAMORI_PLUGIN_EINVAL, "invalid UTF-8 is refused");
    h->set_reply_draft(&req, "一次返信");
    h->set_reply_draft(&req, "二次返信");
    is_str(a.reply_draft, "二次返信", "a later reply draft replaces the earlier");
    is_int(h->add_training_link(&req, "Manual", "javascript:alert(1)"), MAMORI_PLUGIN_EINVAL,
           "a training link must be http(s)");
    h->add_training_link(&req, "マニュアル", "https://example.com/manual#threat");
    h->set_flame_risk(&req, MAMORI_FLAME_HIGH, "証拠を保存");
    h->set_flame_risk(&req, MAMORI_FLAME_LOW, NULL);
    is_int(a.flame_level, MAMORI_FLAME_HIGH, "the flame level keeps the maximum");
    memset(&esc, 0, sizeof esc);
    esc.struct_size = sizeof esc;
    esc.level = MAMORI_ESCALATE_LAWYER;
    esc.reason = "殺害の告知";
    esc.legal_basis = "刑法222条 脅迫";
    h->raise_escalation(&req, &esc);
    esc.level = MAMORI_ESCALATE_POLICE;
    esc.reason = "身体への危険";
    h->raise_escalation(&req, &esc);
    esc.level = MAMORI_ESCALATE_SUPERVISOR;
    esc.reason = NULL;
    esc.legal_basis = NULL;
    h->raise_escalation(&req, &esc);
    is_int(a.escalation_level, MAMORI_ESCALATE_POLICE, "escalation keeps the highest level");
    is_int(a.escalation_reasons.count, 2, "... and accumulates reasons");
    is_int(a.legal_basis.count, 1, "... and legal bases, once each");
    is_int(h->add_tag(&req, "Mamori Threat"), MAMORI_PLUGIN_EINVAL, "a tag with spaces is refused");
    h->add_tag(&req, "mamori-threat");
    h->add_source(&req, "policy", "default-ja", "1.0.0");

    ok(mamori_annotation_is_harassment(&a), "a harassment category makes it harassment");
    is_int(mamori_annotation_severity(&a), MAMORI_SEVERITY_CRITICAL, "severity is the worst harassment category");

    j = mamori_annotation_to_json(&a);
    ok(j != NULL, "the annotation serializes");
    is_str(json_string_value(json_object_get(j, "schema")), MAMORI_ANNOTATION_SCHEMA, "it names its schema");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(j, "categories"), 0), "id")), "threat",
           "harassment categories come first");
    ev = json_array_get(json_object_get(json_array_get(json_object_get(j, "categories"), 0), "evidence"), 0);
    is_int(json_integer_value(json_object_get(ev, "start")), (long long)start, "evidence start is a byte offset");
    is_str(json_string_value(json_object_get(json_object_get(j, "escalation"), "level")), "police",
           "escalation level is named");
    ok(json_is_true(json_object_get(json_object_get(j, "escalation"), "required")), "escalation is required");

    {
        /* The verdict form: no guidance, and the customer's words only when
         * the tenant keeps evidence. */
        json_t *v0 = mamori_annotation_verdict_json(&a, 0), *v1 = mamori_annotation_verdict_json(&a, 1);
        json_t *e0 = json_array_get(json_object_get(json_array_get(json_object_get(v0, "categories"), 0), "evidence"), 0);
        json_t *e1 = json_array_get(json_object_get(json_array_get(json_object_get(v1, "categories"), 0), "evidence"), 0);
        ok(json_object_get(v0, "first_response") == NULL && json_object_get(v0, "training") == NULL,
           "the verdict carries no guidance texts");
        ok(json_object_get(e0, "text") == NULL && json_integer_value(json_object_get(e0, "start")) == (long long)start,
           "... and evidence as a place, without the words");
        is_str(json_string_value(json_object_get(e1, "text")), "殺すぞ", "with keep_evidence the words are kept");
        json_decref(v0);
        json_decref(v1);
    }
    mamori_annotation_init(&back);
    is_int(mamori_annotation_from_json(&back, j, &err), 0, "the JSON reads back");
    {
        json_t *j2 = mamori_annotation_to_json(&back);
        char *s1 = json_dumps(j, JSON_SORT_KEYS), *s2 = json_dumps(j2, JSON_SORT_KEYS);
        is_str(s2, s1, "... and serializes to the same JSON");
        free(s1);
        free(s2);
        json_decref(j2);
    }
    json_decref(j);
    mamori_annotation_free(&back);
    mamori_annotation_free(&a);
    return done();
}
