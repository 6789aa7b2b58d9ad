/*
 * handler_line.c -- POST /hooks/<tenant>/line: the tenant's LINE Official
 * Account webhook, where lawyers answer escalations.
 *
 *   verify   X-Line-Signature = base64(HMAC-SHA256(channel secret, raw body))
 *            before anything is parsed; missing or wrong: 401, nothing changes
 *   fresh    every event's timestamp (inside the signed body) within [line]
 *            replay_window of now, else 401 stale_event for the whole
 *            delivery, nothing recorded: the signature says who sent it,
 *            not when, so without this a captured delivery could be posted
 *            again once its dedupe row is gone
 *   dedupe   webhookEventId (LINE redelivers with the same id); the ids are
 *            kept far longer than any window (send.c, retention.c)
 *   follow   an unknown user is remembered as pending and gets nothing: an
 *            admin approves lawyers with `mamori lawyer approve`
 *   message  from an approved lawyer: find the escalation (the quoted
 *            message, else a ticket number in the text, else the latest
 *            escalation sent to that user or group), then acknowledge,
 *            record a retainer, or post the advice as an internal note
 *            (lawyer.h); from anyone else: recorded as ignored
 *
 * Everything of one delivery is ONE transaction with its audit records and
 * the note jobs; LINE gets its 200 only after the commit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/signature.h"
#include "config/escalation.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/digest.h"
#include "escalation/lawyer.h"
#include "http/app.h"
#include "store/audit_json.h"
#include "store/escalations.h"
#include "store/outbox.h"
#include "note/job.h"

#define MATCH_WINDOW (30LL * 86400) /* a reply without a quote matches escalations of the last 30 days */
#define MAX_EVENTS 100

struct line_verify {
    const struct mamori_tenant *t;
};

static int verify_cb(void *ctx, struct mamori_http *h)
{
    struct line_verify *v = ctx;
    const struct mamori_escalation_config *c = v->t->escalation;
    const char *sig = mamori_http_header(h, "X-Line-Signature");
    struct mamori_bytes part = {h->body ? h->body : "", h->body_len};
    unsigned char mac[MAMORI_HMAC_MAX];
    char expected[4 * (MAMORI_HMAC_MAX / 3 + 1) + 1];
    size_t mac_len = 0;

    if (sig == NULL || sig[0] == '\0') {
        mamori_log_warn("auth_failed", "LINE webhook refused: missing X-Line-Signature");
        mamori_http_error(h, 401, "unauthorized", NULL, "missing X-Line-Signature header");
        return MAMORI_EAUTH;
    }
    if (mamori_hmac(MAMORI_HMAC_SHA256, c->line_secret.data, c->line_secret.len, &part, 1, mac, &mac_len) != 0) {
        mamori_http_error(h, 500, "internal", NULL, "the signature could not be computed");
        return MAMORI_EAUTH;
    }
    mamori_base64_encode(mac, mac_len, expected);
    if (!mamori_signature_equal(sig, strlen(sig), expected, 0)) {
        mamori_log_warn("auth_failed", "LINE webhook refused: X-Line-Signature does not match the body (check [line] "
                        "channel_secret_file)");
        mamori_http_error(h, 401, "unauthorized", NULL, "X-Line-Signature does not match the body");
        return MAMORI_EAUTH;
    }
    return MAMORI_OK;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* 0 when every event of the delivery is inside the tenant's replay window;
 * otherwise the 401 has been sent and logged. Events LINE would have us
 * ignore are checked too: a stale one in a batch makes the whole batch a
 * replay or a very late redelivery, and a partial answer would only hide it. */
static int check_fresh(const struct mamori_tenant *t, struct mamori_http *h, json_t *events, time_t now)
{
    long window = t->escalation->line_replay_window;
    json_t *ev;
    size_t i;

    json_array_foreach(events, i, ev)
    {
        json_t *ts = json_object_get(ev, "timestamp");
        const char *id = jstr(ev, "webhookEventId");
        long long age;

        if (!json_is_integer(ts)) {
            mamori_log_warn("line_replay_refused", "LINE delivery refused: event %s has no timestamp, so its age "
                            "cannot be checked", id ? id : "(no webhookEventId)");
            mamori_http_error(h, 401, "stale_event", NULL,
                              "event %zu has no timestamp; refused as a possible replay, nothing recorded", i);
            return MAMORI_EAUTH;
        }
        age = (long long)now - (long long)(json_integer_value(ts) / 1000);
        if (age > window || age < -window) {
            mamori_log_warn("line_replay_refused", "LINE delivery refused: event %s is %lld s %s, outside [line] "
                            "replay_window (%ld s); a replay or a redelivery later than the window (nothing recorded)",
                            id ? id : "(no webhookEventId)", age < 0 ? -age : age, age < 0 ? "in the future" : "old",
                            window);
            mamori_http_error(h, 401, "stale_event", NULL,
                              "event %zu is %lld s %s, outside the replay window of %ld s ([line] replay_window); "
                              "refused as a possible replay, nothing recorded",
                              i, age < 0 ? -age : age, age < 0 ? "in the future" : "old", window);
            return MAMORI_EAUTH;
        }
    }
    return MAMORI_OK;
}

struct counts {
    int handled, duplicates, ignored;
};

static int on_follow(struct mamori_store *st, const struct mamori_tenant *t, const json_t *ev, time_t now,
                     struct counts *n, struct mamori_error *err)
{
    const char *user = jstr(json_object_get(ev, "source"), "userId");
    struct mamori_lawyer_row lw;
    int inserted = 0, rc;
    const char *state = "pending";

    if (user == NULL || !mamori_line_id_valid(user) || user[0] != 'U') {
        n->ignored++;
        return MAMORI_OK;
    }
    rc = mamori_lawyer_get(st, t->id, user, &lw, err);
    if (rc == MAMORI_OK) {
        state = strcmp(lw.state, "approved") == 0 ? "approved" : strcmp(lw.state, "revoked") == 0 ? "revoked" : "pending";
        mamori_lawyer_row_free(&lw);
    } else if (rc == MAMORI_ENOTFOUND) {
        if ((rc = mamori_lawyer_seen(st, t->id, user, (long long)now, &inserted, err)) != 0)
            return rc;
        mamori_log_notice("line_follow", "LINE user %s added the account; not a lawyer until an admin runs "
                          "`mamori lawyer approve %s %s`", user, t->id, user);
    } else {
        return rc;
    }
    n->handled++;
    return mamori_audit_append_json(st, t->id, "line_follow", user,
                                    json_pack("{s:s, s:s}", "user", user, "state", state), now, err);
}

/* The note job for a lawyer's message on escalation r. */
static int enqueue_note(struct mamori_store *st, const struct mamori_tenant *t, const struct mamori_escalation_row *r,
                        const char *event_id, const char *kind, const char *user, const char *name, const char *text,
                        long long at, time_t now, struct mamori_error *err)
{
    json_t *ticket = json_loads(r->ticket ? r->ticket : "{}", 0, NULL), *job;
    struct mamori_buf key = MAMORI_BUF_INIT, eid = MAMORI_BUF_INIT;
    char *payload = NULL;
    int rc;

    /* Only where the tenant writes notes back at all. */
    if (!t->connector->writes_back || t->helpdesk_url == NULL || strcmp(r->connector, t->connector->name) != 0) {
        json_decref(ticket);
        return MAMORI_OK;
    }
    mamori_buf_printf(&eid, "line:%s", event_id);
    mamori_note_job_key(&key, t->id, "line", event_id);
    job = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s?, s:s?, s:I, s:s, s:I}}", "tenant", t->id, "event_id",
                    mamori_buf_str(&eid), "ticket", ticket ? ticket : json_object(), "lawyer", "kind", kind, "user",
                    user, "name", name, "text", text, "at", (json_int_t)at, "level", r->level, "escalation_id",
                    (json_int_t)r->id);
    if (job == NULL || key.failed || eid.failed || (payload = json_dumps(job, JSON_COMPACT)) == NULL)
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    else
        rc = mamori_outbox_enqueue(st, t->id, t->connector->name, "note", key.data, payload, now, NULL, err);
    free(payload);
    json_decref(job);
    mamori_buf_free(&key);
    mamori_buf_free(&eid);
    return rc;
}

/* Per escalation acknowledged through a digest: the acknowledgement
 * note on its ticket, as a single 確認 writes one. */
struct digest_note {
    struct mamori_store *st;
    const struct mamori_tenant *t;
    const char *event_id, *user, *name;
    long long at;
    time_t now;
    struct mamori_error *err;
};

static int digest_note(void *ctx, const struct mamori_escalation_row *r)
{
    struct digest_note *d = ctx;
    char eid[200];

    /* One note job per escalation: the event id alone would dedupe them into one. */
    snprintf(eid, sizeof eid, "%s:esc-%lld", d->event_id, (long long)r->id);
    return enqueue_note(d->st, d->t, r, eid, "ack", d->user, d->name, NULL, d->at, d->now, d->err);
}

/* A lawyer's answer to a digest (escalation/digest.h): acknowledges every
 * escalation in it. Advice or 受任 needs a ticket (#4821): a digest is
 * about many, so the text is not posted anywhere; the record says so. */
static int on_digest(struct mamori_store *st, const struct mamori_tenant *t, const json_t *msg, const char *event_id,
                     int64_t digest, int cmd, const char *user, const char *name, long long at, time_t now,
                     struct counts *n, struct mamori_error *err)
{
    struct digest_note d = {st, t, event_id, user, name, at, now, err};
    int acked = 0, rc;

    rc = mamori_escalation_digest_ack(st, t->id, digest, user, name, "line", jstr(msg, "id"), (long long)now,
                                      digest_note, &d, &acked, err);
    if (rc == 0 && cmd != MAMORI_LAWYER_ACK) {
        char subject[48];
        snprintf(subject, sizeof subject, "digest-%lld", (long long)digest);
        mamori_log_notice("line_digest_text", "tenant %s: lawyer %s answered digest #%lld with %s: acknowledged, but "
                          "the text is not posted to any ticket (reply with the ticket number, e.g. #4821)", t->id,
                          user, (long long)digest, mamori_lawyer_command_name(cmd));
        rc = mamori_audit_append_json(st, t->id, "line_digest_text_not_posted", subject,
                                      json_pack("{s:I, s:s, s:s, s:s?}", "digest", (json_int_t)digest, "by", user,
                                                "command", mamori_lawyer_command_name(cmd), "line_message_id",
                                                jstr(msg, "id")),
                                      now, err);
    }
    if (rc == 0) {
        n->handled++;
        mamori_log_info("lawyer_message", "tenant %s digest #%lld: ack from lawyer %s (%d escalation(s))", t->id,
                        (long long)digest, user, acked);
    }
    return rc;
}

static int on_message(struct mamori_store *st, const struct mamori_tenant *t, const json_t *ev, const char *event_id,
                      time_t now, struct counts *n, struct mamori_error *err)
{
    const json_t *src = json_object_get(ev, "source"), *msg = json_object_get(ev, "message");
    const char *user = jstr(src, "userId"), *text = jstr(msg, "text"), *mtype = jstr(msg, "type");
    const char *recipients[3] = {NULL, NULL, NULL};
    struct mamori_lawyer_row lw;
    struct mamori_escalation_row r;
    json_int_t ts = json_integer_value(json_object_get(ev, "timestamp"));
    long long at = ts > 0 ? (long long)(ts / 1000) : (long long)now;
    char ref[128], digest_hex[65];
    unsigned char digest[32];
    int cmd, rc, acked = 0, approved;

    if (mtype == NULL || strcmp(mtype, "text") != 0 || text == NULL) {
        n->ignored++;
        return MAMORI_OK;
    }
    if (user == NULL || !mamori_line_id_valid(user)) {
        n->ignored++;
        return mamori_audit_append_json(st, t->id, "line_message_ignored", "-",
                          json_pack("{s:s}", "reason", "no user id (the sender has not consented to share it)"), now, err);
    }
    rc = mamori_lawyer_get(st, t->id, user, &lw, err);
    if (rc != MAMORI_OK && rc != MAMORI_ENOTFOUND)
        return rc;
    approved = rc == MAMORI_OK && strcmp(lw.state, "approved") == 0;
    if (!approved) {
        if (rc == MAMORI_OK)
            mamori_lawyer_row_free(&lw);
        n->ignored++;
        mamori_log_notice("line_ignored", "LINE message from %s ignored: not an approved lawyer of tenant %s", user,
                          t->id);
        return mamori_audit_append_json(st, t->id, "line_message_ignored", user,
                          json_pack("{s:s, s:s}", "user", user, "reason", "not an approved lawyer"), now, err);
    }
    recipients[0] = jstr(src, "groupId") ? jstr(src, "groupId") : jstr(src, "roomId") ? jstr(src, "roomId") : user;
    recipients[1] = recipients[0] == user ? NULL : user;
    /* A reply naming a ticket is about that ticket; else a quoted digest,
     * or an unquoted answer when a digest was the last message sent. */
    if (!mamori_lawyer_ticket_ref(text, ref, sizeof ref)) {
        int64_t digest_id = 0;
        rc = mamori_digest_match(st, t->id, jstr(msg, "quotedMessageId"), recipients, (long long)now - MATCH_WINDOW,
                                 &digest_id, err);
        if (rc == MAMORI_OK) {
            rc = on_digest(st, t, msg, event_id, digest_id, mamori_lawyer_command(text), user, lw.name, at, now, n,
                           err);
            mamori_lawyer_row_free(&lw);
            return rc;
        }
        if (rc != MAMORI_ENOTFOUND) {
            mamori_lawyer_row_free(&lw);
            return rc;
        }
    }
    rc = mamori_escalation_match(st, t->id, jstr(msg, "quotedMessageId"),
                                 mamori_lawyer_ticket_ref(text, ref, sizeof ref) ? ref : NULL, recipients,
                                 (long long)now - MATCH_WINDOW, &r, err);
    if (rc == MAMORI_ENOTFOUND) {
        n->ignored++;
        mamori_log_notice("line_unmatched", "LINE message %s from lawyer %s matches no escalation (no quote, no ticket "
                          "number, nothing sent to them in 30 days)", jstr(msg, "id") ? jstr(msg, "id") : "?", user);
        rc = mamori_audit_append_json(st, t->id, "line_unmatched", user,
                        json_pack("{s:s, s:s?}", "user", user, "line_message_id", jstr(msg, "id")), now, err);
        mamori_lawyer_row_free(&lw);
        return rc;
    }
    if (rc != 0) {
        mamori_lawyer_row_free(&lw);
        return rc;
    }
    cmd = mamori_lawyer_command(text);
    mamori_sha256(text, strlen(text), digest);
    mamori_hex_encode(digest, 32, digest_hex);
    /* Any answer from the lawyer shows the escalation reached them. */
    rc = mamori_escalation_ack(st, t->id, r.ticket_id, user, (long long)now, &acked, err);
    if (rc == 0 && acked > 0)
        rc = mamori_audit_append_json(st, t->id, "escalation_acknowledged", r.ticket_id,
                        json_pack("{s:I, s:s, s:s, s:s?, s:s, s:i, s:s?}", "escalation_id", (json_int_t)r.id, "level",
                                  r.level, "by", user, "name", lw.name, "via", "line", "escalations", acked,
                                  "line_message_id", jstr(msg, "id")),
                        now, err);
    if (rc == 0 && cmd == MAMORI_LAWYER_RETAIN) {
        rc = mamori_escalation_retain(st, r.id, user, (long long)now, err);
        if (rc == 0)
            rc = mamori_audit_append_json(st, t->id, "lawyer_retained", r.ticket_id,
                            json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "escalation_id", (json_int_t)r.id, "level", r.level,
                                      "by", user, "name", lw.name, "line_message_id", jstr(msg, "id")),
                            now, err);
    }
    if (rc == 0 && cmd == MAMORI_LAWYER_ADVICE)
        rc = mamori_audit_append_json(st, t->id, "lawyer_note", r.ticket_id,
                        json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s}", "escalation_id", (json_int_t)r.id, "level", r.level,
                                  "by", user, "name", lw.name, "line_message_id", jstr(msg, "id"), "text_sha256",
                                  digest_hex),
                        now, err);
    if (rc == 0)
        rc = enqueue_note(st, t, &r, event_id, mamori_lawyer_command_name(cmd), user, lw.name,
                          cmd == MAMORI_LAWYER_ADVICE ? text : NULL, at, now, err);
    if (rc == 0) {
        n->handled++;
        mamori_log_info("lawyer_message", "tenant %s ticket %s: %s from lawyer %s", t->id, r.ticket_id,
                        mamori_lawyer_command_name(cmd), user);
    }
    mamori_escalation_row_free(&r);
    mamori_lawyer_row_free(&lw);
    return rc;
}

void mamori_handle_line(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    const struct mamori_tenant *t = mamori_generation_tenant(app->gen, route->tenant);
    struct line_verify v;
    struct mamori_error err;
    struct counts n = {0, 0, 0};
    json_t *root = NULL, *events, *ev, *answer;
    time_t now = app->clock();
    size_t i;
    int rc = MAMORI_OK;

    mamori_error_clear(&err);
    if (t == NULL) {
        mamori_http_error(h, 404, "unknown_tenant", NULL, "no tenant \"%s\" is configured", route->tenant);
        return;
    }
    if (t->failure != NULL) {
        mamori_http_error(h, 503, "tenant_unavailable", "Retry-After: 60\r\n",
                          "tenant \"%s\" is not loaded (its configuration or a secret failed); nothing was recorded, "
                          "retry later", t->id);
        return;
    }
    if (t->escalation == NULL || !t->escalation->has_line || t->escalation->line_secret.len == 0) {
        mamori_http_error(h, 404, "no_line", NULL, "tenant \"%s\" has no [line] section (channel_secret_file)", t->id);
        return;
    }
    v.t = t;
    if (mamori_app_read_json(app, h, &root, 1, verify_cb, &v) != 0)
        return;
    events = json_object_get(root, "events");
    if (!json_is_array(events) || json_array_size(events) > MAX_EVENTS) {
        mamori_http_error(h, 400, "invalid_payload", NULL, "expected {\"events\": [...]} with at most %d events",
                          MAX_EVENTS);
        goto out;
    }
    if (check_fresh(t, h, events, now) != 0)
        goto out;
    if (json_array_size(events) > 0 && (rc = mamori_store_begin(app->store, &err)) == 0) {
        json_array_foreach(events, i, ev)
        {
            const char *id = jstr(ev, "webhookEventId"), *type = jstr(ev, "type"), *mode = jstr(ev, "mode");
            if (id == NULL || type == NULL || (mode != NULL && strcmp(mode, "active") != 0)) {
                n.ignored++;
                continue;
            }
            rc = mamori_line_event_put(app->store, t->id, id, (long long)now, &err);
            if (rc == MAMORI_ECONFLICT) {
                n.duplicates++;
                rc = MAMORI_OK;
                continue;
            }
            if (rc == 0 && strcmp(type, "follow") == 0)
                rc = on_follow(app->store, t, ev, now, &n, &err);
            else if (rc == 0 && strcmp(type, "unfollow") == 0 && jstr(json_object_get(ev, "source"), "userId"))
                rc = mamori_audit_append_json(app->store, t->id, "line_unfollow", jstr(json_object_get(ev, "source"), "userId"),
                                json_pack("{s:s}", "user", jstr(json_object_get(ev, "source"), "userId")), now, &err);
            else if (rc == 0 && strcmp(type, "message") == 0)
                rc = on_message(app->store, t, ev, id, now, &n, &err);
            else if (rc == 0)
                n.ignored++;
            if (rc != 0)
                break;
        }
        if (rc == 0)
            rc = mamori_store_commit(app->store, &err);
        else
            mamori_store_rollback(app->store);
    }
    if (rc != 0) {
        mamori_log_err("commit_failed", "LINE webhook not recorded: %s", err.message);
        mamori_http_error(h, 503, "store_unavailable", "Retry-After: 5\r\n", "nothing was recorded; retry later");
        goto out;
    }
    answer = json_pack("{s:s, s:i, s:i, s:i}", "status", "ok", "handled", n.handled, "duplicates", n.duplicates,
                       "ignored", n.ignored);
    mamori_http_respond_json(h, 200, answer, NULL);
    json_decref(answer);
out:
    json_decref(root);
}
