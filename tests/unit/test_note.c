/* Unit tests: the agent's note -- evidence shown in its sentence
 * (evidence_context.c) and the evidence section of the note (note.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "note/evidence_context.h"
#include "note/job.h"
#include "note/note.h"
#include "plugin/annotation.h"
#include "tap.h"

/* The sentence around the first occurrence of needle in text, as shown. */
static char *shown(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    struct mamori_context_span w;
    size_t sb, se, b, e;
    char *out;

    if (at == NULL)
        return strdup("(needle not found)");
    b = (size_t)(at - text);
    e = b + strlen(needle);
    if (mamori_evidence_sentence(text, strlen(text), b, e, &sb, &se) != 0)
        return strdup("(error)");
    mamori_evidence_window(text, sb, se, b, e, &w);
    out = malloc(w.end - w.begin + 8);
    if (out == NULL)
        return NULL;
    snprintf(out, w.end - w.begin + 8, "%s%.*s%s", w.cut_before ? "<" : "", (int)(w.end - w.begin),
             text + w.begin, w.cut_after ? ">" : "");
    return out;
}

static void check(const char *text, const char *needle, const char *want, const char *name)
{
    char *got = shown(text, needle);
    is_str(got, want, "%s", name);
    free(got);
}

/* Render the note for an annotation JSON (text format, Japanese unless
 * lang says otherwise) over body. */
static char *note(const char *annotation_json, const char *body, const char *lang)
{
    struct mamori_annotation a;
    struct mamori_note_context ctx = {lang, NULL, body, NULL, NULL};
    struct mamori_buf out = MAMORI_BUF_INIT;
    struct mamori_error err;
    json_t *j = json_loads(annotation_json, 0, NULL);
    char *s = NULL;

    mamori_annotation_init(&a);
    if (j != NULL && mamori_annotation_from_json(&a, j, &err) == 0 &&
        mamori_note_render(&a, &ctx, MAMORI_NOTE_TEXT, &out) == 0)
        s = strdup(mamori_buf_str(&out));
    json_decref(j);
    mamori_annotation_free(&a);
    mamori_buf_free(&out);
    return s ? s : strdup("(render failed)");
}

/* An annotation with one harassment category and evidence at the byte
 * offsets of the given quotes in body (first occurrence each). */
static char *annotation_for(const char *body, const char *label, const char *const *quotes, size_t n)
{
    json_t *ev = json_array(), *root;
    char *s;

    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(body, quotes[i]);
        size_t b = at ? (size_t)(at - body) : 0;
        json_array_append_new(ev, json_pack("{s:s, s:I, s:I, s:s, s:f}", "field", "body", "start", (json_int_t)b,
                                            "end", (json_int_t)(b + strlen(quotes[i])), "text", quotes[i],
                                            "weight", 1.0));
    }
    root = json_pack("{s:s, s:b, s:s, s:[{s:s, s:s, s:f, s:s, s:b, s:o}]}", "schema", "mamori.annotation/1",
                     "is_harassment", 1, "severity", "high", "categories", "id", "threat", "label", label, "score",
                     2.0, "severity", "high", "harassment", 1, "evidence", ev);
    s = json_dumps(root, 0);
    json_decref(root);
    return s;
}

int main(void)
{
    plan(40);

    /* ---- sentences -------------------------------------------------- */
    check("お世話になります。次に行ったらただじゃおかないぞ。以上です。", "ただじゃおかない",
          "次に行ったらただじゃおかないぞ。", "a Japanese sentence, its 。 included");
    check("I know which branch she works at. Refund me today!", "she", "I know which branch she works at.",
          "an English sentence ends at '. '");
    check("Version 1.5 is broken and you are idiots. Fix it", "idiots", "Version 1.5 is broken and you are idiots.",
          "a '.' inside a number does not end the sentence");
    check("first line\n  second line with 土下座しろ  \nthird", "土下座しろ", "second line with 土下座しろ",
          "a line break ends a sentence; white space is trimmed");
    check("ふざけるな！土下座しろ？", "土下座しろ", "土下座しろ？", "full-width ！ and ？ end sentences");
    check("土下座しろ。", "土下座しろ。", "土下座しろ。", "a match that ends with 。 is its own sentence");
    check("殺すぞ", "殺すぞ", "殺すぞ", "a text that is only the match");
    check("確認しました．土下座しろ．以上", "土下座しろ", "土下座しろ．", "full-width ． ends a sentence");
    check("Hello.\r\nYou are an idiot.\r\nBye", "idiot", "You are an idiot.", "CR LF line breaks end sentences");
    check("Order no. 5.\tYou idiot", "idiot", "You idiot", "'.' before a tab ends a sentence");
    check("　全角空白で始まる。　殺すぞ　", "殺すぞ", "殺すぞ", "ideographic spaces are trimmed too");
    {
        /* 120 characters of Japanese around the match, no punctuation. */
        char text[1024] = "";
        for (int i = 0; i < 60; i++)
            strcat(text, "あ");
        strcat(text, "殺すぞ");
        for (int i = 0; i < 60; i++)
            strcat(text, "い");
        char *got = shown(text, "殺すぞ");
        char want[512] = "<";
        for (int i = 0; i < MAMORI_CONTEXT_SIDE; i++)
            strcat(want, "あ");
        strcat(want, "殺すぞ");
        for (int i = 0; i < MAMORI_CONTEXT_SIDE; i++)
            strcat(want, "い");
        strcat(want, ">");
        is_str(got, want, "a long sentence is cut %d characters each side, on character boundaries",
               MAMORI_CONTEXT_SIDE);
        free(got);
    }
    {
        size_t sb, se;
        ok(mamori_evidence_sentence("abc", 3, 2, 5, &sb, &se) == -1, "a span past the text is refused");
        ok(mamori_evidence_sentence(NULL, 0, 0, 0, &sb, &se) == -1, "no text is refused");
        /* A span starting inside a leading ideographic space (found by
         * fuzz_note): trimming must not skip past its start. */
        ok(mamori_evidence_sentence("\xE3\x80\x80殺す", 9, 1, 9, &sb, &se) == 0 && sb <= 1 && se == 9,
           "trimming never passes the span's start");
    }

    /* ---- the note's evidence section -------------------------------- */
    {
        const char *body = "I know which branch she works at and when her shift ends. Refund me today or I'll be "
                           "waiting for her outside.";
        const char *q[] = {"outside", "she", "I know which"};
        char *a = annotation_for(body, "Threat", q, 3);
        char *n = note(a, body, "en");
        contains_str(n, "Threat (body, line 1): \"I know which branch she works at and when her shift ends.\" "
                        "(matched: \"I know which\", \"she\")",
                     "two matches in one sentence share its line, in text order");
        contains_str(n, "Threat (body, line 1): \"Refund me today or I'll be waiting for her outside.\" "
                        "(matched: \"outside\")",
                     "the other sentence has its own line");
        ok(strstr(n, "I know which branch") < strstr(n, "Refund me today"), "lines are in text order");
        free(a);
        free(n);
    }
    {
        const char *body = "お世話になっております。\n次に店に行ったら、ただじゃおかないからな。";
        const char *q[] = {"ただじゃおかない"};
        char *a = annotation_for(body, "威嚇・脅迫", q, 1);
        char *n = note(a, body, "ja");
        contains_str(n, "・威嚇・脅迫（本文 2行目）: 「次に店に行ったら、ただじゃおかないからな。」（該当: 「ただじゃおかない」）",
                     "Japanese: the sentence, its line, and the matched words");
        free(a);
        free(n);
    }
    {
        const char *body = "殺すぞ";
        const char *q[] = {"殺すぞ"};
        char *a = annotation_for(body, "威嚇・脅迫", q, 1);
        char *n = note(a, body, "ja");
        contains_str(n, "・威嚇・脅迫（本文 1行目）: 「殺すぞ」\n", "a quote that is the whole sentence is not repeated");
        free(a);
        free(n);
    }
    {
        /* Offsets that do not point at the quote (a body other than the
         * one annotated): the quote alone, as before. */
        const char *q[] = {"殺すぞ"};
        char *a = annotation_for("殺すぞ", "威嚇・脅迫", q, 1);
        char *n = note(a, "まったく別の本文です。", "ja");
        contains_str(n, "・威嚇・脅迫（本文 1行目）: 「殺すぞ」", "offsets that miss the quote fall back to the quote");
        ok(strstr(n, "まったく別") == NULL, "... and never show unrelated text");
        free(n);
        n = note(a, NULL, "ja");
        contains_str(n, "・威嚇・脅迫（本文）: 「殺すぞ」", "without the original text: the quote alone");
        free(a);
        free(n);
    }
    {
        /* Five sentences with a match each: four lines at most, two per
         * category. */
        const char *body = "死ね。消えろ。黙れ。クズ。ゴミ。";
        const char *q[] = {"死ね", "消えろ", "黙れ", "クズ", "ゴミ"};
        char *a = annotation_for(body, "暴言・侮辱", q, 5);
        char *n = note(a, body, "ja");
        ok(strstr(n, "「死ね。」") != NULL && strstr(n, "「消えろ。」") != NULL, "the first two sentences are shown");
        ok(strstr(n, "黙れ") == NULL && strstr(n, "クズ") == NULL, "... and no more than two for one category");
        free(a);
        free(n);
    }
    {
        /* HTML: the sentence is escaped like every customer text. */
        const char *body = "<b>I will hurt you</b> tomorrow.";
        const char *q[] = {"hurt you"};
        char *a = annotation_for(body, "Threat", q, 1);
        struct mamori_annotation an;
        struct mamori_note_context ctx = {"en", NULL, body, NULL, NULL};
        struct mamori_buf out = MAMORI_BUF_INIT;
        struct mamori_error err;
        json_t *j = json_loads(a, 0, NULL);
        mamori_annotation_init(&an);
        ok(mamori_annotation_from_json(&an, j, &err) == 0 && mamori_note_render(&an, &ctx, MAMORI_NOTE_HTML, &out) == 0,
           "HTML note renders");
        contains_str(mamori_buf_str(&out), "&lt;b&gt;I will hurt you&lt;/b&gt; tomorrow.", "the sentence is HTML-escaped");
        json_decref(j);
        mamori_annotation_free(&an);
        mamori_buf_free(&out);
        free(a);
    }
    /* ---- the model's reading is marked as such ----------------------- */
    {
        const char *body = "ご連絡します。明日お前の店に行く。覚悟しとけ。";
        const char *q[] = {"明日お前の店に行く。"};
        char *js = annotation_for(body, "威嚇・脅迫", q, 1), *js_model, *js_rule, *n1, *n2, *n3;
        json_t *root = json_loads(js, 0, NULL);
        json_t *cat = json_array_get(json_object_get(root, "categories"), 0);
        json_t *ev = json_array_get(json_object_get(cat, "evidence"), 0);

        json_object_set_new(ev, "rule", json_string("model"));
        js_model = json_dumps(root, 0);
        json_object_set_new(ev, "rule", json_string("threat.visit"));
        js_rule = json_dumps(root, 0);
        n1 = note(js_model, body, "ja");
        n2 = note(js_rule, body, "ja");
        n3 = note(js_model, body, "en");
        contains_str(n1, "明日お前の店に行く。」（モデルの読み取り）", "a sentence the model weighed is marked as its reading (ja)");
        ok(strstr(n2, "モデルの読み取り") == NULL, "a rule's match is not");
        contains_str(n3, "(the model's reading)", "... and in English");
        free(n1);
        free(n2);
        free(n3);
        free(js);
        free(js_model);
        free(js_rule);
        json_decref(root);
    }
    /* ---- whom to call: first, whatever the number of reasons ----------- */
    {
        const char *js = "{\"is_harassment\": true, \"severity\": \"critical\", \"categories\": [{\"id\": \"threat\","
                         " \"label\": \"威嚇・脅迫\", \"score\": 2, \"severity\": \"critical\", \"harassment\": true}],"
                         " \"escalation\": {\"level\": \"police\", \"reasons\": [\"理由一\", \"理由二\", \"理由三\","
                         " \"連絡先: 山田法律事務所 弁護士 山田\"], \"legal_basis\": [\"刑法222条\"]}}";
        const char *js_en = "{\"is_harassment\": true, \"severity\": \"critical\", \"categories\": [{\"id\": \"threat\","
                            " \"label\": \"Threat\", \"score\": 2, \"severity\": \"critical\", \"harassment\": true}],"
                            " \"escalation\": {\"level\": \"lawyer\", \"reasons\": [\"one\", \"two\", \"three\","
                            " \"Contact: Yamada Law, attorney Yamada\"]}}";
        char *n1 = note(js, "", "ja"), *n2 = note(js_en, "", "en");
        const char *c1 = strstr(n1, "・連絡先: 山田法律事務所 弁護士 山田\n");

        ok(c1 != NULL && strstr(n1, "警察へ通報\n・連絡先: 山田法律事務所 弁護士 山田\n・理由一\n・理由二\n・根拠: 刑法222条") != NULL,
           "police, three reasons and a contact: the contact line first");
        ok(strstr(n1, "理由三") == NULL, "... the reasons still cut to two");
        ok(strstr(n2, "consult the lawyer\n・Contact: Yamada Law, attorney Yamada\n・one\n・two\n") != NULL,
           "... in English too");
        if (c1 == NULL)
            diag("%s", n1);
        free(n1);
        free(n2);
    }
    /* ---- the note's outbox job (note/job.h) --------------------------- */
    {
        struct mamori_buf key = MAMORI_BUF_INIT;
        json_t *ticket = json_pack("{s:s, s:s}", "subject", "件名", "body", "本文");
        json_t *ann = json_pack("{s:[]}", "categories");
        json_t *job = mamori_note_job_new("acme", "evt-1", ticket, ann, "弁護士に連絡済み");
        char *text = job ? json_dumps(job, JSON_COMPACT) : NULL;
        json_t *back = text ? json_loads(text, 0, NULL) : NULL;
        struct mamori_note_job r;

        mamori_note_job_key(&key, "acme", "zendesk", "evt-1");
        is_str(mamori_buf_str(&key), "acme:zendesk:evt-1:note", "the job's dedupe key");
        ok(back != NULL && mamori_note_job_read(back, &r) == 0, "a built job reads back");
        is_str(r.tenant, "acme", "... tenant");
        is_str(r.subject, "件名", "... the ticket's subject");
        is_str(r.lawyer_status, "弁護士に連絡済み", "... what the agent is told about the lawyer");
        ok(r.annotation != NULL && r.lawyer == NULL, "... an annotation's note");
        json_decref(job);
        job = mamori_note_job_new("acme", "evt-2", ticket, ann, "");
        ok(job != NULL && json_object_get(job, "lawyer_status") == NULL, "no lawyer_status key when there is none");
        json_decref(job);
        json_decref(back);
        free(text);
        json_decref(ticket);
        json_decref(ann);
        mamori_buf_free(&key);
    }
    return done();
}
