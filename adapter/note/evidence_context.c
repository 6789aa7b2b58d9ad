/* evidence_context.c -- see evidence_context.h. */
#include "config.h"

#include "note/evidence_context.h"

#include <string.h>

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static int is_space(const char *t, size_t len, size_t i, size_t *n)
{
    unsigned char c = (unsigned char)t[i];

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        *n = 1;
        return 1;
    }
    if (i + 3 <= len && memcmp(t + i, "\xE3\x80\x80", 3) == 0) { /* U+3000 ideographic space */
        *n = 3;
        return 1;
    }
    return 0;
}

long mamori_sentence_end_at(const char *t, size_t len, size_t i)
{
    static const char *const wide[] = {"\xE3\x80\x82", /* 。 */ "\xEF\xBC\x81", /* ！ */ "\xEF\xBC\x9F", /* ？ */
                                       "\xEF\xBC\x8E" /* ． */};
    unsigned char c = (unsigned char)t[i];
    size_t n;

    if (c == '\n' || c == '\r')
        return -1;
    if (c == '!' || c == '?')
        return 1;
    if (c == '.')
        return (i + 1 == len || is_space(t, len, i + 1, &n)) ? 1 : 0;
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++)
        if (i + 3 <= len && memcmp(t + i, wide[k], 3) == 0)
            return 3;
    return 0;
}

/* Whether text[b, e) ends with sentence punctuation. */
static int ends_with_terminator(const char *text, size_t len, size_t b, size_t e)
{
    size_t last;
    long t;

    if (e <= b)
        return 0;
    last = e - 1;
    while (last > b && is_cont((unsigned char)text[last]))
        last--;
    t = mamori_sentence_end_at(text, len, last);
    return t > 0 && last + (size_t)t == e;
}

int mamori_evidence_sentence(const char *text, size_t len, size_t b, size_t e, size_t *sb, size_t *se)
{
    size_t i, n;

    if (text == NULL || b > e || e > len)
        return -1;
    /* Back to just after the previous sentence end. */
    for (i = b; i > 0;) {
        size_t start = i - 1; /* the character before i */
        long t;
        while (start > 0 && is_cont((unsigned char)text[start]))
            start--;
        t = mamori_sentence_end_at(text, len, start);
        if (t == -1 || (t > 0 && start + (size_t)t == i))
            break;
        i = start;
    }
    *sb = i;
    /* Forward to the end of this sentence, its punctuation included
     * (unless the match ends with it already). */
    i = e;
    if (!ends_with_terminator(text, len, b, e)) {
        while (i < len) {
            long t = mamori_sentence_end_at(text, len, i);
            if (t == -1)
                break;
            if (t > 0) {
                i += (size_t)t;
                break;
            }
            i++;
            while (i < len && is_cont((unsigned char)text[i]))
                i++;
        }
    }
    *se = i;
    while (*sb < b && is_space(text, len, *sb, &n) && *sb + n <= b)
        *sb += n;
    while (*se > e) {
        size_t k = *se - 1;
        while (k > e && is_cont((unsigned char)text[k]))
            k--;
        if (!is_space(text, len, k, &n) || k + n != *se)
            break;
        *se = k;
    }
    return 0;
}

/* Characters in text[a, z). */
static size_t chars(const char *text, size_t a, size_t z)
{
    size_t n = 0;
    for (size_t i = a; i < z; i++)
        n += !is_cont((unsigned char)text[i]);
    return n;
}

void mamori_evidence_window(const char *text, size_t sb, size_t se, size_t b, size_t e,
                            struct mamori_context_span *out)
{
    size_t i, k;

    out->begin = sb;
    out->end = se;
    out->cut_before = out->cut_after = 0;
    if (chars(text, sb, se) <= MAMORI_CONTEXT_SENTENCE_MAX)
        return;
    /* MAMORI_CONTEXT_SIDE characters before b ... */
    for (i = b, k = 0; i > sb && k < MAMORI_CONTEXT_SIDE; k++) {
        i--;
        while (i > sb && is_cont((unsigned char)text[i]))
            i--;
    }
    if (i > sb) {
        out->begin = i;
        out->cut_before = 1;
    }
    /* ... and after e. */
    for (i = e, k = 0; i < se && k < MAMORI_CONTEXT_SIDE; k++) {
        i++;
        while (i < se && is_cont((unsigned char)text[i]))
            i++;
    }
    if (i < se) {
        out->end = i;
        out->cut_after = 1;
    }
}
