/*
 * test_connectors.c -- every helpdesk fixture (tests/helpdesks/fixtures,
 * copied from the research notes) verifies with the secret its .headers
 * file states and parses into the expected normalized ticket; a wrong
 * secret, a changed body byte and a missing signature are refused; the
 * shared helpers (HTML to text, times, the note reference, the URL guard,
 * Retry-After, backoff) behave.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#include "config/settings.h"
#include "config/tenant.h"
#include "connector/common.h"
#include "connector/connector.h"
#include "deliver/outbound.h"
#include "note/note.h"

#define MAX_HEADERS 16

struct fixture {
    char *body;
    size_t body_len;
    char secret[128];
    char names[MAX_HEADERS][64];
    char values[MAX_HEADERS][256];
    int n;
};

static const char *hdr(const void *ctx, const char *name)
{
    const struct fixture *f = ctx;
    for (int i = 0; i < f->n; i++)
        if (strcasecmp(f->names[i], name) == 0)
            return f->values[i];
    return NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        fclose(fp);
        return NULL;
    }
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static int load(struct fixture *f, const char *name)
{
    char path[512], line[1024];
    const char *dir = getenv("top_srcdir");
    FILE *fp;

    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s/tests/helpdesks/fixtures/%s.json", dir ? dir : ".", name);
    if ((f->body = slurp(path, &f->body_len)) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/tests/helpdesks/fixtures/%s.headers", dir ? dir : ".", name);
    if ((fp = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof line, fp) != NULL) {
        char *colon;
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "# secret: ", 10) == 0) {
            snprintf(f->secret, sizeof f->secret, "%s", line + 10);
            continue;
        }
        if (line[0] == '#' || (colon = strchr(line, ':')) == NULL || f->n == MAX_HEADERS)
            continue;
        *colon = '\0';
        snprintf(f->names[f->n], sizeof f->names[0], "%s", line);
        snprintf(f->values[f->n], sizeof f->values[0], "%s", colon + 2);
        f->n++;
    }
    fclose(fp);
    return 0;
}

struct expect {
    const char *fixture, *connector;
    const char *event_id, *ticket_id, *channel, *created_at, *body_has, *requester;
    int ignored;
    const char *path_token; /* for unsigned fixtures with "(none)" */
};

static const struct expect cases[] = {
    {"zendesk-ticket_created", "zendesk", "7b0f5d2e-1c44-4a8e-9b1f-3f6e2d9a8c01", "4821", "web",
     "2025-06-10T01:23:45Z", "全額返金しろ", "39011223344", 0, NULL},
    {"zendesk-ticket_created-voice", "zendesk", "5d2c7a90-3e1b-4f6a-8c4d-9b0e1f2a3c77", "4830", "phone",
     "2025-06-10T01:23:45Z", "殴ってやる", "39011223344", 0, NULL},
    {"zendesk-comment_added", "zendesk", "c3a1f9e2-55b0-4d7e-8f21-6a0b9e4d2f10", "4799", "email", NULL,
     "発送状況を教えて", NULL, 0, NULL},
    {"zendesk-comment_added-own_private_note", "zendesk", "e8d4b2a0-7f13-4c6a-b5e9-0a1c2d3e4f56", "4821", NULL, NULL,
     NULL, NULL, 1, NULL},
    {"freshdesk-ticket_created", "freshdesk", NULL, "1207", "email", NULL, "土下座しろ", "taro.yamada@example.jp", 0,
     NULL},
    {"freshdesk-ticket_updated-public_note", "freshdesk", NULL, "1188", "web", NULL, "差額の内訳", NULL, 0, NULL},
    {"zammad-ticket_created", "zammad", "article:512", "233", "email", "2025-06-10T01:23:45Z",
     "今日中に全額返金しろ。\nできないなら", "41", 0, NULL},
    {"zammad-article_created-customer_followup", "zammad", "article:530", "219", "web", NULL, "日割りの返金", NULL, 0,
     NULL},
    {"helpscout-convo.created", "helpscout", "convo.created:2391938111:7711002233", "2391938111", "email",
     "2025-06-10T01:23:45Z", "おたくのサポートは最低だ。\n", "472611301", 0, NULL},
    {"helpscout-convo.customer.reply.created", "helpscout", "convo.customer.reply.created:2391900007:7711009999",
     "2391900007", "email", NULL, "before Friday", NULL, 0, NULL},
    {"jira-jira_issue_created", "jira", "f3a9c2d1-5b6e-4d7f-8a90-1b2c3d4e5f60", "CS-42", "other",
     "2025-06-10T01:23:45Z", "会社に乗り込む", "qm:1a2b3c4d-0000-4e5f-9a8b-7c6d5e4f3a2b:11223344", 0, NULL},
    {"jira-comment_created", "jira", "0e1d2c3b-4a59-4687-9a1b-c2d3e4f5a6b7", "CS-38", NULL, "2025-06-10T03:10:11Z",
     "ログインできない", NULL, 0, NULL},
    {"redmine-issue.created", "redmine", "issue:3141:created", "3141", "email", "2025-06-10T01:23:45Z", "詐欺",
     "makoto.watanabe@example.jp", 0, NULL},
    {"redmine-issue.updated", "redmine", "journal:9981", "3120", NULL, "2025-06-10T04:05:06Z", "宛名は会社名", NULL, 0,
     NULL},
    {"redmine-plugin_redmine_webhook-opened", "redmine", "issue:3142:created", "3142", NULL, NULL, "ネットで晒す",
     NULL, 0, "path-token-for-the-plugin-0123456789"},
    {"rt-ticket_create", "rt", "txn:88123", "5120", "email", "2025-06-10T01:23:45Z", "全額返金しろ",
     "kenji.suzuki@example.jp", 0, NULL},
    {"znuny-ticket_generic-article_create", "znuny", "article:21593", "7740", "email", "2025-06-10T01:23:45Z",
     "責任者を出せ", "h.kato@example.jp", 0, NULL},
};

/* The fixture's own time, for schemes with a replay window. */
static time_t fixture_now(const struct fixture *f)
{
    const char *ts = hdr(f, "X-Zendesk-Webhook-Signature-Timestamp");
    long long t;
    if (ts != NULL && mamori_cx_parse_time(ts, 0, &t) == 0)
        return (time_t)t;
    ts = hdr(f, "X-Hdadapter-Timestamp");
    if (ts != NULL)
        return (time_t)strtoll(ts, NULL, 10);
    return time(NULL);
}

static void setup_tenant(struct mamori_tenant *t, const struct mamori_connector *c, const char *secret)
{
    memset(t, 0, sizeof *t);
    t->id = "acme";
    t->language = "ja";
    t->connector = c;
    t->replay_window = 300;
    t->webhook_secret.data = (unsigned char *)secret;
    t->webhook_secret.len = strlen(secret);
    /* Znuny sends local times: the fixture's install is in Japan. */
    if (strcmp(c->name, "znuny") == 0) {
        static struct mamori_option opt = {"utc_offset", "+09:00", 1};
        t->helpdesk_options.items = &opt;
        t->helpdesk_options.count = 1;
    }
}

static void run_case(const struct expect *e)
{
    const struct mamori_connector *c = mamori_connector_find(e->connector);
    struct mamori_tenant t;
    struct mamori_webhook in;
    struct mamori_ticket tk;
    struct mamori_error err;
    struct fixture f;
    json_t *root;
    const char *secret;
    int rc;

    if (!ok(c != NULL && load(&f, e->fixture) == 0, "%s: fixture and connector %s load", e->fixture, e->connector)) {
        for (int i = 0; i < 9; i++)
            ok(0, "skipped");
        return;
    }
    secret = e->path_token ? e->path_token : f.secret;
    setup_tenant(&t, c, secret);
    memset(&in, 0, sizeof in);
    in.tenant = &t;
    in.body = f.body;
    in.body_len = f.body_len;
    in.header = hdr;
    in.header_ctx = &f;
    in.now = fixture_now(&f);
    in.path_suffix = e->path_token ? e->path_token : "";
    rc = c->verify(&in, &err);
    is_int(rc, 0, "%s: verifies with the secret from its .headers (%s)", e->fixture, rc ? err.message : "ok");

    setup_tenant(&t, c, "wrong-secret");
    is_int(c->verify(&in, &err), MAMORI_EAUTH, "%s: a wrong secret is refused", e->fixture);
    setup_tenant(&t, c, secret);
    if (e->path_token != NULL || hdr(&f, "Authorization") != NULL) {
        /* Unsigned platforms: without the credentials it is refused. */
        for (int i = 0; i < f.n; i++)
            if (strcasecmp(f.names[i], "Authorization") == 0)
                snprintf(f.names[i], sizeof f.names[i], "X-Removed");
        in.path_suffix = "";
        is_int(c->verify(&in, &err), MAMORI_EAUTH, "%s: (unsigned platform) missing credentials are refused",
               e->fixture);
        in.path_suffix = e->path_token ? e->path_token : "";
    } else {
        f.body[f.body_len / 2] ^= 1;
        is_int(c->verify(&in, &err), MAMORI_EAUTH, "%s: one changed body byte is refused", e->fixture);
        f.body[f.body_len / 2] ^= 1;
    }

    root = json_loadb(f.body, f.body_len, 0, NULL);
    mamori_ticket_init(&tk);
    rc = c->parse(&in, root, &tk, &err);
    is_int(rc, 0, "%s: parses (%s)", e->fixture, rc ? err.message : "ok");
    ok(tk.event_id != NULL && (e->event_id == NULL || strcmp(tk.event_id, e->event_id) == 0), "%s: event id %s",
       e->fixture, tk.event_id ? tk.event_id : "(none)");
    is_str(tk.ticket_id ? tk.ticket_id : "(none)", e->ticket_id, "%s: ticket id", e->fixture);
    is_int(tk.ignore_reason != NULL, e->ignored, "%s: %s", e->fixture,
           tk.ignore_reason ? tk.ignore_reason : "annotated (not ignored)");
    ok(e->ignored || (e->body_has && tk.body && strstr(tk.body, e->body_has) != NULL &&
                    strstr(tk.body, "<div") == NULL && strstr(tk.body, "<br") == NULL),
       "%s: body is plain text with the customer's words", e->fixture);
    ok((e->channel == NULL || (tk.channel && strcmp(tk.channel, e->channel) == 0)) &&
           (e->created_at == NULL || (tk.created_at && strcmp(tk.created_at, e->created_at) == 0)) &&
           (e->requester == NULL || (tk.requester_id && strcmp(tk.requester_id, e->requester) == 0)),
       "%s: channel %s, created %s (UTC), requester %s", e->fixture, tk.channel ? tk.channel : "-",
       tk.created_at ? tk.created_at : "-", tk.requester_id ? tk.requester_id : "-");
    mamori_ticket_free(&tk);
    json_decref(root);
    free(f.body);
}

/* Parse a fixture with its connector into tk (initialised here). */
static int parse_fixture(const char *name, const char *connector, struct mamori_ticket *tk)
{
    const struct mamori_connector *c = mamori_connector_find(connector);
    struct mamori_tenant t;
    struct mamori_webhook in;
    struct mamori_error err;
    struct fixture f;
    json_t *root;
    int rc;

    mamori_ticket_init(tk);
    if (c == NULL || load(&f, name) != 0)
        return -1;
    setup_tenant(&t, c, f.secret);
    memset(&in, 0, sizeof in);
    in.tenant = &t;
    in.body = f.body;
    in.body_len = f.body_len;
    in.header = hdr;
    in.header_ctx = &f;
    in.now = fixture_now(&f);
    in.path_suffix = "";
    root = json_loadb(f.body, f.body_len, 0, NULL);
    rc = c->parse(&in, root, tk, &err);
    json_decref(root);
    free(f.body);
    return rc;
}

/* Write a tenant file dir/acme.conf with `extra` as its last lines;
 * returns its line count. */
static int write_tenant(const char *path, const char *extra)
{
    FILE *fp = fopen(path, "w");
    int lines = 0;

    if (fp == NULL)
        return -1;
    fprintf(fp, "[tenant]\nconnector = zendesk\nwebhook_secret_file = /nonexistent/wh\n\n[plugin rules]\n"
                "path = rules.so\n\n%s\n", extra);
    fclose(fp);
    fp = fopen(path, "r");
    for (int ch; fp && (ch = fgetc(fp)) != EOF;)
        lines += ch == '\n';
    if (fp)
        fclose(fp);
    return lines;
}

/* Issue 15, item B: a tenant's [channel_map] turns the helpdesk's channel
 * values and tags into mamori's channels. 12 assertions. */
static void channel_map_tests(void)
{
    char dir[] = "/tmp/mamori-chmap-XXXXXX", path[256];
    struct mamori_settings st;
    struct mamori_tenant t;
    struct mamori_ticket tk;
    struct mamori_error err;
    int rc, lines;

    if (mkdtemp(dir) == NULL) {
        for (int i = 0; i < 12; i++)
            ok(0, "no temporary directory");
        return;
    }
    snprintf(path, sizeof path, "%s/acme.conf", dir);
    mamori_settings_defaults(&st);

    is_int(parse_fixture("zendesk-ticket_created-voice", "zendesk", &tk), 0, "the Zendesk voice ticket parses");
    ok(tk.channel && strcmp(tk.channel, "phone") == 0 && tk.channel_raw && strcmp(tk.channel_raw, "voice") == 0,
       "without a map, via.channel voice is mamori's phone (raw value kept: %s)", tk.channel_raw ? tk.channel_raw : "-");

    write_tenant(path, "[channel_map]\nvia = Voice:phone_note, native_messaging : chat\ntag = sns_dm:sns, "
                       "call_memo:phone_note");
    rc = mamori_tenant_read(&t, path, &st, &err);
    is_int(rc, 0, "a tenant with [channel_map] via and tag reads (%s)", rc ? err.message : "ok");
    is_int(rc == 0 ? (int)t.channel_map_count : -1, 4, "four rules");
    is_int(mamori_tenant_map_channel(&t, &tk), 0, "the map applies");
    is_str(tk.channel, "phone_note", "via = voice:phone_note: the voice ticket is a call note (case does not matter)");
    mamori_strv_push_unique(&tk.tags, "SNS_DM");
    mamori_tenant_map_channel(&t, &tk);
    is_str(tk.channel, "sns", "a matching tag wins over via");
    mamori_ticket_free(&tk);

    parse_fixture("zendesk-ticket_created", "zendesk", &tk);
    mamori_tenant_map_channel(&t, &tk);
    is_str(tk.channel, "web", "a web ticket with no matching rule keeps the connector's channel");
    mamori_strv_push_unique(&tk.tags, "call_memo");
    mamori_tenant_map_channel(&t, &tk);
    is_str(tk.channel, "phone_note", "tag = call_memo:phone_note makes a web ticket a call note");
    mamori_ticket_free(&tk);
    mamori_tenant_free(&t);

    lines = write_tenant(path, "[channel_map]\nvia = voice:fax");
    rc = mamori_tenant_read(&t, path, &st, &err);
    is_int(rc, MAMORI_EINVAL, "an unknown mamori channel is refused");
    {
        char where[300];
        snprintf(where, sizeof where, "%s:%d:", path, lines);
        ok(strstr(err.message, where) != NULL && strstr(err.message, "fax is not one of mamori's channels") != NULL,
           "... with file and line: %s", err.message);
    }
    mamori_tenant_free(&t);
    lines = write_tenant(path, "[channel_map]\nvia = voice:phone\nvia = VOICE:phone_note");
    rc = mamori_tenant_read(&t, path, &st, &err);
    ok(rc == MAMORI_EINVAL && strstr(err.message, "mapped twice") != NULL, "a value mapped twice is refused (%s)",
       err.message);
    mamori_tenant_free(&t);
    mamori_settings_free(&st);
    remove(path);
    rmdir(dir);
}

/* The generic webhook's "internal": true note is an agent's event
 * (ingest/agent.h), as a Zendesk private comment is: by agent.id, with the
 * customer's text from "description" as the body (never the note itself);
 * mamori's own note sent back is not one. 8 assertions. */
static void generic_internal_tests(void)
{
    static const char *const bodies[] = {
        "{\"event_id\":\"n1\",\"ticket_id\":\"G-1\",\"body\":\"@警告 電話で警告した\",\"internal\":true,"
        "\"agent\":{\"id\":7},\"description\":\"殺すぞ\"}",
        "{\"event_id\":\"n2\",\"ticket_id\":\"G-1\",\"body\":\"@弁護士 相談\",\"internal\":true}",
        "{\"event_id\":\"n3\",\"ticket_id\":\"G-1\",\"body\":\"[mamori] 注記\\nmamori-ref:abc\",\"internal\":true}",
    };
    const struct mamori_connector *c = mamori_connector_find("generic");
    struct mamori_ticket tk[3];
    struct mamori_webhook in;
    struct mamori_error err;
    int rc[3];

    memset(&in, 0, sizeof in);
    for (int i = 0; i < 3; i++) {
        json_t *root = json_loads(bodies[i], 0, NULL);
        mamori_ticket_init(&tk[i]);
        rc[i] = c != NULL && root != NULL ? c->parse(&in, root, &tk[i], &err) : -1;
        json_decref(root);
    }
    ok(rc[0] == 0 && rc[1] == 0 && rc[2] == 0, "generic internal notes parse");
    ok(tk[0].agent_event && tk[0].ignore_reason != NULL, "... an internal note is an agent's event, never annotated");
    is_str(tk[0].agent_id ? tk[0].agent_id : "(none)", "7", "... by agent.id (an integer kept as a string)");
    is_str(tk[0].agent_note ? tk[0].agent_note : "(none)", "@警告 電話で警告した", "... the note is the agent's");
    is_str(tk[0].body ? tk[0].body : "(none)", "殺すぞ", "... the body is the customer's text from description");
    ok(tk[1].agent_event && tk[1].agent_id == NULL, "without agent.id: still an agent's event, nobody named");
    ok(tk[1].body == NULL, "... and without description no body: the note is never judged as customer text");
    ok(!tk[2].agent_event && tk[2].ignore_reason != NULL, "mamori's own note sent back is only ignored");
    for (int i = 0; i < 3; i++)
        mamori_ticket_free(&tk[i]);
}

int main(void)
{
    const size_t ncases = sizeof cases / sizeof cases[0];
    struct mamori_error err;
    char *s, ref[MAMORI_NOTE_REF_SIZE];
    size_t n;
    long long t;

    plan((int)ncases * 10 + 28 + 12 + 8);
    for (size_t i = 0; i < ncases; i++)
        run_case(&cases[i]);
    channel_map_tests();
    generic_internal_tests();

    {
        static const char html[] = "<div>a&amp;b&nbsp;c</div><div>次&#x884C;</div><br><p>x&lt;y</p><!-- c --><script>evil()</script>";
        s = mamori_html_to_text(html, sizeof html - 1, &n);
    }
    is_str(s, "a&b c\n次行\n\nx<y", "HTML to text: blocks, entities, script dropped");
    free(s);
    is_int(mamori_cx_parse_time("2025-06-10T10:23:45.123+0900", 0, &t), 0, "time with +0900 parses");
    {
        char buf[21];
        mamori_cx_format_utc(t, buf);
        is_str(buf, "2025-06-10T01:23:45Z", "... and is 01:23:45 UTC");
        mamori_cx_parse_time("2025-06-10 10:23:45", 9 * 3600, &t);
        mamori_cx_format_utc(t, buf);
        is_str(buf, "2025-06-10T01:23:45Z", "a zone-less time takes the configured offset");
        mamori_cx_parse_time("2024-02-29T23:59:59-05:00", 0, &t);
        mamori_cx_format_utc(t, buf);
        is_str(buf, "2024-03-01T04:59:59Z", "negative offsets and leap days");
    }
    ok(mamori_cx_parse_time("yesterday", 0, &t) != 0, "a non-time is refused");

    mamori_note_ref("acme:zendesk:e1:note", ref);
    ok(strncmp(ref, MAMORI_NOTE_REF_PREFIX, strlen(MAMORI_NOTE_REF_PREFIX)) == 0 && strlen(ref) == 35,
       "the note reference is the prefix and 24 hex digits");
    ok(mamori_cx_is_own_note("[mamori] 重大度: 高\n...\n— mamori · mamori-ref:0123"), "a note with marker and reference is ours");
    ok(!mamori_cx_is_own_note("please see [mamori] in your docs"), "the marker alone (a customer quoting it) is not");

    s = mamori_wb_escape("../a b/é");
    is_str(s, "..%2Fa%20b%2F%C3%A9", "ids are path-escaped: no slash gets through");
    free(s);
    s = mamori_wb_escape("..");
    is_str(s, "%2E%2E", "\"..\" becomes %2E%2E");
    free(s);

    ok(mamori_deliver_url_allowed("https://acme.zendesk.com", "https://acme.zendesk.com/api/v2/tickets/1.json", 0, &err),
       "a URL under the base is allowed");
    ok(!mamori_deliver_url_allowed("https://acme.zendesk.com", "https://evil.example.com/api/v2/tickets/1.json", 0, &err),
       "another host is refused");
    ok(!mamori_deliver_url_allowed("https://acme.zendesk.com", "https://acme.zendesk.com.evil.example/x", 0, &err),
       "a host that only starts like the base is refused");
    ok(!mamori_deliver_url_allowed("https://acme.zendesk.com", "https://acme.zendesk.com:8443/x", 0, &err),
       "another port is refused");
    ok(!mamori_deliver_url_allowed("https://rt.example/rt", "https://rt.example/rtx/REST/2.0", 0, &err),
       "a path that only starts like the base path is refused");
    ok(mamori_deliver_url_allowed("https://rt.example/rt/", "https://rt.example/rt/REST/2.0/ticket/1", 0, &err),
       "a base path with a trailing slash works");
    ok(!mamori_deliver_url_allowed("https://rt.example/rt", "https://rt.example/rt/REST/%2E%2E/%2e%2e/admin", 0, &err),
       "encoded dot segments are refused");
    ok(!mamori_deliver_url_allowed("https://rt.example/rt", "https://rt.example/rt/../admin", 0, &err),
       "plain dot segments are refused");
    ok(!mamori_deliver_url_allowed("https://a.example", "https://user@a.example/x", 0, &err), "userinfo is refused");
    ok(!mamori_deliver_url_allowed("http://127.0.0.1:8080", "http://127.0.0.1:8080/x", 0, &err),
       "plain http is refused without allow_http");
    ok(mamori_deliver_url_allowed("http://127.0.0.1:8080", "http://127.0.0.1:8080/x", 1, &err),
       "plain http to loopback with allow_http is allowed");
    ok(!mamori_deliver_url_allowed("http://helpdesk.example", "http://helpdesk.example/x", 1, &err),
       "plain http to a non-loopback host is refused even with allow_http");

    is_int(mamori_deliver_retry_after("120", 0), 120, "Retry-After in seconds");
    is_int(mamori_deliver_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470LL), 10, "Retry-After as an HTTP date");
    is_int(mamori_deliver_retry_after("soon", 0), -1, "a bad Retry-After is -1");
    {
        int in_range = 1;
        for (int i = 0; i < 50; i++) {
            long b = mamori_deliver_backoff(5, 3600, 3); /* 20 s, jittered into [10, 20] */
            in_range &= b >= 10 && b <= 20;
        }
        ok(in_range, "backoff doubles per attempt and jitters within [half, full]");
        ok(mamori_deliver_backoff(5, 60, 30) <= 60, "backoff is capped");
    }
    return done();
}
