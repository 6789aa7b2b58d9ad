/*
 * rules_util.h -- small helpers shared by the rules engine: the engine's
 * error struct, growable arrays, a byte buffer, UTF-8 coding and the
 * character classes normalization and matching agree on.
 *
 * The engine links against nothing of the adapter (the plugin must not), so
 * it keeps its own copies of these few helpers.
 */
#ifndef MAMORI_RULES_UTIL_H
#define MAMORI_RULES_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Return codes: the same numbers as MAMORI_PLUGIN_* so the plugin can pass
 * them through unchanged. */
enum {
    RULES_OK = 0,
    RULES_ENOMEM = -1,
    RULES_EINVAL = -2,
    RULES_EIO = -3,
    RULES_EAUTH = -4,
    RULES_ENOTFOUND = -5,
    RULES_EINTERNAL = -9
};

/* Caller-owned error detail, same shape as struct mamori_plugin_error. */
struct rules_error {
    int code;
    char message[512];
};

#if defined(__GNUC__)
#define RULES_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RULES_PRINTF(f, a)
#endif

/* Set err (may be NULL) and return code. */
int rules_err(struct rules_error *err, int code, const char *fmt, ...) RULES_PRINTF(3, 4);
/* Prefix the existing message: "PREFIX: old message". */
void rules_err_prefix(struct rules_error *err, const char *fmt, ...) RULES_PRINTF(2, 3);

/* Make room for `need` elements of `elem` bytes in *array (capacity *cap).
 * Returns 0 or RULES_ENOMEM (array unchanged). */
int rules_grow(void **array, size_t *cap, size_t need, size_t elem);
#define RULES_GROW(arr, cap, need) rules_grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* qsort that accepts an empty (NULL) array: qsort's base must not be NULL
 * even for zero elements. */
void rules_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

char *rules_strdup(const char *s);
char *rules_strndup(const char *s, size_t len);

/* A growable NUL-terminated byte buffer. `failed` makes later appends
 * no-ops so a sequence of appends needs one check at the end. */
struct rules_buf {
    char *data;
    size_t len, cap;
    int failed;
};
#define RULES_BUF_INIT {NULL, 0, 0, 0}
int rules_buf_add(struct rules_buf *b, const void *p, size_t n);
int rules_buf_puts(struct rules_buf *b, const char *s);
int rules_buf_putc(struct rules_buf *b, char c);
int rules_buf_printf(struct rules_buf *b, const char *fmt, ...) RULES_PRINTF(2, 3);
const char *rules_buf_str(const struct rules_buf *b);
void rules_buf_free(struct rules_buf *b);

/* Decode one code point at s[*i] (advancing *i); -1 and a one-byte advance
 * on malformed input, so callers never loop forever on bad bytes. */
int32_t rules_utf8_next(const uint8_t *s, size_t len, size_t *i);
/* Encode cp into out (4 bytes room); returns the byte count. */
size_t rules_utf8_put(uint32_t cp, uint8_t *out);
/* Whether s[0..len) is valid UTF-8 (NUL bytes allowed). */
int rules_utf8_valid(const char *s, size_t len);

/* Character classes after normalization. */
static inline int rules_is_hiragana(uint32_t c)
{
    return (c >= 0x3041 && c <= 0x3096) || (c >= 0x309D && c <= 0x309F);
}
/* Katakana, full-width (after NFKC half-width is too). Every test of "is
 * this katakana" goes through here: kanji (U+4E00..) lies above the
 * katakana block, and a bare `>= 0x30A1` once counted it as katakana. */
static inline int rules_is_katakana(uint32_t c)
{
    return (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FD && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF);
}
/* Katakana with a hiragana twin (ァ..ヶ, ヽ ヾ): what normalization folds. */
static inline int rules_katakana_folds(uint32_t c)
{
    return (c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE;
}
static inline int rules_is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3FFFF) || c == 0x3005 || c == 0x3006 || c == 0x3007;
}
/* Kana for the wildcard rule: hiragana (katakana is folded before) and the
 * long vowel mark. */
static inline int rules_is_kana(uint32_t c)
{
    return rules_is_hiragana(c) || rules_is_katakana(c) || c == 0x30FC;
}
static inline int rules_is_japanese(uint32_t c)
{
    return rules_is_kana(c) || rules_is_han(c);
}
/* "Latin letter or digit" for the phrase word-boundary rule. */
static inline int rules_is_latin_alnum(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF);
}
static inline int rules_is_sentence_end(uint32_t c)
{
    return c == 0x3002 || c == '.' || c == '!' || c == '?' || c == '\n' || c == '\r' || c == 0x2028 ||
           c == 0x2029 || c == 0x85;
}

/* FNV-1a, for the small hash tables of the engine. */
static inline uint64_t rules_hash(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Monotonic milliseconds, for load-time logging. */
double rules_now_ms(void);

#endif
