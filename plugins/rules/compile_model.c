/* compile_model.c -- see compile_internal.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include <mamori/plugin.h>

#include "amount.h"
#include "model.h"
#include "policy_compile.h"
#include "compile_internal.h"

int compile_valid_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') || (s[n] >= 'A' && s[n] <= 'F')))
            return 0;
    return n == 64;
}

/* Load the model the policy names: its bytes must have the pinned sha256
 * (so a signed policy covers its model), parse, fit the categories. */
void compile_load_model(struct compile *c, json_t *root)
{
    struct rules_policy *p = c->p;
    json_t *v = json_object_get(root, "model");
    const char *pin = json_string_value(json_object_get(v, "sha256"));
    struct rules_error err = {0, ""};
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    unsigned char digest[32];
    unsigned int dlen = 0;
    char hex[65];
    FILE *f;
    int rc;

    if (p->model_path == NULL || pin == NULL || c->ctx->no_model)
        return;
    f = fopen(p->model_path, "rb");
    if (f == NULL) {
        ERR(json_object_get(v, "file"), v, "train it with `mamori policy train`; the path is relative to the policy file",
            "cannot read model %s: %s", p->model_path, strerror(errno));
        return;
    }
    for (;;) {
        size_t got;
        if (cap - len < 65536) {
            size_t nc = cap ? cap * 2 : 1 << 20;
            unsigned char *nd = realloc(data, nc);
            if (nd == NULL) {
                free(data);
                fclose(f);
                c->ctx->oom = 1;
                return;
            }
            data = nd;
            cap = nc;
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    rc = ferror(f);
    fclose(f);
    if (rc) {
        ERR(json_object_get(v, "file"), v, NULL, "cannot read model %s", p->model_path);
        free(data);
        return;
    }
    if (EVP_Digest(data, len, digest, &dlen, EVP_sha256(), NULL) != 1 || dlen != 32) {
        free(data);
        c->ctx->oom = 1;
        return;
    }
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    if (strcasecmp(hex, pin) != 0) {
        ERR(json_object_get(v, "sha256"), v,
            "the model file changed since the policy pinned it: put back the signed model, or retrain, update "
            "sha256 and sign the policy again",
            "model %s has sha256 %s, the policy pins %s", p->model_path, hex, pin);
        free(data);
        return;
    }
    rc = mamori_model_parse(data, len, &p->model, &err);
    free(data);
    if (rc == RULES_ENOMEM) {
        c->ctx->oom = 1;
        return;
    }
    if (rc != 0) {
        ERR(json_object_get(v, "file"), v, "retrain it with `mamori policy train`", "model %s: %s", p->model_path,
            err.message);
        return;
    }
    if (mamori_model_check_policy(p->model, p, &err) != 0) {
        ERR(json_object_get(v, "file"), v, "retrain the model for this policy", "model %s: %s", p->model_path,
            err.message);
        mamori_model_free(p->model);
        p->model = NULL;
        return;
    }
    p->cat_label = calloc(p->ncats + 1, sizeof *p->cat_label);
    if (p->cat_label == NULL) {
        c->ctx->oom = 1;
        return;
    }
    for (size_t k = 0; k < p->ncats; k++)
        p->cat_label[k] = p->cats[k].harassment ? mamori_model_label(p->model, p->cats[k].id) : -1;
    p->label_harassment = mamori_model_label(p->model, MAMORI_LABEL_HARASSMENT);
    p->label_escalate = mamori_model_label(p->model, MAMORI_LABEL_ESCALATE);
    p->label_flame = mamori_model_label(p->model, MAMORI_LABEL_FLAME);
}
