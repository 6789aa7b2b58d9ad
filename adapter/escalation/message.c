/* message.c -- see message.h. */
#include "config.h"

#include "escalation/message.h"

#include "note/evidence_context.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mamori/plugin.h>

#include "base/strv.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "base/utf8.h"

#define MAX_EVIDENCE_SCAN 64 /* evidence items looked at (the plugin may report many) */

static const struct mamori_esc_labels ja = {
    {"不要", "上長へ報告", "法務へ相談", "弁護士へ相談", "警察へ通報"},
    "カスハラ エスカレーション", "チケット", "レベル", "分類", "法的根拠", "顧客", "受信", "証拠（お客様の記載どおり）",
    "担当者への案内", "判断の理由",
    "【至急・警察へ通報】従業員の安全を確保し、ただちに警察（110番）へ通報してください。",
    "【未確認・至急】期限（", "分）までに弁護士の確認がありません。代わりに対応をお願いします。",
    "このメッセージを引用して返信すると、弁護士の助言としてチケットに記録されます。「確認」で受領、「受任」で受任を記録します。",
    "mamori からの自動通知（社内限定）", "、", "［伏せ字］", "なし", "チケットを開く",
};

static const struct mamori_esc_labels en = {
    {"none", "tell the supervisor", "consult the legal team", "consult the lawyer", "call the police"},
    "Customer harassment escalation", "Ticket", "Level", "Categories", "Legal basis", "Customer", "Received",
    "Evidence (as the customer wrote it)", "What the agent was advised", "Why",
    "URGENT - CALL THE POLICE (110): keep staff safe and report this to the police now.",
    "NOT ACKNOWLEDGED: no lawyer acknowledged this within ", " minutes. Please take it over now.",
    "Reply quoting this message to record your advice on the ticket. Reply \"ack\" to acknowledge, \"retained\" when "
    "you take the case.",
    "automatic notice from mamori (internal)", ", ", "[redacted]", "none", "Open the ticket",
};

static const struct mamori_esc_labels *words_for(const char *language)
{
    return (language && strcmp(language, "en") == 0) ? &en : &ja;
}

const struct mamori_esc_labels *mamori_escalation_labels(const char *language)
{
    return words_for(language);
}

const char *mamori_escalation_level_label(const char *language, const char *level)
{
    int lv = mamori_escalation_parse(level ? level : "none");
    return words_for(language)->level[lv < 0 || lv >= MAMORI_ESC_LEVELS ? 0 : lv];
}

void mamori_escalation_local_time(long long t, int utc_offset, char *out, size_t cap)
{
    time_t local = (time_t)(t + (long long)utc_offset * 60);
    int off = utc_offset < 0 ? -utc_offset : utc_offset;
    struct tm tm;
    char day[32];

    gmtime_r(&local, &tm);
    strftime(day, sizeof day, "%Y-%m-%d %H:%M", &tm);
    snprintf(out, cap, "%s (UTC%c%02d:%02d)", day, utc_offset < 0 ? '-' : '+', off / 60, off % 60);
}

/* ---- quoting ---- */

static size_t utf8_back(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static size_t utf8_next(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    i++;
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* Whether the character at i ends a sentence: its length (a line break
 * counts, as 1), or 0. The rules are the note's (evidence_context.h). */
static size_t sentence_end_len(const char *s, size_t len, size_t i)
{
    long t = mamori_sentence_end_at(s, len, i);
    return t < 0 ? 1 : (size_t)t;
}

char *mamori_escalation_quote(const char *text, size_t len, size_t begin, size_t end, long max_chars)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    size_t s = begin, e = begin;
    long chars = 0, budget;
    int cut_left = 0, cut_right = 0;

    if (text == NULL || begin > end || end > len || max_chars < 1)
        return NULL;
    /* The match itself, at most max_chars characters. */
    while (e < end && chars < max_chars) {
        e = utf8_next(text, len, e);
        chars++;
    }
    cut_right = e < end;
    budget = max_chars - chars;
    /* Context before: back to the start of its sentence, at most half of
     * what is left; the rest of the budget goes to the sentence's end. */
    for (long n = 0; s > 0 && n < budget / 2; n++) {
        size_t p = utf8_back(text, s);
        if (sentence_end_len(text, len, p))
            break;
        s = p;
        chars++;
    }
    if (s > 0 && !sentence_end_len(text, len, utf8_back(text, s)))
        cut_left = 1;
    budget = max_chars - chars;
    while (!cut_right && e < len) {
        size_t n = sentence_end_len(text, len, e);
        if (n) {
            if (text[e] != '\n' && budget > 0)
                e += n;
            break;
        }
        if (budget <= 0) {
            cut_right = 1;
            break;
        }
        e = utf8_next(text, len, e);
        budget--;
    }
    while (s < e && isspace((unsigned char)text[s]))
        s++;
    while (e > s && isspace((unsigned char)text[e - 1]))
        e--;
    if (cut_left)
        mamori_buf_puts(&b, "…");
    for (size_t i = s; i < e; i++)
        mamori_buf_putc(&b, (text[i] == '\n' || text[i] == '\r' || text[i] == '\t') ? ' ' : text[i]);
    if (cut_right)
        mamori_buf_puts(&b, "…");
    if (b.data == NULL)
        mamori_buf_puts(&b, "");
    return mamori_buf_steal(&b);
}

void mamori_escalation_truncate(struct mamori_buf *s, size_t max_chars)
{
    size_t i = 0, chars = 0;

    if (s->data == NULL)
        return;
    while (i < s->len && chars < max_chars) {
        i = utf8_next(s->data, s->len, i);
        chars++;
    }
    if (i >= s->len)
        return;
    /* Room for the ellipsis (one character). */
    i = utf8_back(s->data, i);
    s->len = i;
    s->data[i] = '\0';
    mamori_buf_puts(s, "…");
}

/* ---- redaction ---- */

static int is_email_local(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int is_email_domain(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-';
}

/* Length of a digit at s (ASCII or full-width ０-９), 0 if none. */
static size_t digit_len(const char *s, size_t n)
{
    if (n >= 1 && s[0] >= '0' && s[0] <= '9')
        return 1;
    if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBC && (unsigned char)s[2] >= 0x90 &&
        (unsigned char)s[2] <= 0x99)
        return 3;
    return 0;
}

/* Length of a phone separator at s: - ( ) + space, full-width －, ー, （ ）. */
static size_t phone_sep_len(const char *s, size_t n)
{
    static const char *const seps[] = {"\xEF\xBC\x8D", "\xE3\x83\xBC", "\xEF\xBC\x88", "\xEF\xBC\x89", "\xE2\x80\x90", NULL};
    if (n >= 1 && (s[0] == '-' || s[0] == '(' || s[0] == ')' || s[0] == '+' || s[0] == ' '))
        return 1;
    for (size_t k = 0; seps[k]; k++)
        if (n >= 3 && memcmp(s, seps[k], 3) == 0)
            return 3;
    return 0;
}

/* If a phone number starts at s: its length (10 or more digits with
 * separators, e.g. 090-1234-5678, 03 1234 5678), else 0. */
static size_t phone_at(const char *s, size_t n)
{
    size_t i = 0, digits = 0, last_digit_end = 0, k;

    /* Japanese numbers start with 0, international ones with +; dates and
     * order numbers do not. */
    if (!(n >= 1 && (s[0] == '0' || s[0] == '+')) && !(n >= 3 && memcmp(s, "\xEF\xBC\x90", 3) == 0))
        return 0;
    while (i < n) {
        if ((k = digit_len(s + i, n - i)) != 0) {
            digits++;
            i += k;
            last_digit_end = i;
        } else if ((k = phone_sep_len(s + i, n - i)) != 0 && digits > 0) {
            i += k;
        } else {
            break;
        }
    }
    return (digits >= 10 && digits <= 15) ? last_digit_end : 0;
}

static int starts_with_ci(const char *s, size_t n, const char *w, size_t wl)
{
    return wl > 0 && wl <= n && strncasecmp(s, w, wl) == 0;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

char *mamori_escalation_redact(const char *s, const char *name, const char *email, const char *language)
{
    const char *marker = words_for(language)->redacted;
    struct mamori_strv parts = MAMORI_STRV_INIT;
    struct mamori_buf b = MAMORI_BUF_INIT;
    size_t n = strlen(s), i = 0;

    /* The name as a whole and its parts ("山田 太郎" -> 山田, 太郎): a
     * customer signs with the family name alone as often as in full. Parts
     * of one character would hide ordinary words. */
    if (name != NULL && utf8_chars(name, strlen(name)) >= 2)
        mamori_strv_push(&parts, name, (size_t)-1);
    for (const char *p = name; p != NULL && *p;) {
        size_t k = 0;
        while (p[k] && p[k] != ' ' && strncmp(p + k, "\xE3\x80\x80", 3) != 0) /* ASCII or ideographic space */
            k++;
        if (k > 0 && utf8_chars(p, k) >= 2 && (name == NULL || k != strlen(name)))
            mamori_strv_push(&parts, p, k);
        p += k;
        while (*p == ' ' || strncmp(p, "\xE3\x80\x80", 3) == 0)
            p += *p == ' ' ? 1 : 3;
    }
    while (i < n) {
        size_t k = 0, matched = 0;
        /* e-mail addresses: scan back over the local part already copied. */
        if (s[i] == '@' && i + 1 < n && is_email_domain((unsigned char)s[i + 1])) {
            size_t left = 0, right = i + 1;
            while (left < b.len && is_email_local((unsigned char)b.data[b.len - 1 - left]))
                left++;
            while (right < n && is_email_domain((unsigned char)s[right]))
                right++;
            if (left > 0 && memchr(s + i + 1, '.', right - i - 1) != NULL) {
                b.len -= left;
                mamori_buf_puts(&b, marker);
                i = right;
                continue;
            }
        }
        if (email != NULL && starts_with_ci(s + i, n - i, email, strlen(email)))
            matched = strlen(email);
        for (size_t p = 0; !matched && p < parts.count; p++)
            if (starts_with_ci(s + i, n - i, parts.items[p], strlen(parts.items[p])))
                matched = strlen(parts.items[p]);
        if (!matched && (i == 0 || !digit_len(s + i - 1, 1)))
            matched = phone_at(s + i, n - i);
        if (matched) {
            mamori_buf_puts(&b, marker);
            i += matched;
            continue;
        }
        k = utf8_next(s, n, i) - i;
        mamori_buf_append(&b, s + i, k);
        i += k;
    }
    mamori_strv_free(&parts);
    if (b.data == NULL)
        mamori_buf_puts(&b, "");
    return mamori_buf_steal(&b);
}

/* ---- the model ---- */

static json_t *strv_array(const struct mamori_strv *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < v->count; i++)
        if (json_array_append_new(a, json_string(v->items[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static char *ticket_link(const struct mamori_escalation_config *c, const struct mamori_ticket *ticket)
{
    struct mamori_buf b = MAMORI_BUF_INIT;
    const char *p;

    if (ticket->ticket_url != NULL)
        return mamori_strdup(ticket->ticket_url);
    if (c->ticket_url == NULL || ticket->ticket_id == NULL)
        return NULL;
    for (p = c->ticket_url; *p;) {
        if (strncmp(p, "{ticket_id}", 11) == 0) {
            /* Ids are helpdesk tokens; anything else is percent-escaped. */
            for (const unsigned char *q = (const unsigned char *)ticket->ticket_id; *q; q++) {
                if (isalnum(*q) || *q == '-' || *q == '_' || *q == '.')
                    mamori_buf_putc(&b, (char)*q);
                else
                    mamori_buf_printf(&b, "%%%02X", *q);
            }
            p += 11;
        } else {
            mamori_buf_putc(&b, *p++);
        }
    }
    return mamori_buf_steal(&b);
}

static json_t *evidence_array(const struct mamori_escalation_config *c, const struct mamori_ticket *ticket,
                              const struct mamori_annotation *a)
{
    struct mamori_strv quotes = MAMORI_STRV_INIT;
    size_t scanned = 0;
    json_t *arr;

    for (size_t i = 0; i < a->category_count && quotes.count < (size_t)c->evidence_items; i++) {
        const struct mamori_category_item *cat = &a->categories[i];
        if (!cat->harassment)
            continue;
        for (size_t k = 0; k < cat->evidence_count && quotes.count < (size_t)c->evidence_items &&
                           scanned < MAX_EVIDENCE_SCAN; k++, scanned++) {
            const struct mamori_evidence_item *e = &cat->evidence[k];
            int subj = strcmp(e->field, "subject") == 0;
            const char *text = subj ? ticket->subject : ticket->body;
            size_t len = subj ? ticket->subject_len : ticket->body_len;
            char *q = NULL, *r = NULL;
            if (text != NULL && e->end <= len)
                q = mamori_escalation_quote(text, len, e->begin, e->end, c->evidence_chars);
            else if (e->text != NULL)
                q = mamori_strdup(e->text);
            if (q == NULL)
                goto fail;
            if (c->redact_customer) {
                r = mamori_escalation_redact(q, ticket->requester_name, ticket->requester_email, c->language);
                free(q);
                if ((q = r) == NULL)
                    goto fail;
            }
            if (q[0] != '\0' && mamori_strv_push_unique(&quotes, q) != 0) {
                free(q);
                goto fail;
            }
            free(q);
        }
    }
    arr = strv_array(&quotes);
    mamori_strv_free(&quotes);
    return arr;
fail:
    mamori_strv_free(&quotes);
    return NULL;
}

json_t *mamori_escalation_model(const struct mamori_escalation_config *c, const struct mamori_tenant *t,
                                const struct mamori_ticket *ticket, const struct mamori_annotation *a, int level,
                                long long now)
{
    json_t *m = NULL, *cats = json_array(), *ev = evidence_array(c, ticket, a);
    char *link = ticket_link(c, ticket);
    int want_link = ticket->ticket_url != NULL || (c->ticket_url != NULL && ticket->ticket_id != NULL);

    if (cats == NULL || ev == NULL || (link == NULL && want_link))
        goto out;
    for (size_t i = 0; i < a->category_count; i++) {
        const struct mamori_category_item *cat = &a->categories[i];
        if (cat->harassment && json_array_append_new(cats, json_pack("{s:s, s:s}", "id", cat->id, "label",
                                                                     cat->label ? cat->label : cat->id)) != 0)
            goto out;
    }
    m = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:O, s:O, s:o, s:o, s:o, s:I, s:s, s:i}", "company", t->name,
                  "tenant", t->id, "helpdesk", t->connector ? t->connector->display_name : "", "ticket_id",
                  ticket->ticket_id, "ticket_url", link, "level", mamori_escalation_name(level), "categories", cats,
                  "evidence", ev, "legal_basis", strv_array(&a->legal_basis), "advice", strv_array(&a->steps),
                  "reasons", strv_array(&a->escalation_reasons), "received_at", (json_int_t)now, "language",
                  c->language, "utc_offset", c->utc_offset);
    if (m != NULL && !c->redact_customer && (ticket->requester_name || ticket->requester_email)) {
        json_t *cust = json_pack("{s:s?, s:s?}", "name", ticket->requester_name, "email", ticket->requester_email);
        if (cust == NULL || json_object_set_new(m, "customer", cust) != 0) {
            json_decref(m);
            m = NULL;
        }
    }
out:
    free(link);
    json_decref(cats);
    json_decref(ev);
    return m;
}

/* ---- text ---- */

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* Append s, escaped for the style. */
static void put(struct mamori_buf *b, int style, const char *s)
{
    if (style != MAMORI_ESC_STYLE_SLACK) {
        mamori_buf_puts(b, s);
        return;
    }
    for (; *s; s++) {
        if (*s == '&')
            mamori_buf_puts(b, "&amp;");
        else if (*s == '<')
            mamori_buf_puts(b, "&lt;");
        else if (*s == '>')
            mamori_buf_puts(b, "&gt;");
        else
            mamori_buf_putc(b, *s);
    }
}

static void heading(struct mamori_buf *b, int style, const char *title)
{
    if (style == MAMORI_ESC_STYLE_SLACK) {
        mamori_buf_puts(b, "\n*");
        put(b, style, title);
        mamori_buf_puts(b, "*\n");
    } else {
        mamori_buf_printf(b, "\n■ %s\n", title);
    }
}

static void field(struct mamori_buf *b, int style, const char *label, const char *value)
{
    if (style == MAMORI_ESC_STYLE_SLACK) {
        mamori_buf_puts(b, "*");
        put(b, style, label);
        mamori_buf_puts(b, ":* ");
    } else {
        mamori_buf_printf(b, "%s: ", label);
    }
    put(b, style, value);
    mamori_buf_putc(b, '\n');
}

static void join(struct mamori_buf *out, const json_t *arr, const char *key, const char *sep)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = key ? json_string_value(json_object_get(v, key)) : json_string_value(v);
        mamori_buf_printf(out, "%s%s", i ? sep : "", s ? s : "");
    }
}

int mamori_escalation_title(const json_t *model, int purpose, struct mamori_buf *out)
{
    const struct mamori_esc_labels *w = words_for(str(model, "language"));
    const char *level = str(model, "level");
    const json_t *digest = json_object_get(model, "digest");

    if (MAMORI_ESC_IS_DIGEST(purpose)) {
        const char *unacked = purpose == MAMORI_ESC_DIGEST_BACKUP ? (w == &ja ? "【未確認】" : "[NOT ACKNOWLEDGED] ") : "";
        long long n = (long long)json_integer_value(json_object_get(digest, "number"));
        long long k = (long long)json_integer_value(json_object_get(digest, "count"));
        if (w == &ja)
            mamori_buf_printf(out, "[mamori] %sまとめ #%lld: エスカレーション %lld 件 (%s)", unacked, n, k,
                              str(model, "company"));
        else
            mamori_buf_printf(out, "[mamori] %sDigest #%lld: %lld escalations (%s)", unacked, n, k, str(model, "company"));
        return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
    }

    if (json_is_object(json_object_get(model, "consult"))) {
        mamori_buf_printf(out, "[mamori] %s #%lld: %s %s #%s", w == &ja ? "相談" : "Consultation",
                          (long long)json_integer_value(json_object_get(json_object_get(model, "consult"), "number")),
                          str(model, "company"), str(model, "helpdesk"), str(model, "ticket_id"));
        return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
    }
    mamori_buf_printf(out, "[mamori] %s%s: %s %s #%s",
                      purpose == MAMORI_ESC_BACKUP ? (w == &ja ? "【未確認】" : "[NOT ACKNOWLEDGED] ") : "",
                      mamori_escalation_level_label(str(model, "language"), level), str(model, "company"),
                      str(model, "helpdesk"), str(model, "ticket_id"));
    return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
}

/* A consultation (escalation/consult.h): its number and the agent's
 * question, before the rest of the model. */
static void consult_block(struct mamori_buf *out, int style, int english, const json_t *consult)
{
    struct mamori_buf tmp = MAMORI_BUF_INIT;
    const char *target = str(consult, "target");

    if (!json_is_object(consult))
        return;
    mamori_buf_printf(&tmp, "#%lld (%s)", (long long)json_integer_value(json_object_get(consult, "number")),
                      english ? (strcmp(target, "supervisor") == 0 ? "an agent asks the supervisor"
                                                                    : "an agent asks the lawyer")
                              : (strcmp(target, "supervisor") == 0 ? "担当者から上長への相談" : "担当者から弁護士への相談"));
    field(out, style, english ? "Consultation" : "相談番号", mamori_buf_str(&tmp));
    mamori_buf_free(&tmp);
    heading(out, style, english ? "Question" : "相談内容");
    put(out, style, str(consult, "question"));
    mamori_buf_putc(out, '\n');
}

/* A digest (escalation/digest.h): one line per held escalation, its
 * level, ticket and categories, and the link; at most DIGEST_LINES of
 * them (a LINE message holds 5,000 characters), then how many more. */
#define DIGEST_LINES 30

static int digest_text(const json_t *model, int purpose, int style, int line_help,
                       const struct mamori_escalation_config *c, struct mamori_buf *out)
{
    const char *lang = str(model, "language");
    const struct mamori_esc_labels *w = words_for(lang);
    const json_t *d = json_object_get(model, "digest"), *items = json_object_get(d, "items");
    long long n = (long long)json_integer_value(json_object_get(d, "number"));
    size_t count = json_array_size(items), i;
    int utc = (int)json_integer_value(json_object_get(model, "utc_offset"));
    struct mamori_buf tmp = MAMORI_BUF_INIT;
    char from[64], to[64];
    json_t *v;

    mamori_escalation_local_time(json_integer_value(json_object_get(d, "from")), utc, from, sizeof from);
    mamori_escalation_local_time(json_integer_value(json_object_get(d, "to")), utc, to, sizeof to);
    /* The backup's copy: first that nobody acknowledged these in time. */
    if (purpose == MAMORI_ESC_DIGEST_BACKUP) {
        mamori_buf_printf(&tmp, "%s%ld%s", w->backup_a, c ? c->ack_deadline / 60 : 0L, w->backup_b);
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_putc(out, '\n');
        mamori_buf_free(&tmp);
    }
    if (style == MAMORI_ESC_STYLE_SLACK)
        mamori_buf_putc(out, '*');
    if (w == &ja)
        mamori_buf_printf(out, "【%s まとめ #%lld】", w->title, n);
    else
        mamori_buf_printf(out, "[%s digest #%lld] ", w->title, n);
    put(out, style, str(model, "company"));
    if (style == MAMORI_ESC_STYLE_SLACK)
        mamori_buf_putc(out, '*');
    mamori_buf_putc(out, '\n');
    if (w == &ja)
        mamori_buf_printf(&tmp, "%s から %s までのエスカレーション %zu 件です（多数のため個別の通知は送っていません）。",
                          from, to, count);
    else
        mamori_buf_printf(&tmp, "%zu escalations from %s to %s, sent together because there were many (no separate "
                                "message was sent for them).", count, from, to);
    put(out, style, mamori_buf_str(&tmp));
    mamori_buf_putc(out, '\n');
    mamori_buf_free(&tmp);
    json_array_foreach(items, i, v)
    {
        const char *url = json_string_value(json_object_get(v, "ticket_url"));
        if (i >= DIGEST_LINES)
            break;
        mamori_buf_printf(&tmp, "%zu. [%s] %s #%s", i + 1, mamori_escalation_level_label(lang, str(v, "level")),
                          str(model, "helpdesk"), str(v, "ticket_id"));
        if (json_array_size(json_object_get(v, "categories")) > 0) {
            mamori_buf_puts(&tmp, w == &ja ? "：" : ": ");
            join(&tmp, json_object_get(v, "categories"), "label", w->sep);
        }
        if (style == MAMORI_ESC_STYLE_SLACK && url != NULL) {
            put(out, style, mamori_buf_str(&tmp));
            mamori_buf_puts(out, " <");
            put(out, style, url);
            mamori_buf_puts(out, w == &ja ? "|開く>\n" : "|open>\n");
        } else {
            put(out, style, mamori_buf_str(&tmp));
            mamori_buf_putc(out, '\n');
            if (url != NULL)
                mamori_buf_printf(out, "   %s\n", url);
        }
        mamori_buf_free(&tmp);
    }
    if (count > DIGEST_LINES) {
        if (w == &ja)
            mamori_buf_printf(&tmp, "ほか %zu 件（mamori escalation list で確認できます）", count - DIGEST_LINES);
        else
            mamori_buf_printf(&tmp, "and %zu more (mamori escalation list shows them)", count - DIGEST_LINES);
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_putc(out, '\n');
        mamori_buf_free(&tmp);
    }
    mamori_buf_putc(out, '\n');
    if (line_help) {
        if (w == &ja)
            mamori_buf_printf(&tmp, "このまとめを引用して「確認」と返信すると、%zu 件すべてを確認済みにします。個別のチケット"
                                    "への助言・受任は番号を添えて返信してください（例：「#4821 受任」）。", count);
        else
            mamori_buf_printf(&tmp, "Reply \"ack\" quoting this digest to acknowledge all %zu escalations. For advice on "
                                    "one ticket, or to take a case, reply with its number (e.g. \"#4821 retained\").",
                              count);
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_putc(out, '\n');
        mamori_buf_free(&tmp);
    } else {
        if (w == &ja)
            mamori_buf_printf(&tmp, "まとめ #%lld の確認は LINE の「確認」または mamori escalation ack --digest %lld で"
                                    "記録します。", n, n);
        else
            mamori_buf_printf(&tmp, "Acknowledge digest #%lld with \"ack\" on LINE or mamori escalation ack --digest %lld.",
                              n, n);
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_putc(out, '\n');
        mamori_buf_free(&tmp);
    }
    put(out, style, w->footer);
    return out->failed || tmp.failed ? MAMORI_ENOMEM : MAMORI_OK;
}

int mamori_escalation_text(const json_t *model, int purpose, int style, int line_help,
                           const struct mamori_escalation_config *c, struct mamori_buf *out)
{
    const char *lang = str(model, "language");
    const struct mamori_esc_labels *w = words_for(lang);
    const char *level = str(model, "level");
    const json_t *arr;
    struct mamori_buf tmp = MAMORI_BUF_INIT;
    char when[64];
    size_t i;
    json_t *v;

    if (MAMORI_ESC_IS_DIGEST(purpose))
        return digest_text(model, purpose, style, line_help, c, out);
    /* First the one thing to do now: call the police, or take over. */
    if (strcmp(level, "police") == 0) {
        put(out, style, w->police_first);
        mamori_buf_putc(out, '\n');
    }
    if (purpose == MAMORI_ESC_BACKUP) {
        mamori_buf_printf(&tmp, "%s%ld%s", w->backup_a, c ? c->ack_deadline / 60 : 0L, w->backup_b);
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_putc(out, '\n');
        mamori_buf_free(&tmp);
    }
    /* A consultation (consult.h) is an agent's question, not a detection. */
    mamori_buf_printf(out, "%s%s%s: ", style == MAMORI_ESC_STYLE_SLACK ? "*" : "", w == &en ? "[" : "【",
                      json_is_object(json_object_get(model, "consult")) ? (w == &en ? "Consultation" : "担当者からの相談")
                                                                        : w->title);
    put(out, style, mamori_escalation_level_label(lang, level));
    mamori_buf_puts(out, w == &en ? "] " : "】");
    put(out, style, str(model, "company"));
    if (style == MAMORI_ESC_STYLE_SLACK)
        mamori_buf_putc(out, '*');
    mamori_buf_putc(out, '\n');

    mamori_buf_printf(&tmp, "%s #%s", str(model, "helpdesk"), str(model, "ticket_id"));
    if (style == MAMORI_ESC_STYLE_SLACK && json_string_value(json_object_get(model, "ticket_url")) != NULL) {
        mamori_buf_printf(out, "*%s:* <", w->ticket);
        put(out, style, str(model, "ticket_url"));
        mamori_buf_putc(out, '|');
        put(out, style, mamori_buf_str(&tmp));
        mamori_buf_puts(out, ">\n");
    } else {
        field(out, style, w->ticket, mamori_buf_str(&tmp));
        if (json_string_value(json_object_get(model, "ticket_url")) != NULL)
            mamori_buf_printf(out, "%s\n", str(model, "ticket_url"));
    }
    mamori_buf_free(&tmp);
    consult_block(out, style, w == &en, json_object_get(model, "consult"));
    field(out, style, w->level_h, mamori_escalation_level_label(lang, level));
    arr = json_object_get(model, "categories");
    join(&tmp, arr, "label", w->sep);
    field(out, style, w->categories, json_array_size(arr) ? mamori_buf_str(&tmp) : w->none);
    mamori_buf_free(&tmp);
    arr = json_object_get(model, "legal_basis");
    if (json_array_size(arr)) {
        join(&tmp, arr, NULL, w->sep);
        field(out, style, w->legal, mamori_buf_str(&tmp));
        mamori_buf_free(&tmp);
    }
    if (json_is_object(json_object_get(model, "customer"))) {
        const json_t *cu = json_object_get(model, "customer");
        if (json_string_value(json_object_get(cu, "name")) && json_string_value(json_object_get(cu, "email")))
            mamori_buf_printf(&tmp, "%s <%s>", str(cu, "name"), str(cu, "email"));
        else
            mamori_buf_puts(&tmp, json_string_value(json_object_get(cu, "name")) ? str(cu, "name") : str(cu, "email"));
        field(out, style, w->customer, mamori_buf_str(&tmp));
        mamori_buf_free(&tmp);
    }
    mamori_escalation_local_time(json_integer_value(json_object_get(model, "received_at")),
                                 (int)json_integer_value(json_object_get(model, "utc_offset")), when, sizeof when);
    field(out, style, w->received, when);

    arr = json_object_get(model, "evidence");
    if (json_array_size(arr)) {
        heading(out, style, w->evidence);
        json_array_foreach(arr, i, v)
        {
            mamori_buf_puts(out, style == MAMORI_ESC_STYLE_SLACK ? "> " : (w == &ja ? "「" : "\""));
            put(out, style, json_string_value(v));
            mamori_buf_puts(out, style == MAMORI_ESC_STYLE_SLACK ? "\n" : (w == &ja ? "」\n" : "\"\n"));
        }
    }
    arr = json_object_get(model, "advice");
    if (json_array_size(arr)) {
        heading(out, style, w->advice);
        json_array_foreach(arr, i, v)
        {
            mamori_buf_printf(out, "%zu. ", i + 1);
            put(out, style, json_string_value(v));
            mamori_buf_putc(out, '\n');
        }
    }
    arr = json_object_get(model, "reasons");
    if (json_array_size(arr)) {
        heading(out, style, w->reasons);
        json_array_foreach(arr, i, v)
        {
            mamori_buf_puts(out, style == MAMORI_ESC_STYLE_SLACK ? "• " : "・");
            put(out, style, json_string_value(v));
            mamori_buf_putc(out, '\n');
        }
    }
    mamori_buf_putc(out, '\n');
    if (line_help) {
        put(out, style, w->line_help);
        mamori_buf_putc(out, '\n');
    }
    put(out, style, w->footer);
    return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
}
