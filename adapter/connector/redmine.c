/*
 * connector/redmine.c -- Redmine: core webhooks (7.0+: issue.created,
 * issue.updated), the suer/redmine_webhook plugin's shape (opened,
 * updated), and the poller (poller.c) for Redmine without webhooks, which
 * feeds issues in the core shape. Out: a private note and tags.
 *
 * Authentication: core webhooks sign with X-Redmine-Signature-256:
 * sha256=<hex HMAC-SHA256(secret, raw body)>. The plugin does not sign: its
 * URL must then carry the secret, as Basic auth (https://user:pass@...,
 * secret "user:pass"), an X-Mamori-Token header, or a path token
 * (/hooks/<tenant>/redmine/<secret>).
 *
 * Event ids are "issue:<id>:created" and "journal:<id>", the same for a
 * webhook and the poller, so both can run without double notes.
 *
 * Write-back: PUT /issues/{id}.json {"issue": {"notes": ..., "private_notes":
 * true, "custom_fields": [{"id": N, "value": [...]}]}} with
 * X-Redmine-API-Key and X-Skip-Webhooks: 1 (the plugin skips our change).
 * Redmine has no tags: tags go to the custom field tags_custom_field_id (a
 * list field: the current values are read and merged). Before a retry the
 * journals are read (GET /issues/{id}.json?include=journals) and the note
 * is not sent again if it is there. The API user needs "set notes private",
 * or Redmine silently makes the note public: the poller test checks it.
 *
 * [helpdesk] keys: api_user_id, tags_custom_field_id, poll_interval,
 * poll_project, poll_overlap (the poller's requests are built below;
 * daemon/poller.c sends them).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/strv.h"
#include "connector/common.h"
#include "note/note.h"

static int redmine_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    if (mamori_webhook_header(in, "X-Redmine-Signature-256") != NULL) {
        struct mamori_bytes part = {in->body, in->body_len};
        return mamori_cx_hmac_verify(in, "X-Redmine-Signature-256", "sha256=", MAMORI_HMAC_SHA256, MAMORI_CX_HEX, &part,
                                     1, err);
    }
    return mamori_cx_shared_secret_verify(in, 1, err);
}

/* "From: Name <mail@example.com>" on the first line of a mail-created issue. */
static int from_line(struct mamori_ticket *t, const char *d)
{
    const char *lt, *gt, *eol;
    if (d == NULL || strncmp(d, "From:", 5) != 0)
        return MAMORI_OK;
    eol = strpbrk(d, "\r\n");
    lt = strchr(d, '<');
    gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && (eol == NULL || gt < eol) && gt > lt + 1) {
        free(t->requester_email);
        if ((t->requester_email = mamori_strndup(lt + 1, (size_t)(gt - lt - 1))) == NULL)
            return MAMORI_ENOMEM;
        free(t->requester_id);
        if ((t->requester_id = mamori_strdup(t->requester_email)) == NULL)
            return MAMORI_ENOMEM;
    }
    return mamori_ticket_set(&t->channel, "email");
}

static int redmine_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t,
                         struct mamori_error *err)
{
    const char *type = mamori_cx_str(root, "type"), *action = mamori_cx_str(root, "payload.action");
    const char *self = mamori_cx_option(in->tenant, "api_user_id"), *desc, *url;
    json_t *issue, *journal;
    char *jid = NULL, *juser = NULL;
    int created, rc;

    if (type != NULL) { /* core 7.x (and the poller) */
        issue = mamori_cx_get(root, "data.issue");
        journal = mamori_cx_get(root, "data.journal");
        created = strcmp(type, "issue.created") == 0;
        if (!created && strcmp(type, "issue.updated") != 0)
            type = NULL;
    } else if (action != NULL) { /* redmine_webhook plugin */
        issue = mamori_cx_get(root, "payload.issue");
        journal = mamori_cx_get(root, "payload.journal");
        created = strcmp(action, "opened") == 0;
        type = (created || strcmp(action, "updated") == 0) ? action : NULL;
    } else {
        return mamori_error_set(err, MAMORI_EINVAL, "not a Redmine webhook (expected type or payload.action)");
    }
    if (!json_is_object(issue))
        return mamori_error_set(err, MAMORI_EINVAL, "no issue in the Redmine webhook");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(issue, "id"), "issue.id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"issue.id\" is missing");
    if ((rc = mamori_cx_take_str(&t->subject, issue, "subject")) != 0 ||
        (rc = mamori_ticket_take_id(&t->requester_id, mamori_cx_get(issue, "author.id"), "author.id", err)) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, issue, "author.mail")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_name, issue, "author.name")) != 0 ||
        (rc = mamori_ticket_set(&t->channel, "other")) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    url = mamori_cx_str(root, "payload.url");
    if (url != NULL)
        rc = mamori_ticket_set(&t->ticket_url, url);
    else if (in->tenant->helpdesk_url)
        rc = (t->ticket_url = mamori_cx_printf("%s/issues/%s", in->tenant->helpdesk_url, t->ticket_id)) ? 0 : MAMORI_ENOMEM;
    if (rc != 0)
        return rc;
    desc = mamori_cx_str(issue, "description");
    if ((rc = from_line(t, desc)) != 0)
        return rc;
    if (type == NULL) {
        if ((t->event_id = mamori_cx_printf("other:%s", t->ticket_id)) == NULL)
            return MAMORI_ENOMEM;
        return mamori_cx_ignore(t, "event is not an issue creation or update");
    }
    if (created) {
        if ((t->event_id = mamori_cx_printf("issue:%s:created", t->ticket_id)) == NULL)
            return MAMORI_ENOMEM;
        if ((rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(issue, "created_on"), 0, "created_on", err)) != 0)
            return rc;
        if ((rc = mamori_cx_set_body(t, desc, desc ? strlen(desc) : 0, 0)) != 0)
            return rc;
        return mamori_cx_is_own_note(t->body) ? mamori_cx_ignore(t, "mamori's own note") : MAMORI_OK;
    }
    if (!json_is_object(journal) ||
        (rc = mamori_ticket_take_id(&jid, json_object_get(journal, "id"), "journal.id", err)) != 0 || jid == NULL) {
        if ((t->event_id = mamori_cx_printf("issue:%s:updated:%s", t->ticket_id,
                                            mamori_cx_str(issue, "updated_on") ? mamori_cx_str(issue, "updated_on") : "")) == NULL)
            return MAMORI_ENOMEM;
        return rc ? rc : mamori_cx_ignore(t, "update without a journal: no new text");
    }
    t->event_id = mamori_cx_printf("journal:%s", jid);
    free(jid);
    if (t->event_id == NULL)
        return MAMORI_ENOMEM;
    if ((rc = mamori_ticket_take_id(&juser, mamori_cx_get(journal, "user.id"), "journal.user.id", err)) != 0)
        return rc;
    {
        const char *notes = mamori_cx_str(journal, "notes");
        if (self != NULL && juser != NULL && strcmp(self, juser) == 0)
            rc = mamori_cx_ignore(t, "journal written by mamori's own API user");
        else if (json_is_true(json_object_get(journal, "private_notes")))
            rc = mamori_cx_ignore(t, "private note");
        else if (notes == NULL || notes[0] == '\0')
            rc = mamori_cx_ignore(t, "update without notes: no new text");
        else if (mamori_cx_is_own_note(notes))
            rc = mamori_cx_ignore(t, "mamori's own note");
        else if ((rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(journal, "created_on"), 0, "created_on", err)) == 0)
            rc = mamori_cx_set_body(t, notes, strlen(notes), 0);
    }
    /* The customer is whoever wrote the journal. */
    if (rc == 0 && t->ignore_reason == NULL && juser != NULL) {
        free(t->requester_id);
        t->requester_id = juser;
        juser = NULL;
    }
    free(juser);
    return rc;
}

enum { RM_READ, RM_WRITE };

static int redmine_wb_build(struct mamori_wb *wb, int step, struct mamori_wb_request *req, struct mamori_error *err)
{
    const char *cf = mamori_cx_option(wb->tenant, "tags_custom_field_id");
    int want_tags = cf != NULL && wb->tags->count > 0;
    char *id, *cred;
    int rc = MAMORI_WB_SEND;

    if (step > RM_WRITE)
        return MAMORI_WB_END;
    if (step == RM_READ && !want_tags && (!wb->uncertain || mamori_wb_note_done(wb)))
        return MAMORI_WB_SKIP;
    if ((cred = mamori_wb_credentials(wb)) == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] credentials_file (the API key) is not set");
    if ((id = mamori_wb_escape(mamori_wb_ticket_id(wb))) == NULL) {
        mamori_wb_secret_free(cred);
        return MAMORI_ENOMEM;
    }
    if (step == RM_READ) {
        req->method = "GET";
        req->path = mamori_cx_printf("/issues/%s.json?include=journals", id);
    } else {
        json_t *issue = json_object();
        if (issue == NULL) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
        if (!mamori_wb_note_done(wb)) {
            json_object_set_new(issue, "notes", json_string(wb->note));
            json_object_set_new(issue, "private_notes", json_true());
        }
        if (want_tags) {
            json_t *cur = json_object_get(wb->progress, "current_tags"), *merged = mamori_wb_merge_tags(wb, cur), *val;
            if (merged == NULL) {
                json_decref(issue);
                rc = MAMORI_ENOMEM;
                goto out;
            }
            if (json_is_true(json_object_get(wb->progress, "tags_field_is_string"))) {
                /* A text field: the tags comma-separated. */
                struct mamori_buf b = MAMORI_BUF_INIT;
                size_t i;
                json_t *v;
                json_array_foreach(merged, i, v) mamori_buf_printf(&b, "%s%s", i ? "," : "", json_string_value(v));
                val = json_string(mamori_buf_str(&b));
                mamori_buf_free(&b);
                json_decref(merged);
            } else {
                val = merged;
            }
            json_object_set_new(issue, "custom_fields", json_pack("[{s:I, s:o}]", "id", (json_int_t)strtoll(cf, NULL, 10), "value", val));
        }
        if (json_object_size(issue) == 0) {
            json_decref(issue);
            rc = MAMORI_WB_SKIP;
            goto out;
        }
        req->method = "PUT";
        req->path = mamori_cx_printf("/issues/%s.json", id);
        req->content_type = "application/json";
        if (mamori_wb_json_body(req, json_pack("{s:o}", "issue", issue)) != 0 ||
            mamori_wb_header(req, "X-Skip-Webhooks: 1") != 0) {
            rc = MAMORI_ENOMEM;
            goto out;
        }
    }
    if (req->path == NULL || mamori_wb_header(req, "X-Redmine-API-Key: %s", cred) != 0)
        rc = MAMORI_ENOMEM;
out:
    free(id);
    mamori_wb_secret_free(cred);
    return rc;
}

static int redmine_wb_result(struct mamori_wb *wb, int step, long status, const char *body, size_t len,
                             struct mamori_error *err)
{
    (void)status;
    (void)err;
    if (step == RM_READ) {
        const char *cf = mamori_cx_option(wb->tenant, "tags_custom_field_id");
        json_t *j = json_loadb(body, len, 0, NULL), *journals = mamori_cx_get(j, "issue.journals");
        json_t *fields = mamori_cx_get(j, "issue.custom_fields"), *v;
        size_t i;
        if (j == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "GET issue: the answer is not JSON");
        json_array_foreach(journals, i, v) {
            const char *n = mamori_cx_str(v, "notes");
            if (n != NULL && strstr(n, wb->ref) != NULL)
                mamori_wb_set_note_done(wb);
        }
        json_array_foreach(fields, i, v) {
            json_t *id = json_object_get(v, "id"), *val = json_object_get(v, "value");
            char num[32];
            if (cf == NULL || !json_is_integer(id))
                continue;
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
            if (strcmp(num, cf) != 0)
                continue;
            if (json_is_array(val)) {
                json_object_set(wb->progress, "current_tags", val);
            } else {
                json_t *cur = json_array();
                const char *s = json_string_value(val);
                json_object_set_new(wb->progress, "tags_field_is_string", json_true());
                for (const char *p = s; cur && p && *p;) {
                    const char *e = strchr(p, ',');
                    size_t n = e ? (size_t)(e - p) : strlen(p);
                    if (n)
                        json_array_append_new(cur, json_stringn(p, n));
                    p = e ? e + 1 : p + n;
                }
                json_object_set_new(wb->progress, "current_tags", cur);
            }
        }
        json_decref(j);
    } else if (step == RM_WRITE) {
        mamori_wb_set_note_done(wb);
    }
    return MAMORI_OK;
}

/* ---- polling (Redmine without webhooks; daemon/poller.c does the I/O) ----
 *
 *   GET /issues.json?updated_on=>=<since>&status_id=*&sort=updated_on:asc&limit=100[&project_id=P]
 *   GET /issues/{id}.json?include=journals        (for issues with new journals)
 *
 * Each new issue becomes an "issue.created" payload and each new journal an
 * "issue.updated" one, in the core webhook's shape, so redmine_parse()
 * takes them (and ignores mamori's own and private notes) and the event
 * ids match a webhook's. */

/* The API key header, when a key is set (without one Redmine answers what
 * anonymous users may see). */
static int poll_auth(const struct mamori_tenant *t, struct mamori_wb_request *req)
{
    char *key;
    int rc;

    if (t->helpdesk_credentials.len == 0)
        return 0;
    if ((key = mamori_strndup((const char *)t->helpdesk_credentials.data, t->helpdesk_credentials.len)) == NULL)
        return MAMORI_ENOMEM;
    rc = mamori_wb_header(req, "X-Redmine-API-Key: %s", key);
    mamori_wb_secret_free(key);
    return rc;
}

static int redmine_poll_list(const struct mamori_tenant *t, long long since, struct mamori_wb_request *req,
                             struct mamori_error *err)
{
    const char *project = mamori_cx_option(t, "poll_project");
    char at[21], *escaped = NULL;

    mamori_cx_format_utc(since, at);
    if (project != NULL && (escaped = mamori_wb_escape(project)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    req->method = "GET";
    req->path = mamori_cx_printf("/issues.json?updated_on=%%3E%%3D%s&status_id=*&sort=updated_on:asc&limit=100%s%s",
                                 at, escaped ? "&project_id=" : "", escaped ? escaped : "");
    free(escaped);
    if (req->path == NULL || poll_auth(t, req) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return 0;
}

static json_t *redmine_poll_tickets(json_t *listing)
{
    return json_object_get(listing, "issues");
}

static const char *redmine_poll_changed_at(json_t *issue)
{
    return mamori_cx_str(issue, "updated_on");
}

static int redmine_poll_ticket_events(const struct mamori_tenant *t, json_t *issue, long long since, json_t *events,
                                      struct mamori_wb_request *req, struct mamori_error *err)
{
    const char *created = mamori_cx_str(issue, "created_on"), *updated = mamori_cx_str(issue, "updated_on");
    json_t *id = json_object_get(issue, "id");
    long long tc = 0, tu = 0;

    if (!json_is_integer(id))
        return 0;
    if (created && mamori_cx_parse_time(created, 0, &tc) == 0 && tc >= since &&
        json_array_append_new(events, json_pack("{s:s, s:{s:O}}", "type", "issue.created", "data", "issue", issue)) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (updated == NULL || mamori_cx_parse_time(updated, 0, &tu) != 0 || tu <= tc)
        return 0; /* never updated: no journals */
    req->method = "GET";
    req->path = mamori_cx_printf("/issues/%" JSON_INTEGER_FORMAT ".json?include=journals", json_integer_value(id));
    if (req->path == NULL || poll_auth(t, req) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return MAMORI_WB_SEND;
}

static int redmine_poll_detail_events(const struct mamori_tenant *t, json_t *issue, json_t *detail, long long since,
                                      json_t *events, struct mamori_error *err)
{
    json_t *jr, *iss;
    size_t k;

    (void)t;
    (void)issue;
    json_array_foreach(mamori_cx_get(detail, "issue.journals"), k, jr) {
        long long tj;
        const char *on = mamori_cx_str(jr, "created_on");

        if (on == NULL || mamori_cx_parse_time(on, 0, &tj) != 0 || tj < since)
            continue;
        /* The issue as it is now, without the journal list, beside the
         * one journal: the core webhook's shape. */
        if ((iss = json_deep_copy(json_object_get(detail, "issue"))) == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        json_object_del(iss, "journals");
        if (json_array_append_new(events, json_pack("{s:s, s:{s:o, s:O}}", "type", "issue.updated", "data", "issue",
                                                    iss, "journal", jr)) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    return 0;
}

static const struct mamori_poll_ops redmine_poll = {
    .list = redmine_poll_list,
    .tickets = redmine_poll_tickets,
    .changed_at = redmine_poll_changed_at,
    .ticket_events = redmine_poll_ticket_events,
    .detail_events = redmine_poll_detail_events,
};

static const struct mamori_key redmine_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "api_user_id", .type = MAMORI_KEY_INTEGER, .min = 1, .max = MAMORI_CX_MAX_ID,
     .description = "mamori's Redmine user: journals by it are ignored."},
    {.name = "tags_custom_field_id", .type = MAMORI_KEY_INTEGER, .min = 1, .max = MAMORI_CX_MAX_ID,
     .description = "A list custom field the tags are written to; unset: no tags."},
    {.name = "poll_interval", .type = MAMORI_KEY_DURATION, .min = 1, .max = 86400, .unit = "seconds",
     .description = "Poll Redmine (versions without webhooks) this often; unset: no polling."},
    {.name = "poll_project", .type = MAMORI_KEY_STRING,
     .description = "Poll only this project (its identifier); unset: every project the key can see."},
    {.name = "poll_overlap", .type = MAMORI_KEY_DURATION, .min = 0, .max = 3600, .unit = "seconds", .def = "2s",
     .description = "How far each poll reaches back before the last one (Redmine's times have one-second "
                    "granularity); issues seen before are skipped."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_redmine = {
    .name = "redmine",
    .display_name = "Redmine",
    .keys = redmine_keys,
    .verify = redmine_verify,
    .parse = redmine_parse,
    .respond = NULL,
    .writes_back = 1,
    .note_format = MAMORI_NOTE_TEXTILE,
    .wb_build = redmine_wb_build,
    .wb_result = redmine_wb_result,
    .poll = &redmine_poll,
};
