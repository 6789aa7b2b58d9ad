/*
 * fuzz_rules.c -- libFuzzer target: the policy engine (normalization,
 * automaton, negation and quotation scopes, MeCab, rules, guidance) on
 * arbitrary bytes as subject and body, with the default Japanese policy
 * and with tests/rules/ext/policy.json (the engine 1.1 additions: exact and
 * symbol phrases, dropped-symbol re-reads, amounts, near/not_near options,
 * single quotes, unless overlap).
 * Input: [channel byte][subject length byte][subject][body].
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "base/utf8.h"

static struct rules_policy *policy, *ext;
static struct rules_scratch *scratch, *ext_scratch;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct rules_error err;
    const char *path = getenv("MAMORI_FUZZ_POLICY");

    (void)argc;
    (void)argv;
    if (path == NULL)
        path = SRCDIR "/policies/default-ja/policy.json";
    if (mamori_rules_policy_load(path, NULL, &policy, NULL, &err) != 0 ||
        mamori_rules_scratch_new(policy, &scratch) != 0)
        abort();
    if (mamori_rules_policy_load(SRCDIR "/tests/rules/ext/policy.json", NULL, &ext, NULL, &err) != 0 ||
        mamori_rules_scratch_new(ext, &ext_scratch) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *channels[] = {"email", "web", "chat", "phone", "phone_note", "sns", "api", "other"};
    struct rules_input in;
    struct rules_guidance g;
    struct rules_error err;
    size_t slen;

    if (size < 2)
        return 0;
    memset(&in, 0, sizeof in);
    in.channel = channels[data[0] % 8];
    slen = data[1];
    data += 2;
    size -= 2;
    if (slen > size)
        slen = size;
    /* The host only ever passes valid UTF-8 (it refuses the rest with 400). */
    if (!mamori_utf8_valid((const char *)data, size, NULL))
        return 0;
    if (slen < size && ((data[slen] & 0xC0) == 0x80))
        return 0;
    in.text[0] = (const char *)data;
    in.len[0] = slen;
    in.text[1] = (const char *)data + slen;
    in.len[1] = size - slen;
    in.fixed_contacts = 1 + (int64_t)(size % 7);
    if (mamori_rules_eval(ext, &in, ext_scratch, &err) == 0) {
        mamori_rules_guidance_init(&g);
        mamori_rules_guidance(ext, ext_scratch, &in, &g);
        mamori_rules_guidance_free(&g);
    }
    if (mamori_rules_eval(policy, &in, scratch, &err) != 0)
        return 0;
    mamori_rules_guidance_init(&g);
    mamori_rules_guidance(policy, scratch, &in, &g);
    mamori_rules_guidance_free(&g);
    return 0;
}
