/*
 * fuzz_note.c -- libFuzzer target: the agent's note over arbitrary text and
 * evidence offsets (note.c, evidence_context.c). The offsets are what a
 * plugin reports: usually right, sometimes past the text or pointing at
 * other bytes; the note must never read outside the text, and a sentence
 * window must hold its matches.
 * Input: [n][n pairs of (begin, end) bytes][format][text...].
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "note/evidence_context.h"
#include "note/note.h"
#include "plugin/annotation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_annotation a;
    struct mamori_category_item *c = NULL;
    struct mamori_buf out = MAMORI_BUF_INIT;
    struct mamori_note_context ctx;
    size_t n, len;
    char *text;
    int fmt;

    if (size < 2)
        return 0;
    n = data[0] % 8;
    if (size < 2 + 2 * n)
        return 0;
    fmt = data[1 + 2 * n] % 4;
    len = size - 2 - 2 * n;
    if ((text = malloc(len + 1)) == NULL)
        return 0;
    memcpy(text, data + 2 + 2 * n, len);
    text[len] = '\0';
    len = strlen(text); /* the note works on C strings, as fields are */
    mamori_annotation_init(&a);
    if (mamori_annotation_add_category(&a, "threat", "威嚇・脅迫", 2.0, 3, 1, &c) == 0) {
        for (size_t i = 0; i < n; i++) {
            size_t b = data[1 + 2 * i], e = b + data[2 + 2 * i] % 32;
            size_t sb, se;
            struct mamori_context_span w;

            /* The quote: the text's bytes when the span is inside, else
             * other bytes (a plugin's mistake). */
            if (e <= len)
                mamori_annotation_add_evidence(c, "body", b, e, text + b, e - b, NULL, 1.0);
            else
                mamori_annotation_add_evidence(c, "body", b, e, "殺すぞ", strlen("殺すぞ"), NULL, 1.0);
            if (mamori_evidence_sentence(text, len, b, e, &sb, &se) == 0) {
                if (!(sb <= b && e <= se && se <= len))
                    abort();
                mamori_evidence_window(text, sb, se, b, e, &w);
                if (!(w.begin >= sb && w.begin <= b && w.end >= e && w.end <= se))
                    abort();
            } else if (e <= len) {
                abort(); /* a span inside the text always has a sentence */
            }
        }
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.language = (fmt & 1) ? "en" : "ja";
    ctx.body = text;
    mamori_note_render(&a, &ctx, (enum mamori_note_format)fmt, &out);
    mamori_buf_free(&out);
    mamori_annotation_free(&a);
    free(text);
    return 0;
}
