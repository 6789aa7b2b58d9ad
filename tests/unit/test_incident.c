/* Unit tests (issue 17): agent commands from tags and note lines, the
 * signed training token, report days and ranges, a report over a fresh
 * store (empty, then with records), the incident digest, the new routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/router.h"
#include "incident/agent.h"
#include "incident/record.h"
#include "incident/training_token.h"
#include "report/export.h"
#include "report/render.h"
#include "store/escalations.h"
#include "report/report_data.h"
#include "store/incidents.h"
#include "tap.h"

static void agent_commands(void)
{
    struct mamori_ticket t;
    struct mamori_agent_commands c;

    mamori_ticket_init(&t);
    mamori_strv_push(&t.tags, "vip", (size_t)-1);
    mamori_strv_push(&t.tags, "mamori-action-warned", (size_t)-1);
    mamori_strv_push(&t.tags, "mamori-outcome-closed", (size_t)-1);
    mamori_strv_push(&t.tags, "mamori-lawyer-retained", (size_t)-1);
    t.agent_note = strdup("電話しました。\n  mamori: action 書面で警告\r\nMAMORI： care\nmamori: outcome 取引停止\n"
                          "mamori: actionless\nnot mamori: mark\nmamori: mark complaint");
    ok(mamori_agent_commands_read(&t, &c) == 0, "agent commands read");
    is_int(c.mark, MAMORI_AGENT_MARK_COMPLAINT, "mamori: mark complaint marks a complaint");
    is_int(c.care, 1, "a full-width colon and upper case still count (care)");
    is_int((int)c.tag_actions.count, 1, "one action from the tags (other mamori- tags are not commands)");
    is_str(c.tag_actions.items[0], "warned", "... the word after mamori-action-");
    is_int((int)c.note_actions.count, 1, "one action from the note ('actionless' is no command)");
    is_str(c.note_actions.items[0], "書面で警告", "... trimmed, CR dropped");
    is_str(c.outcome, "取引停止", "the note's outcome wins over the tag's");
    ok(mamori_agent_commands_any(&c), "... so there is something to record");
    mamori_agent_commands_free(&c);
    mamori_ticket_free(&t);

    mamori_ticket_init(&t);
    mamori_strv_push(&t.tags, "mamori-mark", (size_t)-1);
    mamori_strv_push(&t.tags, "mamori-mark-complaint", (size_t)-1);
    ok(mamori_agent_commands_read(&t, &c) == 0 && c.mark == MAMORI_AGENT_MARK_HARASSMENT,
       "a harassment mark is not undone by a complaint mark");
    mamori_agent_commands_free(&c);
    mamori_ticket_free(&t);

    mamori_ticket_init(&t);
    ok(mamori_agent_commands_read(&t, &c) == 0 && !mamori_agent_commands_any(&c), "no tags, no note: nothing");
    mamori_agent_commands_free(&c);
    mamori_ticket_free(&t);
}

static void training_token(void)
{
    const unsigned char key[] = "0123456789abcdef0123456789abcdef", other[] = "fedcba9876543210fedcba9876543210";
    struct mamori_training_claim in = {"acme", "T-1", "https://example.com/manual?a=1&b=日本", "threat", 1767225600};
    struct mamori_training_claim out;
    struct mamori_buf link = MAMORI_BUF_INIT;
    const char *tok;
    char *bad;

    ok(mamori_training_link_sign(key, 32, "https://m.example", &in, &link) == 0, "a link is signed");
    contains_str(mamori_buf_str(&link), "https://m.example/t/", "... under public_url/t/");
    tok = mamori_buf_str(&link) + strlen("https://m.example/t/");
    ok(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == strlen(tok),
       "... the token is URL-safe as it is");
    ok(mamori_training_link_verify(key, 32, tok, &out) == 0, "it verifies with the key");
    is_str(out.url, in.url, "... giving back the url");
    is_str(out.ticket_id, "T-1", "... the ticket");
    is_str(out.category, "threat", "... the category");
    ok(out.issued_at == 1767225600, "... and when it was issued");
    mamori_training_claim_free(&out);
    is_int(mamori_training_link_verify(other, 32, tok, &out), MAMORI_EAUTH, "another key: refused");
    bad = strdup(tok);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';
    is_int(mamori_training_link_verify(key, 32, bad, &out), MAMORI_EAUTH, "a changed payload: refused");
    strcpy(bad, tok);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
    is_int(mamori_training_link_verify(key, 32, bad, &out), MAMORI_EAUTH, "a changed MAC: refused");
    is_int(mamori_training_link_verify(key, 32, "no-dot", &out), MAMORI_EAUTH, "no MAC: refused");
    is_int(mamori_training_link_verify(key, 32, "@@@.AAAA", &out), MAMORI_EAUTH, "garbage: refused");
    is_int(mamori_training_link_verify(key, 0, tok, &out), MAMORI_EAUTH, "no key configured: refused");
    free(bad);
    mamori_buf_free(&link);
}

static void days(void)
{
    struct mamori_error err;
    long long t;

    ok(mamori_report_parse_day("2026-10-01", &t, &err) == 0 && t == 1790812800LL, "2026-10-01 is 1790812800");
    ok(mamori_report_parse_day("2024-02-29", &t, &err) == 0, "a leap day is a day");
    is_int(mamori_report_parse_day("2026-02-29", &t, &err), MAMORI_EINVAL, "2026-02-29 is not");
    contains_str(err.message, "not a day of the calendar", "... saying so");
    is_int(mamori_report_parse_day("2026-1-01", &t, &err), MAMORI_EINVAL, "YYYY-M-DD is refused");
    is_int(mamori_report_parse_day("2026-10-01x", &t, &err), MAMORI_EINVAL, "trailing text is refused");
    contains_str(err.message, "YYYY-MM-DD", "... naming the format");
}

static int count_rows(void *ctx, const struct mamori_incident_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static void report(void)
{
    char path[] = "/tmp/mamori-test-incident.XXXXXX";
    char db[64];
    struct mamori_store *st;
    struct mamori_error err;
    struct mamori_report r;
    struct mamori_incident_row row;
    struct mamori_buf out = MAMORI_BUF_INIT;
    char d1[65], d2[65];
    int fd = mkstemp(path), n = 0;
    json_t *j;

    close(fd);
    unlink(path);
    snprintf(db, sizeof db, "%s.db", path);
    ok(mamori_store_open(&st, db, 1, 1000, 0, &err) == 0, "a new store opens (migrated to schema 7)");
    is_int(mamori_report_build(st, "acme", "2026-12-31", "2026-01-01", 0, &r, &err), MAMORI_EINVAL,
           "to before from: refused");
    contains_str(err.message, "is before --from", "... saying so");
    is_int(mamori_report_build(st, "acme", "2000-01-01", "2026-01-01", 0, &r, &err), MAMORI_EINVAL,
           "more than ten years: refused");
    ok(mamori_report_build(st, "acme", "2026-01-01", "2026-03-31", 0, &r, &err) == 0, "an empty period builds");
    ok(r.incidents == 0 && r.months.count == 3, "... with no incidents and its three months");
    ok(mamori_report_render_html(&r, &out) == 0 && strstr(out.data, "この期間の対応記録はありません") != NULL,
       "... its HTML says there was nothing");
    mamori_buf_reset(&out);
    ok(mamori_report_render_pdf(&r, &out) == 0 && out.len > 1000 && memcmp(out.data, "%PDF-", 5) == 0,
       "... and its PDF is a PDF, not an empty file");
    mamori_report_free(&r);

    memset(&row, 0, sizeof row);
    row.tenant = "acme";
    row.ticket_id = "T-1";
    row.connector = "generic";
    row.channel = "phone";
    row.requester = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    row.marked_by = "mamori";
    row.is_harassment = 1;
    row.severity = "high";
    row.categories = "threat,abuse";
    row.escalation = "lawyer";
    row.detail = "{}";
    row.first_at = 1790812800LL + 3600;
    row.updated_at = row.first_at;
    mamori_store_begin(st, &err);
    ok(mamori_incident_put(st, &row, &err) == 0, "a record is written");
    row.ticket_id = "T-2";
    row.is_harassment = 0;
    row.categories = "threat";
    row.severity = "low";
    ok(mamori_incident_put(st, &row, &err) == 0, "... and a second of the same customer");
    row.ticket_id = "T-3";
    row.first_at = 1790812800LL - 1;
    ok(mamori_incident_put(st, &row, &err) == 0, "... and one the day before the period");
    mamori_store_commit(st, &err);
    mamori_incident_each(st, "acme", 0, 1LL << 40, 0, count_rows, &n, &err);
    is_int(n, 3, "three records in the store");
    ok(mamori_report_build(st, "acme", "2026-10-01", "2026-10-31", 0, &r, &err) == 0, "October builds");
    ok(r.incidents == 2 && r.harassment == 1 && r.complaints == 1, "... two incidents: one harassment, one complaint");
    ok(r.categories.count == 2 && strcmp(r.categories.rows[0].key, "threat") == 0 && r.categories.rows[0].n == 2,
       "... threat twice, most first");
    ok(r.repeaters.count == 1 && r.repeaters.rows[0].n == 2 && strlen(r.repeaters.rows[0].key) == 12,
       "... one repeat customer, as a 12-digit pseudonym");
    ok(r.severities.count == 2 && strcmp(r.severities.rows[0].key, "low") == 0, "... severities lowest first");
    j = mamori_report_to_json(&r);
    ok(j != NULL && json_integer_value(json_object_get(json_object_get(j, "records"), "warnings")) == 0 &&
           json_is_integer(json_object_get(json_object_get(j, "records"), "restrictions")),
       "... warnings and restrictions (issue 16's tables) counted: none in this period, 0 not null");
    json_decref(j);
    mamori_buf_reset(&out);
    ok(mamori_report_render_csv(&r, &out) == 0 && strstr(out.data, "\r\ncategory,threat,2,,\r\n") != NULL,
       "... and in CSV");
    mamori_report_free(&r);

    ok(mamori_incident_get(st, "acme", "T-1", &row, &err) == 0, "a record reads back");
    ok(mamori_incident_digest(&row, d1) == 0, "... its digest");
    free(row.outcome);
    row.outcome = strdup("和解");
    ok(mamori_incident_digest(&row, d2) == 0 && strcmp(d1, d2) != 0, "... changes with any field");
    mamori_incident_row_free(&row);
    is_int(mamori_incident_get(st, "acme", "nope", &row, &err), MAMORI_ENOTFOUND, "no record: ENOTFOUND");

    {
        struct mamori_escalation_row e;
        int64_t id = 0;
        json_t *doc = NULL;
        memset(&e, 0, sizeof e);
        e.tenant = "acme";
        e.ticket_id = "T-1";
        e.level = "lawyer";
        e.connector = "generic";
        e.event_id = "ev";
        e.ticket = "{}";
        e.channels = "lawyer-line";
        e.created_at = 1790812800LL + 3700;
        mamori_store_begin(st, &err);
        ok(mamori_escalation_insert(st, &e, &id, &err) == 0 && id > 0 &&
               mamori_escalation_message_put(st, id, "acme", "lawyer-line", "U-lawyer", "m-1", e.created_at + 5,
                                             &err) == 0,
           "an escalation and its message are written");
        mamori_store_commit(st, &err);
        ok(mamori_incident_export_json(st, "acme", "T-1", &doc, &err) == 0, "the incident exports");
        is_str(json_string_value(json_object_get(json_array_get(json_object_get(doc, "escalation_messages"), 0),
                                                 "recipient")),
               "U-lawyer", "... saying who was told");
        is_str(json_string_value(json_object_get(json_array_get(json_object_get(doc, "escalations"), 0), "level")),
               "lawyer", "... and the escalation");
        ok(json_is_false(json_object_get(doc, "record_matches_audit")),
           "... a record written without its audit entry does not match the chain");
        json_decref(doc);
        is_int(mamori_incident_export_json(st, "acme", "nope", &doc, &err), MAMORI_ENOTFOUND,
               "exporting a ticket without a record: ENOTFOUND");
    }
    mamori_buf_free(&out);
    mamori_store_close(st);
    unlink(db);
    snprintf(path, sizeof path, "%s-wal", db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db);
    unlink(path);
}

static void routes(void)
{
    struct mamori_route r;
    is_int(mamori_route_match("GET", "/t/abc.def", &r), 0, "GET /t/<token> matches");
    ok(r.kind == MAMORI_ROUTE_TRAINING && strcmp(r.token, "abc.def") == 0, "... as a training link with its token");
    is_int(mamori_route_match("POST", "/t/abc", &r), 405, "POST on it is 405");
    is_int(mamori_route_match("GET", "/t/", &r), 404, "an empty token is 404");
    is_int(mamori_route_match("GET", "/t/a/b", &r), 404, "a slash in a token is 404");
    is_int(mamori_route_match("GET", "/admin/acme/report", &r), 0, "the report page matches");
    ok(r.kind == MAMORI_ROUTE_ADMIN_REPORT && strcmp(r.tenant, "acme") == 0, "... with its tenant");
    is_int(mamori_route_match("GET", "/admin/acme/other", &r), 404, "other admin paths are 404");
    is_int(mamori_route_match("GET", "/admin/ACME/report", &r), 404, "an invalid tenant id is 404");
}

int main(void)
{
    plan(70);
    agent_commands();
    training_token();
    days();
    report();
    routes();
    return done();
}
