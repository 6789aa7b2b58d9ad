/*
 * smtp.c -- mail over SMTP with libcurl (multi interface, like
 * every other request of the deliverer).
 *
 *   url = smtp://HOST:587   STARTTLS is required (starttls = no only to a
 *                           loopback server with [deliver] allow_http)
 *   url = smtps://HOST:465  TLS from the first byte
 *   username + password_file: SMTP AUTH (only ever over TLS unless the
 *                           loopback exception above applies)
 *
 * One mail per escalation and channel, to every address in to =. The body
 * is text/plain UTF-8 in base64 (safe for any line length); the subject is
 * an RFC 2047 encoded word. Message-ID is stable across attempts; every
 * mail about one ticket References the same thread id, so mail clients
 * keep an escalation and its backup notice together. A connection lost
 * after the server accepted DATA can still mean a second copy on retry
 * (SMTP has no idempotency key); the stable Message-ID lets clients fold it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/signature.h"
#include "escalation/channel.h"
#include "escalation/message.h"

static int smtp_render(const struct mamori_escalation_config *c, const struct mamori_channel *ch,
                       const char *recipient, const json_t *model, int purpose, json_t **request)
{
    struct mamori_buf text = MAMORI_BUF_INIT, subject = MAMORI_BUF_INIT, thread = MAMORI_BUF_INIT;
    json_t *to = json_array();
    unsigned char d[32];
    char hex[65];
    int rc;

    (void)recipient;
    *request = NULL;
    rc = mamori_escalation_text(model, purpose, MAMORI_ESC_STYLE_TEXT, 0, c, &text);
    if (rc == 0)
        rc = mamori_escalation_title(model, purpose, &subject);
    mamori_buf_printf(&thread, "%s\n%s", json_string_value(json_object_get(model, "tenant")),
                      json_string_value(json_object_get(model, "ticket_id")));
    if (rc == 0 && (to == NULL || thread.failed || mamori_sha256(thread.data, thread.len, d) != 0))
        rc = MAMORI_ENOMEM;
    for (size_t i = 0; rc == 0 && i < ch->to.count; i++)
        if (json_array_append_new(to, json_string(ch->to.items[i])) != 0)
            rc = MAMORI_ENOMEM;
    if (rc == 0) {
        mamori_hex_encode(d, 12, hex);
        *request = json_pack("{s:s, s:O, s:s, s:s, s:s}", "from", ch->from, "to", to, "subject", mamori_buf_str(&subject),
                             "text", mamori_buf_str(&text), "thread", hex);
        rc = *request ? MAMORI_OK : MAMORI_ENOMEM;
    }
    json_decref(to);
    mamori_buf_free(&text);
    mamori_buf_free(&subject);
    mamori_buf_free(&thread);
    return rc;
}

/* RFC 2047 encoded words of at most 45 source bytes each (60 base64
 * characters), cut on UTF-8 character boundaries. */
static void encode_subject(struct mamori_buf *out, const char *s)
{
    size_t n = strlen(s), i = 0;
    int first = 1;

    while (i < n) {
        size_t k = n - i > 45 ? 45 : n - i;
        char enc[64];
        while (k < n - i && k > 0 && ((unsigned char)s[i + k] & 0xC0) == 0x80)
            k--;
        mamori_base64_encode((const unsigned char *)s + i, k, enc);
        mamori_buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", enc);
        first = 0;
        i += k;
    }
}

static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "mamori.invalid";
}

static size_t on_read(char *buf, size_t size, size_t n, void *user)
{
    struct mamori_channel_send *s = user;
    size_t room = size * n, left = s->body_len - s->read_pos;

    if (left > room)
        left = room;
    memcpy(buf, s->body + s->read_pos, left);
    s->read_pos += left;
    return left;
}

static int smtp_prepare(const struct mamori_channel_job *job, struct mamori_channel_send *send,
                        struct mamori_error *err)
{
    const struct mamori_channel *ch = job->channel;
    const json_t *req = json_object_get(job->payload, "request"), *to = json_object_get(req, "to"), *v;
    const char *from = json_string_value(json_object_get(req, "from"));
    const char *text = json_string_value(json_object_get(req, "text"));
    const char *subject = json_string_value(json_object_get(req, "subject"));
    const char *thread = json_string_value(json_object_get(req, "thread"));
    struct mamori_buf m = MAMORI_BUF_INIT;
    time_t now = (time_t)job->now;
    struct tm tm;
    char date[64], *b64;
    size_t i, tl;

    if (from == NULL || text == NULL || subject == NULL || json_array_size(to) == 0)
        return mamori_error_set(err, MAMORI_EINVAL, "the mail job lacks from, to, subject or text");
    if (ch->url == NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[channel %s] has no url", ch->name);
    send->is_smtp = 1;
    send->require_tls = strncmp(ch->url, "smtp://", 7) == 0 ? ch->starttls : 1;
    if ((send->url = mamori_strdup(ch->url)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    json_array_foreach(to, i, v)
    {
        struct mamori_buf r = MAMORI_BUF_INIT;
        struct curl_slist *l;
        const char *addr = json_string_value(v);
        if (addr == NULL || strpbrk(addr, "<>\r\n") != NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "a recipient address is malformed");
        mamori_buf_printf(&r, "<%s>", addr);
        l = r.failed ? NULL : curl_slist_append(send->rcpt, r.data);
        mamori_buf_free(&r);
        if (l == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        send->rcpt = l;
    }
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    mamori_buf_printf(&m, "Date: %s\r\nFrom: %s\r\nTo: ", date, from);
    json_array_foreach(to, i, v) mamori_buf_printf(&m, "%s%s", i ? ", " : "", json_string_value(v));
    mamori_buf_puts(&m, "\r\nSubject: ");
    encode_subject(&m, subject);
    mamori_buf_printf(&m, "\r\nMessage-ID: <mamori.%.24s@%s>\r\n", job->key_hex, domain_of(from));
    if (thread != NULL)
        mamori_buf_printf(&m, "References: <mamori.ticket.%s@%s>\r\nIn-Reply-To: <mamori.ticket.%s@%s>\r\n", thread,
                          domain_of(from), thread, domain_of(from));
    mamori_buf_puts(&m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n");
    tl = strlen(text);
    if ((b64 = malloc(4 * (tl / 3 + 1) + 1)) == NULL) {
        mamori_buf_free(&m);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    mamori_base64_encode((const unsigned char *)text, tl, b64);
    for (size_t k = 0, bl = strlen(b64); k < bl; k += 76)
        mamori_buf_printf(&m, "%.*s\r\n", (int)(bl - k > 76 ? 76 : bl - k), b64 + k);
    free(b64);
    if (m.failed)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    send->body_len = m.len;
    send->body = mamori_buf_steal(&m);
    send->read_pos = 0;
    {
        struct mamori_buf mf = MAMORI_BUF_INIT;
        mamori_buf_printf(&mf, "<%s>", from);
        if (mf.failed)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        curl_easy_setopt(send->easy, CURLOPT_MAIL_FROM, mf.data); /* curl copies it */
        mamori_buf_free(&mf);
    }
    curl_easy_setopt(send->easy, CURLOPT_MAIL_RCPT, send->rcpt);
    curl_easy_setopt(send->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(send->easy, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(send->easy, CURLOPT_READDATA, send);
    curl_easy_setopt(send->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)send->body_len);
    curl_easy_setopt(send->easy, CURLOPT_USE_SSL, send->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (ch->username != NULL) {
        char *pw = mamori_strndup((const char *)ch->password.data, ch->password.len);
        if (pw == NULL)
            return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        curl_easy_setopt(send->easy, CURLOPT_USERNAME, ch->username);
        curl_easy_setopt(send->easy, CURLOPT_PASSWORD, pw); /* curl keeps its own copy */
        explicit_bzero(pw, strlen(pw));
        free(pw);
    }
    send->what = "mail";
    return MAMORI_OK;
}

static int smtp_result(const struct mamori_channel_job *job, long status, const char *body, size_t len, json_t *facts)
{
    (void)job, (void)status, (void)body, (void)len, (void)facts;
    return MAMORI_OK;
}

const struct mamori_channel_type mamori_channel_smtp = {
    .kind = MAMORI_CHANNEL_SMTP,
    .display = "mail",
    .render = smtp_render,
    .prepare = smtp_prepare,
    .result = smtp_result,
    .conflict_is_success = 0,
};
