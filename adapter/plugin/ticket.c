/* ticket.c -- see ticket.h. */
#include "config.h"

#include "plugin/ticket.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "base/utf8.h"

#define MAX_ID_LEN 256
#define MAX_TAGS 256

void mamori_ticket_init(struct mamori_ticket *t)
{
    memset(t, 0, sizeof *t);
}

void mamori_ticket_free(struct mamori_ticket *t)
{
    free(t->event_id);
    free(t->ticket_id);
    free(t->ticket_url);
    free(t->requester_id);
    free(t->requester_name);
    free(t->requester_email);
    free(t->subject);
    free(t->body);
    free(t->channel);
    free(t->channel_raw);
    mamori_strv_free(&t->tags);
    free(t->created_at);
    free(t->language);
    free(t->ignore_reason);
    free(t->agent_note);
    free(t->agent_id);
    json_decref(t->connector_data);
    memset(t, 0, sizeof *t);
}

const char *mamori_channel_normalize(const char *raw)
{
    static const char *known[] = {"email", "web", "chat", "phone", "phone_note", "sns", "api", "other", NULL};
    static const struct { const char *from, *to; } aliases[] = {
        {"mail", "email"},       {"web_form", "web"},  {"webform", "web"},   {"form", "web"},
        {"portal", "web"},       {"messaging", "chat"}, {"native_messaging", "chat"},
        {"line", "chat"},        {"voice", "phone"},   {"call", "phone"},    {"phone_call", "phone"},
        {"note", "phone_note"},  {"twitter", "sns"},   {"facebook", "sns"},  {"x", "sns"},
        {"social", "sns"},       {"mobile", "api"},    {"mobile_sdk", "api"}, {"rest", "api"},
    };

    if (raw == NULL || raw[0] == '\0')
        return "other";
    for (size_t i = 0; known[i] != NULL; i++)
        if (strcasecmp(raw, known[i]) == 0)
            return known[i];
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(raw, aliases[i].from) == 0)
            return aliases[i].to;
    return "other";
}

int mamori_ticket_set_channel(struct mamori_ticket *t, const char *raw, const char *normalized)
{
    int rc;

    if ((rc = mamori_ticket_set(&t->channel_raw, raw)) != 0)
        return rc;
    return mamori_ticket_set(&t->channel, normalized != NULL ? normalized : mamori_channel_normalize(raw));
}

int mamori_ticket_set(char **dst, const char *value)
{
    char *copy = NULL;

    if (value != NULL && (copy = mamori_strdup(value)) == NULL)
        return MAMORI_ENOMEM;
    free(*dst);
    *dst = copy;
    return MAMORI_OK;
}

int mamori_ticket_take_id(char **dst, json_t *value, const char *what, struct mamori_error *err)
{
    char num[32];
    const char *s;
    size_t len;

    if (value == NULL || json_is_null(value))
        return MAMORI_OK;
    if (json_is_string(value)) {
        s = json_string_value(value);
        len = json_string_length(value);
    } else if (json_is_integer(value)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        s = num;
        len = strlen(num);
    } else {
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" must be a string or an integer", what);
    }
    if (len == 0 || len > MAX_ID_LEN || memchr(s, '\0', len) != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" must be 1 to %d bytes", what, MAX_ID_LEN);
    free(*dst);
    *dst = mamori_strndup(s, len);
    return *dst ? MAMORI_OK : MAMORI_ENOMEM;
}

/* Copy an optional string member. */
static int take_string(char **dst, size_t *dst_len, json_t *obj, const char *key, struct mamori_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return MAMORI_OK;
    if (!json_is_string(v))
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" must be a string", key);
    if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"%s\" contains a NUL character", key);
    free(*dst);
    *dst = mamori_strndup(json_string_value(v), json_string_length(v));
    if (*dst == NULL)
        return MAMORI_ENOMEM;
    if (dst_len != NULL)
        *dst_len = json_string_length(v);
    return MAMORI_OK;
}

int mamori_ticket_from_json(struct mamori_ticket *t, json_t *root, int require_event_id,
                            struct mamori_error *err)
{
    json_t *req, *tags;
    char *channel = NULL;
    int rc;

    if (!json_is_object(root))
        return mamori_error_set(err, MAMORI_EINVAL, "the body must be a JSON object");

    if ((rc = mamori_ticket_take_id(&t->event_id, json_object_get(root, "event_id"), "event_id", err)) != 0)
        return rc;
    if (require_event_id && t->event_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"event_id\" is required (the delivery's unique id, for dedupe)");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(root, "ticket_id"), "ticket_id", err)) != 0)
        return rc;
    if (t->ticket_id == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "\"ticket_id\" is required");
    if ((rc = take_string(&t->ticket_url, NULL, root, "ticket_url", err)) != 0 ||
        (rc = take_string(&t->subject, &t->subject_len, root, "subject", err)) != 0 ||
        (rc = take_string(&t->body, &t->body_len, root, "body", err)) != 0 ||
        (rc = take_string(&channel, NULL, root, "channel", err)) != 0 ||
        (rc = take_string(&t->created_at, NULL, root, "created_at", err)) != 0 ||
        (rc = take_string(&t->language, NULL, root, "language", err)) != 0) {
        free(channel);
        return rc;
    }
    rc = mamori_ticket_set_channel(t, channel, NULL);
    free(channel);
    if (rc != 0)
        return rc;
    if ((t->subject == NULL || t->subject_len == 0) && (t->body == NULL || t->body_len == 0))
        return mamori_error_set(err, MAMORI_EINVAL, "\"subject\" and \"body\" are both empty: nothing to annotate");

    req = json_object_get(root, "requester");
    if (req != NULL && !json_is_null(req)) {
        if (!json_is_object(req))
            return mamori_error_set(err, MAMORI_EINVAL, "\"requester\" must be an object");
        if ((rc = mamori_ticket_take_id(&t->requester_id, json_object_get(req, "id"), "requester.id", err)) != 0)
            return rc;
        if ((rc = take_string(&t->requester_name, NULL, req, "name", err)) != 0 ||
            (rc = take_string(&t->requester_email, NULL, req, "email", err)) != 0)
            return mamori_error_prefix(err, "requester");
    }

    tags = json_object_get(root, "tags");
    if (tags != NULL && !json_is_null(tags)) {
        size_t i;
        json_t *tag;
        if (!json_is_array(tags))
            return mamori_error_set(err, MAMORI_EINVAL, "\"tags\" must be an array of strings");
        if (json_array_size(tags) > MAX_TAGS)
            return mamori_error_set(err, MAMORI_EINVAL, "\"tags\" has more than %d entries", MAX_TAGS);
        json_array_foreach(tags, i, tag) {
            if (!json_is_string(tag))
                return mamori_error_set(err, MAMORI_EINVAL, "\"tags[%zu]\" must be a string", i);
            if (mamori_strv_push(&t->tags, json_string_value(tag), json_string_length(tag)) != 0)
                return MAMORI_ENOMEM;
        }
    }
    /* "internal": true -- the body is an agent's internal note: never
     * annotated, read only for `mamori:` command lines. */
    if (json_is_true(json_object_get(root, "internal"))) {
        if ((rc = mamori_ticket_set(&t->ignore_reason, "internal note")) != 0 ||
            (t->body != NULL && (rc = mamori_ticket_set(&t->agent_note, t->body)) != 0))
            return rc;
    }
    return MAMORI_OK;
}

static int set_opt(json_t *obj, const char *key, const char *value)
{
    if (value == NULL)
        return 0;
    return json_object_set_new(obj, key, json_string(value));
}

json_t *mamori_ticket_to_json(const struct mamori_ticket *t, int include_requester)
{
    json_t *root = json_object(), *tags = json_array(), *req = json_object();
    int bad = root == NULL || tags == NULL || req == NULL;

    if (!bad) {
        bad |= set_opt(root, "event_id", t->event_id);
        bad |= set_opt(root, "ticket_id", t->ticket_id);
        bad |= set_opt(root, "ticket_url", t->ticket_url);
        if (include_requester)
            bad |= set_opt(req, "id", t->requester_id);
        bad |= set_opt(req, "name", t->requester_name);
        bad |= set_opt(req, "email", t->requester_email);
        if (t->subject)
            bad |= json_object_set_new(root, "subject", json_stringn(t->subject, t->subject_len));
        if (t->body)
            bad |= json_object_set_new(root, "body", json_stringn(t->body, t->body_len));
        bad |= set_opt(root, "channel", t->channel);
        for (size_t i = 0; i < t->tags.count && !bad; i++)
            bad |= json_array_append_new(tags, json_string(t->tags.items[i]));
        bad |= set_opt(root, "created_at", t->created_at);
        bad |= set_opt(root, "language", t->language);
        if (json_object_size(req) > 0) {
            bad |= json_object_set(root, "requester", req);
        }
        bad |= json_object_set(root, "tags", tags);
    }
    json_decref(req);
    json_decref(tags);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}
