/*
 * fuzz_webhook.c -- libFuzzer target: a whole request through the app
 * (router, HTTP layer, signature check, UTF-8 and JSON validation, ticket
 * parsing, the plugin chain, the store transaction, the answer) with a fake
 * FastCGI transport. Half of the inputs are signed correctly so the fuzzer
 * gets past the signature check.
 * Input: [flags byte][path byte][body...].
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/signature.h"
#include "config/generation.h"
#include "http/app.h"
#include "store/store.h"

static struct mamori_generation *gen;
static struct mamori_store *store;
static struct mamori_app app;

struct fake {
    const char *params[32];
    const uint8_t *body;
    size_t len, pos;
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fk_param(void *ctx, const char *name)
{
    struct fake *f = ctx;
    for (int i = 0; f->params[i]; i += 2)
        if (strcmp(f->params[i], name) == 0)
            return f->params[i + 1];
    return NULL;
}

static int fk_read(void *ctx, char *buf, int n)
{
    struct fake *f = ctx;
    size_t take = f->len - f->pos < (size_t)n ? f->len - f->pos : (size_t)n;
    memcpy(buf, f->body + f->pos, take);
    f->pos += take;
    return (int)take;
}

static int fk_write(void *ctx, const char *buf, int n)
{
    (void)ctx;
    (void)buf;
    return n;
}

static time_t fixed_clock(void)
{
    return 1800000000;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[] = "/tmp/mamori-fuzz.XXXXXX", path[512], text[2048];
    struct mamori_error err;

    (void)argc;
    (void)argv;
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(path, sizeof path, "%s/tenants.d", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/secret", dir);
    write_file(path, "fuzz-secret\n", 0600);
    snprintf(text, sizeof text,
             "[server]\nlog_level = err\n[store]\npath = %s/m.db\nidentity_key_file = %s/id.key\n"
             "[plugins]\ndir = %s/plugins/rules/.libs\n[tenants]\ndir = %s/tenants.d\n",
             dir, dir, BUILDDIR, dir);
    snprintf(path, sizeof path, "%s/mamori.conf", dir);
    write_file(path, text, 0644);
    snprintf(text, sizeof text,
             "[tenant]\nconnector = generic\nwebhook_secret_file = %s/secret\n[plugin rules]\npath = rules.so\n"
             "policy = %s/policies/default-ja/policy.json\n",
             dir, SRCDIR);
    snprintf(path, sizeof path, "%s/tenants.d/acme.conf", dir);
    write_file(path, text, 0644);
    snprintf(path, sizeof path, "%s/mamori.conf", dir);
    if (mamori_generation_load(&gen, path, 1, MAMORI_GEN_CREATE_KEY, &err) != 0) {
        fprintf(stderr, "fuzz setup: %s\n", err.message);
        abort();
    }
    if (mamori_store_open(&store, gen->settings.store_path, MAMORI_SYNC_NORMAL, 1000, 0, &err) != 0 ||
        mamori_store_set_audit_key(store, gen->audit_key.data, gen->audit_key.len) != 0)
        abort();
    app.gen = gen;
    app.store = store;
    app.clock = fixed_clock;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *paths[] = {"/hooks/acme/generic", "/v1/annotate", "/healthz", "/hooks/acme/zendesk",
                                  "/hooks/x/generic", "/metrics"};
    struct mamori_http_transport io;
    struct mamori_http h;
    struct fake f;
    char cl[32], sig[128] = "t=1800000000,v1=00";
    int i = 0;

    if (size < 2)
        return 0;
    memset(&f, 0, sizeof f);
    f.body = data + 2;
    f.len = size - 2;
    snprintf(cl, sizeof cl, "%zu", f.len);
    if (data[0] & 1) {
        unsigned char mac[MAMORI_HMAC_MAX];
        char hex[2 * MAMORI_HMAC_MAX + 1];
        size_t n;
        struct mamori_bytes parts[2] = {{"1800000000.", 11}, {f.body, f.len}};
        mamori_hmac(MAMORI_HMAC_SHA256, "fuzz-secret", 11, parts, 2, mac, &n);
        mamori_hex_encode(mac, n, hex);
        snprintf(sig, sizeof sig, "t=1800000000,v1=%s", hex);
    }
    f.params[i++] = "REQUEST_METHOD";
    f.params[i++] = (data[0] & 2) ? "GET" : "POST";
    f.params[i++] = "REQUEST_URI";
    f.params[i++] = paths[data[1] % 6];
    f.params[i++] = "CONTENT_TYPE";
    f.params[i++] = (data[0] & 4) ? "text/plain" : "application/json";
    f.params[i++] = "CONTENT_LENGTH";
    f.params[i++] = cl;
    f.params[i++] = "HTTP_X_MAMORI_SIGNATURE";
    f.params[i++] = sig;
    f.params[i++] = "HTTP_AUTHORIZATION";
    f.params[i++] = "Bearer nope";
    f.params[i] = NULL;
    io.ctx = &f;
    io.getparam = fk_param;
    io.read = fk_read;
    io.write = fk_write;
    if (mamori_http_init(&h, &io) == 0)
        mamori_app_handle(&app, &h);
    mamori_http_free(&h);
    return 0;
}
