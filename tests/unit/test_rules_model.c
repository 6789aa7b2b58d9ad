/*
 * test_rules_model.c -- the learned judgement: features (n-grams, lemma
 * n-grams, spans back to the original text, quoted text excluded, rule
 * features), the model file (byte-identical retraining, load errors),
 * scoring (a tiny model ranks a threat above thanks, evidence sentences)
 * and cross-validation folds by batch. Policy: tests/rules/basic.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "model_features.h"
#include "model.h"
#include "tap.h"
#include "train.h"

static struct rules_policy *P;
static struct rules_scratch *S;
static struct mamori_features F;
static char tmpdir[] = "/tmp/test_rules_model.XXXXXX";

static unsigned extract_bits = MAMORI_FEATURE_BITS_DEFAULT;

static int extract(const char *subject, const char *body, const char *channel)
{
    struct rules_input in;
    struct rules_error err = {0, ""};

    memset(&in, 0, sizeof in);
    in.text[RULES_FIELD_SUBJECT] = subject;
    in.len[RULES_FIELD_SUBJECT] = subject ? strlen(subject) : 0;
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    in.channel = channel;
    in.fixed_contacts = 1;
    if (mamori_features_eval_extract(P, S, &in, extract_bits, &F, &err) != 0) {
        diag("extract: %s", err.message);
        return -1;
    }
    return 0;
}

/* The first occurrence of feature (ns, key), or NULL. */
static const struct mamori_feat_occ *find(char ns, const char *key)
{
    uint32_t h = mamori_feature_hash(ns, key, strlen(key), MAMORI_FEATURE_BITS_DEFAULT);

    for (size_t i = 0; i < F.nocc; i++)
        if (F.occ[i].feat == h)
            return &F.occ[i];
    return NULL;
}

/* Whether occurrence o quotes `want` from text. */
static int span_is(const struct mamori_feat_occ *o, const char *text, const char *want)
{
    return o != NULL && o->oe - o->ob == strlen(want) && memcmp(text + o->ob, want, strlen(want)) == 0;
}

static void test_features(void)
{
    const struct mamori_feat_occ *o;
    const char *body;

    body = "Thanks. I will KILL you tomorrow.";
    ok(extract(NULL, body, "email") == 0, "extract an English body");
    o = find('c', "kill");
    ok(span_is(o, body, "KILL"), "4-gram \"kill\" (case folded) maps back to \"KILL\" in the original");
    ok(find('c', " kil") != NULL && find('c', "ill ") != NULL, "word boundaries are marked (\" kil\", \"ill \")");
    ok(find('c', "l yo") == NULL && find('c', "l you") == NULL, "no n-gram runs across words");
    o = find('v', "kill you");
    ok(find('w', "kill") != NULL && span_is(o, body, "KILL you"),
       "version 2: whole Latin words, and word pairs spanning both words (\"KILL you\")");
    ok(find('v', "thanks i") == NULL && find('v', "will kill") != NULL,
       "no word pair across a sentence end (\"Thanks. I\")");
    ok(find('c', ".") == NULL && find('c', " ") == NULL, "punctuation and spaces are no features");
    ok(find('h', "email") != NULL, "the channel is a feature");
    o = find('r', "threat.kill");
    ok(o != NULL && o->field == RULES_FIELD_BODY && o->ob == 15 && o->oe > o->ob,
       "a fired rule is a feature, its span the rule's evidence (%.*s)", o ? (int)(o->oe - o->ob) : 0,
       o ? body + o->ob : "");
    ok(F.n > 0 && F.n <= F.nocc, "distinct features counted");
    {
        int sorted = 1;
        for (size_t i = 1; i < F.n; i++)
            sorted &= F.feat[i - 1] < F.feat[i];
        ok(sorted, "distinct features ascending");
    }

    body = "ｋｉｌｌ";
    ok(extract(NULL, body, "chat") == 0 && span_is(find('c', "kill"), body, "ｋｉｌｌ"),
       "NFKC: full-width \"ｋｉｌｌ\" gives \"kill\" with its full-width bytes as span");

    body = "お前を殺してやる。";
    ok(extract(NULL, body, "chat") == 0, "extract a Japanese body");
    ok(span_is(find('c', "殺し"), body, "殺し"), "Japanese bigram across kanji and kana: 殺し");
    ok(span_is(find('c', "を殺し"), body, "を殺し"), "one run for kanji and kana: を殺し");
    ok(span_is(find('l', "殺す"), body, "殺し"), "MeCab lemma 殺す, its span the surface 殺し");
    ok(find('m', "殺す+て") != NULL, "lemma bigram 殺す+て");
    ok(find('c', "。") == NULL, "。 is no feature");

    body = "Thank you for the help.\n> I will kill you\nOn Monday Bob wrote:\nI will kill you";
    ok(extract(NULL, body, "email") == 0, "extract a reply with quoted history");
    ok(find('c', "kill") == NULL && find('r', "threat.kill") == NULL,
       "quoted lines and history produce no feature");
    ok(find('c', "than") != NULL, "the customer's own words do");

    body = "担当: 殺すぞと言われたのですね\nお客様: ありがとう";
    ok(extract(NULL, body, "chat") == 0 && find('l', "殺す") == NULL && find('c', "殺す") == NULL,
       "staff lines of a transcript produce no feature (nor lemma)");

    ok(extract("殺す", "よろしく", "web") == 0 && find('c', "殺す") != NULL && find('c', "殺す")->field == 0,
       "the subject is read too (field 0)");
}

/* ---- cases -------------------------------------------------------------- */

static char cases_path[512];

static const char *threats[] = {"I will kill you", "I'm going to kill you and your family", "you will die, I kill you",
                                "殺してやる", "ぶっ殺すぞ", "お前を殺す"};
static const char *thanks[] = {"Thank you so much for the quick help", "thanks, the refund arrived",
                               "great service, thank you", "ありがとうございました", "早い対応に感謝します",
                               "助かりました、ありがとう"};
static const char *names[] = {"Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi"};

static int write_cases(void)
{
    FILE *f;

    snprintf(cases_path, sizeof cases_path, "%s/cases.jsonl", tmpdir);
    f = fopen(cases_path, "w");
    if (f == NULL)
        return -1;
    for (int i = 0; i < 48; i++) {
        int threat = i % 2 == 0;
        const char *t = threat ? threats[(i / 2) % 6] : thanks[(i / 2) % 6];
        fprintf(f,
                "{\"id\": \"c%d\", \"lang\": \"%s\", \"channel\": \"email\", \"subject\": \"\", \"body\": \"%s, %s.\", "
                "\"labels\": [\"%s\"], \"escalate\": %s, \"flame_risk\": false, \"batch\": \"b%d\"}\n",
                i, (i / 2) % 6 >= 3 ? "ja" : "en", t, names[i % 8], threat ? "threat" : "none",
                threat ? "true" : "false", i % 6);
    }
    return fclose(f);
}

static struct mamori_model *train_once(struct mamori_cases *cs, unsigned threads)
{
    struct mamori_train_options o;
    struct mamori_model *m = NULL;
    struct rules_error err = {0, ""};
    static const double grid[] = {1, 8};

    mamori_train_options_default(&o);
    o.threads = threads;
    o.min_df = 1;
    o.c_grid = grid;
    o.nc_grid = 2;
    o.bits = 18;
    if (mamori_model_train(P, cs, &o, &m, NULL, &err) != 0)
        diag("train: %s", err.message);
    return m;
}

/* A policy extending the test policy with the model and a must rule. */
static int write_policy(const char *path, const char *model, const unsigned char sha[32])
{
    const char *top = getenv("top_srcdir");
    char hex[65];
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    fprintf(f,
            "{\"mamori_policy\": 1, \"id\": \"test-model\", \"version\": \"0.1.0\",\n"
            " \"extends\": \"%s/tests/rules/basic/policy.json\",\n"
            " \"model\": {\"file\": \"%s\", \"sha256\": \"%s\"},\n"
            " \"rules\": [{\"id\": \"threat.gun\", \"category\": \"threat\", \"weight\": 1.0, \"match\": "
            "\"拳銃\", \"must\": true}]}\n",
            top ? top : ".", model, hex);
    return fclose(f);
}

static int cat_index(const struct rules_policy *p, const char *id)
{
    for (size_t c = 0; c < p->ncats; c++)
        if (strcmp(p->cats[c].id, id) == 0)
            return (int)c;
    return -1;
}

static void test_policy_model(const unsigned char sha[32])
{
    char path[600], model[600];
    struct rules_error err = {0, ""};
    struct rules_policy *pm = NULL;
    struct rules_scratch *sm = NULL;
    const struct rules_result *r;
    struct rules_input in;
    int th;
    const char *body;

    snprintf(path, sizeof path, "%s/policy.json", tmpdir);
    snprintf(model, sizeof model, "%s/m.bin", tmpdir);
    ok(write_policy(path, "m.bin", sha) == 0 && mamori_rules_policy_load(path, NULL, &pm, NULL, &err) == 0 &&
           pm->model != NULL,
       "a policy naming its model loads it (%s)", err.message);
    if (pm == NULL || mamori_rules_scratch_new(pm, &sm) != 0) {
        mamori_rules_policy_free(pm);
        return;
    }
    th = cat_index(pm, "threat");
    memset(&in, 0, sizeof in);
    in.channel = "email";
    in.fixed_contacts = 1;
    body = "Hello. I will kill you, Zed. Thanks.";
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    ok(mamori_rules_eval(pm, &in, sm, &err) == 0, "evaluate with the model");
    r = mamori_rules_result(sm);
    ok(th >= 0 && r->model != NULL && r->cat_fired[th] && r->cat_model[th] && !r->cat_must[th],
       "the model decides threat");
    ok(r->model != NULL && r->model->ntop[pm->cat_label[th]] >= 1 &&
           strncmp(body + r->model->top[(size_t)pm->cat_label[th] * MAMORI_MODEL_TOP_SPANS].ob, "I will kill", 11) ==
               0,
       "its evidence: the sentence that contributed most");
    body = "Thank you so much for the help, Zed.";
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    ok(mamori_rules_eval(pm, &in, sm, &err) == 0 && !r->harassment && r->nfired == 0, "thanks: nothing fires");
    body = "Thank you so much for the help. 拳銃";
    in.text[RULES_FIELD_BODY] = body;
    in.len[RULES_FIELD_BODY] = strlen(body);
    ok(mamori_rules_eval(pm, &in, sm, &err) == 0 && r->cat_fired[th] && r->cat_must[th] && !r->cat_model[th],
       "a must rule fires its category whatever the model reads");
    mamori_rules_scratch_free(sm);
    mamori_rules_policy_free(pm);
    pm = NULL;

    {
        unsigned char other[32];
        memcpy(other, sha, 32);
        other[0] ^= 1;
        ok(write_policy(path, "m.bin", other) == 0 &&
               mamori_rules_policy_load(path, NULL, &pm, NULL, &err) == RULES_EINVAL &&
               strstr(err.message, "sha256") != NULL && strstr(err.message, "pins") != NULL,
           "a model that is not the pinned one is refused: %s", err.message);
        mamori_rules_policy_free(pm);
        pm = NULL;
        ok(write_policy(path, "missing.bin", sha) == 0 &&
               mamori_rules_policy_load(path, NULL, &pm, NULL, &err) == RULES_EINVAL &&
               strstr(err.message, "cannot read model") != NULL,
           "a missing model: %s", err.message);
        mamori_rules_policy_free(pm);
    }
}

/* Signatures cover the model through the pin: a signed stand-alone copy
 * of the test policy naming a copy of the model. */
static void test_signed_model(const unsigned char *image, size_t len, const unsigned char sha[32])
{
    const char *top = getenv("top_srcdir");
    char src[600], path[600], sig[620], key[600], pub[600], mpath[600], hex[65];
    struct rules_error err = {0, ""};
    struct rules_load_options lo = {NULL, 0, 0, NULL, NULL, 0, 0};
    struct rules_policy *pm = NULL;
    json_error_t jerr;
    json_t *root;
    char *text = NULL, *b64 = NULL;
    FILE *f;

    snprintf(src, sizeof src, "%s/tests/rules/basic/policy.json", top ? top : ".");
    snprintf(path, sizeof path, "%s/signed.json", tmpdir);
    snprintf(sig, sizeof sig, "%s.sig", path);
    snprintf(key, sizeof key, "%s/firm.pem", tmpdir);
    snprintf(pub, sizeof pub, "%s/firm.pub", tmpdir);
    snprintf(mpath, sizeof mpath, "%s/signed.model", tmpdir);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    root = json_load_file(src, 0, &jerr);
    if (root != NULL) {
        json_object_del(root, "tests");
        json_object_set_new(root, "model", json_pack("{s:s, s:s}", "file", "signed.model", "sha256", hex));
        text = json_dumps(root, JSON_INDENT(1));
        json_decref(root);
    }
    f = fopen(mpath, "wb");
    ok(text != NULL && f != NULL && fwrite(image, 1, len, f) == len && fclose(f) == 0, "model copy written");
    f = fopen(path, "w");
    ok(f != NULL && fputs(text ? text : "", f) >= 0 && fclose(f) == 0 &&
           mamori_rules_sig_keygen(key, pub, &err) == 0 &&
           mamori_rules_sig_sign(key, text, strlen(text), &b64, &err) == 0,
       "policy written, key made, policy signed");
    f = fopen(sig, "w");
    ok(f != NULL && fputs(b64 ? b64 : "", f) >= 0 && fclose(f) == 0, "signature written");
    lo.pubkey_path = pub;
    ok(mamori_rules_policy_load(path, &lo, &pm, NULL, &err) == 0 && pm->model != NULL,
       "signed policy with its pinned model loads under the pinned key (%s)", err.message);
    mamori_rules_policy_free(pm);
    pm = NULL;
    /* Alter the model: the signature still verifies, the pin does not. */
    f = fopen(mpath, "r+b");
    if (f != NULL) {
        fseek(f, (long)(len / 2), SEEK_SET);
        fputc(image[len / 2] ^ 0x20, f);
        fclose(f);
    }
    ok(mamori_rules_policy_load(path, &lo, &pm, NULL, &err) == RULES_EINVAL && strstr(err.message, "pins") != NULL,
       "an altered model is refused under the pinned key: %s", err.message);
    mamori_rules_policy_free(pm);
    pm = NULL;
    /* Re-pin without signing again: the policy no longer verifies. */
    f = fopen(path, "a");
    if (f != NULL) {
        fputs("\n", f);
        fclose(f);
    }
    ok(mamori_rules_policy_load(path, &lo, &pm, NULL, &err) == RULES_EAUTH,
       "a policy changed after signing (a new pin) is refused: %s", err.message);
    mamori_rules_policy_free(pm);
    free(text);
    free(b64);
}

static void test_train_and_files(void)
{
    struct mamori_cases cs;
    struct rules_error err = {0, ""};
    struct mamori_model *m1, *m2, *back = NULL;
    unsigned char *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0, nvalid;
    char path[600];

    mamori_cases_init(&cs);
    ok(write_cases() == 0 && mamori_cases_load(&cs, cases_path, 1, 0, &err) == 0 && cs.n == 48,
       "48 cases loaded");
    nvalid = mamori_cases_default_split(&cs, 0.2, 1);
    {
        int whole = 1;
        for (size_t i = 0; i < cs.n; i++)
            for (size_t j = 0; j < cs.n; j++)
                if (strcmp(cs.v[i].batch, cs.v[j].batch) == 0 && cs.v[i].validation != cs.v[j].validation)
                    whole = 0;
        ok(nvalid >= 10 && nvalid < 48 && whole, "default split: whole batches, about a fifth (%zu)", nvalid);
    }
    m1 = train_once(&cs, 2);
    m2 = train_once(&cs, 1);
    ok(m1 != NULL && m2 != NULL, "trained twice");
    if (m1 == NULL || m2 == NULL)
        goto out;
    ok(mamori_model_serialize(m1, &d1, &n1, &err) == 0 && mamori_model_serialize(m2, &d2, &n2, &err) == 0 &&
           n1 == n2 && memcmp(d1, d2, n1) == 0,
       "the same cases give byte-identical models (2 threads vs 1)");
    ok(mamori_model_label(m1, "threat") >= 0 && mamori_model_label(m1, "harassment") >= 0 &&
           mamori_model_label(m1, "escalate") >= 0 && mamori_model_label(m1, "flame_risk") >= 0,
       "labels: categories, harassment, escalate, flame_risk");
    ok(mamori_model_check_policy(m1, P, &err) == 0, "the model fits its policy");

    /* Round trip and load errors. */
    snprintf(path, sizeof path, "%s/m.bin", tmpdir);
    ok(mamori_model_write(m1, path, &err) == 0, "write");
    ok(mamori_model_load(path, &back, &err) == 0 && back->nvocab == m1->nvocab &&
           memcmp(back->sha256, m1->sha256, 32) == 0 &&
           memcmp(back->w, m1->w, m1->nvocab * m1->nlabels * sizeof *m1->w) == 0 &&
           back->threshold[0] == m1->threshold[0],
       "load gives back the same model");
    if (back != NULL) {
        /* The loaded model finds features through its bucket index, the
         * trained one by searching its vocabulary: the same vector. */
        struct mamori_fvec a = {0}, b = {0};
        int same;
        ok(back->slot != NULL && m1->slot == NULL, "a loaded model has a bucket index, a trained one not");
        extract_bits = m1->bits;
        ok(extract("Re: order", "I will kill you, and thanks for nothing, Alice", "email") == 0 &&
               mamori_features_weigh(F.feat, F.count, F.n, m1->vocab, NULL, m1->idf, m1->nvocab, &a) == 0 &&
               mamori_features_weigh(F.feat, F.count, F.n, back->vocab, back->slot, back->idf, back->nvocab, &b) == 0,
           "weigh by search and by index");
        same = a.n == b.n && a.nknown == b.nknown && a.nknown > 0;
        for (size_t i = 0; same && i < a.n; i++)
            same = a.pos[i] == b.pos[i] && a.val[i] == b.val[i];
        ok(same, "index and search give the same vector (%zu features, %zu known)", a.n, a.nknown);
        mamori_fvec_free(&a);
        mamori_fvec_free(&b);
        extract_bits = MAMORI_FEATURE_BITS_DEFAULT;
    }
    mamori_model_free(back);
    back = NULL;
    test_policy_model(m1->sha256);
    test_signed_model(d1, n1, m1->sha256);
    ok(mamori_model_parse(d1, n1 / 2, &back, &err) == RULES_EINVAL && strstr(err.message, "truncated") != NULL,
       "truncated file: %s", err.message);
    ok(mamori_model_parse(d1, 10, &back, &err) == RULES_EINVAL && strstr(err.message, "truncated") != NULL,
       "file shorter than a header: %s", err.message);
    {
        unsigned char *c = malloc(n1);
        memcpy(c, d1, n1);
        c[0] = 'X';
        ok(mamori_model_parse(c, n1, &back, &err) == RULES_EINVAL && strstr(err.message, "magic") != NULL,
           "bad magic: %s", err.message);
        memcpy(c, d1, n1);
        c[12] = (unsigned char)(MAMORI_FEATURE_VERSION + 1);
        ok(mamori_model_parse(c, n1, &back, &err) == RULES_EINVAL && strstr(err.message, "feature version") != NULL,
           "wrong feature version: %s", err.message);
        memcpy(c, d1, n1);
        c[n1 / 2] ^= 0x40;
        ok(mamori_model_parse(c, n1, &back, &err) == RULES_EINVAL && strstr(err.message, "corrupted") != NULL,
           "a changed byte: %s", err.message);
        free(c);
    }
    {
        static const char *const labels[] = {"threat", "no_such_category"};
        struct mamori_model *odd = NULL;
        ok(mamori_model_new(2, labels, 0, 18, &odd) == 0 && mamori_model_check_policy(odd, P, &err) == RULES_EINVAL &&
               strstr(err.message, "no_such_category") != NULL,
           "a label that is not a category of the policy: %s", err.message);
        mamori_model_free(odd);
    }
    {
        FILE *f;
        snprintf(path, sizeof path, "%s/none.bin", tmpdir);
        ok(mamori_model_load(path, &back, &err) == RULES_EIO, "missing file: %s", err.message);
        f = fopen(path, "w");
        fputs("{\"not\": \"a model\"}", f);
        fclose(f);
        ok(mamori_model_load(path, &back, &err) == RULES_EINVAL && strstr(err.message, path) != NULL &&
               strstr(err.message, "magic") != NULL,
           "a file that is not a model names the file: %s", err.message);
    }

    /* Scoring. */
    {
        struct mamori_model_result r;
        struct rules_input in;
        int th = mamori_model_label(m1, "threat");
        double p_threat, p_thanks;
        const char *body = "Hello. I will kill you, Zed. Thanks.";

        mamori_model_result_init(&r);
        memset(&in, 0, sizeof in);
        in.text[RULES_FIELD_BODY] = body;
        in.len[RULES_FIELD_BODY] = strlen(body);
        in.channel = "email";
        in.fixed_contacts = 1;
        ok(mamori_features_eval_extract(P, S, &in, m1->bits, &F, &err) == 0 &&
               mamori_model_score(m1, &F, &in, &r, &err) == 0,
           "score a threat");
        p_threat = r.prob[th];
        ok(r.ntop[th] >= 1 && r.top[th].field == RULES_FIELD_BODY &&
               r.top[th].oe - r.top[th].ob == strlen("I will kill you, Zed.") &&
               memcmp(body + r.top[th].ob, "I will kill you, Zed.", r.top[th].oe - r.top[th].ob) == 0,
           "the top contributing sentence is the threat");
        body = "Thank you so much for the help, Zed.";
        in.text[RULES_FIELD_BODY] = body;
        in.len[RULES_FIELD_BODY] = strlen(body);
        ok(mamori_features_eval_extract(P, S, &in, m1->bits, &F, &err) == 0 &&
               mamori_model_score(m1, &F, &in, &r, &err) == 0,
           "score thanks");
        p_thanks = r.prob[th];
        ok(p_threat > p_thanks + 0.2, "an obvious threat (%.3f) ranks above obvious thanks (%.3f)", p_threat,
           p_thanks);
        ok(r.fired[th] == 0, "thanks do not pass the threat threshold (%.3f)", m1->threshold[th]);
        body = "本当にありがとう。殺してやる。";
        in.text[RULES_FIELD_BODY] = body;
        in.len[RULES_FIELD_BODY] = strlen(body);
        ok(mamori_features_eval_extract(P, S, &in, m1->bits, &F, &err) == 0 &&
               mamori_model_score(m1, &F, &in, &r, &err) == 0 && r.ntop[th] >= 1 &&
               strncmp(body + r.top[th].ob, "殺してやる。", r.top[th].oe - r.top[th].ob) == 0,
           "Japanese: the top sentence is 殺してやる。");
        F.bits = 20;
        ok(mamori_model_score(m1, &F, &in, &r, &err) == RULES_EINVAL, "features of another dimension are refused");
        mamori_model_result_free(&r);
    }

    /* Folds. */
    {
        uint32_t fold[48];
        int by = mamori_cv_folds(&cs, 3, 1, fold), same = 1, used[3] = {0, 0, 0};
        for (size_t i = 0; i < cs.n; i++) {
            used[fold[i]] = 1;
            for (size_t j = 0; j < cs.n; j++)
                if (strcmp(cs.v[i].batch, cs.v[j].batch) == 0 && fold[i] != fold[j])
                    same = 0;
        }
        ok(by == 1 && same && used[0] && used[1] && used[2], "3 folds by batch: a batch never spans two folds");
        ok(mamori_cv_folds(&cs, 10, 1, fold) == 0, "10 folds of 6 batches: dealt by case");
        ok(mamori_cv_folds(&cs, 1, 1, fold) == RULES_EINVAL, "one fold is refused");
    }
    {
        struct mamori_cv_result r;
        struct mamori_train_options o;
        static const double grid[] = {4};
        int th;
        mamori_train_options_default(&o);
        o.min_df = 1;
        o.bits = 18;
        o.c_grid = grid;
        o.nc_grid = 1;
        ok(mamori_model_crossval(P, &cs, 3, &o, &r, &err) == 0 && r.by_batch == 1 && r.ncases == 48,
           "3-fold cross-validation by batch");
        th = -1;
        for (size_t l = 0; l < r.nlabels; l++)
            if (strcmp(r.labels[l], "threat") == 0)
                th = (int)l;
        ok(th >= 0 && r.report[th].pos == 24 && r.report[th].recall > 0.5,
           "out-of-fold threat recall %.2f over all 24 threats", th >= 0 ? r.report[th].recall : -1);
        mamori_cv_result_free(&r);
    }
out:
    free(d1);
    free(d2);
    mamori_model_free(m1);
    mamori_model_free(m2);
    mamori_cases_free(&cs);
}

static const char *sent_text;

static int add_sentence(void *ctx, size_t b, size_t e)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "[%.*s]", (int)(e - b), sent_text + b);
    return 0;
}

static void test_sentences(void)
{
    char out[256] = "";

    sent_text = "First one. Second!Third？ e.g. fourth\n\n 五つ目。六．七";
    ok(mamori_sentences(sent_text, strlen(sent_text), add_sentence, out) == 0, "cut sentences");
    is_str(out, "[First one.][Second!][Third？][e.g.][fourth][五つ目。][六．][七]",
           "sentence ends: . before a space, !, ？, line breaks, 。, ．");
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
    if (mkdtemp(tmpdir) == NULL) {
        printf("1..0 # SKIP mkdtemp\n");
        return 1;
    }
    mamori_features_init(&F);
    plan(70);
    test_features();
    test_sentences();
    test_train_and_files();
    mamori_features_free(&F);
    mamori_rules_scratch_free(S);
    mamori_rules_policy_free(P);
    {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            diag("could not remove %s", tmpdir);
    }
    return done();
}
