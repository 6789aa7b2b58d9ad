/*
 * quote_scope.c -- which parts of a field are not the customer's words now.
 *
 * The judgement is on what the customer wrote in this message. Marked as
 * quoted (and dropped by rules with "quoted": "exclude"):
 *   - reply history: a line starting with '>', and everything from a line
 *     holding a history marker ("-----original message-----", "wrote:") or
 *     a mail-client date header ("2024年11月10日 9:02 山田 <a@b>:") on;
 *   - staff lines of a chat transcript: a line whose first word is a staff
 *     prefix ("担当:", "agent:"), after an optional timestamp;
 *   - reported speech: a quotation 「…」『…』“…” "…" '…' ‘…’ followed within
 *     the window by an attribution ("と言われ") or preceded by one ("told
 *     me"). After 」と / 」って the attribution may stand further away, up to
 *     quotation.clause_window in the same sentence (「…」と小さな声で言われ).
 *     In staff-written notes (quotation.notes_channels, phone_note by
 *     default) a quotation is the customer's own words and stays.
 */
#include "config.h"

#include <string.h>

#include "eval_internal.h"

static int has_in_range(const uint32_t *a, size_t n, uint32_t lo, uint32_t hi)
{
    /* any a[i] in [lo, hi] (a sorted) */
    size_t l = 0, h = n;

    while (l < h) {
        size_t m = l + (h - l) / 2;
        if (a[m] < lo)
            l = m + 1;
        else
            h = m;
    }
    return l < n && a[l] <= hi;
}

static int is_ascii_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* "2024年11月10日 9:02 山田 <a@b>:" or "2024/11/10 9:02 ... :" -- a date
 * header that mail clients put above the quoted message. */
static int date_header(const struct rules_ntext *nt, size_t a, size_t b)
{
    size_t i = a, digits = 0;

    while (i < b && nt->cp[i] == ' ')
        i++;
    while (i < b && is_ascii_digit(nt->cp[i])) {
        i++;
        digits++;
    }
    if (digits != 4 || i >= b || !(nt->cp[i] == 0x5E74 /* 年 */ || nt->cp[i] == '/' || nt->cp[i] == '-'))
        return 0;
    while (b > i && nt->cp[b - 1] == ' ')
        b--;
    return b > i && nt->cp[b - 1] == ':';
}

/* Skip a leading timestamp such as "[10:02]" or "10:02" before a prefix. */
static size_t skip_stamp(const struct rules_ntext *nt, size_t i, size_t b)
{
    size_t j = i;

    while (j < b && (is_ascii_digit(nt->cp[j]) || nt->cp[j] == ':' || nt->cp[j] == '[' || nt->cp[j] == ']' ||
                     nt->cp[j] == '(' || nt->cp[j] == ')' || nt->cp[j] == '/' || nt->cp[j] == '-' ||
                     nt->cp[j] == ' '))
        j++;
    return j;
}

static int opener(uint32_t c)
{
    return c == 0x300C || c == 0x300E || c == 0x201C || c == 0xFF62;
}

static uint32_t closer_of(uint32_t c)
{
    switch (c) {
    case 0x300C: return 0x300D; /* 「」 */
    case 0x300E: return 0x300F; /* 『』 */
    case 0x201C: return 0x201D; /* “” */
    case 0xFF62: return 0xFF63;
    default: return '"';
    }
}

static void mark(struct rules_field_ctx *fc, size_t a, size_t b)
{
    memset(fc->excl + a, 1, b - a);
}

static int word_char(uint32_t c)
{
    return rules_is_latin_alnum(c) || rules_is_japanese(c);
}

/* Single quotes: the apostrophe (‘ and ’ are folded to it) opens a
 * quotation at the start of a word ("told me 'go") and closes one at the
 * end of a word ("hell'"), so "don't" and "customers' orders" are not
 * quotations unless one is open. */
static int sq_opens(const struct rules_ntext *nt, size_t i)
{
    return (i == 0 || (!word_char(nt->cp[i - 1]) && nt->cp[i - 1] != '\'')) && i + 1 < nt->len &&
           nt->cp[i + 1] != ' ' && nt->cp[i + 1] != '\'' && !(nt->fl[i + 1] & RULES_NF_NEWLINE);
}

static int sq_closes(const struct rules_ntext *nt, size_t i)
{
    return i > 0 && nt->cp[i - 1] != ' ' && !(nt->fl[i - 1] & RULES_NF_NEWLINE) &&
           (i + 1 >= nt->len || !word_char(nt->cp[i + 1]));
}

/* A quotative particle right after a closing mark: 」と, 」って, 」など,
 * 」なんて -- the quotation is the object of the verb that follows. */
static int quotative_at(const struct rules_ntext *nt, size_t j)
{
    const uint32_t *cp = nt->cp;

    if (j >= nt->len)
        return 0;
    if (cp[j] == 0x3068) /* と, とか */
        return 1;
    if (cp[j] == 0x3063 && j + 1 < nt->len && cp[j + 1] == 0x3066) /* って */
        return 1;
    if (cp[j] == 0x306A && j + 1 < nt->len && /* など, なんて */
        (cp[j + 1] == 0x3069 || (cp[j + 1] == 0x3093 && j + 2 < nt->len && cp[j + 2] == 0x3066)))
        return 1;
    return 0;
}

/* First a[i] >= x (a sorted), or n. */
static size_t first_at_least(const uint32_t *a, size_t n, uint32_t x)
{
    size_t l = 0, h = n;

    while (l < h) {
        size_t m = l + (h - l) / 2;
        if (a[m] < x)
            l = m + 1;
        else
            h = m;
    }
    return l;
}

/* Is the quotation [o, c] (c: its closing mark) attributed to someone else? */
static int attributed(const struct rules_policy *p, const struct rules_ntext *nt, const struct rules_field_ctx *fc,
                      uint32_t o, uint32_t c)
{
    uint32_t w = p->q_window, lo = o > w ? o - w : 0;

    if (fc->nq_after > 0 && has_in_range(fc->q_after, fc->nq_after, c + 1, c + 1 + w))
        return 1;
    if (fc->nq_before > 0 && has_in_range(fc->q_before, fc->nq_before, lo, o))
        return 1;
    if (fc->nq_after > 0 && p->q_clause_window > w && quotative_at(nt, c + 1)) {
        /* 「…」と小さな声で言われ: the nearest cue after the mark, if it is
         * within the clause window and in the same sentence. */
        size_t i = first_at_least(fc->q_after, fc->nq_after, c + 1);
        if (i < fc->nq_after && fc->q_after[i] <= c + 1 + p->q_clause_window &&
            fc->bcount[fc->q_after[i]] == fc->bcount[c + 1])
            return 1;
    }
    return 0;
}

int rules_quote_scope(const struct rules_policy *p, const struct rules_ntext *nt, struct rules_field_ctx *fc,
                      int notes)
{
    size_t n = nt->len, ls = 0;

    memset(fc->excl, 0, n);
    /* Lines: '>' quotes, staff prefixes, history markers. */
    while (ls < n) {
        size_t le = ls, first = ls, stamp;
        while (le < n && !(nt->fl[le] & RULES_NF_NEWLINE))
            le++;
        while (first < le && nt->cp[first] == ' ')
            first++;
        if ((fc->nhistory > 0 && le > ls && has_in_range(fc->history, fc->nhistory, (uint32_t)ls, (uint32_t)le - 1)) ||
            (le > first && date_header(nt, first, le))) {
            mark(fc, ls, n);
            break;
        }
        stamp = skip_stamp(nt, first, le);
        if (first < le && nt->cp[first] == '>')
            mark(fc, ls, le);
        else if (fc->nstaff > 0 &&
                 (has_in_range(fc->staff, fc->nstaff, (uint32_t)first, (uint32_t)first) ||
                  (stamp < le && has_in_range(fc->staff, fc->nstaff, (uint32_t)stamp, (uint32_t)stamp))))
            mark(fc, ls, le);
        ls = le + 1;
    }
    /* Reported speech of others. */
    if (!notes && (fc->nq_after > 0 || fc->nq_before > 0)) {
        uint32_t stack_open[32], stack_close[32];
        size_t depth = 0;

        for (size_t i = 0; i < n; i++) {
            uint32_t c = nt->cp[i];
            int closes = 0;

            if (c == '\'') {
                if (depth > 0 && stack_close[depth - 1] == '\'' && sq_closes(nt, i))
                    closes = 1;
                else if (sq_opens(nt, i) && depth < 32) {
                    stack_open[depth] = (uint32_t)i;
                    stack_close[depth] = '\'';
                    depth++;
                    continue;
                } else {
                    continue; /* an apostrophe */
                }
            } else if (depth > 0 && c == stack_close[depth - 1]) {
                closes = 1;
            } else if (depth > 0 && stack_close[depth - 1] == '\'' &&
                       (c == '"' || c == 0x300D || c == 0x300F || c == 0x201D || c == 0xFF63)) {
                /* A closing mark ends the single quotes still open inside
                 * its quotation (a stray apostrophe cannot swallow 」). */
                size_t d = depth;
                while (d > 0 && stack_close[d - 1] == '\'')
                    d--;
                if (d > 0 && stack_close[d - 1] == c) {
                    depth = d;
                    closes = 1;
                }
            }
            if (closes) {
                depth--;
                if (depth == 0 && attributed(p, nt, fc, stack_open[0], (uint32_t)i))
                    mark(fc, stack_open[0], i + 1);
                continue;
            }
            if ((opener(c) || c == '"') && depth < 32) {
                stack_open[depth] = (uint32_t)i;
                stack_close[depth] = closer_of(c);
                depth++;
            } else if (nt->fl[i] & RULES_NF_NEWLINE) {
                /* Single quotes do not run across lines; a quotation does
                 * not run across paragraphs; an unclosed one (a stray
                 * quote mark) must not swallow the text. */
                while (depth > 0 && stack_close[depth - 1] == '\'')
                    depth--;
                if (i + 1 < n && (nt->fl[i + 1] & RULES_NF_NEWLINE))
                    depth = 0;
            }
        }
    }
    fc->xcount[0] = 0;
    for (size_t i = 0; i < n; i++)
        fc->xcount[i + 1] = fc->xcount[i] + fc->excl[i];
    return RULES_OK;
}
