/* amount.c -- see amount.h. */
#include "config.h"

#include <string.h>

#include "amount.h"
#include "policy.h"

/* Currency words as they look after normalization (katakana folded, lower
 * case, ￥ -> ¥). Units follow the number; marks and codes precede it. A
 * Latin word needs a word boundary on its far side (5 dollarsign is not
 * money). Longer entries first where one is a prefix of another. */
struct cur_word {
    const char *s;
    uint8_t len;
    uint8_t latin;
    uint32_t cur;
};

#define W(str, latin, cur) {str, (uint8_t)(sizeof str - 1), latin, cur}

static const struct cur_word units[] = {
    W("\xE5\x86\x86", 0, RULES_CUR_JPY),                         /* 円 */
    W("\xE5\x9C\x93", 0, RULES_CUR_JPY),                         /* 圓 */
    W("yen", 1, RULES_CUR_JPY),
    W("jpy", 1, RULES_CUR_JPY),
    W("\xE7\xB1\xB3\xE3\x81\xA9\xE3\x82\x8B", 0, RULES_CUR_USD), /* 米どる */
    W("\xE3\x81\xA9\xE3\x82\x8B", 0, RULES_CUR_USD),             /* どる */
    W("dollars", 1, RULES_CUR_USD),
    W("dollar", 1, RULES_CUR_USD),
    W("bucks", 1, RULES_CUR_USD),
    W("usd", 1, RULES_CUR_USD),
    W("$", 0, RULES_CUR_USD),
    W("\xE3\x82\x86\xE3\x83\xBC\xE3\x82\x8D", 0, RULES_CUR_EUR), /* ゆーろ */
    W("euros", 1, RULES_CUR_EUR),
    W("euro", 1, RULES_CUR_EUR),
    W("eur", 1, RULES_CUR_EUR),
    W("\xE2\x82\xAC", 0, RULES_CUR_EUR),                         /* € */
    W("\xE3\x81\xBD\xE3\x82\x93\xE3\x81\xA9", 0, RULES_CUR_GBP), /* ぽんど */
    W("pounds", 1, RULES_CUR_GBP),
    W("pound", 1, RULES_CUR_GBP),
    W("gbp", 1, RULES_CUR_GBP),
    W("\xC2\xA3", 0, RULES_CUR_GBP),                             /* £ */
};

static const struct cur_word marks[] = {
    W("\xC2\xA5", 0, RULES_CUR_JPY), /* ¥ */
    W("jpy", 1, RULES_CUR_JPY),
    W("$", 0, RULES_CUR_USD),
    W("usd", 1, RULES_CUR_USD),
    W("\xE2\x82\xAC", 0, RULES_CUR_EUR), /* € */
    W("eur", 1, RULES_CUR_EUR),
    W("\xC2\xA3", 0, RULES_CUR_GBP), /* £ */
    W("gbp", 1, RULES_CUR_GBP),
};

#undef W

const char rules_currency_names[] = "円 万円 ¥ yen JPY | $ ドル dollars bucks USD | € ユーロ euros EUR | £ ポンド pounds GBP";

uint32_t rules_currency_bit(const char *s, size_t len)
{
    /* 万円, 千円: a unit with a multiplier in front still names the yen */
    static const char *const mult[] = {"\xE4\xB8\x87", "\xE5\x8D\x83", "\xE7\x99\xBE", "\xE5\x84\x84", NULL};

    for (int i = 0; mult[i]; i++)
        if (len > 3 && memcmp(s, mult[i], 3) == 0) {
            s += 3;
            len -= 3;
            break;
        }
    if (len == 3 && memcmp(s, "us$", 3) == 0)
        return RULES_CUR_USD;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (units[i].len == len && memcmp(units[i].s, s, len) == 0)
            return units[i].cur;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (marks[i].len == len && memcmp(marks[i].s, s, len) == 0)
            return marks[i].cur;
    return 0;
}

const char *rules_currency_code(uint32_t bit)
{
    switch (bit) {
    case RULES_CUR_JPY: return "JPY";
    case RULES_CUR_USD: return "USD";
    case RULES_CUR_EUR: return "EUR";
    case RULES_CUR_GBP: return "GBP";
    default: return "?";
    }
}

static int digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* Kanji digit value, or -1. */
static int kanji_digit(uint32_t c)
{
    switch (c) {
    case 0x3007: case 0x96F6: return 0; /* 〇 零 */
    case 0x4E00: return 1;              /* 一 */
    case 0x4E8C: return 2;              /* 二 */
    case 0x4E09: return 3;              /* 三 */
    case 0x56DB: return 4;              /* 四 */
    case 0x4E94: return 5;              /* 五 */
    case 0x516D: return 6;              /* 六 */
    case 0x4E03: return 7;              /* 七 */
    case 0x516B: return 8;              /* 八 */
    case 0x4E5D: return 9;              /* 九 */
    default: return -1;
    }
}

/* 十 百 千 */
static double small_unit(uint32_t c)
{
    return c == 0x5341 ? 10 : c == 0x767E ? 100 : c == 0x5343 ? 1000 : 0;
}

/* 万 億 兆 */
static double big_unit(uint32_t c)
{
    return c == 0x4E07 ? 1e4 : c == 0x5104 ? 1e8 : c == 0x5146 ? 1e12 : 0;
}

/* Does word w stand at normalized char i (bytes compared)? Returns the
 * number of chars it covers, or 0. */
static size_t word_at(const struct rules_ntext *nt, size_t i, const struct cur_word *w)
{
    size_t b = nt->u8off[i], n = 0;

    if (b + w->len > nt->u8len || memcmp(nt->u8 + b, w->s, w->len) != 0)
        return 0;
    while (i + n < nt->len && nt->u8off[i + n] < b + w->len)
        n++;
    if (w->latin && i + n < nt->len && rules_is_latin_alnum(nt->cp[i + n]))
        return 0;
    return n;
}

/* Does word w end just before normalized char i? Returns its first char. */
static int word_before(const struct rules_ntext *nt, size_t i, const struct cur_word *w, size_t *start)
{
    size_t b = nt->u8off[i], s;

    if (b < w->len || memcmp(nt->u8 + b - w->len, w->s, w->len) != 0)
        return 0;
    s = rules_ntext_char_at(nt, b - w->len);
    if (nt->u8off[s] != b - w->len)
        return 0;
    if (w->latin && s > 0 && rules_is_latin_alnum(nt->cp[s - 1]))
        return 0;
    *start = s;
    return 1;
}

/* Parse a number at i: ASCII digits with thousands commas and a decimal
 * part, kanji numerals, and the multipliers 十百千万億兆 (3万5千, 1.5万,
 * 十万). Returns the end, or i when there is no number. */
static size_t parse_number(const struct rules_ntext *nt, size_t i, double *value)
{
    const uint32_t *cp = nt->cp;
    size_t n = nt->len, j = i;
    double total = 0, section = 0, cur = 0;
    int have_cur = 0, have_any = 0;

    while (j < n) {
        uint32_t c = cp[j];
        double m;
        int d;

        if (digit(c)) {
            size_t k = j;
            if (have_cur)
                break;
            cur = 0;
            while (k < n && digit(cp[k]))
                cur = cur * 10 + (cp[k++] - '0');
            /* 50,000: a comma followed by exactly three digits */
            while (k + 3 < n && cp[k] == ',' && digit(cp[k + 1]) && digit(cp[k + 2]) && digit(cp[k + 3]) &&
                   (k + 4 >= n || !digit(cp[k + 4]))) {
                cur = cur * 1000 + (cp[k + 1] - '0') * 100 + (cp[k + 2] - '0') * 10 + (cp[k + 3] - '0');
                k += 4;
            }
            if (k + 1 < n && cp[k] == '.' && digit(cp[k + 1])) {
                double f = 0.1;
                for (k++; k < n && digit(cp[k]); k++, f /= 10)
                    cur += (cp[k] - '0') * f;
            }
            j = k;
            have_cur = have_any = 1;
        } else if ((d = kanji_digit(c)) >= 0) {
            cur = (have_cur ? cur * 10 : 0) + d;
            have_cur = have_any = 1;
            j++;
        } else if ((m = small_unit(c)) > 0) {
            section += (have_cur ? cur : 1) * m;
            cur = 0;
            have_cur = 0;
            have_any = 1;
            j++;
        } else if ((m = big_unit(c)) > 0) {
            if (!have_cur && section == 0)
                break; /* 万 with no number before it (数万円, 何万円) */
            total += (section + cur) * m;
            section = cur = 0;
            have_cur = 0;
            j++;
        } else {
            break;
        }
    }
    if (!have_any)
        return i;
    *value = total + section + cur;
    return j;
}

/* English multipliers after a number: 5k, 5 thousand, 2 million. */
static size_t english_multiplier(const struct rules_ntext *nt, size_t j, double *value)
{
    static const struct cur_word words[] = {
        {"thousand", 8, 1, 1}, {"million", 7, 1, 2}, {"billion", 7, 1, 3}, {"k", 1, 1, 1}, {"m", 1, 1, 2},
    };
    static const double mult[] = {0, 1e3, 1e6, 1e9};

    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t at = j, n;
        if (words[w].len > 1 && at < nt->len && nt->cp[at] == ' ')
            at++; /* "5 million", but "5k" only joined */
        if (at < nt->len && (n = word_at(nt, at, &words[w])) > 0) {
            *value *= mult[words[w].cur];
            return at + n;
        }
    }
    return j;
}

int rules_money_scan(const struct rules_ntext *nt, int (*fn)(void *ctx, const struct rules_money *m), void *ctx)
{
    const uint32_t *cp = nt->cp;
    size_t n = nt->len, i = 0, d = 0;

    while (i < n) {
        struct rules_money m;
        size_t j, start, end;
        double v = 0;
        uint32_t cur = 0;
        int rc;

        if (!digit(cp[i]) && kanji_digit(cp[i]) < 0 && small_unit(cp[i]) == 0) {
            i++;
            continue;
        }
        if (i > 0 && digit(cp[i]) && (digit(cp[i - 1]) || cp[i - 1] == '.' || cp[i - 1] == ',')) {
            i++; /* inside a number we did not take (1,00 or 1.2.3) */
            continue;
        }
        j = parse_number(nt, i, &v);
        if (j == i) {
            i++;
            continue;
        }
        j = english_multiplier(nt, j, &v);
        start = i;
        end = j;
        m.ob = nt->ob[i];
        /* A mark or code before the number: ¥30000, $ 500, usd 500; or a
         * mark normalization dropped between letters (払え¥30000). */
        for (size_t w = 0; w < sizeof marks / sizeof marks[0] && cur == 0; w++) {
            size_t at = i, s;
            if (at > 0 && cp[at - 1] == ' ')
                at--;
            if (at > 0 && word_before(nt, at, &marks[w], &s)) {
                cur = marks[w].cur;
                start = s;
                m.ob = nt->ob[s];
            }
        }
        while (d < nt->ndrop && nt->dpos[d] < i)
            d++;
        for (size_t k = d; cur == 0 && k < nt->ndrop && nt->dpos[k] == i; k++) {
            uint32_t c = nt->dcp[k];
            cur = c == 0xA5 ? RULES_CUR_JPY : c == '$' ? RULES_CUR_USD : c == 0x20AC ? RULES_CUR_EUR
                : c == 0xA3 ? RULES_CUR_GBP : 0;
            if (cur != 0)
                m.ob = nt->dob[k];
        }
        /* A unit after it: 円, ドル, dollars (the unit is part of the
         * evidence even when a mark came first: $500 dollars). */
        {
            size_t at = j < n && cp[j] == ' ' ? j + 1 : j;
            for (size_t w = 0; w < sizeof units / sizeof units[0] && at < n; w++) {
                size_t len = word_at(nt, at, &units[w]);
                if (len > 0) {
                    if (cur == 0)
                        cur = units[w].cur;
                    end = at + len;
                    break;
                }
            }
        }
        i = j > i ? j : i + 1;
        if (cur == 0)
            continue;
        m.s = (uint32_t)start;
        m.e = (uint32_t)end;
        m.oe = nt->oe[end - 1];
        m.value = v;
        m.currency = cur;
        if ((rc = fn(ctx, &m)) != 0)
            return rc;
    }
    return 0;
}
