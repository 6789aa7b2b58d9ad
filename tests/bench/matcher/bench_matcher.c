/*
 * bench_matcher.c -- throughput of the rules matcher against grep -F.
 *
 * In one run, deterministically:
 *   1. generate ~50 MB of mixed Japanese/English text (already in normalized
 *      form: lower case, hiragana + kanji, so the raw bytes and the
 *      normalized bytes are the same text) and 1,000 / 10,000 phrases;
 *   2. write each phrase set as a policy (one lexicon list, one rule) and
 *      time loading it (parse, normalize every phrase, build the automaton);
 *   3. time the automaton over the whole text without normalization, and
 *      normalization + automaton ticket by ticket (one line = one ticket);
 *   4. time `grep -F -c -f PHRASES TEXT` on the same files, in the C locale
 *      and in a UTF-8 locale.
 * Each timing is the best of three runs. Not part of `make check`; run with
 * `make bench-matcher` (see tests/bench/README.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "rules.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const ja_words[] = {
    "お問い合わせ", "ありがとう", "ございます", "よろしく", "お願い", "します", "商品", "届き", "ません", "返金",
    "交換", "注文", "番号", "確認", "ください", "昨日", "今日", "明日", "担当", "電話", "メール", "ご連絡", "対応",
    "説明", "予約", "料金", "請求", "解約", "手続き", "配送", "遅れ", "壊れ", "ていました", "使え", "ない", "です",
    "ました", "でしょうか", "について", "ところ", "また", "しかし", "とても", "少し", "早く", "すぐに", "もう一度",
    "店舗", "スタッフ", "の方", "から", "まで", "には", "けど", "ので", "それでも", "担当者", "上司", "責任者",
    "会社", "社長", "本社", "窓口", "時間", "何度も", "今回", "前回", "来週", "先月", "写真", "添付", "状況",
    "問題", "不具合", "修理", "保証", "期間", "無料", "有料", "ポイント", "カード", "会員", "登録", "変更",
    "住所", "名前", "家族", "子ども", "友達", "気持ち", "残念", "困って", "怒って", "がっかり", "本当に",
    "謝罪", "誠意", "納得", "回答", "書面", "期限", "正午", "全額", "損害",
    "消費者", "センター", "相談", "ネット", "評価"};
static const char *const en_words[] = {
    "the", "order", "please", "refund", "my", "account", "was", "charged", "twice", "and", "i", "want", "to",
    "know", "why", "your", "support", "team", "has", "not", "replied", "yet", "this", "is", "third", "time",
    "asking", "about", "same", "problem", "package", "arrived", "broken", "can", "you", "send", "a", "new",
    "one", "thanks", "for", "help", "ticket", "number", "service", "slow", "app", "crashed", "again", "lost",
    "draft", "manager", "call", "back", "today", "tomorrow", "week", "month", "email", "phone", "store",
    "staff", "rude", "waiting", "hours", "cancel", "subscription", "invoice", "wrong", "address", "delivery",
    "late", "review", "online", "post", "company", "complaint", "formal", "written", "answer",
    "still", "nothing", "happened", "ridiculous", "honestly", "appreciate", "quick", "question", "export",
    "report", "dashboard", "plan", "annual", "monthly", "upgrade", "discount", "coupon", "price", "fee"};
static const char *const kana[] = {"あ", "い", "う", "え", "お", "か", "き", "く", "け", "こ", "さ", "し", "す",
                                   "せ", "そ", "た", "ち", "つ", "て", "と", "な", "に", "ぬ", "ね", "の", "は",
                                   "ひ", "ふ", "へ", "ほ", "ま", "み", "む", "め", "も", "や", "ゆ", "よ", "ら",
                                   "り", "る", "れ", "ろ", "わ", "を", "ん", "が", "ぎ", "ぐ", "げ", "ご", "ざ"};

#define NJA (sizeof ja_words / sizeof *ja_words)
#define NEN (sizeof en_words / sizeof *en_words)
#define NKANA (sizeof kana / sizeof *kana)

static const char *const ja_bad[] = {"ころす", "ころしてやる", "しね", "しんでしまえ", "ばか", "あほ", "くず", "かす",
                                     "土下座", "謝罪しろ", "晒す", "ネットに書く", "訴える", "覚えとけ", "許さない",
                                     "殺す", "殴る", "燃やす", "火をつける", "家に来い", "責任者を出せ", "誠意を見せろ",
                                     "金を払え", "無能", "給料泥棒", "辞めろ", "クビにしろ", "名前を教えろ"};
static const char *const en_bad[] = {"kill", "dead", "hurt", "sue", "lawyer up", "expose", "post your", "idiot",
                                     "moron", "useless", "fire her", "fire him", "your address", "find you",
                                     "regret", "destroy", "ruin", "burn", "shut down", "pay up"};
static const char *const rare[] = {"鬼", "畜", "罵", "倒", "恫", "喝", "脅", "迫", "侮", "辱", "暴", "傷",
                                   "害", "恐", "強", "要", "威", "圧", "詐", "欺", "横", "領", "呪", "怨",
                                   "狂", "憎", "殴", "蹴", "刺", "斬", "撃", "潰", "滅", "屠", "惨", "忌"};
#define NRARE (sizeof rare / sizeof *rare)
#define NJB (sizeof ja_bad / sizeof *ja_bad)
#define NEB (sizeof en_bad / sizeof *en_bad)

/* Japanese words are written as normalization leaves them (katakana
 * words are folded to hiragana on the fly below). */
static void put_word(FILE *f, const char *w)
{
    struct rules_ntext nt;
    rules_ntext_init(&nt);
    rules_normalize(NULL, w, strlen(w), &nt);
    fwrite(nt.u8, 1, nt.u8len, f);
    rules_ntext_free(&nt);
}

static void gen_text(const char *path, size_t bytes)
{
    FILE *f = fopen(path, "w");
    long size = 0;

    if (f == NULL) {
        perror(path);
        exit(1);
    }
    while ((size_t)size < bytes) {
        int ja = next() % 2, words = 8 + (int)(next() % 60);
        for (int w = 0; w < words; w++) {
            /* One word in 250 is a harassment word: tickets rarely match. */
            int bad = next() % 250 == 0;
            if (ja) {
                put_word(f, bad ? ja_bad[next() % NJB] : ja_words[next() % NJA]);
                if (next() % 9 == 0)
                    fputs(next() % 2 ? "、" : "。", f);
            } else {
                if (w > 0)
                    fputc(' ', f);
                fputs(bad ? en_bad[next() % NEB] : en_words[next() % NEN], f);
                if (next() % 12 == 0)
                    fputs(next() % 2 ? "," : ".", f);
            }
        }
        fputs(ja ? "。\n" : ".\n", f);
        size = ftell(f);
    }
    fclose(f);
}

/* n distinct phrases shaped like a large policy: a few ordinary words that
 * do occur in the text (so there are matches), and many harassment-like
 * phrases and variants that occur rarely or never. */
static char **gen_phrases(size_t n)
{
    char **v = calloc(n, sizeof *v);
    size_t have = 0, tries = 0;

    while (have < n && tries++ < n * 100) {
        char buf[256];
        struct rules_ntext nt;
        int dup = 0;
        uint32_t kind = next() % 100;

        rules_ntext_init(&nt);
        if (kind < 25)
            snprintf(buf, sizeof buf, "%s%s%s", next() % 4 ? kana[next() % NKANA] : "", ja_bad[next() % NJB],
                     next() % 4 ? kana[next() % NKANA] : "");
        else if (kind < 60)
            snprintf(buf, sizeof buf, "%s%s%s", rare[next() % NRARE], next() % 2 ? kana[next() % NKANA] : "",
                     rare[next() % NRARE]);
        else if (kind < 70)
            snprintf(buf, sizeof buf, "%s%s", ja_words[next() % NJA], ja_bad[next() % NJB]);
        else if (kind < 85)
            snprintf(buf, sizeof buf, "%s %s", en_bad[next() % NEB], en_words[next() % NEN]);
        else
            snprintf(buf, sizeof buf, "%s%c%c", en_bad[next() % NEB], 'a' + (int)(next() % 26),
                     'a' + (int)(next() % 26));
        if (have < NJB + NEB) /* the harassment words themselves, once each */
            snprintf(buf, sizeof buf, "%s", have < NJB ? ja_bad[have] : en_bad[have - NJB]);
        rules_normalize_phrase(NULL, buf, strlen(buf), RULES_PHRASE_PLAIN, &nt);
        for (size_t i = 0; i < have && !dup; i++)
            dup = strcmp(v[i], (const char *)nt.u8) == 0;
        if (!dup && nt.len > 0)
            v[have++] = strdup((const char *)nt.u8);
        rules_ntext_free(&nt);
    }
    if (have < n) {
        fprintf(stderr, "could only make %zu distinct phrases\n", have);
        exit(1);
    }
    return v;
}

static void write_phrases(const char *path, char **v, size_t n)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", v[i]);
    fclose(f);
}

static void write_policy(const char *path, char **v, size_t n)
{
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"mamori_policy\": 1, \"id\": \"bench\", \"version\": \"1\",\n"
               " \"categories\": [{\"id\": \"c\", \"kind\": \"harassment\", \"label\": \"c\", \"severity\": \"low\"}],\n"
               " \"rules\": [{\"id\": \"r\", \"category\": \"c\", \"match\": \"@p\", \"negation\": \"ignore\"}],\n"
               " \"lexicon\": {\"p\": [\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  \"%s\"%s\n", v[i], i + 1 < n ? "," : "");
    fprintf(f, "]}}\n");
    fclose(f);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *b;

    if (f == NULL || fstat(fileno(f), &st) != 0)
        exit(1);
    b = malloc((size_t)st.st_size + 1);
    *len = fread(b, 1, (size_t)st.st_size, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

static double grep_time(const char *locale, const char *phrases, const char *text, long *count)
{
    char cmd[2048];
    double best = 1e9;

    snprintf(cmd, sizeof cmd, "LC_ALL=%s grep -F -c -f '%s' '%s'", locale, phrases, text);
    for (int r = 0; r < 3; r++) {
        double t0 = now(), t;
        FILE *p = popen(cmd, "r");
        if (p == NULL || fscanf(p, "%ld", count) != 1)
            *count = -1;
        if (p)
            pclose(p);
        t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

/* Full evaluation (normalization, automaton, MeCab for lemma rules,
 * negation/quotation, rules, categories) of a policy's own test cases. */
static void full_eval(const char *policy, const char *cases)
{
    struct rules_policy *p = NULL;
    struct rules_scratch *s = NULL;
    struct rules_error err = {0, ""};
    json_t *arr = json_array();
    FILE *f = fopen(cases, "r");
    char *line = NULL;
    size_t cap = 0, bytes = 0, n;
    double best = 1e9;

    if (f == NULL || mamori_rules_policy_load(policy, NULL, &p, NULL, &err) != 0 ||
        mamori_rules_scratch_new(p, &s) != 0) {
        printf("\n(full evaluation skipped: %s %s)\n", policy, err.message);
        if (f)
            fclose(f);
        mamori_rules_policy_free(p);
        json_decref(arr);
        return;
    }
    while (getline(&line, &cap, f) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        if (c != NULL) {
            json_array_append_new(arr, c);
            bytes += json_string_length(json_object_get(c, "body")) + json_string_length(json_object_get(c, "subject"));
        }
    }
    free(line);
    fclose(f);
    n = json_array_size(arr);
    for (int r = 0; r < 4; r++) { /* the first round starts MeCab */
        double t0 = now(), t;
        for (int rep = 0; rep < 50; rep++)
            for (size_t i = 0; i < n; i++) {
                json_t *c = json_array_get(arr, i);
                struct rules_input in;
                memset(&in, 0, sizeof in);
                in.text[RULES_FIELD_SUBJECT] = json_string_value(json_object_get(c, "subject"));
                in.len[RULES_FIELD_SUBJECT] = json_string_length(json_object_get(c, "subject"));
                in.text[RULES_FIELD_BODY] = json_string_value(json_object_get(c, "body"));
                in.len[RULES_FIELD_BODY] = json_string_length(json_object_get(c, "body"));
                in.channel = json_string_value(json_object_get(c, "channel"));
                in.fixed_contacts = json_integer_value(json_object_get(c, "repeat_contacts_30d"));
                mamori_rules_eval(p, &in, s, &err);
            }
        t = now() - t0;
        if (r > 0 && t < best)
            best = t;
    }
    printf("\nfull evaluation, %s (%zu phrases, %zu rules, %zu lemma sequences) over its %zu test cases "
           "(avg %zu bytes):\n  %.1f us per ticket, %.1f MB/s (best of 3 rounds of 50 passes; MeCab included)\n",
           policy, p->nphrases, p->nrules, p->nlemma_keys, n, n ? bytes / n : 0, best / (50.0 * (double)n) * 1e6,
           (double)bytes * 50 / 1e6 / best);
    json_decref(arr);
    mamori_rules_scratch_free(s);
    mamori_rules_policy_free(p);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 50, len;
    const size_t sizes[2] = {1000, 10000};
    char text_path[1024], *text;
    double load_ms_10k = 0;

    snprintf(text_path, sizeof text_path, "%s/text.txt", dir);
    gen_text(text_path, mb << 20);
    text = slurp(text_path, &len);
    printf("text: %s, %.1f MB (%zu bytes), mixed Japanese/English, one ticket per line\n", text_path,
           (double)len / 1e6, len);

    for (int k = 0; k < 2; k++) {
        size_t n = sizes[k];
        char **phrases = gen_phrases(n);
        char ppath[1024], polpath[1024];
        struct rules_policy *p = NULL;
        struct rules_error err = {0, ""};
        struct rules_ac_stats st;
        struct rules_ntext nt;
        double best_raw = 1e9, best_norm = 1e9, loads[5];
        size_t hits_raw = 0, hits_norm = 0;
        long grep_c = 0, grep_u = 0;
        double tg_c, tg_u;

        snprintf(ppath, sizeof ppath, "%s/phrases-%zu.txt", dir, n);
        snprintf(polpath, sizeof polpath, "%s/policy-%zu.json", dir, n);
        write_phrases(ppath, phrases, n);
        write_policy(polpath, phrases, n);
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            mamori_rules_policy_free(p);
            p = NULL;
            if (mamori_rules_policy_load(polpath, NULL, &p, NULL, &err) != 0) {
                fprintf(stderr, "%s: %s\n", polpath, err.message);
                return 1;
            }
            loads[r] = (now() - t0) * 1000;
        }
        for (int i = 1; i < 5; i++) /* median of five */
            for (int j = i; j > 0 && loads[j - 1] > loads[j]; j--) {
                double t = loads[j];
                loads[j] = loads[j - 1];
                loads[j - 1] = t;
            }
        if (n == 10000)
            load_ms_10k = loads[2];
        rules_ac_get_stats(p->ac, &st);

        for (int r = 0; r < 3; r++) {
            double t0 = now(), t;
            hits_raw = rules_ac_count(p->ac, (const uint8_t *)text, len);
            t = now() - t0;
            if (t < best_raw)
                best_raw = t;
        }
        rules_ntext_init(&nt);
        for (int r = 0; r < 3; r++) {
            double t0 = now(), t;
            const char *s = text, *end = text + len;
            hits_norm = 0;
            while (s < end) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
                rules_normalize(&p->norm, s, l, &nt);
                hits_norm += rules_ac_count(p->ac, nt.u8, nt.u8len);
                s += l + 1;
            }
            t = now() - t0;
            if (t < best_norm)
                best_norm = t;
        }
        rules_ntext_free(&nt);
        tg_c = grep_time("C", ppath, text_path, &grep_c);
        tg_u = grep_time("C.UTF-8", ppath, text_path, &grep_u);

        printf("\n%zu phrases (%zu automaton states, %zu dense, %zu byte classes, %.1f MB tables); "
               "policy load %.1f ms (median of 5)\n",
               n, st.states, st.dense_states, st.classes, (double)st.bytes / 1e6, loads[2]);
        printf("  %-44s %8.0f MB/s  %9.3f s  %zu occurrences\n", "matcher, normalization excluded",
               (double)len / 1e6 / best_raw, best_raw, hits_raw);
        printf("  %-44s %8.0f MB/s  %9.3f s  %zu occurrences\n", "matcher + normalization, per line (ticket)",
               (double)len / 1e6 / best_norm, best_norm, hits_norm);
        printf("  %-44s %8.0f MB/s  %9.3f s  %ld matching lines\n", "LC_ALL=C grep -F -c -f", (double)len / 1e6 / tg_c,
               tg_c, grep_c);
        printf("  %-44s %8.0f MB/s  %9.3f s  %ld matching lines\n", "LC_ALL=C.UTF-8 grep -F -c -f",
               (double)len / 1e6 / tg_u, tg_u, grep_u);
        mamori_rules_policy_free(p);
        for (size_t i = 0; i < n; i++)
            free(phrases[i]);
        free(phrases);
    }
    printf("\nload of the 10,000-phrase policy: %.1f ms (target < 100 ms): %s\n", load_ms_10k,
           load_ms_10k < 100 ? "ok" : "TOO SLOW");
    if (argc > 4)
        full_eval(argv[3], argv[4]);
    free(text);
    return 0;
}
