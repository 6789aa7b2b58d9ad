/*
 * evidence_context.h -- the sentence around an evidence quote, for the
 * agent's note.
 *
 * The rules plugin quotes exactly the words that matched ("she", "works",
 * "I know which"); alone they tell the agent little. The note shows the
 * sentence they stand in instead, and the matched words after it. A
 * sentence ends after 。！？!? , after '.' followed by white space or the
 * end, and at a line break; a long sentence is cut to a window around the
 * matches, with "…" where it was cut. Offsets are bytes of the original
 * field; every cut falls on a UTF-8 character boundary.
 */
#ifndef MAMORI_EVIDENCE_CONTEXT_H
#define MAMORI_EVIDENCE_CONTEXT_H

#include <stddef.h>

/* A sentence longer than this many characters is cut to a window of
 * MAMORI_CONTEXT_SIDE characters on each side of the matches. */
#define MAMORI_CONTEXT_SENTENCE_MAX 90
#define MAMORI_CONTEXT_SIDE 30

struct mamori_context_span {
    size_t begin, end;   /* the bytes to show: text[begin, end) */
    int cut_before;      /* the sentence goes on before begin: show "…" */
    int cut_after;       /* ... and after end */
};

/* The length of the sentence punctuation at text[i] (。！？． !? or a '.'
 * followed by white space or the end), -1 for a line break (it ends a
 * sentence but is not part of it), 0 otherwise. i < len. */
long mamori_sentence_end_at(const char *text, size_t len, size_t i);

/* The bounds of the sentence of text (len bytes) that holds the bytes
 * [b, e), without surrounding white space, into *sb and *se. Returns 0,
 * or -1 when [b, e) is not inside the text. */
int mamori_evidence_sentence(const char *text, size_t len, size_t b, size_t e, size_t *sb, size_t *se);

/* What to show of the sentence [sb, se) for the matches spanning [b, e)
 * (inside it): all of it, or a window around [b, e) when it is long. */
void mamori_evidence_window(const char *text, size_t sb, size_t se, size_t b, size_t e,
                            struct mamori_context_span *out);

#endif
