/*
 * connector/znuny.c -- Znuny / OTRS GenericInterface: a web service whose
 * HTTP::REST requester runs the Ticket::Generic invoker on ArticleCreate
 * (or TicketCreate) posts {"Ticket": <TicketDeepGet>, "Event": {...}}.
 *
 * The requester does not sign: its BasicAuth user:password (or an
 * X-Mamori-Token header set in the transport) must equal the tenant's
 * webhook secret.
 *
 * Write-back happens in the HTTP answer (the `respond` hook): the invoker's
 * HandleResponse reads
 *   OTRS_TicketArticleAdd          {Subject, Body, ...}: an internal article,
 *                                  not visible to the customer
 *   OTRS_TicketDynamicFieldSet_<F> the severity ("none" when legitimate)
 * so no credentials and no outbox job are needed; the answer is stored
 * with the event, so a redelivery gets the same note and Znuny writes it
 * once per delivery it accepts. The invoker must be synchronous enough to
 * wait for the answer.
 *
 * [helpdesk] keys: dynamic_field (default HarassmentFlag), utc_offset
 * (Znuny sends server-local times without a zone; default +00:00 --
 * UNCONFIRMED which zone a given install uses, so it is a setting),
 * article_sender_type / article_channel (defaults agent / Internal, the
 * invoker's own defaults).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "connector/common.h"
#include "note/job.h"
#include "note/note.h"

static int znuny_verify(const struct mamori_webhook *in, struct mamori_error *err)
{
    return mamori_cx_shared_secret_verify(in, 0, err);
}

static int znuny_parse(const struct mamori_webhook *in, json_t *root, struct mamori_ticket *t, struct mamori_error *err)
{
    json_t *ticket = json_object_get(root, "Ticket"), *article;
    const char *sender, *visible, *body, *off_s = mamori_cx_option(in->tenant, "utc_offset"), *mime;
    char *aid = NULL;
    long off = 0;
    int rc;

    if (!json_is_object(ticket))
        return mamori_error_set(err, MAMORI_EINVAL, "not a Znuny Ticket::Generic request (expected a Ticket object)");
    if (off_s != NULL && mamori_cx_parse_offset(off_s, &off) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "[helpdesk] utc_offset \"%s\" is not like +09:00", off_s);
    article = json_object_get(ticket, "Article");
    if ((rc = mamori_ticket_take_id(&t->ticket_id, json_object_get(ticket, "TicketID"), "Ticket.TicketID", err)) != 0 ||
        (rc = mamori_ticket_take_id(&aid, mamori_cx_get(root, "Event.ArticleID"), "Event.ArticleID", err)) != 0)
        return rc;
    if (aid == NULL && (rc = mamori_ticket_take_id(&aid, json_object_get(article, "ArticleID"), "ArticleID", err)) != 0)
        return rc;
    if (t->ticket_id == NULL) {
        free(aid);
        return mamori_error_set(err, MAMORI_EINVAL, "\"Ticket.TicketID\" is missing");
    }
    t->event_id = aid ? mamori_cx_printf("article:%s", aid) : mamori_cx_printf("ticket:%s:%s", t->ticket_id,
                                                                                mamori_cx_str(ticket, "Changed") ?
                                                                                    mamori_cx_str(ticket, "Changed") : "");
    free(aid);
    if (t->event_id == NULL)
        return MAMORI_ENOMEM;
    if ((rc = mamori_cx_take_str(&t->subject, ticket, "Title")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_id, ticket, "CustomerUserID")) != 0 ||
        (rc = mamori_cx_take_str(&t->requester_email, ticket, "CustomerUser.UserEmail")) != 0 ||
        (rc = mamori_cx_set_time(&t->created_at, mamori_cx_str(article, "CreateTime") ? mamori_cx_str(article, "CreateTime")
                                                                                    : mamori_cx_str(ticket, "Created"),
                                 off, "CreateTime", err)) != 0)
        return rc;
    t->subject_len = t->subject ? strlen(t->subject) : 0;
    if (mamori_cx_str(ticket, "CustomerUser.UserLastname") &&
        (t->requester_name = mamori_cx_printf("%s %s", mamori_cx_str(ticket, "CustomerUser.UserLastname"),
                                              mamori_cx_str(ticket, "CustomerUser.UserFirstname") ?
                                                  mamori_cx_str(ticket, "CustomerUser.UserFirstname") : "")) == NULL)
        return MAMORI_ENOMEM;
    if (in->tenant->helpdesk_url &&
        (t->ticket_url = mamori_cx_printf("%s/index.pl?Action=AgentTicketZoom;TicketID=%s", in->tenant->helpdesk_url,
                                          t->ticket_id)) == NULL)
        return MAMORI_ENOMEM;
    if (!json_is_object(article))
        return mamori_cx_ignore(t, "no Article in the request (omitted fields?): nothing to read");
    if ((rc = mamori_ticket_set_channel(t, mamori_cx_str(article, "CommunicationChannel"), NULL)) != 0)
        return rc;
    sender = mamori_cx_str(article, "SenderType");
    visible = mamori_cx_str(article, "IsVisibleForCustomer");
    body = mamori_cx_str(article, "Body");
    mime = mamori_cx_str(article, "MimeType");
    if (sender != NULL && strcasecmp(sender, "customer") != 0)
        return mamori_cx_ignore(t, "article not written by the customer");
    if ((visible != NULL && strcmp(visible, "0") == 0) || json_is_false(json_object_get(article, "IsVisibleForCustomer")) ||
        (json_is_integer(json_object_get(article, "IsVisibleForCustomer")) &&
         json_integer_value(json_object_get(article, "IsVisibleForCustomer")) == 0))
        return mamori_cx_ignore(t, "internal article (not visible for the customer)");
    if ((rc = mamori_cx_set_body(t, body, body ? strlen(body) : 0, mime && strstr(mime, "html"))) != 0)
        return rc;
    if (mamori_cx_is_own_note(t->body))
        return mamori_cx_ignore(t, "mamori's own note");
    return MAMORI_OK;
}

static int znuny_respond(const struct mamori_tenant *tenant, const struct mamori_ticket *ticket,
                         const struct mamori_annotation *a, json_t *response, struct mamori_error *err)
{
    const char *field = mamori_cx_option(tenant, "dynamic_field");
    const char *sender = mamori_cx_option(tenant, "article_sender_type"), *channel = mamori_cx_option(tenant, "article_channel");
    struct mamori_buf note = MAMORI_BUF_INIT, key = MAMORI_BUF_INIT;
    struct mamori_note_context ctx;
    char ref[MAMORI_NOTE_REF_SIZE];
    json_t *article;
    int harassment = mamori_annotation_is_harassment(a);

    mamori_note_job_key(&key, tenant->id, tenant->connector->name, ticket->event_id);
    mamori_buf_printf(&note, "OTRS_TicketDynamicFieldSet_%s", field ? field : "HarassmentFlag");
    if (key.failed || note.failed || mamori_note_ref(mamori_buf_str(&key), ref) != 0 ||
        json_object_set_new(response, mamori_buf_str(&note),
                            json_string(harassment ? mamori_severity_name(mamori_annotation_severity(a)) : "none")) != 0) {
        mamori_buf_free(&note);
        mamori_buf_free(&key);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    mamori_buf_free(&key);
    mamori_buf_reset(&note);
    if (!mamori_note_wanted(a, tenant->note_on_legitimate)) {
        mamori_buf_free(&note);
        return MAMORI_OK;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.language = tenant->language;
    ctx.subject = ticket->subject;
    ctx.body = ticket->body;
    ctx.reference = ref;
    if (mamori_note_render(a, &ctx, MAMORI_NOTE_TEXT, &note) != 0) {
        mamori_buf_free(&note);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory rendering the note");
    }
    article = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "Subject", mamori_note_subject(a, tenant->language), "Body",
                        mamori_buf_str(&note), "ContentType", "text/plain; charset=utf8", "SenderType",
                        sender ? sender : "agent", "CommunicationChannel", channel ? channel : "Internal",
                        "IsVisibleForCustomer", 0);
    mamori_buf_free(&note);
    if (article == NULL || json_object_set_new(response, "OTRS_TicketArticleAdd", article) != 0)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    return MAMORI_OK;
}

static int znuny_check_offset(const char *value, struct mamori_error *err)
{
    long off;
    return mamori_cx_parse_offset(value, &off) == 0 ? MAMORI_OK
                                                    : mamori_error_set(err, MAMORI_EINVAL, "not like +09:00 or -05:30");
}

static const struct mamori_key znuny_keys[] = {
    MAMORI_CX_COMMON_KEYS,
    {.name = "dynamic_field", .type = MAMORI_KEY_STRING, .def = "HarassmentFlag",
     .description = "The dynamic field the verdict is written to."},
    {.name = "utc_offset", .type = MAMORI_KEY_STRING, .def = "+00:00", .check = znuny_check_offset,
     .description = "The zone of the times Znuny sends (local times without a zone), as +HH:MM."},
    {.name = "article_sender_type", .type = MAMORI_KEY_STRING, .def = "agent",
     .description = "The sender type of the note article."},
    {.name = "article_channel", .type = MAMORI_KEY_STRING, .def = "Internal",
     .description = "The channel of the note article."},
    MAMORI_CX_KEYS_END};

const struct mamori_connector mamori_connector_znuny = {
    .name = "znuny",
    .display_name = "Znuny / OTRS",
    .keys = znuny_keys,
    .verify = znuny_verify,
    .parse = znuny_parse,
    .respond = znuny_respond,
    .writes_back = 0,
    .note_format = MAMORI_NOTE_TEXT,
    .wb_build = NULL,
    .wb_result = NULL,
};
