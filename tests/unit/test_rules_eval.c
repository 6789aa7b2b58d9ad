/*
 * test_rules_eval.c -- every rule feature of policy format v1 on the basic
 * test policy (tests/rules/basic/policy.json): phrases and their variants,
 * any/all/not/near, negation (訴えるつもりはありませんが, "I'm not
 * threatening you"), quotation scope (reported speech excluded, phone-note
 * quotes counted, reply history, staff lines), field scope, channels,
 * contact history, weights and thresholds, benign look-alikes, unless,
 * harassment over complaint, rule-level flame and escalation, lemmas,
 * wildcards, guidance composition and exact evidence offsets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mamori/plugin.h>

#include "rules.h"
#include "tap.h"

static struct rules_policy *P;
static struct rules_scratch *S;
static struct rules_input IN;
static const struct rules_result *R;

static const struct rules_result *run(const char *subject, const char *body, const char *channel, int64_t contacts)
{
    struct rules_error err = {0, ""};

    memset(&IN, 0, sizeof IN);
    IN.text[RULES_FIELD_SUBJECT] = subject;
    IN.len[RULES_FIELD_SUBJECT] = subject ? strlen(subject) : 0;
    IN.text[RULES_FIELD_BODY] = body;
    IN.len[RULES_FIELD_BODY] = body ? strlen(body) : 0;
    IN.channel = channel;
    IN.fixed_contacts = contacts;
    IN.lang = RULES_LANG_JA;
    if (mamori_rules_eval(P, &IN, S, &err) != 0) {
        diag("eval failed: %s", err.message);
        return NULL;
    }
    R = mamori_rules_result(S);
    return R;
}

/* Fired categories, most severe first, joined with ','; "none". */
static const char *cats(const char *body)
{
    static char out[512];
    size_t o = 0;

    if (body != NULL && run(NULL, body, "email", 1) == NULL)
        return "(error)";
    if (R->nfired == 0)
        return "none";
    out[0] = '\0';
    for (size_t i = 0; i < R->nfired && o < sizeof out; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", P->cats[R->fired[i]].id);
    return out;
}

static int rule_fired(const char *id)
{
    for (size_t i = 0; i < P->nrules; i++)
        if (strcmp(P->rules[i].id, id) == 0)
            return R->rule_fired[i];
    return -1;
}

static double score(const char *id)
{
    for (size_t i = 0; i < P->ncats; i++)
        if (strcmp(P->cats[i].id, id) == 0)
            return R->score[i];
    return -1;
}

/* The first evidence of rule id: original byte range. */
static int evidence(const char *id, uint32_t *ob, uint32_t *oe)
{
    for (size_t i = 0; i < P->nrules; i++)
        if (strcmp(P->rules[i].id, id) == 0 && R->rule_fired[i] && R->rule_nev[i] > 0) {
            const struct rules_occ *o = &R->occ[R->ev[R->rule_ev[i]]];
            *ob = o->ob;
            *oe = o->oe;
            return 1;
        }
    return 0;
}

static void test_phrases(void)
{
    uint32_t ob = 0, oe = 0;
    const char *body = "おまえ　ほんと使えねーな。し　ね";

    is_str(cats("ころす"), "threat", "phrase ころす");
    is_str(cats("コロス"), "threat", "... written in katakana");
    is_str(cats("ｺﾛｽ"), "threat", "... in half-width katakana");
    is_str(cats("KOROSU"), "threat", "... in romaji (policy romaji list)");
    is_str(cats("次に店に行ったらころ○ぞ。冗談だと思うなよ。"), "threat", "ころ○ぞ: a wildcard for one kana");
    is_str(cats("お前ｸ＊ズだな"), "verbal_abuse", "ク＊ズ: a wildcard standing for nothing");
    is_str(cats("4ね"), "verbal_abuse", "substitution 4ね");
    is_str(cats("氏ね"), "verbal_abuse", "substitution 氏ね");
    is_str(cats("ﾊﾞｶじゃねーの？"), "verbal_abuse", "ﾊﾞｶ");
    is_str(cats("Ｓ　Ｈ　Ｉ　Ｎ　Ｅ"), "verbal_abuse", "Ｓ　Ｈ　Ｉ　Ｎ　Ｅ (romaji shine after width folding)");
    is_str(cats(body), "verbal_abuse", "し　ね (dev-029)");
    ok(evidence("abuse.shine", &ob, &oe) && ob == 39 && oe == 48, "... evidence is body bytes [39, 48)");
    ok(ob < strlen(body) && strncmp(body + ob, "し　ね", oe - ob) == 0, "... which quote 「し　ね」 exactly");
    is_str(cats("omae no mise ni hi tsukete yaru kara na."), "threat", "romaji of two words (hi tsukete, dev-059)");
    is_str(cats("I will kill you."), "threat", "English phrase");
    is_str(cats("you have great skill you know"), "none", "\"kill you\" does not match inside \"skill you\"");
    is_str(cats("You moron."), "verbal_abuse", "a trailing * allows a suffix (moron*)");
    is_str(cats("Total morons."), "verbal_abuse", "... morons");
    is_str(cats("You idiots"), "none", "without *, a Latin phrase needs a word boundary after it");
}

static void test_benign(void)
{
    is_str(cats("死ぬほど美味しいケーキでした"), "none", "死ぬほど美味しい: 死ぬ is inside a benign look-alike");
    is_str(cats("死ぬ"), "verbal_abuse", "... while 死ぬ alone matches");
    is_str(cats("御社の殺虫剤は手荷物に入れられますか"), "none", "殺虫剤 does not fire (dev-056)");
    is_str(cats("来月の炎上対策セミナーに申し込みたいです"), "none", "炎上対策セミナー does not fire");
    is_str(cats("炎上しますよ"), "sns_defamation", "... while 炎上 does");
    is_str(cats("this killed me (laughing)"), "none", "\"this killed me (laughing)\"");
    is_str(cats("Love the new dashboard, it's killer!"), "none", "\"it's killer\" (dev-009)");
    is_str(cats("炎上させないでください"), "none", "a rule's unless masks its own match (炎上させない)");
}

static void test_negation(void)
{
    is_str(cats("訴えるつもりはありませんが、消費生活センターには相談しています。"), "none",
           "訴えるつもりはありませんが: negated, the rule cancels (dev-069)");
    is_str(cats("訴えるぞ"), "threat", "... 訴える alone fires");
    is_str(cats("訴える。つもりはありません"), "threat", "a sentence boundary stops the negation scope");
    is_str(cats("I'm not threatening you, I just want an answer."), "none", "\"I'm not threatening you\"");
    is_str(cats("I am threatening you."), "threat", "... \"threatening you\" fires without the cue");
    is_str(cats("別にSNSに書くつもりはないですけど、フォロワーの多い知り合いがいます。"), "sns_defamation",
           "negation \"only\": 別にSNSに書くつもりはない... fires (dev-075)");
    ok(R->flame == MAMORI_FLAME_HIGH, "... and raises flame risk to high");
    is_str(cats("SNSに書く"), "none", "... but not on a plain SNSに書く");
    is_str(cats("SNSはよく分からないのですが、説明を書くつもりはないです"), "none",
           "near: the two phrases too far apart");
}

static void test_expressions(void)
{
    is_str(cats("ふざけるな"), "verbal_abuse", "all + not: ふざけるな");
    is_str(cats("ふざけないでください"), "none", "... not when ください is there");
    ok(rule_fired("abuse.not_polite") == 0, "... the rule did not fire");
    is_str(cats("写真をネットに上げるから"), "sns_defamation", "all of any: ネット + 上げる");
    is_str(cats("写真をネットで見ました"), "none", "... one side alone does not fire");
    is_str(cats("ネットには投稿しませんが"), "none", "unless masks the matched phrase (投稿しません)");
}

static void test_quotes(void)
{
    is_str(cats("昨日、男性スタッフに『客のくせにうるせえ、死ね』と言われました。事実を確認してください。"), "none",
           "reported speech of staff is excluded (dev-046 style)");
    run(NULL, "【対応メモ】切ろうとすると『切ったら殺してやる、ころす』と言われ、通話を続けた。", "phone_note", 1);
    is_str(cats(NULL), "threat", "in a phone note the quoted words are the customer's and count (dev-007 style)");
    is_str(cats("切ろうとすると『ころすぞ』と言う。"), "threat", "a quotation not attributed to others counts");
    is_str(cats("> ころすぞ\n返金をお願いします"), "none", "a '>' line of reply history is excluded");
    is_str(cats("返金をお願いします\n-----Original Message-----\nころすぞ"), "none",
           "everything after -----Original Message----- is excluded");
    is_str(cats("返金はまだですか\n\n2024年11月10日 9:02 山田 <a@example.com>:\n> ころす"), "none",
           "a mail-client date header starts the history");
    run(NULL, "担当: ころすなんて言ってはいけません\nお客様: わかった", "chat", 1);
    is_str(cats(NULL), "none", "a staff line in a chat transcript is excluded");
    run(NULL, "担当: お待たせしました\nお客様: ころすぞ", "chat", 1);
    is_str(cats(NULL), "threat", "... the customer's line counts");
    run(NULL, "『チャット閉じさせないからね』と言われた", "chat", 1);
    is_str(cats(NULL), "time_binding", "\"quoted\": \"include\" keeps quoted matches");
    is_str(cats("your agent told me \"kill you\" is a joke"), "none", "attributed_before: told me \"...\"");
}

static void test_scope(void)
{
    run("返金のお願い", "商品が届きません", "email", 1);
    is_str(cats(NULL), "legitimate_complaint", "field subject: 返金 in the subject fires");
    run("お問い合わせ", "返金をお願いします", "email", 1);
    is_str(cats(NULL), "none", "... not in the body");
    run(NULL, "返金するまで帰らないと居座った", "phone_note", 1);
    is_str(cats(NULL), "time_binding", "channels: a phone_note rule fires on phone notes");
    run(NULL, "返金するまで帰らないと居座った", "email", 1);
    is_str(cats(NULL), "none", "... and not on email");
    run(NULL, "何回目の問い合わせだと思ってるんだ", "email", 5);
    is_str(cats(NULL), "repeat_contact", "contacts_at_least 3 plus 何回目: 2 >= threshold 2");
    ok(score("repeat_contact") == 2.0, "... score 2");
    run(NULL, "何回目の問い合わせだと思ってるんだ", "email", 1);
    is_str(cats(NULL), "none", "one contact plus 何回目: 1 < threshold 2");
    run(NULL, "よろしくお願いします", "email", 7);
    is_str(cats(NULL), "none", "seven contacts alone: 1 < threshold 2");
    run("返金してください", "返金しないならしね", "email", 1);
    is_str(cats(NULL), "verbal_abuse", "harassment suppresses the complaint category");
    ok(R->cat_reached[5] == 1 && R->cat_fired[5] == 0, "... which reached its threshold but is dropped");
    run(NULL, "Xで同じ商品を買った人が何人もいるみたいです", "web", 1);
    is_str(cats(NULL), "none", "rule-level flame_risk without the category (weight 0.5 < 1)");
    ok(R->flame == MAMORI_FLAME_MEDIUM, "... still raises the flame level to medium (dev-019 style)");
}

static void test_lemmas(void)
{
    is_str(cats("殺されたいのか"), "threat", "lemma 殺す matches 殺されたいのか");
    ok(R->escalation == MAMORI_ESCALATE_POLICE, "... the rule's escalation applies with its category");
    is_str(cats("お前を殺してやる"), "threat", "... and 殺して");
    is_str(cats("店に火をつけるぞ"), "threat", "lemmas 火 + つける across the particle を");
    is_str(cats("火つけたろか"), "threat", "... and 火つけたろか");
    is_str(cats("火が大きく上がりました。それ以降は普通につけています"), "none",
           "火 and つける far apart with other words between do not match");
    {
        /* MeCab reads only the sentences where a verb stem occurs
         * (engine 1.1); evidence offsets are still those of the field. */
        const char *t = "今日は晴れです。明日も晴れ。お前を殺してやる。以上";
        uint32_t ob = 0, oe = 0;
        is_str(cats(t), "threat", "a lemma in the third sentence of a field");
        ok(evidence("threat.kill_lemma", &ob, &oe) && ob < oe && oe <= strlen(t) && strncmp(t + ob, "殺し", 6) == 0,
           "... its evidence quotes the field's own bytes (%u..%u)", ob, oe);
    }
    is_str(cats("火。つけるぞ"), "none", "a lemma sequence does not run across a sentence end (火。つける)");
    is_str(cats("火をつけるぞ。火。"), "threat", "... within one sentence it matches");
}

static void test_guidance(void)
{
    struct rules_guidance g;

    mamori_rules_guidance_init(&g);
    run("至急", "ころすぞ、このばか", "email", 1);
    IN.requester_name = "山田";
    IN.ticket_id = "T-42";
    is_str(cats(NULL), "threat,verbal_abuse", "two categories, most severe first");
    is_int(mamori_rules_guidance(P, S, &IN, &g), 0, "compose the guidance");
    ok(g.nsteps == 3 && strcmp(g.steps[0], "身の安全を確保する") == 0 && strcmp(g.steps[1], "上長に報告する") == 0 &&
           strcmp(g.steps[2], "記録する") == 0,
       "steps: most severe first, the shared step once");
    is_str(g.draft, "山田様\n受付番号 T-42 を承りました。\nテスト株式会社",
           "draft from the most severe category, placeholders filled (company from the policy default)");
    ok(g.nlinks == 2 && strcmp(g.links[0]->url, "https://example.com/threat") == 0, "training: most severe first");
    ok(g.escalation == MAMORI_ESCALATE_POLICE && g.nesc >= 1 && strcmp(g.esc[0].legal_basis, "刑法222条（脅迫）") == 0,
       "escalation: the maximum, with reasons and legal bases");
    ok(g.ntags == 2, "tags of both categories");
    is_str(g.contact, "連絡先: 110番", "the policy's contact for the escalation level");
    is_str(g.contact_lawyer, "連絡先: 山田法律事務所 03-0000-0000", "... and at police level the lawyer's too");
    IN.lang = RULES_LANG_EN;
    IN.requester_name = NULL;
    mamori_rules_guidance(P, S, &IN, &g);
    is_str(g.draft, "Dear customer, ticket T-42. テスト株式会社", "English texts; placeholder defaults per language");
    /* Issue 14: the tenant's name used to win over the policy's own. */
    IN.lang = RULES_LANG_JA;
    IN.requester_name = "山田";
    IN.company = "アクメ";
    mamori_rules_guidance(P, S, &IN, &g);
    is_str(g.draft, "山田様\n受付番号 T-42 を承りました。\nテスト株式会社",
           "{company}: the policy's placeholder wins over the tenant's name; {requester_name} the ticket's");
    mamori_rules_guidance_free(&g);
}

/* {company} without a placeholder in the policy: the tenant's name. */
static void test_company_fallback(void)
{
    static const char text[] =
        "{\"mamori_policy\": 1, \"id\": \"c\", \"version\": \"1\",\n"
        " \"placeholders\": {\"requester_name\": \"お客\", \"company\": \"\"},\n"
        " \"categories\": [{\"id\": \"abuse\", \"kind\": \"harassment\", \"severity\": \"medium\",\n"
        "   \"guidance\": {\"reply_draft\": \"{requester_name}様 {company}\"}}],\n"
        " \"rules\": [{\"id\": \"abuse.baka\", \"category\": \"abuse\", \"match\": \"ばか\"}]}\n";
    char dir[] = "/tmp/mamori-rules-company-XXXXXX", path[4200];
    struct rules_error err = {0, ""};
    struct rules_policy *p = NULL;
    struct rules_scratch *s = NULL;
    struct rules_input in;
    struct rules_guidance g;
    FILE *f;

    mamori_rules_guidance_init(&g);
    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/p.json", dir);
    f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    memset(&in, 0, sizeof in);
    in.text[RULES_FIELD_BODY] = "このばか";
    in.len[RULES_FIELD_BODY] = strlen("このばか");
    in.channel = "email";
    in.fixed_contacts = 1;
    in.company = "アクメ株式会社";
    if (f == NULL || mamori_rules_policy_load(path, NULL, &p, NULL, &err) != 0 ||
        mamori_rules_scratch_new(p, &s) != 0 || mamori_rules_eval(p, &in, s, &err) != 0 ||
        mamori_rules_guidance(p, s, &in, &g) != 0) {
        ok(0, "inline policy: %s", err.message);
        ok(0, "inline policy");
    } else {
        is_str(g.draft, "お客様 アクメ株式会社", "{company}: an empty placeholder in the policy: the tenant's name");
        in.company = NULL;
        mamori_rules_guidance(p, s, &in, &g);
        is_str(g.draft, "お客様 ", "... neither: empty");
    }
    mamori_rules_guidance_free(&g);
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    struct rules_error err = {0, ""};

    snprintf(path, sizeof path, "%s/tests/rules/basic/policy.json", top ? top : ".");
    if (mamori_rules_policy_load(path, NULL, &P, NULL, &err) != 0 || mamori_rules_scratch_new(P, &S) != 0) {
        printf("1..0 # SKIP cannot load %s: %s\n", path, err.message);
        return 1;
    }
    plan(87);
    test_phrases();
    test_benign();
    test_negation();
    test_expressions();
    test_quotes();
    test_scope();
    test_lemmas();
    test_guidance();
    test_company_fallback();
    mamori_rules_scratch_free(S);
    mamori_rules_policy_free(P);
    return done();
}
