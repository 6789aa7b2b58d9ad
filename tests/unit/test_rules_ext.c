/*
 * test_rules_ext.c -- the additions to policy format v1 (engine 1.1) on
 * tests/rules/ext/policy.json: exact-script phrases ("=デモ"), symbols and
 * emoji as phrases, amounts of money, near with order and sentence scope,
 * not_near, single quotes and the clause window of reported speech, unless
 * masks that overlap; and the money scanner itself. Each test fails on the
 * engine before the change (the old engine refuses the policy outright).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amount.h"
#include "rules.h"
#include "tap.h"

static struct rules_policy *P;
static struct rules_scratch *S;
static const struct rules_result *R;
static const char *TEXT;

static int run(const char *body, const char *channel)
{
    struct rules_input in;
    struct rules_error err = {0, ""};

    memset(&in, 0, sizeof in);
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    in.channel = channel;
    in.fixed_contacts = 1;
    TEXT = body;
    if (mamori_rules_eval(P, &in, S, &err) != 0) {
        diag("eval failed: %s", err.message);
        return -1;
    }
    R = mamori_rules_result(S);
    return 0;
}

static int rule_index(const char *id)
{
    for (size_t i = 0; i < P->nrules; i++)
        if (strcmp(P->rules[i].id, id) == 0)
            return (int)i;
    diag("no rule %s", id);
    return -1;
}

/* Did rule id fire on body? */
static int fires(const char *id, const char *body)
{
    int r = rule_index(id);

    if (r < 0 || run(body, "email") != 0)
        return -1;
    return R->rule_fired[r];
}

/* The evidence of rule id in the last run, quoted from the original text
 * and joined with '|'. */
static const char *evidence(const char *id)
{
    static char out[512];
    size_t o = 0;
    int r = rule_index(id);

    out[0] = '\0';
    if (r < 0 || !R->rule_fired[r])
        return "(not fired)";
    for (uint32_t i = 0; i < R->rule_nev[r] && o < sizeof out; i++) {
        const struct rules_occ *x = &R->occ[R->ev[R->rule_ev[r] + i]];
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s", i ? "|" : "", (int)(x->oe - x->ob), TEXT + x->ob);
    }
    return out;
}

static void test_exact(void)
{
    is_int(fires("exact.demo", "デモに参加するぞ"), 1, "=デモ matches デモ");
    is_int(fires("exact.demo", "Xでも同じ人が書いてる"), 0, "... not でも (katakana folding is opted out)");
    is_int(fires("plain.demo", "Xでも同じ人が書いてる"), 1, "... while plain デモ still matches でも (unchanged)");
    is_int(fires("exact.demo", "ﾃﾞﾓするぞ"), 1, "... half-width ﾃﾞﾓ is katakana too (width is still folded)");
    is_int(fires("exact.line", "ラインで晒す"), 1, "=ライン matches ライン");
    is_int(fires("exact.line", "オンラインで晒す"), 0, "... not inside オンライン (katakana word boundary)");
    is_int(fires("exact.line", "ライングループに"), 0, "... nor at the start of ライングループ");
    is_int(fires("exact.line_suffix", "ライングループに"), 1, "=ライン* lifts the end boundary");
    is_int(fires("exact.line_suffix", "オンラインで"), 0, "... but not the start one");
    is_int(fires("exact.gaki", "このガキが"), 1, "=ガキ matches ガキ");
    is_int(fires("exact.gaki", "はがきが届いた"), 0, "... not はがき");
    is_int(fires("exact.gaki", "ハガキが届いた"), 0, "... nor ハガキ");
    is_int(fires("exact.hira", "このくずが"), 1, "=くず (hiragana) matches くず");
    is_int(fires("exact.hira", "このクズが"), 0, "... not クズ");
}

/* Issue 14: an exact katakana phrase next to every other script. Only
 * katakana (full- or half-width) next to it makes it part of a longer
 * word; kanji used to count as katakana (every code point from U+30A1 up),
 * so 「全部タダ」 and 「店デモ」 did not match. */
static void test_exact_neighbours(void)
{
    static const struct {
        const char *rule, *text, *what;
        int want;
    } t[] = {
        {"exact.tada", "全部タダです", "after kanji", 1},
        {"exact.tada", "ご飯タダ", "after kanji, at the end", 1},
        {"exact.tada", "タダ券をもらった", "before kanji", 1},
        {"exact.demo", "店デモやってる", "after kanji", 1},
        {"exact.demo", "明日デモ行進", "between kanji", 1},
        {"exact.tada", "これはタダです", "after hiragana", 1},
        {"exact.tada", "タダでいい", "before hiragana", 1},
        {"exact.tada", "freeタダ", "after Latin", 1},
        {"exact.tada", "タダok", "before Latin", 1},
        {"exact.tada", "100%タダ", "after a symbol after digits", 1},
        {"exact.tada", "3回目タダ", "after kanji after a digit", 1},
        {"exact.tada", "2タダ", "after a digit", 1},
        {"exact.tada", "タダ2回", "before a digit", 1},
        {"exact.tada", "「タダ」にしろ", "in brackets", 1},
        {"exact.tada", "＃タダ！", "between full-width symbols", 1},
        {"exact.tada", "ＦＲＥＥタダ", "after full-width Latin", 1},
        {"exact.tada", "１０タダ", "after full-width digits", 1},
        {"exact.tada", "全部ﾀﾀﾞです", "half-width, after kanji", 1},
        {"exact.demo", "店ﾃﾞﾓやってる", "half-width デモ, after kanji", 1},
        {"exact.tada", "ｵﾀﾀﾞ", "after half-width katakana: part of a word", 0},
        {"exact.tada", "ｵタダ", "full-width after half-width katakana: part of a word", 0},
        {"exact.tada", "タダｼ", "before half-width katakana: part of a word", 0},
        {"exact.tada", "タダシさん", "before katakana: part of a word (タダシ)", 0},
        {"exact.tada", "オタダ", "after katakana: part of a word", 0},
        {"exact.demo", "デモクラシー", "before katakana: part of a word (デモクラシー)", 0},
        {"exact.demo", "アデモ", "after katakana: part of a word", 0},
        {"exact.demo", "部屋でもいい", "hiragana でも after kanji: not katakana", 0},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        is_int(fires(t[i].rule, t[i].text), t[i].want, "%s %s 「%s」 (%s)", t[i].rule, t[i].want ? "matches" : "does not match",
               t[i].text, t[i].what);
}

static void test_symbols(void)
{
    is_int(fires("sym.knife", "お前を🔪してやる"), 1, "🔪 between two letters (dropped by normalization) matches");
    is_str(evidence("sym.knife"), "🔪", "... evidence quotes the emoji itself");
    is_int(fires("sym.knife", "殺す🔪🔪"), 1, "🔪 at the end matches");
    is_int(fires("sym.knife", "殺すぞ"), 0, "... not without it");
    is_int(fires("sym.dollar", "払え$500"), 1, "$ matches where it was dropped (払え$500)");
    is_int(fires("sym.dollar", "pay $500 now"), 1, "... and where it was kept");
    is_int(fires("sym.wink", "see you soon ;)"), 1, ";) is a phrase (it used to be just \")\")");
    is_int(fires("sym.wink", "see you soon (really)"), 0, "... so a lone ) does not match");
    is_int(fires("sym.warai", "死ね（笑）"), 1, "(笑) matches （笑）");
    is_int(fires("sym.star1", "評価★1でした"), 1, "=★1 keeps the star (dropped between letters in the text)");
    is_int(fires("sym.star1", "評価1でした"), 0, "... and needs it");
    is_int(fires("sym.star1_plain", "評価1でした"), 1, "plain ★1 is still 1 (unchanged; lint warns)");
    is_int(fires("quoted.shine", "し🔪ね"), 1, "obfuscation removal between letters is unchanged (し🔪ね is しね)");
    /* fuzz: symbols dropped inside a substituted word (F$$k -> fk -> fuck)
     * stand before the replacement, at char 0: the occurrence must stay
     * inside the field. */
    is_int(fires("sym.dollar", "F$$k"), 1, "$ dropped inside a substituted word (F$$k)");
    ok(R->nocc >= 1 && R->occ[0].s == 0 && R->occ[0].e == 1, "... covers the first char [0, 1)");
}

static void test_amounts(void)
{
    static const struct {
        const char *text;
        int big;
        const char *ev;
    } cases[] = {
        {"慰謝料5万円払え", 1, "慰謝料|5万円|払え"},
        {"慰謝料５万円", 1, "慰謝料|５万円"},
        {"50,000円払え", 1, "50,000円|払え"},
        {"十万円払って", 1, "十万円|払って"},
        {"慰謝料3万5千円", 0, NULL},
        {"慰謝料4万円", 0, NULL},
        {"pay me $50000", 1, "pay me|$50000"},
        {"pay me 50000 dollars", 1, "pay me|50000 dollars"},
        {"pay me 500 dollars", 0, NULL},
        {"金払え¥300000", 1, "払え|¥300000"},
        {"払えよ 1億円", 1, "払え|1億円"},
        {"慰謝料100000件", 0, NULL},
        {"慰謝料、数万円", 0, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int f = fires("money.big", cases[i].text);
        if (cases[i].big)
            ok(f == 1 && strcmp(evidence("money.big"), cases[i].ev) == 0, "amount >= 50000 near @pay: %s -> %s (%s)",
               cases[i].text, cases[i].ev, evidence("money.big"));
        else
            ok(f == 0, "amount >= 50000 near @pay: not %s", cases[i].text);
    }
    is_int(fires("money.any", "3万5千円です"), 1, "amount with no bounds: 3万5千円");
    is_int(fires("money.any", "$500"), 0, "... of the listed currency only (円)");
    is_int(fires("money.usd", "it cost US$500"), 1, "USD 100..1000: US$500");
    is_str(evidence("money.usd"), "$500", "... evidence $500");
    is_int(fires("money.usd", "5k dollars"), 0, "... not 5k dollars (5000 > max)");
    is_int(fires("money.usd", "refund 1.5 bucks"), 0, "... not 1.5 bucks (< min)");
    is_int(fires("money.usd", "give me 200ドル"), 1, "... 200ドル");
}

static void test_near(void)
{
    is_int(fires("near.forward", "ネットに晒すぞ"), 1, "near forward: ネット ... 晒す");
    is_int(fires("near.forward", "晒すぞ、ネットに"), 0, "... not 晒す ... ネット");
    is_int(fires("near.any", "晒すぞ、ネットに"), 1, "near (order any, the default): either order");
    is_int(fires("near.any", "ネットで見た。晒す"), 1, "near without same_sentence crosses a sentence end");
    is_int(fires("near.sentence", "ネットで見た。晒す"), 0, "same_sentence: not across 。");
    is_int(fires("near.sentence", "ネットで見た\n晒す"), 0, "... nor across a line break");
    is_int(fires("near.sentence", "ネットに、晒すぞ"), 1, "... within one sentence it matches");
    is_int(fires("near.sentence_only", "ネットで見たんだけど店員の態度が悪すぎて晒すしかない"), 1,
           "same_sentence without within: anywhere in the sentence");
    is_int(fires("near.sentence_only", "ネットで見た。店員の態度が悪すぎて晒すしかない"), 0, "... but only there");
}

static void test_not_near(void)
{
    is_int(fires("kill.not_joking", "I will kill you"), 1, "not_near: kill you with no lol near it");
    is_str(evidence("kill.not_joking"), "kill you", "... evidence is the kill you");
    is_int(fires("kill.not_joking", "I will kill you lol"), 0, "... not with lol right after");
    is_int(fires("kill.not_joking", "I will kill you (laughing)"), 0, "... nor (laughing)");
    is_int(fires("kill.not_joking", "lol you are funny. Anyway, my lawyer will be in touch and I will kill you"), 1,
           "... a lol too far away does not veto");
    is_int(fires("kill.not_joking", "kill you lol. And seriously I will kill you"), 1,
           "... an occurrence without a partner is enough");
    is_str(evidence("kill.not_joking"), "kill you", "... and only that one is evidence");
    ok(R->rule_nev[rule_index("kill.not_joking")] == 1, "... (one occurrence)");
}

static void test_quotes(void)
{
    is_int(fires("quoted.kill", "your agent told me 'go to hell'"), 0, "single quotes: told me '...' is reported speech");
    is_int(fires("quoted.kill", "your agent told me ‘go to hell’"), 0, "... typographic ‘...’ too");
    is_int(fires("quoted.kill", "'go to hell' he said"), 0, "... attribution after the closing quote");
    is_int(fires("quoted.kill", "I don't know what 'go to hell' means"), 1,
           "... an apostrophe (don't) does not open a quotation; unattributed quotes count");
    is_int(fires("quoted.kill", "go to hell, it's what they told me"), 1, "... no quotation, no exclusion");
    is_int(fires("quoted.shine", "店員に「しね」と小声で言われました。"), 0,
           "「…」と小声で言われ: attributed within the window (measured from the closing mark)");
    is_int(fires("quoted.shine", "店員に「しね」と小さな声でぼそっと言われました。"), 0,
           "「…」と + the cue further on in the same sentence: clause_window");
    is_int(fires("quoted.shine", "店員に「しね」と言った。あとで言われた"), 1,
           "... not when the cue is in the next sentence");
    is_int(fires("quoted.shine", "「しね」。店員の態度が悪くて言われ"), 1, "... nor without と/って after the quotation");
    is_int(fires("quoted.shine", "it's a 'joke' and 「しね」と小さな声でぼそっと言われ"), 0,
           "a stray apostrophe does not hide a later 「」");
}

static void test_unless(void)
{
    is_int(fires("unless.inside", "炎上させないで"), 1, "unless (inside, the default): 上させない does not contain 炎上");
    is_int(fires("unless.overlap", "炎上させないで"), 0, "unless_mode overlap: it overlaps, so it masks");
    is_int(fires("unless.overlap", "大炎上"), 1, "... no mask, no drop");
    is_int(fires("unless.inside", "炎上対策"), 0, "... both drop a match inside the mask");
    is_int(fires("unless.overlap", "炎上対策"), 0, "... (overlap includes inside)");
}

struct money_list {
    char buf[512];
    size_t o;
};

static int collect(void *ctx, const struct rules_money *m)
{
    struct money_list *l = ctx;

    if (l->o < sizeof l->buf)
        l->o += (size_t)snprintf(l->buf + l->o, sizeof l->buf - l->o, "%s%.15g %s", l->o ? "; " : "", m->value,
                                 rules_currency_code(m->currency));
    return 0;
}

static const char *money(const char *text)
{
    static struct money_list l;
    struct rules_ntext nt;

    rules_ntext_init(&nt);
    l.o = 0;
    l.buf[0] = '\0';
    if (rules_normalize(NULL, text, strlen(text), &nt) == 0)
        rules_money_scan(&nt, collect, &l);
    rules_ntext_free(&nt);
    return l.buf;
}

static void test_money_scanner(void)
{
    is_str(money("3万5千円"), "35000 JPY", "3万5千円");
    is_str(money("1.5万円"), "15000 JPY", "1.5万円");
    is_str(money("百円と二千円"), "100 JPY; 2000 JPY", "百円, 二千円");
    is_str(money("三千万円"), "30000000 JPY", "三千万円");
    is_str(money("2万5000円"), "25000 JPY", "2万5000円");
    is_str(money("１，０００，０００円"), "1000000 JPY", "full-width 1,000,000円");
    is_str(money("$ 500 and €20 and £3"), "500 USD; 20 EUR; 3 GBP", "$ 500, €20, £3");
    is_str(money("2 million yen"), "2000000 JPY", "2 million yen");
    is_str(money("$5k"), "5000 USD", "$5k");
    is_str(money("100ユーロ"), "100 EUR", "100ユーロ");
    is_str(money("一番、1000件、2024年、数万円、万円"), "", "no currency, no money (一番, 1000件, 数万円, 万円)");
    is_str(money("500 dollarsign"), "", "a Latin unit needs a word boundary");
}

static void test_load_errors(void)
{
    char dir[] = "/tmp/mamori-rules-ext-XXXXXX", path[4200];
    struct rules_policy *p = NULL;
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    FILE *f;
    int rc;

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/p.json", dir);
    f = fopen(path, "w");
    if (f != NULL) {
        fputs("{\"mamori_policy\": 1, \"id\": \"e\", \"version\": \"1\",\n"
              " \"categories\": [{\"id\": \"c\", \"kind\": \"harassment\", \"severity\": \"low\"}],\n"
              " \"rules\": [\n"
              "  {\"id\": \"a\", \"category\": \"c\", \"match\": {\"amount\": {\"min\": 1, \"currency\": [\"peso\"]}}},\n"
              "  {\"id\": \"b\", \"category\": \"c\", \"match\": {\"near\": [\"x\", \"y\"], \"within\": 3, \"order\": \"back\"}},\n"
              "  {\"id\": \"c\", \"category\": \"c\", \"match\": {\"not_near\": [\"x\", {\"not\": \"y\"}], \"within\": 3}},\n"
              "  {\"id\": \"d\", \"category\": \"c\", \"match\": \"x\", \"unless\": [\"y\"], \"unless_mode\": \"around\"},\n"
              "  {\"id\": \"e\", \"category\": \"c\", \"match\": {\"any\": [\"x\"], \"order\": \"forward\"}},\n"
              "  {\"id\": \"f\", \"category\": \"c\", \"match\": {\"amount\": {\"min\": 10, \"max\": 5}}}\n"
              " ]}\n",
              f);
        fclose(f);
    }
    rc = mamori_rules_policy_load(path, NULL, &p, &d, &err);
    is_int(rc, RULES_EINVAL, "a policy misusing the new operators does not load");
    ok(d.errors == 6, "six errors (%zu)", d.errors);
    for (size_t i = 0; i < d.n; i++)
        diag("%d:%d %s", d.v[i].line, d.v[i].col, d.v[i].message);
    ok(d.n > 0 && d.v[0].line == 4 && strstr(d.v[0].message, "unknown currency peso") != NULL,
       "unknown currency at its line");
    mamori_rules_diags_free(&d);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    struct rules_error err = {0, ""};

    snprintf(path, sizeof path, "%s/tests/rules/ext/policy.json", top ? top : ".");
    if (mamori_rules_policy_load(path, NULL, &P, NULL, &err) != 0 || mamori_rules_scratch_new(P, &S) != 0) {
        printf("1..0 # SKIP cannot load %s: %s\n", path, err.message);
        return 1;
    }
    plan(123);
    test_exact();
    test_exact_neighbours();
    test_symbols();
    test_amounts();
    test_near();
    test_not_near();
    test_quotes();
    test_unless();
    test_money_scanner();
    test_load_errors();
    mamori_rules_scratch_free(S);
    mamori_rules_policy_free(P);
    return done();
}
