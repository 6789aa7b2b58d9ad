/*
 * test_rules_sig.c -- Ed25519 policy signatures: a good chain loads; a
 * tampered file, a wrong key, an unsigned parent or a garbled .sig each
 * refuse the load and say which file and why.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-sig-test-XXXXXX";

static const char *in_dir(const char *name)
{
    static char buf[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static int sign(const char *key, const char *file)
{
    struct rules_error err = {0, ""};
    char sigpath[4300], *b64 = NULL, *data;
    size_t len;
    int rc;

    data = slurp(file, &len);
    if (data == NULL)
        return -1;
    rc = mamori_rules_sig_sign(key, data, len, &b64, &err);
    free(data);
    if (rc != 0) {
        diag("sign: %s", err.message);
        return rc;
    }
    snprintf(sigpath, sizeof sigpath, "%s.sig", file);
    spit(sigpath, b64, strlen(b64));
    free(b64);
    return 0;
}

static int load(const char *pub, struct rules_error *err)
{
    struct rules_load_options opt = {pub, 0, 0, NULL, NULL, 0, 0};
    struct rules_policy *p = NULL;
    int rc = mamori_rules_policy_load(in_dir("child.json"), &opt, &p, NULL, err);
    mamori_rules_policy_free(p);
    return rc;
}

static int reports;
static void report(void *ctx, const char *file, int ok_, const char *message)
{
    (void)ctx;
    (void)file;
    (void)message;
    reports += ok_;
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char src[4096], *data;
    size_t len;
    struct stat st;
    struct rules_error err = {0, ""};
    int rc;

    plan(17);
    if (top == NULL)
        top = ".";
    if (mkdtemp(dir) == NULL) {
        printf("1..0 # SKIP mkdtemp failed\n");
        return 0;
    }
    /* The merge test policies: child.json extends parent.json. */
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "child.json" : "parent.json";
        snprintf(src, sizeof src, "%s/tests/rules/merge/%s", top, name);
        data = slurp(src, &len);
        if (data)
            spit(in_dir(name), data, len);
        free(data);
    }

    is_int(mamori_rules_sig_keygen(in_dir("firm.pem"), in_dir("firm.pem.pub"), &err), 0, "keygen makes a key pair");
    ok(stat(in_dir("firm.pem"), &st) == 0 && (st.st_mode & 0777) == 0600, "the private key is mode 0600");
    is_int(mamori_rules_sig_keygen(in_dir("firm.pem"), in_dir("x.pub"), &err), RULES_EIO,
           "keygen refuses to overwrite a key");
    is_int(mamori_rules_sig_keygen(in_dir("other.pem"), in_dir("other.pem.pub"), &err), 0, "a second key pair");

    ok(sign(in_dir("firm.pem"), in_dir("parent.json")) == 0 && sign(in_dir("firm.pem"), in_dir("child.json")) == 0,
       "sign both files of the chain");
    data = slurp(in_dir("child.json"), &len);
    is_int(mamori_rules_sig_verify(in_dir("firm.pem.pub"), in_dir("child.json"), data, len, &err), 0,
           "the signature verifies");
    free(data);
    is_int(load(in_dir("firm.pem.pub"), &err), 0, "a signed chain loads with policy_pubkey");
    reports = 0;
    ok(mamori_rules_verify_chain(in_dir("child.json"), in_dir("firm.pem.pub"), report, NULL, &err) == 0 && reports == 2,
       "verify_chain checks both files");

    rc = load(in_dir("other.pem.pub"), &err);
    ok(rc == RULES_EAUTH && strstr(err.message, "child.json: signature does not verify") != NULL,
       "wrong key: refused, naming the file (%s)", err.message);

    data = slurp(in_dir("child.json"), &len);
    spit(in_dir("child.json"), data, len - 2); /* drop the final "}\n" */
    rc = load(in_dir("firm.pem.pub"), &err);
    ok(rc == RULES_EAUTH && strstr(err.message, "child.json") && strstr(err.message, "changed after signing"),
       "tampered file: refused (%s)", err.message);
    spit(in_dir("child.json"), data, len);
    free(data);
    is_int(load(in_dir("firm.pem.pub"), &err), 0, "restored: loads again");

    unlink(in_dir("parent.json.sig"));
    rc = load(in_dir("firm.pem.pub"), &err);
    ok(rc == RULES_EAUTH && strstr(err.message, "parent.json: no signature"),
       "unsigned parent: refused, naming the parent (%s)", err.message);
    reports = 0;
    ok(mamori_rules_verify_chain(in_dir("child.json"), in_dir("firm.pem.pub"), report, NULL, &err) == RULES_EAUTH &&
           reports == 1,
       "verify_chain stops at the unsigned parent");

    spit(in_dir("parent.json.sig"), "not base64!\n", 12);
    rc = load(in_dir("firm.pem.pub"), &err);
    ok(rc == RULES_EAUTH && strstr(err.message, "not a base64 Ed25519 signature"), "garbled .sig (%s)", err.message);

    is_int(load(NULL, &err), 0, "without policy_pubkey, signatures are not required");
    rc = load(in_dir("firm.pem"), &err);
    ok(rc != 0 && strstr(err.message, "not a PEM public key"), "a private key is not a public key (%s)", err.message);
    rc = load(in_dir("missing.pub"), &err);
    ok(rc != 0 && strstr(err.message, "missing.pub"), "a missing public key is named (%s)", err.message);

    {
        const char *names[] = {"firm.pem", "firm.pem.pub", "other.pem", "other.pem.pub", "parent.json",
                               "parent.json.sig", "child.json", "child.json.sig"};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            unlink(in_dir(names[i]));
        rmdir(dir);
    }
    return done();
}
