/* Unit tests for escalation (issue 5): config, routing and quiet hours,
 * quoting and redaction, each channel's request shape, lawyer commands
 * and notes, the LINE signature, the escalation store and the deadline
 * check; digests (holding during a burst, the digest, its acknowledgement,
 * its rendering). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mamori/plugin.h>

#include "base/buf.h"
#include "base/signature.h"
#include "config/escalation.h"
#include "config/generation.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/channel.h"
#include "escalation/digest.h"
#include "escalation/escalate.h"
#include "escalation/lawyer.h"
#include "escalation/message.h"
#include "escalation/route.h"
#include "note/note.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"
#include "store/audit.h"
#include "store/escalations.h"
#include "store/outbox.h"
#include "note/job.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-escalation.XXXXXX";

static const char *path_of(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

#define LAWYER_U "U4af4980629f1e2d3c4b5a6978695a4b3"
#define GROUP_C "C0123456789abcdef0123456789abcdef"

static const char *good_tenant =
    "[tenant]\nname = Acme 株式会社\nconnector = generic\nwebhook_secret_file = w.secret\n"
    "[escalation]\npolice = teamlead, lawyer-line\nlawyer = lawyer-line, mail\nsupervisor = teamlead\n"
    "category.sexual_harassment = hr\nbackup = backup-line\nack_deadline = 30m\nquiet_hours = 22:00-07:00\n"
    "quiet_route = oncall\nutc_offset = +09:00\nevidence_chars = 40\n"
    "ticket_url = https://acme.example/tickets/{ticket_id}\n"
    "[line]\nchannel_secret_file = line.secret\naccess_token_file = line.token\napi_url = https://api.line.me\n"
    "[channel lawyer-line]\ntype = line\nto = " LAWYER_U ", " GROUP_C "\n"
    "[channel backup-line]\ntype = line\nto = Uffffffffffffffffffffffffffffffff\n"
    "[channel oncall]\ntype = line\nto = Ueeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n"
    "[channel teamlead]\ntype = slack\nurl_file = slack.url\n"
    "[channel hr]\ntype = teams\nurl_file = teams.url\n"
    "[channel mail]\ntype = smtp\nurl = smtp://mail.example:587\nfrom = mamori@acme.example\n"
    "to = lawyer@firm.example, partner@firm.example\nusername = mamori\npassword_file = smtp.pw\n"
    "[channel hook]\ntype = webhook\nurl = https://ops.example/hook\nsecret_file = hook.secret\n"
    "[plugin rules]\npath = rules.so\n";

static int read_tenant(struct mamori_tenant *t, const char *name, const char *text, struct mamori_error *err)
{
    struct mamori_settings s;
    int rc;

    mamori_settings_defaults(&s);
    rc = mamori_tenant_read(t, write_file(name, text, 0644), &s, err);
    mamori_settings_free(&s);
    return rc;
}

static int tenant_error(const char *text, struct mamori_error *err)
{
    struct mamori_tenant t;
    int rc = read_tenant(&t, "bad.conf", text, err);
    mamori_tenant_free(&t);
    return rc;
}

static char *replace(const char *text, const char *from, const char *to)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    const char *p = strstr(text, from);
    mamori_buf_append(&b, text, (size_t)(p - text));
    mamori_buf_puts(&b, to);
    mamori_buf_puts(&b, p + strlen(from));
    return mamori_buf_steal(&b);
}

static void fill_annotation(struct mamori_annotation *a, const char *body, int level)
{
    struct mamori_category_item *c = NULL;
    const char *m = strstr(body, "殺すぞ");

    mamori_annotation_init(a);
    mamori_annotation_add_category(a, "threat", "威嚇・脅迫", 0.94, MAMORI_SEVERITY_CRITICAL, 1, &c);
    if (m != NULL)
        mamori_annotation_add_evidence(c, "body", (size_t)(m - body), (size_t)(m - body) + strlen("殺すぞ"), "殺すぞ",
                                       strlen("殺すぞ"), "threat.kill", 1.0);
    mamori_annotation_raise_escalation(a, level);
    mamori_strv_push(&a->legal_basis, "刑法222条 脅迫", (size_t)-1);
    mamori_strv_push(&a->steps, "一人で対応せず、上長に報告する", (size_t)-1);
    mamori_strv_push(&a->escalation_reasons, "生命・身体への害悪の告知", (size_t)-1);
}

static const char *body_text = "お世話になっております。山田太郎です。\n返金しないなら殺すぞ。電話は090-1234-5678、"
                               "メールは taro.yamada@example.com まで。注文日は2025-06-10 10:23です。";

static void ticket_fill(struct mamori_ticket *tk)
{
    mamori_ticket_init(tk);
    mamori_ticket_set(&tk->event_id, "ev-1");
    mamori_ticket_set(&tk->ticket_id, "4821");
    mamori_ticket_set(&tk->requester_name, "山田 太郎");
    mamori_ticket_set(&tk->requester_email, "taro.yamada@example.com");
    mamori_ticket_set(&tk->body, body_text);
    tk->body_len = strlen(body_text);
}

static int count_rows(struct mamori_store *st, const char *sql)
{
    sqlite3_stmt *s;
    int n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* One escalation of ticket id at level, at time `at`, prepared and
 * committed as the webhook does; the plan is returned for checks. */
static void escalate_one(struct mamori_store *st, const struct mamori_tenant *t, const char *id, int level,
                         long long at, struct mamori_escalation_plan *plan)
{
    struct mamori_annotation a;
    struct mamori_ticket tk;
    struct mamori_error err;

    ticket_fill(&tk);
    mamori_ticket_set(&tk.ticket_id, id);
    fill_annotation(&a, body_text, level);
    if (mamori_escalation_prepare(plan, st, t, &tk, &a, (time_t)at, &err) != 0)
        diag("prepare: %s", err.message);
    mamori_store_begin(st, &err);
    if (mamori_escalation_commit(plan, st, (time_t)at, &err) != 0)
        diag("commit: %s", err.message);
    mamori_store_commit(st, &err);
    mamori_annotation_free(&a);
    mamori_ticket_free(&tk);
}

/* Digests (digest.h): with digest_period 10m and digest_after 2, a burst
 * of lawyer-level escalations is held after the second; a police-level one
 * is not; the window's digest goes to each channel once, with the
 * deadlines from then; one acknowledgement covers all of it. */
static void digest_tests(struct mamori_tenant *t, long long day)
{
    struct mamori_escalation_config *c = t->escalation;
    struct mamori_store *st = NULL;
    struct mamori_escalation_plan plan;
    struct mamori_generation gen;
    struct mamori_audit_report rep;
    struct mamori_error err;
    struct mamori_buf b = MAMORI_BUF_INIT;
    json_t *model, *items, *req = NULL;
    char *s;
    int sent = -1, acked = 0, blocks_ok = 1, fired = -1;

    c->digest_period = 600;
    c->digest_after = 2;
    is_int(mamori_store_open(&st, path_of("d.db"), MAMORI_SYNC_NORMAL, 1000, 0, &err), 0, "digests: a store opens");
    mamori_store_set_audit_key(st, (const unsigned char *)"test-audit-key", 14);
    escalate_one(st, t, "T1", MAMORI_ESCALATE_LAWYER, day, &plan);
    ok(plan.held_until == 0 && plan.job_count == 3, "the first escalation of a period is sent");
    mamori_escalation_plan_free(&plan);
    escalate_one(st, t, "T2", MAMORI_ESCALATE_LAWYER, day + 1, &plan);
    ok(plan.held_until == 0 && plan.job_count == 3, "... and the second (digest_after = 2)");
    mamori_escalation_plan_free(&plan);
    escalate_one(st, t, "T3", MAMORI_ESCALATE_LAWYER, day + 2, &plan);
    ok(plan.held_until == day + 2 + 600 && plan.job_count == 0 && plan.ack_due_at == 0 && plan.message_json != NULL,
       "the third is held for the digest, with no message and no deadline yet");
    contains_str(plan.status, "まとめて通知", "the agent's note says it goes in the digest");
    mamori_escalation_plan_free(&plan);
    escalate_one(st, t, "T4", MAMORI_ESCALATE_POLICE, day + 3, &plan);
    ok(plan.held_until == 0 && plan.job_count > 0, "a police-level escalation is never held");
    mamori_escalation_plan_free(&plan);
    escalate_one(st, t, "T5", MAMORI_ESCALATE_LAWYER, day + 300, &plan);
    is_int(plan.held_until, day + 2 + 600, "a later one joins the open window");
    mamori_escalation_plan_free(&plan);

    memset(&gen, 0, sizeof gen);
    gen.tenants = t;
    gen.tenant_count = 1;
    mamori_escalation_digest_tick(st, &gen, day + 601, &sent, &err);
    is_int(sent, 0, "no digest before the window ends");
    is_int(mamori_escalation_digest_tick(st, &gen, day + 602, &sent, &err), 0, "the digest runner runs");
    is_int(sent, 1, "one digest when it ends");
    is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'acme:esc:digest-1:digest:%:digest'"), 3,
           "one message per channel and LINE recipient (two LINE ids, one mail)");
    is_int(count_rows(st, "SELECT count(*) FROM escalations WHERE digest_id = 1 AND ack_due_at = 1749517200 + 602 + 1800"),
           2, "both held escalations are in it, their deadline running from the digest");
    mamori_escalation_digest_tick(st, &gen, day + 99999, &sent, &err);
    is_int(sent, 0, "a window's digest is made once");
    s = NULL;
    {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(st->db, "SELECT payload FROM outbox WHERE dedupe_key LIKE '%digest-1%' AND connector = 'line'"
                                       " LIMIT 1", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            s = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    contains_str(s, "まとめ #1", "the LINE digest is numbered");
    contains_str(s, "#T3", "... lists the held tickets");
    contains_str(s, "https://acme.example/tickets/T5", "... with their links");
    ok(s != NULL && strstr(s, "#T1") == NULL && strstr(s, "#T4") == NULL && strstr(s, "殺すぞ") == NULL,
       "... and nothing else: no ticket sent on its own, no quote");
    contains_str(s, "\"digest\":1", "the job is marked as the digest's");
    free(s);

    /* The deadline: the single ones are overdue first; the digest's two
     * go to the backup together, in one message. */
    mamori_escalation_tick(st, &gen, day + 602 + 1799, day + 650, &fired, &err);
    is_int(fired, 3, "at the singles' deadlines, the three sent on their own go to the backup");
    is_int(mamori_escalation_tick(st, &gen, day + 602 + 1800, day + 651, &fired, &err), 0,
           "the tick runs at the digest's deadline");
    is_int(fired, 2, "... handing both escalations of the digest to the backup");
    is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE '%:backup-line:%'"), 4,
           "... in ONE backup message (besides the singles' three)");
    {
        sqlite3_stmt *q;
        s = NULL;
        if (sqlite3_prepare_v2(st->db, "SELECT payload FROM outbox WHERE dedupe_key LIKE '%digest-1%:digest_backup'",
                               -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            s = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    contains_str(s, "未確認・至急", "the backup's digest says nobody acknowledged in time");
    contains_str(s, "#T5", "... and lists them");
    free(s);
    mamori_escalation_tick(st, &gen, day + 99999, day + 652, &fired, &err);
    is_int(fired, 0, "the backup is told once");

    mamori_store_begin(st, &err);
    is_int(mamori_escalation_digest_ack(st, "acme", 1, LAWYER_U, "木村", "line", "555", day + 700, NULL, NULL, &acked,
                                        &err),
           0, "the digest is acknowledged");
    mamori_store_commit(st, &err);
    is_int(acked, 2, "... and with it both its escalations");
    is_int(count_rows(st, "SELECT count(*) FROM escalations WHERE acked_at IS NOT NULL"), 2,
           "... and nothing else");
    is_int(count_rows(st, "SELECT count(*) FROM audit WHERE kind = 'escalation_acknowledged' AND data LIKE '%\"digest\":1,%'"),
           2, "each acknowledgement is audited with the digest");
    is_int(mamori_audit_verify(st, NULL, &rep, &err), 0, "the audit chain is intact");
    mamori_store_close(st);

    /* Rendering: a long list is cut at 30 lines and says how many more;
     * Slack takes it in several sections. */
    items = json_array();
    for (int i = 1; i <= 35; i++) {
        char id[16];
        snprintf(id, sizeof id, "D-%d", i);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "ticket_id", id, "ticket_url",
                                               "https://acme.example/tickets/0123456789", "level", "lawyer",
                                               "categories", "id", "threat", "label", "威嚇・脅迫"));
    }
    model = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:{s:i, s:i, s:I, s:I, s:o}}", "company", "Acme", "tenant",
                      "acme", "helpdesk", "Zendesk", "ticket_id", "digest-7", "level", "lawyer", "utc_offset", 540,
                      "language", "ja", "digest", "number", 7, "count", 35, "from", (json_int_t)day, "to",
                      (json_int_t)day + 60, "items", items);
    mamori_escalation_text(model, MAMORI_ESC_DIGEST, MAMORI_ESC_STYLE_TEXT, 1, c, &b);
    contains_str(mamori_buf_str(&b), "#D-30：威嚇・脅迫", "a digest line: level, ticket, categories");
    ok(strstr(mamori_buf_str(&b), "#D-31") == NULL, "at most 30 lines");
    contains_str(mamori_buf_str(&b), "ほか 5 件", "... then how many more");
    contains_str(mamori_buf_str(&b), "35 件すべてを確認済み", "LINE: how one 確認 acknowledges all of it");
    mamori_buf_free(&b);
    mamori_channel_type_of(MAMORI_CHANNEL_SLACK)->render(c, &c->channels[3], "teamlead", model, MAMORI_ESC_DIGEST, &req);
    for (size_t i = 0; i < json_array_size(json_object_get(req, "blocks")); i++)
        blocks_ok &= strlen(json_string_value(json_object_get(
                         json_object_get(json_array_get(json_object_get(req, "blocks"), i), "text"), "text"))) <= 2900;
    ok(json_array_size(json_object_get(req, "blocks")) >= 2 && blocks_ok,
       "Slack: a long digest in several sections, each within Slack's limit");
    contains_str(json_string_value(json_object_get(req, "text")), "まとめ #7", "Slack: the notification names the digest");
    json_decref(req);
    mamori_channel_type_of(MAMORI_CHANNEL_TEAMS)->render(c, &c->channels[4], "hr", model, MAMORI_ESC_DIGEST, &req);
    s = req ? json_dumps(req, 0) : NULL;
    contains_str(s, "AdaptiveCard", "Teams: the digest is a card");
    contains_str(s, "#D-12", "... listing the tickets");
    free(s);
    json_decref(req);
    json_decref(model);
    c->digest_period = 0;
}

int main(void)
{
    struct mamori_tenant t;
    struct mamori_error err;
    struct mamori_strv names = MAMORI_STRV_INIT;
    struct mamori_annotation a;
    struct mamori_ticket tk;
    struct mamori_buf b = MAMORI_BUF_INIT;
    const struct mamori_escalation_config *c;
    json_t *model, *req;
    char *s, *bad;
    int quiet, rc;
    /* 2025-06-10 01:00 UTC = 10:00 JST; 2025-06-10 14:00 UTC = 23:00 JST */
    const long long day = 1749517200LL, night = 1749564000LL;

    if (mkdtemp(dir) == NULL)
        return 1;
    write_file("w.secret", "secret-acme\n", 0600);
    write_file("line.secret", "8c5e1f0a3b7d4e2f9a6c1b0d3e5f7a9c\n", 0600);
    write_file("line.token", "FAKE-channel-access-token-for-tests\n", 0600);
    write_file("slack.url", "https://hooks.slack.com/services/T0/B0/XXXX\n", 0600);
    write_file("teams.url", "https://prod.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=abc\n", 0600);
    write_file("smtp.pw", "smtp-password\n", 0600);
    write_file("hook.secret", "hook-secret\n", 0600);

    /* ---- config ---- */
    rc = read_tenant(&t, "acme.conf", good_tenant, &err);
    is_int(rc, 0, "a tenant with every channel type reads");
    if (rc != 0)
        diag("%s", err.message);
    c = t.escalation;
    ok(c != NULL && c->channel_count == 7, "seven channels");
    is_int(c ? c->ack_deadline : 0, 1800, "ack_deadline 30m is 1800 s");
    is_int(c ? c->quiet_from : 0, 22 * 60, "quiet hours start at 22:00");
    is_int(c ? c->quiet_to : 0, 7 * 60, "quiet hours end at 07:00");
    is_int(c ? c->utc_offset : 0, 540, "utc_offset +09:00");
    is_str(c ? c->language : NULL, "ja", "the message language defaults to the tenant's");
    ok(c && (c->ack_levels & (1u << MAMORI_ESCALATE_LAWYER)) && (c->ack_levels & (1u << MAMORI_ESCALATE_POLICE)) &&
           !(c->ack_levels & (1u << MAMORI_ESCALATE_SUPERVISOR)),
       "lawyer and police escalations wait for an acknowledgement by default");
    is_int(c ? c->redact_customer : 0, 1, "the customer is redacted by default");
    rc = mamori_escalation_config_activate(t.escalation, t.file, &err);
    is_int(rc, 0, "every channel secret loads");
    is_str(c ? (const char *)c->channels[3].url_secret.data : NULL, "https://hooks.slack.com/services/T0/B0/XXXX",
           "the Slack URL comes from its file");

    /* ---- config errors ---- */
    bad = replace(good_tenant, "url_file = slack.url", "url = https://hooks.slack.com/services/T0/B0/XXXX");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "an inline Slack URL is refused");
    contains_str(err.message, "credential", "... because the URL is the credential");
    free(bad);
    bad = replace(good_tenant, "lawyer = lawyer-line, mail", "lawyer = lawyer-line, nosuch");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "a route to an unknown channel is refused");
    contains_str(err.message, "nosuch", "... naming the channel");
    free(bad);
    bad = replace(good_tenant, "quiet_route = oncall\n", "");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "quiet hours without a quiet route are refused");
    free(bad);
    bad = replace(good_tenant, "to = Ueeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "to = lawyer-kimura");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "a LINE recipient that is not a LINE id is refused");
    free(bad);
    bad = replace(good_tenant, "username = mamori", "username = mamori\nstarttls = no");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "mail without STARTTLS to a remote server is refused");
    free(bad);
    bad = replace(good_tenant, "access_token_file = line.token", "access_token = FAKE");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "an inline LINE token is refused");
    contains_str(err.message, "access_token_file", "... pointing at access_token_file");
    free(bad);
    bad = replace(good_tenant, "secret_file = hook.secret", "");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "a webhook channel without a signing secret is refused");
    free(bad);
    bad = replace(good_tenant, "ack_deadline = 30m", "ack_deadline = soon");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "a bad ack_deadline is refused");
    free(bad);
    bad = replace(good_tenant, "[channel hook]", "[chanel hook]");
    is_int(tenant_error(bad, &err), MAMORI_EINVAL, "a misspelt section is refused");
    contains_str(err.message, "channel NAME", "... listing the known sections");
    free(bad);

    /* ---- routing and quiet hours ---- */
    mamori_annotation_init(&a);
    mamori_annotation_add_category(&a, "threat", "威嚇・脅迫", 0.9, MAMORI_SEVERITY_HIGH, 1, NULL);
    mamori_escalation_route(c, MAMORI_ESCALATE_LAWYER, &a, day, &names, &quiet);
    ok(names.count == 2 && strcmp(names.items[0], "lawyer-line") == 0 && strcmp(names.items[1], "mail") == 0 && !quiet,
       "lawyer level: the lawyer's channels by day");
    mamori_strv_free(&names);
    mamori_escalation_route(c, MAMORI_ESCALATE_POLICE, &a, day, &names, &quiet);
    ok(names.count == 2 && strcmp(names.items[0], "teamlead") == 0 && strcmp(names.items[1], "lawyer-line") == 0,
       "police level: supervisor and lawyer at once");
    mamori_strv_free(&names);
    mamori_escalation_route(c, MAMORI_ESCALATE_LEGAL, &a, day, &names, &quiet);
    ok(names.count == 1 && strcmp(names.items[0], "teamlead") == 0,
       "a level without a route uses the next lower level's route (legal -> supervisor)");
    mamori_strv_free(&names);
    mamori_escalation_route(c, MAMORI_ESCALATE_LAWYER, &a, night, &names, &quiet);
    ok(names.count == 1 && strcmp(names.items[0], "oncall") == 0 && quiet, "at 23:00 JST the quiet route replaces it");
    mamori_strv_free(&names);
    mamori_escalation_route(c, MAMORI_ESCALATE_POLICE, &a, night, &names, &quiet);
    ok(names.count == 3 && mamori_strv_contains(&names, "teamlead") && mamori_strv_contains(&names, "oncall"),
       "police level at night: its route and the quiet route");
    mamori_strv_free(&names);
    mamori_annotation_add_category(&a, "sexual_harassment", "セクハラ", 0.9, MAMORI_SEVERITY_HIGH, 1, NULL);
    mamori_escalation_route(c, MAMORI_ESCALATE_SUPERVISOR, &a, day, &names, &quiet);
    ok(names.count == 2 && strcmp(names.items[1], "hr") == 0, "a category route adds its channel");
    mamori_strv_free(&names);
    mamori_escalation_route(c, MAMORI_ESCALATE_NONE, &a, day, &names, &quiet);
    is_int(names.count, 0, "no escalation, nobody told");
    mamori_annotation_free(&a);
    ok(mamori_escalation_is_quiet(c, 1749579600LL) && !mamori_escalation_is_quiet(c, 1749592800LL),
       "quiet hours wrap midnight: 03:20 JST quiet, 07:00 JST not");

    /* ---- quoting and redaction ---- */
    s = mamori_escalation_quote(body_text, strlen(body_text), (size_t)(strstr(body_text, "殺すぞ") - body_text),
                                (size_t)(strstr(body_text, "殺すぞ") - body_text) + strlen("殺すぞ"), 40);
    is_str(s, "返金しないなら殺すぞ。", "the quote is the sentence around the match");
    free(s);
    s = mamori_escalation_quote(body_text, strlen(body_text), (size_t)(strstr(body_text, "殺すぞ") - body_text),
                                (size_t)(strstr(body_text, "殺すぞ") - body_text) + strlen("殺すぞ"), 6);
    ok(s && strstr(s, "殺すぞ") && strstr(s, "…"), "a short limit cuts with an ellipsis, keeping the match (%s)",
       s ? s : "");
    free(s);
    s = mamori_escalation_redact(body_text, "山田 太郎", "taro.yamada@example.com", "ja");
    ok(s && !strstr(s, "山田") && !strstr(s, "太郎") && !strstr(s, "090-1234-5678") && !strstr(s, "taro.yamada"),
       "redaction removes the name parts, the phone number and the e-mail address");
    ok(s && strstr(s, "2025-06-10 10:23"), "... but not a date");
    ok(s && strstr(s, "返金しないなら殺すぞ"), "... and keeps the evidence");
    free(s);
    s = mamori_escalation_redact("連絡先 ０３－１２３４－５６７８ か other@mail.example.org", NULL, NULL, "en");
    ok(s && strstr(s, "[redacted]") && !strstr(s, "５６７８") && !strstr(s, "other@"),
       "full-width phone numbers and any address are redacted too (%s)", s ? s : "");
    free(s);

    /* ---- the message ---- */
    ticket_fill(&tk);
    fill_annotation(&a, body_text, MAMORI_ESCALATE_POLICE);
    model = mamori_escalation_model(c, &t, &tk, &a, MAMORI_ESCALATE_POLICE, day);
    ok(model != NULL, "the message model is built");
    is_str(json_string_value(json_object_get(model, "ticket_url")), "https://acme.example/tickets/4821",
           "the ticket link comes from the template");
    ok(json_object_get(model, "customer") == NULL, "no customer line when redacting");
    mamori_escalation_text(model, MAMORI_ESC_NOTIFY, MAMORI_ESC_STYLE_TEXT, 1, c, &b);
    ok(strncmp(mamori_buf_str(&b), "【至急・警察へ通報】", strlen("【至急・警察へ通報】")) == 0,
       "a police-level message starts with 'call the police'");
    contains_str(mamori_buf_str(&b), "Acme 株式会社", "it names the company");
    contains_str(mamori_buf_str(&b), "mamori generic webhook #4821", "the ticket number");
    contains_str(mamori_buf_str(&b), "https://acme.example/tickets/4821", "the link");
    contains_str(mamori_buf_str(&b), "威嚇・脅迫", "the categories");
    contains_str(mamori_buf_str(&b), "刑法222条 脅迫", "the legal basis");
    contains_str(mamori_buf_str(&b), "「返金しないなら殺すぞ。」", "the evidence, quoted");
    contains_str(mamori_buf_str(&b), "一人で対応せず", "what the agent was advised");
    contains_str(mamori_buf_str(&b), "2025-06-10 10:00 (UTC+09:00)", "when it arrived, in local time");
    contains_str(mamori_buf_str(&b), "「受任」", "how to answer from LINE");
    ok(!strstr(mamori_buf_str(&b), "山田") && !strstr(mamori_buf_str(&b), "090-"), "no customer details");
    mamori_buf_free(&b);
    mamori_escalation_text(model, MAMORI_ESC_BACKUP, MAMORI_ESC_STYLE_TEXT, 0, c, &b);
    contains_str(mamori_buf_str(&b), "期限（30分）までに弁護士の確認がありません", "the backup notice says why");
    mamori_buf_free(&b);
    /* A tenant whose messages are in English. */
    json_object_set_new(model, "language", json_string("en"));
    mamori_escalation_text(model, MAMORI_ESC_NOTIFY, MAMORI_ESC_STYLE_TEXT, 1, c, &b);
    ok(strncmp(mamori_buf_str(&b), "URGENT - CALL THE POLICE", 24) == 0, "English: 'call the police' first");
    contains_str(mamori_buf_str(&b), "[Customer harassment escalation: call the police] Acme", "English: the title");
    contains_str(mamori_buf_str(&b), "Legal basis: 刑法222条 脅迫", "English: the legal basis");
    contains_str(mamori_buf_str(&b), "What the agent was advised", "English: the advice heading");
    contains_str(mamori_buf_str(&b), "\"retained\"", "English: how to answer from LINE");
    mamori_buf_free(&b);
    mamori_escalation_title(model, MAMORI_ESC_BACKUP, &b);
    is_str(mamori_buf_str(&b), "[mamori] [NOT ACKNOWLEDGED] call the police: Acme 株式会社 mamori generic webhook #4821",
           "English: the mail subject of a backup notice");
    mamori_buf_free(&b);
    json_object_set_new(model, "language", json_string("ja"));

    /* ---- each channel's request ---- */
    {
        const struct mamori_channel *ch = mamori_escalation_channel(c, "lawyer-line");
        mamori_channel_type_of(MAMORI_CHANNEL_LINE)->render(c, ch, LAWYER_U, model, MAMORI_ESC_NOTIFY, &req);
        is_str(json_string_value(json_object_get(req, "to")), LAWYER_U, "LINE: to is the recipient");
        is_str(json_string_value(json_object_get(json_array_get(json_object_get(req, "messages"), 0), "type")), "text",
               "LINE: one text message");
        ok(json_is_false(json_object_get(req, "notificationDisabled")), "LINE: notifications on");
        json_decref(req);
        ch = mamori_escalation_channel(c, "teamlead");
        mamori_channel_type_of(MAMORI_CHANNEL_SLACK)->render(c, ch, "teamlead", model, MAMORI_ESC_NOTIFY, &req);
        contains_str(json_string_value(json_object_get(req, "text")), "警察へ通報", "Slack: the fallback text names the level");
        s = json_dumps(req, 0);
        contains_str(s, "\"type\": \"mrkdwn\"", "Slack: a mrkdwn section");
        contains_str(s, "<https://acme.example/tickets/4821|mamori generic webhook #4821>", "Slack: the ticket link");
        free(s);
        json_decref(req);
        ch = mamori_escalation_channel(c, "hr");
        mamori_channel_type_of(MAMORI_CHANNEL_TEAMS)->render(c, ch, "hr", model, MAMORI_ESC_NOTIFY, &req);
        {
            json_t *att = json_array_get(json_object_get(req, "attachments"), 0), *card = json_object_get(att, "content");
            is_str(json_string_value(json_object_get(req, "type")), "message", "Teams: type message");
            is_str(json_string_value(json_object_get(att, "contentType")), "application/vnd.microsoft.card.adaptive",
                   "Teams: an Adaptive Card attachment");
            ok(json_is_null(json_object_get(att, "contentUrl")), "Teams: contentUrl null");
            is_str(json_string_value(json_object_get(card, "type")), "AdaptiveCard", "Teams: the card");
            is_str(json_string_value(json_object_get(card, "version")), "1.4", "Teams: version 1.4");
        }
        s = json_dumps(req, 0);
        contains_str(s, "Action.OpenUrl", "Teams: a button opens the ticket");
        free(s);
        json_decref(req);
        ch = mamori_escalation_channel(c, "mail");
        mamori_channel_type_of(MAMORI_CHANNEL_SMTP)->render(c, ch, "mail", model, MAMORI_ESC_NOTIFY, &req);
        is_int(json_array_size(json_object_get(req, "to")), 2, "mail: every address of the channel");
        contains_str(json_string_value(json_object_get(req, "subject")), "#4821", "mail: the subject names the ticket");
        json_decref(req);
    }
    {
        char uuid[37];
        mamori_channel_uuid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", uuid);
        is_str(uuid, "01234567-89ab-4def-8123-456789abcdef", "the retry key is a version-4 UUID from the job key");
    }
    json_decref(model);
    mamori_annotation_free(&a);
    mamori_ticket_free(&tk);

    /* ---- lawyer commands and notes ---- */
    is_int(mamori_lawyer_command("確認"), MAMORI_LAWYER_ACK, "「確認」 acknowledges");
    is_int(mamori_lawyer_command(" 受任。"), MAMORI_LAWYER_RETAIN, "「受任。」 with spaces records the retainer");
    is_int(mamori_lawyer_command("Retained"), MAMORI_LAWYER_RETAIN, "English 'retained' too");
    is_int(mamori_lawyer_command("#4821 受任"), MAMORI_LAWYER_RETAIN, "a command may name its ticket first");
    is_int(mamori_lawyer_command("確認 #CS-42"), MAMORI_LAWYER_ACK, "... or last");
    is_int(mamori_lawyer_command("＃4821\xE3\x80\x80受任。"), MAMORI_LAWYER_RETAIN, "... with ＃ and an ideographic space");
    is_int(mamori_lawyer_command("#4821 返金に応じないでください"), MAMORI_LAWYER_ADVICE, "advice naming a ticket stays advice");
    is_int(mamori_lawyer_command("受任 #4821 です"), MAMORI_LAWYER_ADVICE, "... and so does more than the word and the number");
    is_int(mamori_lawyer_command("#4821"), MAMORI_LAWYER_ADVICE, "a ticket number alone is not a command");
    is_int(mamori_lawyer_command("確認しました。受任するかは明日判断します"), MAMORI_LAWYER_ADVICE,
           "a sentence that contains a command word is advice");
    {
        char ref[64];
        ok(mamori_lawyer_ticket_ref("弁護士の木村です。チケット#4821の件、確認しました。", ref, sizeof ref) &&
               strcmp(ref, "4821") == 0,
           "the ticket number is found in the text");
        ok(mamori_lawyer_ticket_ref("ticket CS-42 is fine", ref, sizeof ref) && strcmp(ref, "CS-42") == 0,
           "Jira-style keys too");
        ok(!mamori_lawyer_ticket_ref("明日の#で", ref, sizeof ref), "a lone # is no reference");
    }
    {
        json_t *p = json_pack("{s:{s:s, s:s, s:s, s:I}}", "lawyer", "kind", "advice", "name", "木村", "text",
                              "<b>返金には応じないでください</b>", "at", (json_int_t)day);
        struct mamori_strv tags = MAMORI_STRV_INIT;
        struct mamori_note_job job;
        ok(mamori_note_job_read(p, &job) == 0 && job.lawyer != NULL && job.annotation == NULL,
           "a lawyer payload is read as a lawyer's note (note/job.h)");
        mamori_lawyer_note_render(p, "ja", 540, MAMORI_NOTE_HTML, "mamori-ref:0123", &b, &tags);
        contains_str(mamori_buf_str(&b), "[mamori] 弁護士の助言（木村、2025-06-10 10:00", "the note says it is the lawyer's advice");
        contains_str(mamori_buf_str(&b), "&lt;b&gt;返金には応じないでください", "HTML notes escape the text");
        contains_str(mamori_buf_str(&b), "mamori-ref:0123", "the note carries its reference");
        ok(mamori_strv_contains(&tags, MAMORI_TAG_LAWYER_ADVICE), "advice is tagged");
        mamori_buf_free(&b);
        mamori_strv_free(&tags);
        json_object_set_new(json_object_get(p, "lawyer"), "kind", json_string("retained"));
        mamori_lawyer_note_render(p, "ja", 540, MAMORI_NOTE_TEXT, NULL, &b, &tags);
        contains_str(mamori_buf_str(&b), "お客様には、今後のご連絡は弁護士宛て", "a retainer tells agents to refer the customer");
        ok(mamori_strv_contains(&tags, MAMORI_TAG_LAWYER_RETAINED), "a retainer is tagged");
        mamori_buf_free(&b);
        mamori_strv_free(&tags);
        json_decref(p);
    }

    /* ---- the LINE signature of the fixture ---- */
    {
        char *body = NULL, expected[64];
        size_t len = 0;
        unsigned char mac[MAMORI_HMAC_MAX];
        size_t mac_len;
        FILE *f = fopen(TOP_SRCDIR "/tests/helpdesks/fixtures/line-message-text.json", "rb");
        if (f != NULL) {
            body = malloc(8192);
            len = fread(body, 1, 8192, f);
            fclose(f);
        }
        {
            struct mamori_bytes part = {body, len};
            mamori_hmac(MAMORI_HMAC_SHA256, c->line_secret.data, c->line_secret.len, &part, 1, mac, &mac_len);
        }
        mamori_base64_encode(mac, mac_len, expected);
        is_str(expected, "KYiwDKg94L2eovDw5H6qYgit1R8sIU78j5U2zr2wbdY=",
               "X-Line-Signature of the fixture: base64 HMAC-SHA256 with the channel secret");
        free(body);
    }

    /* ---- the store and the deadline ---- */
    {
        struct mamori_store *st = NULL;
        struct mamori_escalation_plan plan;
        struct mamori_generation gen;
        struct mamori_escalation_row r;
        struct mamori_lawyer_row lw;
        struct mamori_audit_report rep;
        const char *recips[] = {LAWYER_U, NULL};
        int changed = 0, fired = 0, inserted = 0;

        is_int(mamori_store_open(&st, path_of("m.db"), MAMORI_SYNC_NORMAL, 1000, 0, &err), 0, "the store opens");
        mamori_store_set_audit_key(st, (const unsigned char *)"test-audit-key", 14);
        ticket_fill(&tk);
        fill_annotation(&a, body_text, MAMORI_ESCALATE_LAWYER);
        rc = mamori_escalation_prepare(&plan, st, &t, &tk, &a, day, &err);
        is_int(rc, 0, "an escalation is prepared");
        is_int(plan.job_count, 3, "lawyer level: two LINE recipients and one mail");
        is_int(plan.ack_due_at, day + 1800, "with a deadline 30 minutes on");
        ok(plan.message_json != NULL, "the model is kept for the backup notice");
        contains_str(plan.status, "lawyer-line (line)", "the agent's note will say who is told");
        mamori_store_begin(st, &err);
        is_int(mamori_escalation_commit(&plan, st, day, &err), 0, "committed in the caller's transaction");
        mamori_store_commit(st, &err);
        mamori_escalation_plan_free(&plan);
        is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE kind='escalation'"), 3, "three outbox jobs");
        mamori_escalation_prepare(&plan, st, &t, &tk, &a, day + 60, &err);
        ok(plan.followup && plan.job_count == 0, "a second message on the ticket is a follow-up: no messages");
        mamori_store_begin(st, &err);
        mamori_escalation_commit(&plan, st, day + 60, &err);
        mamori_store_commit(st, &err);
        mamori_escalation_plan_free(&plan);
        is_int(count_rows(st, "SELECT followups FROM escalations"), 1, "the follow-up is counted");
        is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE kind='escalation'"), 3, "no new messages");

        memset(&gen, 0, sizeof gen);
        gen.tenants = &t;
        gen.tenant_count = 1;
        is_int(mamori_escalation_tick(st, &gen, day + 1799, day + 1799, &fired, &err), 0, "the tick runs");
        is_int(fired, 0, "before the deadline nothing happens");
        is_int(mamori_escalation_tick(st, &gen, day + 1800, day + 5, &fired, &err), 0, "the tick runs at the deadline");
        is_int(fired, 1, "the unacknowledged escalation goes to the backup");
        is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE '%:backup-line:%:backup'"), 1,
               "one backup message queued");
        is_int(count_rows(st, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE '%backup' AND next_attempt_at = "
                              "1749517205"),
               1, "due at the real time, not the simulated one");
        is_int(count_rows(st, "SELECT count(*) FROM escalations WHERE message IS NULL AND backup_at IS NOT NULL"), 1,
               "the quoted evidence is dropped once the backup is told");
        mamori_escalation_tick(st, &gen, day + 99999, day + 10, &fired, &err);
        is_int(fired, 0, "the backup is told once");

        mamori_store_begin(st, &err);
        mamori_lawyer_seen(st, "acme", LAWYER_U, day, &inserted, &err);
        mamori_store_commit(st, &err);
        ok(inserted && mamori_lawyer_get(st, "acme", LAWYER_U, &lw, &err) == 0 && strcmp(lw.state, "pending") == 0,
           "a follow registers a pending user only");
        mamori_lawyer_row_free(&lw);
        mamori_store_begin(st, &err);
        mamori_escalation_get_level(st, "acme", "4821", "lawyer", &r, &err);
        mamori_escalation_message_put(st, r.id, "acme", "lawyer-line", LAWYER_U, "555000111", day, &err);
        mamori_store_commit(st, &err);
        mamori_escalation_row_free(&r);
        ok(mamori_escalation_match(st, "acme", "555000111", NULL, NULL, 0, &r, &err) == 0 && strcmp(r.ticket_id, "4821") == 0,
           "a quoted reply finds its escalation by the LINE message id");
        mamori_escalation_row_free(&r);
        ok(mamori_escalation_match(st, "acme", "999", NULL, recips, day - 10, &r, &err) == 0, "... else the latest one sent to the lawyer");
        mamori_escalation_row_free(&r);
        is_int(mamori_escalation_match(st, "acme", NULL, "7777", NULL, 0, &r, &err), MAMORI_ENOTFOUND,
               "an unknown ticket number matches nothing");
        mamori_store_begin(st, &err);
        mamori_escalation_ack(st, "acme", "4821", LAWYER_U, day + 100, &changed, &err);
        mamori_store_commit(st, &err);
        is_int(changed, 1, "an acknowledgement closes the open escalation");
        is_int(mamori_audit_verify(st, NULL, &rep, &err), 0, "the audit chain is intact");
        ok(rep.records >= 2, "opened, follow-up and backup are in the audit chain (%lld records)", (long long)rep.records);

        /* A retained ticket: later annotations carry the tag and the line. */
        mamori_store_begin(st, &err);
        mamori_escalation_get_level(st, "acme", "4821", "lawyer", &r, &err);
        mamori_escalation_retain(st, r.id, LAWYER_U, day + 200, &err);
        mamori_lawyer_set_state(st, "acme", LAWYER_U, "approved", "木村", day, &err);
        mamori_store_commit(st, &err);
        mamori_escalation_row_free(&r);
        mamori_annotation_free(&a);
        mamori_annotation_init(&a);
        mamori_escalation_prepare(&plan, st, &t, &tk, &a, day + 300, &err);
        ok(mamori_strv_contains(&a.tags, MAMORI_TAG_LAWYER_RETAINED), "a later annotation on the ticket gets the tag");
        contains_str(plan.status, "弁護士（木村）が受任しています", "and its note says the lawyer represents the company");
        mamori_escalation_plan_free(&plan);
        mamori_annotation_free(&a);
        mamori_ticket_free(&tk);
        mamori_store_close(st);
    }
    digest_tests(&t, day);

    mamori_tenant_free(&t);
    return done();
}
