/* note.c -- see note.h. */
#include "config.h"

#include "note/note.h"

#include "note/evidence_context.h"

#include <stdio.h>
#include <string.h>

#include <mamori/plugin.h>

#include "base/signature.h"

struct words {
    const char *severity[5];
    const char *no_harassment;
    const char *legit;
    const char *todo, *draft, *training, *evidence, *flame, *escalation, *subject, *body, *line, *none_needed;
    const char *matched;
    const char *level[5];
    const char *flame_level[4];
    const char *legal_basis;
    const char *footer;
};

static const struct words ja = {
    {"なし", "低", "中", "高", "重大"},
    "カスハラの兆候は見つかりませんでした。通常どおり丁寧に対応してください。",
    "正当な苦情の可能性が高い内容です（カスハラの兆候なし）。事実確認のうえ、通常どおり誠実に対応してください。",
    "今すぐやること", "返信文案", "研修・マニュアル", "証拠（お客様の記載どおり）", "炎上リスク", "エスカレーション", "件名",
    "本文", "行目", "不要", "該当",
    {"不要", "上長へ報告", "法務へ相談", "弁護士へ相談", "警察へ通報"},
    {"なし", "低", "中", "高"},
    "根拠",
    "mamori による自動注記（社内限定）",
};

static const struct words en = {
    {"none", "LOW", "MEDIUM", "HIGH", "CRITICAL"},
    "No signs of customer harassment. Handle as usual.",
    "Likely a legitimate complaint (no signs of harassment). Check the facts and respond as usual.",
    "Do now", "Reply draft", "Training / manual", "Evidence (as the customer wrote it)", "Flame risk", "Escalation",
    "subject", "body", "line", "not needed", "matched",
    {"not needed", "tell your supervisor", "consult the legal team", "consult the lawyer", "call the police"},
    {"none", "low", "medium", "high"},
    "legal basis",
    "automatic note by mamori (internal only)",
};

int mamori_note_format_parse(const char *name)
{
    if (name == NULL)
        return -1;
    static const char *names[] = {"text", "markdown", "html", "textile"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int mamori_note_wanted(const struct mamori_annotation *a, int calm_on_legitimate)
{
    return mamori_annotation_is_harassment(a) || calm_on_legitimate;
}

void mamori_note_put_text(struct mamori_buf *out, enum mamori_note_format f, const char *s)
{
    if (f != MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, s);
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '<': mamori_buf_puts(out, "&lt;"); break;
        case '>': mamori_buf_puts(out, "&gt;"); break;
        case '&': mamori_buf_puts(out, "&amp;"); break;
        case '"': mamori_buf_puts(out, "&quot;"); break;
        case '\n': mamori_buf_puts(out, "<br>"); break;
        default: mamori_buf_putc(out, *s);
        }
    }
}

static void heading(struct mamori_buf *out, enum mamori_note_format f, const char *title)
{
    switch (f) {
    case MAMORI_NOTE_HTML: mamori_buf_puts(out, "<p><b>"); mamori_note_put_text(out, f, title); mamori_buf_puts(out, "</b></p>\n"); break;
    case MAMORI_NOTE_MARKDOWN: mamori_buf_printf(out, "\n**%s**\n", title); break;
    case MAMORI_NOTE_TEXTILE: mamori_buf_printf(out, "\n*%s*\n", title); break;
    default: mamori_buf_printf(out, "\n■ %s\n", title);
    }
}

static void list_open(struct mamori_buf *out, enum mamori_note_format f, int ordered)
{
    if (f == MAMORI_NOTE_HTML)
        mamori_buf_puts(out, ordered ? "<ol>\n" : "<ul>\n");
}

static void list_close(struct mamori_buf *out, enum mamori_note_format f, int ordered)
{
    if (f == MAMORI_NOTE_HTML)
        mamori_buf_puts(out, ordered ? "</ol>\n" : "</ul>\n");
}

static void item(struct mamori_buf *out, enum mamori_note_format f, int ordered, size_t n, const char *s)
{
    switch (f) {
    case MAMORI_NOTE_HTML:
        mamori_buf_puts(out, "<li>");
        mamori_note_put_text(out, f, s);
        mamori_buf_puts(out, "</li>\n");
        break;
    case MAMORI_NOTE_TEXTILE: mamori_buf_printf(out, "%s %s\n", ordered ? "#" : "*", s); break;
    case MAMORI_NOTE_MARKDOWN:
        if (ordered)
            mamori_buf_printf(out, "%zu. %s\n", n, s);
        else
            mamori_buf_printf(out, "- %s\n", s);
        break;
    default:
        if (ordered)
            mamori_buf_printf(out, "%zu. %s\n", n, s);
        else
            mamori_buf_printf(out, "・%s\n", s);
    }
}

static void link_item(struct mamori_buf *out, enum mamori_note_format f, const char *title, const char *url)
{
    switch (f) {
    case MAMORI_NOTE_HTML:
        mamori_buf_puts(out, "<li><a href=\"");
        mamori_note_put_text(out, f, url);
        mamori_buf_puts(out, "\">");
        mamori_note_put_text(out, f, title);
        mamori_buf_puts(out, "</a></li>\n");
        break;
    case MAMORI_NOTE_MARKDOWN: mamori_buf_printf(out, "- [%s](%s)\n", title, url); break;
    case MAMORI_NOTE_TEXTILE: mamori_buf_printf(out, "* \"%s\":%s\n", title, url); break;
    default: mamori_buf_printf(out, "・%s: %s\n", title, url);
    }
}

static void paragraph(struct mamori_buf *out, enum mamori_note_format f, const char *s)
{
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, "<p>");
        mamori_note_put_text(out, f, s);
        mamori_buf_puts(out, "</p>\n");
    } else {
        mamori_buf_puts(out, s);
        mamori_buf_putc(out, '\n');
    }
}

/* The note must fit one screen: the policy may carry more guidance than
 * an agent reads in the moment; the rest is behind the training links. */
#define NOTE_MAX_STEPS 5
#define NOTE_MAX_LINKS 3
#define NOTE_MAX_EVIDENCE 4
#define NOTE_MAX_REASONS 2
#define NOTE_MAX_LEGAL 3
#define NOTE_MAX_FLAME_ADVICE 1

/* Whether an escalation reason says whom to call (plugin.h,
 * MAMORI_ESCALATION_CONTACT_*). The note shows it before the reasons, which
 * are cut to NOTE_MAX_REASONS: a plugin adds it after them, and with several
 * categories it used to be cut, leaving the agent without the number. */
static int is_contact(const char *reason)
{
    return strncmp(reason, MAMORI_ESCALATION_CONTACT_JA, sizeof MAMORI_ESCALATION_CONTACT_JA - 1) == 0 ||
           strncmp(reason, MAMORI_ESCALATION_CONTACT_EN, sizeof MAMORI_ESCALATION_CONTACT_EN - 1) == 0;
}

/* Whether evidence e lies inside another quote of any category (a longer
 * match of the same words): the shorter one adds nothing. */
static int evidence_covered(const struct mamori_annotation *a, const struct mamori_evidence_item *e)
{
    for (size_t i = 0; i < a->category_count; i++)
        for (size_t j = 0; j < a->categories[i].evidence_count; j++) {
            const struct mamori_evidence_item *o = &a->categories[i].evidence[j];
            if (o != e && strcmp(o->field, e->field) == 0 && o->begin <= e->begin && o->end >= e->end &&
                (o->end - o->begin) > (e->end - e->begin))
                return 1;
        }
    return 0;
}

/* One evidence line of the note: the sentence (or, without the original
 * text, the quote alone) and up to four matches in it. */
#define QUOTE_MATCHES 4
struct quote_line {
    const char *field;
    const char *text;                 /* the original field, or NULL */
    size_t sb, se;                    /* the sentence in text */
    size_t b, e;                      /* from the first match to the last */
    const struct mamori_evidence_item *match[QUOTE_MATCHES];
    size_t nmatch;
};

/* The original text of e's field, when e's offsets point at its quote. */
static const char *field_text(const struct mamori_evidence_item *e, const struct mamori_note_context *ctx)
{
    const char *t = strcmp(e->field, "subject") == 0 ? ctx->subject : ctx->body;
    size_t n = strlen(e->text);

    if (t == NULL || e->end < e->begin || e->end - e->begin != n || strlen(t) < e->end ||
        memcmp(t + e->begin, e->text, n) != 0)
        return NULL;
    return t;
}

/* Put e on the line of its sentence, or on a new line if fewer than max
 * are taken. Returns 1 when a new line was taken. */
static int add_quote(struct quote_line *lines, size_t *n, size_t max, const struct mamori_evidence_item *e,
                     const struct mamori_note_context *ctx)
{
    const char *t = field_text(e, ctx);
    size_t sb = 0, se = 0;

    if (t != NULL && mamori_evidence_sentence(t, strlen(t), e->begin, e->end, &sb, &se) != 0)
        t = NULL;
    for (size_t i = 0; t != NULL && i < *n; i++) {
        struct quote_line *l = &lines[i];
        if (l->text == t && l->sb == sb && l->se == se) {
            if (l->nmatch < QUOTE_MATCHES) { /* in text order */
                size_t k = l->nmatch++;
                for (; k > 0 && l->match[k - 1]->begin > e->begin; k--)
                    l->match[k] = l->match[k - 1];
                l->match[k] = e;
            }
            l->b = e->begin < l->b ? e->begin : l->b;
            l->e = e->end > l->e ? e->end : l->e;
            return 0;
        }
    }
    if (*n >= max)
        return 0;
    lines[*n] = (struct quote_line){e->field, t, sb, se, e->begin, e->end, {e}, 1};
    (*n)++;
    return 1;
}

/* Lines in text order: the subject's first. */
static int quote_before(const struct quote_line *x, const struct quote_line *y)
{
    int xs = strcmp(x->field, "subject") == 0, ys = strcmp(y->field, "subject") == 0;
    return xs != ys ? xs : x->b < y->b;
}

/* 1-based line of a byte offset in text. */
static size_t line_of(const char *text, size_t offset)
{
    size_t line = 1, len = strlen(text);

    for (size_t i = 0; i < offset && i < len; i++)
        line += text[i] == '\n';
    return line;
}

/* "label (body, line 3): "…the sentence…" (matched: "a", "b")". */
static void render_quote(struct mamori_buf *ev, const struct words *w, const char *label, const struct quote_line *l,
                         const struct mamori_note_context *ctx)
{
    const char *where = strcmp(l->field, "subject") == 0 ? w->subject : w->body;
    const char *open = w == &ja ? "「" : "\"", *close = w == &ja ? "」" : "\"";
    struct mamori_context_span win;

    if (l->text == NULL) {
        const char *t = strcmp(l->field, "subject") == 0 ? ctx->subject : ctx->body;
        if (t != NULL && l->match[0]->begin <= strlen(t) && w == &ja)
            mamori_buf_printf(ev, "%s（%s %zu%s）: ", label, where, line_of(t, l->match[0]->begin), w->line);
        else if (t != NULL && l->match[0]->begin <= strlen(t))
            mamori_buf_printf(ev, "%s (%s, %s %zu): ", label, where, w->line, line_of(t, l->match[0]->begin));
        else
            mamori_buf_printf(ev, w == &ja ? "%s（%s）: " : "%s (%s): ", label, where);
        mamori_buf_printf(ev, "%s%s%s", open, l->match[0]->text, close);
        return;
    }
    mamori_evidence_window(l->text, l->sb, l->se, l->b, l->e, &win);
    if (w == &ja)
        mamori_buf_printf(ev, "%s（%s %zu%s）: %s%s%.*s%s%s", label, where, line_of(l->text, l->b), w->line, open,
                          win.cut_before ? "…" : "", (int)(win.end - win.begin), l->text + win.begin,
                          win.cut_after ? "…" : "", close);
    else
        mamori_buf_printf(ev, "%s (%s, %s %zu): %s%s%.*s%s%s", label, where, w->line, line_of(l->text, l->b), open,
                          win.cut_before ? "…" : "", (int)(win.end - win.begin), l->text + win.begin,
                          win.cut_after ? "…" : "", close);
    /* The matched words, unless the quote is just them. */
    if (l->nmatch == 1 && win.begin == l->b && win.end == l->e)
        return;
    mamori_buf_printf(ev, w == &ja ? "（%s: " : " (%s: ", w->matched);
    for (size_t i = 0; i < l->nmatch; i++)
        mamori_buf_printf(ev, "%s%s%s%s", i && w != &ja ? ", " : "", open, l->match[i]->text, close);
    mamori_buf_puts(ev, w == &ja ? "）" : ")");
}

/* Whether every match on the line is the model's (rule id "model"). */
static int model_reading(const struct quote_line *l)
{
    for (size_t i = 0; i < l->nmatch; i++)
        if (l->match[i]->rule_id == NULL || strcmp(l->match[i]->rule_id, "model") != 0)
            return 0;
    return l->nmatch > 0;
}

/* The last line: who wrote the note, the policy, and the note reference
 * (the loop guard and the deliverer's re-send check look for it). */
static void footer(struct mamori_buf *out, enum mamori_note_format f, const struct words *w,
                   const struct mamori_annotation *a, const struct mamori_note_context *ctx)
{
    struct mamori_buf foot = MAMORI_BUF_INIT;
    mamori_buf_puts(&foot, "— ");
    mamori_buf_puts(&foot, w->footer);
    for (size_t i = 0; i < a->source_count; i++)
        if (strcmp(a->sources[i].kind, "policy") == 0)
            mamori_buf_printf(&foot, " · %s %s", a->sources[i].id, a->sources[i].version);
    if (ctx->reference != NULL)
        mamori_buf_printf(&foot, " · %s", ctx->reference);
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, "<p><small>");
        mamori_note_put_text(out, f, mamori_buf_str(&foot));
        mamori_buf_puts(out, "</small></p>\n");
    } else {
        mamori_buf_printf(out, "\n%s\n", mamori_buf_str(&foot));
    }
    mamori_buf_free(&foot);
}

int mamori_note_ref(const char *key, char out[MAMORI_NOTE_REF_SIZE])
{
    unsigned char d[32];
    char hex[65];

    if (key == NULL || mamori_sha256(key, strlen(key), d) != 0)
        return MAMORI_EINVAL;
    mamori_hex_encode(d, 32, hex);
    snprintf(out, MAMORI_NOTE_REF_SIZE, "%s%.24s", MAMORI_NOTE_REF_PREFIX, hex);
    return MAMORI_OK;
}

const char *mamori_note_subject(const struct mamori_annotation *a, const char *language)
{
    static const char *const subj_ja[] = {"[mamori] カスハラの兆候なし", "[mamori] 重大度: 低", "[mamori] 重大度: 中",
                                     "[mamori] 重大度: 高", "[mamori] 重大度: 重大"};
    static const char *const subj_en[] = {"[mamori] no signs of harassment", "[mamori] severity LOW",
                                     "[mamori] severity MEDIUM", "[mamori] severity HIGH", "[mamori] severity CRITICAL"};
    int sev = mamori_annotation_is_harassment(a) ? mamori_annotation_severity(a) : 0;
    if (sev < 0 || sev > 4)
        sev = 0;
    return (language && strcmp(language, "en") == 0) ? subj_en[sev] : subj_ja[sev];
}

int mamori_note_render(const struct mamori_annotation *a, const struct mamori_note_context *ctx,
                       enum mamori_note_format f, struct mamori_buf *out)
{
    const struct words *w = (ctx->language && strcmp(ctx->language, "en") == 0) ? &en : &ja;
    int harassment = mamori_annotation_is_harassment(a);
    int sev = mamori_annotation_severity(a);
    struct mamori_buf line = MAMORI_BUF_INIT;
    size_t n, shown = 0;

    /* Line 1: severity and categories in plain words. */
    mamori_buf_puts(&line, MAMORI_NOTE_MARKER " ");
    if (harassment) {
        int first = 1;
        mamori_buf_printf(&line, "%s%s%s — ", w == &ja ? "重大度: " : "Severity ", w->severity[sev],
                          w == &ja ? "" : "");
        for (size_t i = 0; i < a->category_count; i++) {
            if (!a->categories[i].harassment)
                continue;
            mamori_buf_printf(&line, "%s%s", first ? "" : (w == &ja ? "、" : ", "), a->categories[i].label);
            first = 0;
        }
    } else {
        int legit = 0;
        for (size_t i = 0; i < a->category_count; i++)
            legit |= strcmp(a->categories[i].id, "legitimate_complaint") == 0;
        mamori_buf_puts(&line, legit ? w->legit : w->no_harassment);
    }
    if (f == MAMORI_NOTE_HTML) {
        mamori_buf_puts(out, "<p><b>");
        mamori_note_put_text(out, f, mamori_buf_str(&line));
        mamori_buf_puts(out, "</b></p>\n");
    } else if (f == MAMORI_NOTE_MARKDOWN || f == MAMORI_NOTE_TEXTILE) {
        mamori_buf_printf(out, f == MAMORI_NOTE_MARKDOWN ? "**%s**\n" : "*%s*\n", mamori_buf_str(&line));
    } else {
        mamori_buf_printf(out, "%s\n", mamori_buf_str(&line));
    }
    mamori_buf_free(&line);
    if (!harassment) {
        /* Calm and short: one line (and what the lawyer's status asks of
         * the agent, on a ticket a lawyer has taken on), and the reference. */
        if (ctx->lawyer_status)
            paragraph(out, f, ctx->lawyer_status);
        footer(out, f, w, a, ctx);
        return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
    }

    if (a->steps.count) {
        heading(out, f, w->todo);
        list_open(out, f, 1);
        for (size_t i = 0; i < a->steps.count && i < NOTE_MAX_STEPS; i++)
            item(out, f, 1, i + 1, a->steps.items[i]);
        list_close(out, f, 1);
    }
    if (a->reply_draft != NULL && a->reply_draft[0]) {
        heading(out, f, w->draft);
        if (f == MAMORI_NOTE_MARKDOWN)
            mamori_buf_printf(out, "```\n%s\n```\n", a->reply_draft);
        else if (f == MAMORI_NOTE_TEXTILE)
            mamori_buf_printf(out, "<pre>\n%s\n</pre>\n", a->reply_draft);
        else if (f == MAMORI_NOTE_HTML) {
            mamori_buf_puts(out, "<blockquote>");
            mamori_note_put_text(out, f, a->reply_draft);
            mamori_buf_puts(out, "</blockquote>\n");
        } else
            mamori_buf_printf(out, "%s\n", a->reply_draft);
    }
    if (a->link_count) {
        heading(out, f, w->training);
        list_open(out, f, 0);
        for (size_t i = 0; i < a->link_count && i < NOTE_MAX_LINKS; i++)
            link_item(out, f, a->links[i].title, a->links[i].url);
        list_close(out, f, 0);
    }
    n = 0;
    for (size_t i = 0; i < a->category_count; i++)
        n += a->categories[i].harassment ? a->categories[i].evidence_count : 0;
    if (n) {
        heading(out, f, w->evidence);
        list_open(out, f, 0);
        for (size_t i = 0; i < a->category_count; i++) {
            const struct mamori_category_item *c = &a->categories[i];
            if (!c->harassment)
                continue;
            struct quote_line lines[2];
            size_t nlines = 0;

            /* Two lines per category at most, so every category shows;
             * matches in one sentence share its line. */
            for (size_t j = 0; j < c->evidence_count; j++) {
                const struct mamori_evidence_item *e = &c->evidence[j];
                if (evidence_covered(a, e))
                    continue;
                size_t room = nlines + (NOTE_MAX_EVIDENCE - shown);
                if (add_quote(lines, &nlines, room < 2 ? room : 2, e, ctx))
                    shown++;
            }
            if (nlines == 2 && quote_before(&lines[1], &lines[0])) {
                struct quote_line t = lines[0];
                lines[0] = lines[1];
                lines[1] = t;
            }
            for (size_t k = 0; k < nlines; k++) {
                struct mamori_buf ev = MAMORI_BUF_INIT;
                render_quote(&ev, w, c->label, &lines[k], ctx);
                /* A sentence the learned model weighed, not a rule's match:
                 * the agent must know it is a reading, not a finding. */
                if (model_reading(&lines[k]))
                    mamori_buf_puts(&ev, w == &ja ? "（モデルの読み取り）" : " (the model's reading)");
                item(out, f, 0, 0, mamori_buf_str(&ev));
                mamori_buf_free(&ev);
            }
        }
        list_close(out, f, 0);
    }
    if (a->escalation_level > MAMORI_ESCALATE_NONE) {
        struct mamori_buf e = MAMORI_BUF_INIT;
        heading(out, f, w->escalation);
        mamori_buf_printf(&e, "%s", w->level[a->escalation_level]);
        if (ctx->lawyer_status)
            mamori_buf_printf(&e, " — %s", ctx->lawyer_status);
        paragraph(out, f, mamori_buf_str(&e));
        mamori_buf_free(&e);
        list_open(out, f, 0);
        for (size_t i = 0; i < a->escalation_reasons.count; i++)
            if (is_contact(a->escalation_reasons.items[i]))
                item(out, f, 0, 0, a->escalation_reasons.items[i]);
        n = 0;
        for (size_t i = 0; i < a->escalation_reasons.count && n < NOTE_MAX_REASONS; i++)
            if (!is_contact(a->escalation_reasons.items[i]))
                item(out, f, 0, ++n, a->escalation_reasons.items[i]);
        if (a->legal_basis.count) {
            struct mamori_buf lb = MAMORI_BUF_INIT;
            mamori_buf_printf(&lb, "%s: ", w->legal_basis);
            for (size_t i = 0; i < a->legal_basis.count && i < NOTE_MAX_LEGAL; i++)
                mamori_buf_printf(&lb, "%s%s", i ? (w == &ja ? "、" : "; ") : "", a->legal_basis.items[i]);
            item(out, f, 0, 0, mamori_buf_str(&lb));
            mamori_buf_free(&lb);
        }
        list_close(out, f, 0);
    } else {
        struct mamori_buf e = MAMORI_BUF_INIT;
        heading(out, f, w->escalation);
        mamori_buf_printf(&e, "%s", w->level[0]);
        if (ctx->lawyer_status)
            mamori_buf_printf(&e, " — %s", ctx->lawyer_status);
        paragraph(out, f, mamori_buf_str(&e));
        mamori_buf_free(&e);
    }
    if (a->flame_level > MAMORI_FLAME_NONE) {
        struct mamori_buf fl = MAMORI_BUF_INIT;
        heading(out, f, w->flame);
        mamori_buf_printf(&fl, "%s", w->flame_level[a->flame_level]);
        paragraph(out, f, mamori_buf_str(&fl));
        mamori_buf_free(&fl);
        list_open(out, f, 0);
        for (size_t i = 0; i < a->flame_advice.count && i < NOTE_MAX_FLAME_ADVICE; i++)
            item(out, f, 0, 0, a->flame_advice.items[i]);
        list_close(out, f, 0);
    }
    footer(out, f, w, a, ctx);
    return out->failed ? MAMORI_ENOMEM : MAMORI_OK;
}
