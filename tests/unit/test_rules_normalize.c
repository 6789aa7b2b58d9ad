/*
 * test_rules_normalize.c -- normalization of policy format v1 and its
 * offset map: every normalized character must point back at exactly the
 * original bytes it came from, on UTF-8 character boundaries.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "rules.h"
#include "tap.h"

static struct rules_ntext nt;

/* The normalized text as UTF-8, with the wildcard shown as "?". */
static const char *norm(const struct rules_norm_config *cfg, const char *s)
{
    static char out[4096];
    size_t o = 0;

    if (rules_normalize(cfg, s, strlen(s), &nt) != 0)
        return "(error)";
    for (size_t i = 0; i < nt.len && o + 5 < sizeof out; i++) {
        if (nt.cp[i] == RULES_WILDCARD_CP)
            out[o++] = '?';
        else
            o += rules_utf8_put(nt.cp[i], (uint8_t *)out + o);
    }
    out[o] = '\0';
    return out;
}

/* Original bytes behind normalized chars [a, b). */
static const char *orig(const char *s, size_t a, size_t b)
{
    static char out[1024];
    size_t ob, oe;

    if (a >= nt.len || b > nt.len || a >= b)
        return "(out of range)";
    ob = nt.ob[a];
    oe = nt.oe[b - 1];
    snprintf(out, sizeof out, "%.*s", (int)(oe - ob), s + ob);
    return out;
}

static int boundary(const char *s, size_t len, size_t off)
{
    return off == 0 || off == len || ((unsigned char)s[off] & 0xC0) != 0x80;
}

/* Every range inside the text, non-decreasing, on character boundaries. */
static int map_ok(const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < nt.len; i++) {
        if (nt.ob[i] >= nt.oe[i] || nt.oe[i] > len || !boundary(s, len, nt.ob[i]) || !boundary(s, len, nt.oe[i]))
            return 0;
        if (i > 0 && (nt.ob[i] < nt.ob[i - 1] || nt.oe[i] < nt.oe[i - 1]))
            return 0;
    }
    return 1;
}

static void fuzz_offsets(void)
{
    static const char *const pieces[] = {"し", "ね", " ", "　", "・", "＊", "ｺ", "ﾞ", "ﾊ", "a", "B", "Ｓ", "\n",
                                         "。", "ー", "○", "e\xCC\x81", "ß", "\xE2\x80\x8B", "4", "!", "「", "」",
                                         "ㇷ", "\xEF\xBC\x9A", "…", "\xF0\x9F\x98\x80", "\xFF"};
    char buf[512];
    unsigned seed = 12345;
    int bad = 0;

    for (int round = 0; round < 2000; round++) {
        size_t o = 0;
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
        for (int k = 0; k < n; k++) {
            const char *p = pieces[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof pieces / sizeof *pieces)];
            size_t pl = strlen(p);
            if (o + pl + 1 >= sizeof buf)
                break;
            memcpy(buf + o, p, pl);
            o += pl;
        }
        buf[o] = '\0';
        if (rules_normalize(NULL, buf, o, &nt) != 0 || !map_ok(buf))
            bad++;
    }
    is_int(bad, 0, "2000 random texts: every offset range is inside the text, ordered and on character boundaries");
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    struct rules_policy *p = NULL;
    struct rules_error err = {0, ""};
    const struct rules_norm_config *cfg;
    const char *s;

    plan(70);
    rules_ntext_init(&nt);
    snprintf(path, sizeof path, "%s/tests/rules/basic/policy.json", top ? top : ".");
    if (mamori_rules_policy_load(path, NULL, &p, NULL, &err) != 0) {
        diag("cannot load %s: %s", path, err.message);
        return 1;
    }
    cfg = &p->norm;

    /* 1-3: NFKC, case folding, kana folding, separators. */
    s = "死 ね";
    is_str(norm(NULL, s), "死ね", "「死 ね」: the space between two letters is dropped");
    is_str(orig(s, 1, 2), "ね", "... ね maps back to its own bytes");
    is_str(orig(s, 0, 2), "死 ね", "... the whole match quotes the original with the space");
    s = "し・ね";
    is_str(norm(NULL, s), "しね", "「し・ね」 -> しね");
    is_str(orig(s, 0, 2), "し・ね", "... quoted exactly");
    s = "ク＊ズ";
    is_str(norm(NULL, s), "くず", "「ク＊ズ」 without wildcards -> くず");
    is_str(norm(cfg, s), "く?ず", "「ク＊ズ」 with ＊ as a policy wildcard keeps it between the kana");
    s = "Ｓ　Ｈ　Ｉ　Ｎ　Ｅ";
    is_str(norm(NULL, s), "shine", "「Ｓ　Ｈ　Ｉ　Ｎ　Ｅ」 -> shine");
    is_int(nt.ob[0], 0, "... s starts at byte 0");
    is_int(nt.oe[4], 27, "... e ends at byte 27");
    is_str(orig(s, 0, 5), s, "... the whole word quotes all 27 bytes");
    s = "ｺﾛｽ";
    is_str(norm(NULL, s), "ころす", "half-width ｺﾛｽ -> ころす");
    is_int(nt.oe[0] - nt.ob[0], 3, "... each half-width kana is 3 bytes");
    s = "ﾊﾞｶ";
    is_str(norm(NULL, s), "ばか", "ﾊﾞｶ: the half-width voiced mark composes");
    is_str(orig(s, 0, 1), "ﾊﾞ", "... ば maps to both ﾊ and ﾞ");
    is_str(orig(s, 1, 2), "ｶ", "... か maps to ｶ");
    is_str(norm(NULL, "コロス"), "ころす", "katakana -> hiragana");
    is_str(norm(NULL, "ＡＢＣ１"), "abc1", "full-width Latin and digits -> abc1");
    is_str(norm(NULL, "ＫＩＬＬ Straße"), "kill strasse", "case folding (ß -> ss)");
    s = "cafe\xCC\x81!";
    is_str(norm(NULL, s), "café!", "a combining accent composes");
    is_str(orig(s, 3, 4), "e\xCC\x81", "... é maps to e + U+0301");
    is_str(norm(NULL, "し\xE2\x80\x8Bね"), "しね", "a zero-width space is dropped");
    is_str(norm(NULL, "使えねーな"), "使えねーな", "ー after kana is a long vowel and stays");
    is_str(norm(NULL, "し ー ね"), "しね", "ー between spaces is a dash and goes");
    is_str(norm(NULL, "し\nね"), "し\nね", "a line break is kept");
    ok(nt.fl[1] & RULES_NF_BOUNDARY, "... and is a boundary");
    is_str(norm(NULL, "しね。ばか"), "しね。ばか", "。 is kept as a sentence boundary");
    is_str(norm(NULL, "I'm not threatening  you"), "i'm not threatening you",
           "English words keep one space between them");
    is_str(norm(NULL, "I\xE2\x80\x99m"), "i'm", "a typographic apostrophe becomes '");
    is_str(norm(NULL, "f*ck k_i_l_l"), "fck kill", "masking symbols inside a Latin word are dropped");
    is_str(norm(NULL, "e-mail 1,000"), "e-mail 1,000", "hyphens and digit commas stay");
    is_str(norm(NULL, "「しね」と言われ"), "「しね」と言われ", "quotation brackets are kept");
    is_str(norm(NULL, "担当：こんにちは"), "担当:こんにちは", "a colon is kept (担当: prefixes)");

    /* 4: substitutions, on normalized text. */
    s = "4ね";
    is_str(norm(cfg, s), "しね", "substitution 4ね -> しね");
    is_str(orig(s, 0, 1), "4ね", "... し maps to the whole 4ね");
    is_str(orig(s, 1, 2), "4ね", "... and so does ね");
    s = "氏ね";
    is_str(norm(cfg, s), "しね", "substitution 氏ね -> しね");
    is_str(orig(s, 0, 2), "氏ね", "... quoted as written");
    is_str(norm(cfg, "タヒね"), "しね", "substitution タヒね (key normalized too) -> しね");
    is_str(norm(cfg, "４　ね"), "しね", "full-width ４ and a space: 4ね after steps 1-3, then しね");

    /* Wildcards. */
    s = "ころ○ぞ";
    is_str(norm(cfg, s), "ころ?ぞ", "ころ○ぞ: ○ between kana is a wildcard");
    is_str(orig(s, 2, 3), "○", "... mapped to ○");
    is_str(norm(cfg, "○○店"), "○○店", "○ not between kana is not a wildcard (○○店)");

    /* 5: romaji. */
    s = "omae KOROSU yo";
    is_str(norm(cfg, s), "omae ころす yo", "romaji korosu -> ころす (whole word)");
    is_str(orig(s, 5, 8), "KOROSU", "... mapped to KOROSU");
    is_str(norm(cfg, "korosuna"), "korosuna", "romaji only replaces whole words");
    s = "mise ni hi tsukete yaru";
    is_str(norm(cfg, s), "mise ni ひつけて yaru", "a two-word romaji key (hi tsukete)");
    is_str(norm(cfg, "baka"), "ばか", "romaji baka -> ばか");

    /* Phrases are normalized the same way, then trimmed. */
    rules_normalize_phrase(NULL, " ・コロス・ ", strlen(" ・コロス・ "), RULES_PHRASE_PLAIN, &nt);
    is_int(nt.len, 3, "a phrase is trimmed of separators at its ends");
    rules_normalize_phrase(cfg, "ｺﾛｽ", strlen("ｺﾛｽ"), RULES_PHRASE_PLAIN, &nt);
    is_str((const char *)nt.u8, "ころす", "phrases ｺﾛｽ, コロス, ころす are one phrase");

    /* Engine 1.1: the script of folded kana is remembered; symbols dropped
     * between letters are kept aside with their bytes and position. */
    s = "でもデモ";
    is_str(norm(cfg, s), "でもでも", "katakana is still folded");
    ok(!(nt.fl[0] & RULES_NF_KATA) && !(nt.fl[1] & RULES_NF_KATA) && (nt.fl[2] & RULES_NF_KATA) &&
           (nt.fl[3] & RULES_NF_KATA),
       "... but each char says whether it was katakana");
    norm(cfg, "ﾃﾞﾓ");
    ok(nt.len == 2 && (nt.fl[0] & RULES_NF_KATA) && (nt.fl[1] & RULES_NF_KATA), "... half-width ﾃﾞﾓ too");
    /* Issue 14: only katakana is marked katakana; kanji (U+4E00..) comes
     * after the katakana block and used to be marked too. */
    s = "全部タダご飯は店ﾃﾞﾓ";
    is_str(norm(cfg, s), "全部ただご飯は店でも", "kanji, katakana, hiragana, half-width katakana");
    {
        static const int kata[] = {0, 0, 1, 1, 0, 0, 0, 0, 1, 1};
        int good = nt.len == sizeof kata / sizeof kata[0];
        for (size_t i = 0; good && i < nt.len; i++)
            good = ((nt.fl[i] & RULES_NF_KATA) != 0) == kata[i];
        ok(good, "... only タダ and ﾃﾞﾓ say katakana, not 全部 ご飯 店");
    }
    s = "漢字ひらがなＡＢ１２ab34!?ｶﾀカナ々〆＄㈱";
    norm(cfg, s);
    {
        int good = nt.len > 10, nkata = 0;
        for (size_t i = 0; good && i < nt.len; i++) {
            /* The first code point of the original bytes: katakana,
             * full-width or half-width, and nothing else. */
            size_t at = nt.ob[i];
            int32_t c = rules_utf8_next((const uint8_t *)s, strlen(s), &at);
            int want = (c >= 0x30A1 && c <= 0x30FA) || (c >= 0xFF66 && c <= 0xFF9D);
            nkata += want;
            good = ((nt.fl[i] & RULES_NF_KATA) != 0) == want;
            if (!good)
                diag("char %zu U+%04X from U+%04X: katakana flag %d", i, (unsigned)nt.cp[i], (unsigned)c,
                     (nt.fl[i] & RULES_NF_KATA) != 0);
        }
        ok(good && nkata == 4, "... every script: only the (full- or half-width) katakana says katakana");
    }
    s = "お前を🔪してやる";
    is_str(norm(cfg, s), "お前をしてやる", "🔪 between letters is dropped");
    ok(nt.ndrop == 1 && nt.dcp[0] == 0x1F52A && nt.dpos[0] == 3 && nt.dob[0] == 9 && nt.doe[0] == 13,
       "... and kept aside: before char 3, bytes [9, 13)");
    s = "タヒ🔥ね";
    is_str(norm(cfg, s), "しね", "a substitution after a dropped symbol (タヒ🔥ね -> たひね -> しね)");
    ok(nt.ndrop == 1 && nt.dpos[0] == 0, "... the dropped 🔥 moves to the start of the replacement");
    s = "払え ¥ 30000";
    is_str(norm(cfg, s), "払え30000", "¥ and spaces between letters and digits are dropped");
    ok(nt.ndrop == 1 && nt.dcp[0] == 0xA5 && nt.dpos[0] == 2, "... ¥ is kept aside (spaces are not)");
    norm(cfg, "し ね");
    is_int(nt.ndrop, 0, "spaces alone leave nothing aside");
    rules_normalize_phrase(NULL, " ;) ", 4, RULES_PHRASE_PLAIN, &nt);
    is_str((const char *)nt.u8, ";)", "a phrase without letters keeps its symbols (;) used to be \")\")");
    rules_normalize_phrase(NULL, "・🔪・", strlen("・🔪・"), RULES_PHRASE_PLAIN, &nt);
    is_str((const char *)nt.u8, "🔪", "... minus filler at its ends");
    rules_normalize_phrase(NULL, "・・・", strlen("・・・"), RULES_PHRASE_PLAIN, &nt);
    is_int(nt.len, 0, "... filler alone is still empty");
    rules_normalize_phrase(NULL, "★1", strlen("★1"), RULES_PHRASE_PLAIN, &nt);
    is_str((const char *)nt.u8, "1", "a phrase with letters loses symbols at its ends (unchanged)");
    rules_normalize_phrase(NULL, "評価★1", strlen("評価★1"), RULES_PHRASE_EXACT, &nt);
    is_str((const char *)nt.u8, "評価★1", "an exact phrase keeps its symbols, also between letters");
    rules_normalize_phrase(NULL, " デ モ ", strlen(" デ モ "), RULES_PHRASE_EXACT, &nt);
    ok(strcmp((const char *)nt.u8, "でも") == 0 && (nt.fl[0] & RULES_NF_KATA), "... and loses spaces, keeps the script");

    fuzz_offsets();

    rules_ntext_free(&nt);
    mamori_rules_policy_free(p);
    return done();
}
