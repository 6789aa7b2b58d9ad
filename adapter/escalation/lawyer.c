/* lawyer.c -- see lawyer.h. */
#include "config.h"

#include "escalation/lawyer.h"

#include "escalation/consult.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "escalation/message.h"
#include "note/note.h"

static const char *const ack_words[] = {"確認", "確認しました", "確認済み", "了解", "ack", "acknowledged", "ok", NULL};
static const char *const retain_words[] = {"受任", "受任します", "受任しました", "retained", "retain", "i take the case",
                                           NULL};

/* Trim spaces (ASCII and ideographic) and final punctuation into out. */
static void normalize(const char *text, char *out, size_t cap)
{
    size_t n = strlen(text), s = 0, e = n, k = 0;

    for (;;) {
        if (s < e && isspace((unsigned char)text[s]))
            s++;
        else if (e - s >= 3 && strncmp(text + s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else
            break;
    }
    for (;;) {
        if (e > s && (isspace((unsigned char)text[e - 1]) || text[e - 1] == '.' || text[e - 1] == '!'))
            e--;
        else if (e - s >= 3 && (strncmp(text + e - 3, "\xE3\x80\x82", 3) == 0 ||  /* 。 */
                                strncmp(text + e - 3, "\xEF\xBC\x81", 3) == 0 ||  /* ！ */
                                strncmp(text + e - 3, "\xE3\x80\x80", 3) == 0))   /* ideographic space */
            e -= 3;
        else
            break;
    }
    for (size_t i = s; i < e && k + 1 < cap; i++)
        out[k++] = (char)tolower((unsigned char)text[i]);
    out[k] = '\0';
}

static int word_command(const char *n)
{
    for (size_t i = 0; ack_words[i]; i++)
        if (strcmp(n, ack_words[i]) == 0)
            return MAMORI_LAWYER_ACK;
    for (size_t i = 0; retain_words[i]; i++)
        if (strcmp(n, retain_words[i]) == 0)
            return MAMORI_LAWYER_RETAIN;
    return MAMORI_LAWYER_ADVICE;
}

static int id_char(unsigned char c);

/* Length of a ticket reference "#ID" / "＃ID" at s (0: none). */
static size_t ref_len(const char *s)
{
    size_t m = s[0] == '#' ? 1 : strncmp(s, "\xEF\xBC\x83", 3) == 0 ? 3 : 0, k = m;

    if (m == 0)
        return 0;
    while (id_char((unsigned char)s[k]))
        k++;
    return k > m ? k : 0;
}

/* Length of a space (ASCII or ideographic) at s, 0: none. */
static size_t space_len(const char *s)
{
    return isspace((unsigned char)*s) ? 1 : strncmp(s, "\xE3\x80\x80", 3) == 0 ? 3 : 0;
}

/* n without a leading "#4821 " or a trailing " #4821", into out: a
 * command that names its ticket (a digest is about many, so the lawyer
 * says which one: "#4821 受任"). 1 when there was one. */
static int without_ref(const char *n, char *out, size_t cap)
{
    size_t len = strlen(n), r = ref_len(n);

    if (r > 0 && space_len(n + r) > 0) {
        normalize(n + r, out, cap);
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        size_t sp = space_len(n + i - 1) ? 1 : (i >= 3 && strncmp(n + i - 3, "\xE3\x80\x80", 3) == 0) ? 3 : 0;
        if (sp > 0 && (r = ref_len(n + i)) > 0 && i + r == len) {
            char head[64];
            size_t hl = i - sp < sizeof head ? i - sp : sizeof head - 1;
            memcpy(head, n, hl);
            head[hl] = '\0';
            normalize(head, out, cap);
            return 1;
        }
    }
    return 0;
}

int mamori_lawyer_command(const char *text)
{
    char n[64], m[64];
    int c;

    if (text == NULL || strlen(text) >= sizeof n)
        return MAMORI_LAWYER_ADVICE;
    normalize(text, n, sizeof n);
    if ((c = word_command(n)) != MAMORI_LAWYER_ADVICE)
        return c;
    return without_ref(n, m, sizeof m) ? word_command(m) : MAMORI_LAWYER_ADVICE;
}

const char *mamori_lawyer_command_name(int c)
{
    return c == MAMORI_LAWYER_ACK ? "ack" : c == MAMORI_LAWYER_RETAIN ? "retained" : "advice";
}

static int id_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_';
}

int mamori_lawyer_ticket_ref(const char *text, char *out, size_t cap)
{
    static const char *const marks[] = {"#", "\xEF\xBC\x83" /* ＃ */, "チケット番号", "チケット", "ticket ", "Ticket ",
                                        NULL};
    for (const char *p = text; p != NULL && *p; p++) {
        for (size_t m = 0; marks[m]; m++) {
            size_t ml = strlen(marks[m]), k = 0;
            const char *q;
            if (strncmp(p, marks[m], ml) != 0)
                continue;
            q = p + ml;
            if (*q == '#')
                q++;
            else if (strncmp(q, "\xEF\xBC\x83", 3) == 0)
                q += 3;
            /* Ticket ids start with a digit or are keys like CS-42. */
            if (!isalnum((unsigned char)*q))
                continue;
            while (id_char((unsigned char)q[k]) && k + 1 < cap)
                k++;
            if (k == 0 || !isdigit((unsigned char)q[k - 1]))
                continue;
            memcpy(out, q, k);
            out[k] = '\0';
            return 1;
        }
    }
    return 0;
}

static void line(struct mamori_buf *out, int f, int bold, const char *s)
{
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, bold ? "<p><b>" : "<p>");
        mamori_note_put_text(out, (enum mamori_note_format)f, s);
        mamori_buf_puts(out, bold ? "</b></p>\n" : "</p>\n");
    } else if (bold && f == MAMORI_NOTE_MARKDOWN) {
        mamori_buf_printf(out, "**%s**\n", s);
    } else if (bold && f == MAMORI_NOTE_TEXTILE) {
        mamori_buf_printf(out, "*%s*\n", s);
    } else {
        mamori_buf_printf(out, "%s\n", s);
    }
}

static void quote(struct mamori_buf *out, int f, const char *s)
{
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, "<blockquote>");
        mamori_note_put_text(out, (enum mamori_note_format)f, s);
        mamori_buf_puts(out, "</blockquote>\n");
        return;
    }
    if (f == MAMORI_NOTE_TEXTILE) {
        mamori_buf_printf(out, "bq. %s\n", s);
        return;
    }
    /* text and markdown: every line quoted */
    mamori_buf_puts(out, "> ");
    for (; *s; s++) {
        mamori_buf_putc(out, *s);
        if (*s == '\n' && s[1] != '\0')
            mamori_buf_puts(out, "> ");
    }
    mamori_buf_putc(out, '\n');
}

void mamori_lawyer_retained_status(const char *language, const char *name, long long since, int utc_offset,
                                   char *out, size_t cap)
{
    char when[64];
    int en = language && strcmp(language, "en") == 0;

    mamori_escalation_local_time(since, utc_offset, when, sizeof when);
    if (en)
        snprintf(out, cap, "A lawyer (%s) represents the company on this case since %s: refer the customer to the "
                 "lawyer and do not negotiate directly.", name && name[0] ? name : "approved lawyer", when);
    else
        snprintf(out, cap, "この件は弁護士（%s）が受任しています（%s から）。お客様には、今後のご連絡は弁護士宛てに"
                 "お願いする旨をご案内し、直接の交渉は控えてください。", name && name[0] ? name : "登録弁護士", when);
}

int mamori_lawyer_note_render(const json_t *payload, const char *language, int utc_offset, int f,
                              const char *reference, struct mamori_buf *out, struct mamori_strv *tags)
{
    const json_t *l = json_object_get(payload, "lawyer");
    const char *kind = json_string_value(json_object_get(l, "kind"));
    const char *name = json_string_value(json_object_get(l, "name"));
    const char *text = json_string_value(json_object_get(l, "text"));
    long long at = json_integer_value(json_object_get(l, "at"));
    int en = language && strcmp(language, "en") == 0;
    struct mamori_buf head = MAMORI_BUF_INIT, foot = MAMORI_BUF_INIT;
    char when[64], status[512];
    const char *foot_text = en ? "recorded by mamori from LINE (internal only)" : "mamori が LINE から記録（社内限定）";
    /* An answer to a consultation (consult.h) names its number. */
    long long consult = (long long)mamori_consult_level_number(json_string_value(json_object_get(l, "level")));
    int rc = MAMORI_OK;

    if (kind == NULL)
        kind = "advice";
    if (name == NULL || name[0] == '\0')
        name = en ? "approved lawyer" : "登録弁護士";
    mamori_escalation_local_time(at, utc_offset, when, sizeof when);
    mamori_buf_puts(&head, MAMORI_NOTE_MARKER " ");
    if (strcmp(kind, "mamori") == 0) {
        /* mamori's own word to the agents (escalation/info_note.h). */
        const json_t *tl = json_object_get(l, "tags");
        size_t i;
        json_t *v;
        mamori_buf_puts(&head, json_string_value(json_object_get(l, "title")) ? json_string_value(json_object_get(l, "title")) : "");
        line(out, f, 1, mamori_buf_str(&head));
        if (text != NULL && text[0] != '\0')
            line(out, f, 0, text);
        json_array_foreach(tl, i, v) if (tags != NULL && json_is_string(v) &&
                                         mamori_strv_push_unique(tags, json_string_value(v)) != 0) rc = MAMORI_ENOMEM;
        foot_text = en ? "mamori (internal only)" : "mamori（社内限定）";
    } else if (strcmp(kind, "retained") == 0) {
        mamori_buf_printf(&head, en ? "The lawyer (%s) has taken this case (%s)" : "弁護士（%s）が受任しました（%s）", name,
                          when);
        line(out, f, 1, mamori_buf_str(&head));
        mamori_lawyer_retained_status(language, name, at, utc_offset, status, sizeof status);
        line(out, f, 0, status);
        if (tags != NULL && mamori_strv_push_unique(tags, MAMORI_TAG_LAWYER_RETAINED) != 0)
            rc = MAMORI_ENOMEM;
    } else if (strcmp(kind, "ack") == 0 && consult > 0) {
        mamori_buf_printf(&head, en ? "The lawyer (%s) acknowledged consultation #%lld (%s)"
                                    : "弁護士（%s）が相談 #%lld を確認しました（%s）",
                          name, consult, when);
        line(out, f, 1, mamori_buf_str(&head));
    } else if (strcmp(kind, "ack") == 0) {
        mamori_buf_printf(&head, en ? "The lawyer (%s) acknowledged the escalation (%s)" : "弁護士（%s）がエスカレーションを確認しました（%s）",
                          name, when);
        line(out, f, 1, mamori_buf_str(&head));
    } else {
        if (consult > 0)
            mamori_buf_printf(&head, en ? "Lawyer's advice on consultation #%lld (%s, %s)" : "弁護士の助言（相談 #%lld への回答、%s、%s）",
                              (long long)consult, name, when);
        else
            mamori_buf_printf(&head, en ? "Lawyer's advice (%s, %s)" : "弁護士の助言（%s、%s）", name, when);
        line(out, f, 1, mamori_buf_str(&head));
        quote(out, f, text ? text : "");
        line(out, f, 0, en ? "Follow this advice; it was sent from LINE by the lawyer and recorded by mamori."
                           : "弁護士が LINE で送った助言です。この内容に沿って対応してください。");
        if (tags != NULL && mamori_strv_push_unique(tags, MAMORI_TAG_LAWYER_ADVICE) != 0)
            rc = MAMORI_ENOMEM;
    }
    mamori_buf_printf(&foot, "— %s", foot_text);
    if (reference != NULL)
        mamori_buf_printf(&foot, " · %s", reference);
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, "<p><small>");
        mamori_note_put_text(out, (enum mamori_note_format)f, mamori_buf_str(&foot));
        mamori_buf_puts(out, "</small></p>\n");
    } else {
        mamori_buf_printf(out, "\n%s\n", mamori_buf_str(&foot));
    }
    if (head.failed || foot.failed || out->failed)
        rc = MAMORI_ENOMEM;
    mamori_buf_free(&head);
    mamori_buf_free(&foot);
    return rc;
}

const char *mamori_lawyer_note_subject(const json_t *payload, const char *language)
{
    const char *kind = json_string_value(json_object_get(json_object_get(payload, "lawyer"), "kind"));
    int en = language && strcmp(language, "en") == 0;

    if (kind != NULL && strcmp(kind, "mamori") == 0)
        return en ? "[mamori] note to agents" : "[mamori] 担当者へのお知らせ";
    if (kind != NULL && strcmp(kind, "retained") == 0)
        return en ? "[mamori] lawyer retained" : "[mamori] 弁護士が受任";
    if (kind != NULL && strcmp(kind, "ack") == 0)
        return en ? "[mamori] lawyer acknowledged" : "[mamori] 弁護士が確認";
    return en ? "[mamori] lawyer's advice" : "[mamori] 弁護士の助言";
}
