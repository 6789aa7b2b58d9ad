/* host_api.c -- see host_api.h. */
#include "config.h"

#include "plugin/host_api.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/trusted_file.h"
#include "base/utf8.h"

/* The plugin being opened or closed, for log lines without a request. */
static const char *context_plugin;

void mamori_host_set_context(const char *plugin_name)
{
    context_plugin = plugin_name;
}

static void host_log(mamori_request *req, int level, const char *fmt, ...)
{
    char prefix[96];
    const char *name = req && req->plugin_name ? req->plugin_name : context_plugin;
    va_list ap;

    snprintf(prefix, sizeof prefix, "plugin %s: ", name ? name : "?");
    va_start(ap, fmt);
    mamori_logv(level, "plugin_log", prefix, fmt, ap);
    va_end(ap);
}

static int host_ticket_field(mamori_request *req, const char *name, const char **value, size_t *len)
{
    const struct mamori_ticket *t = req->ticket;
    const char *v = NULL;
    size_t n = 0;

    if (strcmp(name, MAMORI_FIELD_SUBJECT) == 0) {
        v = t->subject;
        n = t->subject_len;
    } else if (strcmp(name, MAMORI_FIELD_BODY) == 0) {
        v = t->body;
        n = t->body_len;
    } else {
        if (strcmp(name, MAMORI_FIELD_CHANNEL) == 0)
            v = t->channel;
        else if (strcmp(name, MAMORI_FIELD_LANGUAGE) == 0)
            v = t->language;
        else if (strcmp(name, MAMORI_FIELD_TICKET_ID) == 0)
            v = t->ticket_id;
        else if (strcmp(name, MAMORI_FIELD_TICKET_URL) == 0)
            v = t->ticket_url;
        else if (strcmp(name, MAMORI_FIELD_REQUESTER_NAME) == 0)
            v = t->requester_name;
        else if (strcmp(name, MAMORI_FIELD_COMPANY) == 0)
            v = req->company;
        else if (strcmp(name, MAMORI_FIELD_CREATED_AT) == 0)
            v = t->created_at;
        else
            return MAMORI_PLUGIN_ENOTFOUND;
        n = v ? strlen(v) : 0;
    }
    *value = v ? v : "";
    *len = v ? n : 0;
    return MAMORI_PLUGIN_OK;
}

static size_t host_ticket_tag_count(mamori_request *req)
{
    return req->ticket->tags.count;
}

static const char *host_ticket_tag(mamori_request *req, size_t i)
{
    return i < req->ticket->tags.count ? req->ticket->tags.items[i] : NULL;
}

static int host_history_count(mamori_request *req, const char *counter, uint32_t days, int64_t *out)
{
    const struct mamori_history *h = req->history;
    int64_t n;
    int rc;

    *out = 0;
    if (strcmp(counter, MAMORI_COUNTER_CONTACTS) != 0)
        return MAMORI_PLUGIN_ENOTFOUND;
    if (h == NULL) {
        *out = 1;
        return MAMORI_PLUGIN_OK;
    }
    if (h->fixed_contacts >= 0) {
        *out = h->fixed_contacts;
        return MAMORI_PLUGIN_OK;
    }
    /* Without a requester or a lookup there is only this contact. */
    if (h->count_contacts == NULL || req->ticket->requester_id == NULL || req->tenant_id == NULL) {
        *out = 1;
        return MAMORI_PLUGIN_OK;
    }
    rc = h->count_contacts(h->ctx, req->tenant_id, req->ticket->requester_id, req->now - (time_t)days * 86400, &n);
    if (rc == MAMORI_ENOMEM)
        return MAMORI_PLUGIN_ENOMEM;
    if (rc != 0)
        return MAMORI_PLUGIN_EIO;
    *out = n + 1; /* this contact is committed after the chain runs */
    return MAMORI_PLUGIN_OK;
}

static int host_fail(mamori_request *req, int rc)
{
    if (rc == MAMORI_ENOMEM) {
        req->host_failed = 1;
        return MAMORI_PLUGIN_ENOMEM;
    }
    return rc == 0 ? MAMORI_PLUGIN_OK : MAMORI_PLUGIN_EINVAL;
}

static int valid_text(const char *s)
{
    return s != NULL && mamori_utf8_valid(s, strlen(s), NULL);
}

static int valid_category_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
            return 0;
    return 1;
}

static int host_add_category(mamori_request *req, const struct mamori_category *c)
{
    if (c == NULL || c->struct_size < offsetof(struct mamori_category, reserved) || !valid_category_id(c->id) ||
        (c->label && !valid_text(c->label)) || c->severity < MAMORI_SEVERITY_NONE ||
        c->severity > MAMORI_SEVERITY_CRITICAL || !isfinite(c->score))
        return MAMORI_PLUGIN_EINVAL;
    return host_fail(req, mamori_annotation_add_category(req->annotation, c->id, c->label, c->score, c->severity,
                                                         (c->flags & MAMORI_CATEGORY_HARASSMENT) != 0, NULL));
}

static int host_add_evidence(mamori_request *req, const struct mamori_evidence *e)
{
    struct mamori_category_item *c;
    const char *text;
    size_t len;

    if (e == NULL || e->struct_size < offsetof(struct mamori_evidence, reserved) || e->category_id == NULL ||
        e->field == NULL || !isfinite(e->weight))
        return MAMORI_PLUGIN_EINVAL;
    c = mamori_annotation_find_category(req->annotation, e->category_id);
    if (c == NULL)
        return MAMORI_PLUGIN_ENOTFOUND;
    if (strcmp(e->field, MAMORI_FIELD_SUBJECT) != 0 && strcmp(e->field, MAMORI_FIELD_BODY) != 0)
        return MAMORI_PLUGIN_EINVAL;
    host_ticket_field(req, e->field, &text, &len);
    if (e->begin >= e->end || e->end > len)
        return MAMORI_PLUGIN_EINVAL;
    /* Offsets must fall on character boundaries so the quote is valid text. */
    if (((unsigned char)text[e->begin] & 0xC0) == 0x80 || (e->end < len && ((unsigned char)text[e->end] & 0xC0) == 0x80))
        return MAMORI_PLUGIN_EINVAL;
    if (e->rule_id != NULL && !valid_text(e->rule_id))
        return MAMORI_PLUGIN_EINVAL;
    return host_fail(req, mamori_annotation_add_evidence(c, e->field, e->begin, e->end, text + e->begin,
                                                         e->end - e->begin, e->rule_id, e->weight));
}

static int host_add_step(mamori_request *req, const char *step)
{
    if (!valid_text(step) || step[0] == '\0')
        return MAMORI_PLUGIN_EINVAL;
    return host_fail(req, mamori_strv_push_unique(&req->annotation->steps, step));
}

static int host_set_reply_draft(mamori_request *req, const char *draft)
{
    char *copy;

    if (!valid_text(draft))
        return MAMORI_PLUGIN_EINVAL;
    copy = mamori_strdup(draft);
    if (copy == NULL)
        return host_fail(req, MAMORI_ENOMEM);
    free(req->annotation->reply_draft);
    req->annotation->reply_draft = copy;
    return MAMORI_PLUGIN_OK;
}

static int host_add_training_link(mamori_request *req, const char *title, const char *url)
{
    if (!valid_text(url) || (title && !valid_text(title)) ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return MAMORI_PLUGIN_EINVAL;
    return host_fail(req, mamori_annotation_add_link(req->annotation, title, url));
}

static int host_set_flame_risk(mamori_request *req, int level, const char *advice)
{
    if (level < MAMORI_FLAME_NONE || level > MAMORI_FLAME_HIGH || (advice && !valid_text(advice)))
        return MAMORI_PLUGIN_EINVAL;
    if (level > req->annotation->flame_level)
        req->annotation->flame_level = level;
    if (advice != NULL && advice[0] != '\0')
        return host_fail(req, mamori_strv_push_unique(&req->annotation->flame_advice, advice));
    return MAMORI_PLUGIN_OK;
}

static int host_raise_escalation(mamori_request *req, const struct mamori_escalation *e)
{
    int rc = 0;

    if (e == NULL || e->struct_size < offsetof(struct mamori_escalation, reserved) ||
        e->level < MAMORI_ESCALATE_NONE || e->level > MAMORI_ESCALATE_POLICE || (e->reason && !valid_text(e->reason)) ||
        (e->legal_basis && !valid_text(e->legal_basis)))
        return MAMORI_PLUGIN_EINVAL;
    mamori_annotation_raise_escalation(req->annotation, e->level);
    if (e->reason != NULL && e->reason[0] != '\0')
        rc = mamori_strv_push_unique(&req->annotation->escalation_reasons, e->reason);
    if (rc == 0 && e->legal_basis != NULL && e->legal_basis[0] != '\0')
        rc = mamori_strv_push_unique(&req->annotation->legal_basis, e->legal_basis);
    return host_fail(req, rc);
}

static int host_add_tag(mamori_request *req, const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;

    if (n == 0 || n > 64)
        return MAMORI_PLUGIN_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = tag[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-'))
            return MAMORI_PLUGIN_EINVAL;
    }
    return host_fail(req, mamori_strv_push_unique(&req->annotation->tags, tag));
}

static int host_add_source(mamori_request *req, const char *kind, const char *id, const char *version)
{
    if (!valid_text(kind) || !valid_text(id) || (version && !valid_text(version)))
        return MAMORI_PLUGIN_EINVAL;
    return host_fail(req, mamori_annotation_add_source(req->annotation, kind, id, version));
}

/* The plugin's own configuration files follow the host's rules for its
 * own (base/trusted_file.h). */
static int host_open_config_file(const char *path, const char *what, struct mamori_plugin_error *perr)
{
    struct mamori_error err;
    int fd;

    if (path == NULL || what == NULL)
        return MAMORI_PLUGIN_EINVAL;
    fd = mamori_trusted_open(path, what, &err);
    if (fd >= 0)
        return fd;
    if (perr != NULL) {
        perr->code = fd == MAMORI_EIO ? MAMORI_PLUGIN_EIO : MAMORI_PLUGIN_EINVAL;
        snprintf(perr->message, sizeof perr->message, "%s", err.message);
    }
    return fd == MAMORI_EIO ? MAMORI_PLUGIN_EIO : MAMORI_PLUGIN_EINVAL;
}

const struct mamori_host mamori_host_table = {
    .struct_size = sizeof(struct mamori_host),
    .abi_major = MAMORI_PLUGIN_ABI_MAJOR,
    .abi_minor = MAMORI_PLUGIN_ABI_MINOR,
    .log = host_log,
    .ticket_field = host_ticket_field,
    .ticket_tag_count = host_ticket_tag_count,
    .ticket_tag = host_ticket_tag,
    .history_count = host_history_count,
    .add_category = host_add_category,
    .add_evidence = host_add_evidence,
    .add_first_response_step = host_add_step,
    .set_reply_draft = host_set_reply_draft,
    .add_training_link = host_add_training_link,
    .set_flame_risk = host_set_flame_risk,
    .raise_escalation = host_raise_escalation,
    .add_tag = host_add_tag,
    .add_source = host_add_source,
    .open_config_file = host_open_config_file,
};
