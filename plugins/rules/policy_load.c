/*
 * policy_load.c -- read the extends chain, verify signatures, merge, then
 * validate and compile the merged policy (policy_compile.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "policy_compile.h"
#include "policy_internal.h"
#include "rules.h"

#define MAX_POLICY_BYTES (64u << 20)

/* Read a whole policy or model file; through opt->open_file when the
 * caller set one (opt may be NULL). */
static int read_file(const struct rules_load_options *opt, const char *path, char **data, size_t *len,
                     struct rules_error *err)
{
    FILE *f;
    struct stat st;
    char *buf;
    size_t n;

    *data = NULL;
    *len = 0;
    if (opt != NULL && opt->open_file != NULL) {
        int fd = opt->open_file(opt->open_ctx, path, "policy file", err);
        if (fd < 0)
            return fd;
        if ((f = fdopen(fd, "rb")) == NULL) {
            close(fd);
            return rules_err(err, RULES_ENOMEM, "out of memory");
        }
    } else if ((f = fopen(path, "rb")) == NULL) {
        return rules_err(err, RULES_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return rules_err(err, RULES_EIO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > MAX_POLICY_BYTES) {
        fclose(f);
        return rules_err(err, RULES_EIO, "%s: larger than %u MiB; is this a policy file?", path,
                         MAX_POLICY_BYTES >> 20);
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return rules_err(err, RULES_EIO, "%s: read failed: %s", path, strerror(errno));
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return RULES_OK;
}

/* dirname(path) joined with rel, unless rel is absolute. */
char *rules_path_resolve(const char *base_file, const char *rel)
{
    const char *slash;
    size_t dlen;
    char *out;

    if (rel[0] == '/' || (slash = strrchr(base_file, '/')) == NULL)
        return rules_strdup(rel);
    dlen = (size_t)(slash - base_file);
    out = malloc(dlen + 1 + strlen(rel) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, base_file, dlen);
    out[dlen] = '/';
    memcpy(out + dlen + 1, rel, strlen(rel) + 1);
    return out;
}

/* Record the position of every value of a file's tree. */
static int walk_origins(struct rules_loadctx *ctx, json_t *v, int file, const struct rules_jpos_index *ix,
                        struct rules_buf *ptr)
{
    struct rules_jpos pos;
    size_t base = ptr->len;
    const char *k;
    json_t *m;
    size_t i;

    if (rules_jpos_lookup(ix, ptr->data ? ptr->data : "", &pos) == 0 && rules_origin_put(ctx, v, file, &pos) != 0)
        return RULES_ENOMEM;
    if (json_is_object(v)) {
        json_object_foreach(v, k, m) {
            if (rules_jpos_append(ptr, k) != 0 || walk_origins(ctx, m, file, ix, ptr) != 0)
                return RULES_ENOMEM;
            ptr->len = base;
            ptr->data[base] = '\0';
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) {
            if (rules_jpos_append_index(ptr, i) != 0 || walk_origins(ctx, m, file, ix, ptr) != 0)
                return RULES_ENOMEM;
            ptr->len = base;
            ptr->data[base] = '\0';
        }
    }
    return RULES_OK;
}

static const char *const metadata_keys[] = {"mamori_policy", "id",     "version", "title", "company",
                                            "author",        "effective_date", "extends", "tests", "model",
                                            NULL};

/* Describe the first error for callers that show one line. */
static void first_error(const struct rules_diags *d, struct rules_error *err)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].severity == RULES_DIAG_ERROR) {
            const struct rules_diag *g = &d->v[i];
            if (d->errors > 1)
                rules_err(err, RULES_EINVAL, "%s:%d:%d: %s (and %zu more error%s; run: mamori policy lint %s)",
                          g->file, g->line, g->col, g->message, d->errors - 1, d->errors > 2 ? "s" : "",
                          d->v[0].file);
            else
                rules_err(err, RULES_EINVAL, "%s:%d:%d: %s%s%s", g->file, g->line, g->col, g->message,
                          g->hint ? " -- " : "", g->hint ? g->hint : "");
            return;
        }
}

int mamori_rules_policy_load(const char *path, const struct rules_load_options *opt, struct rules_policy **out,
                             struct rules_diags *diags, struct rules_error *err)
{
    static const struct rules_load_options defaults = {NULL, 0, 0, NULL, NULL, 0, 0};
    struct rules_loadctx ctx;
    json_t *roots[RULES_MAX_EXTENDS + 2] = {NULL};
    struct rules_jpos_index *ix[RULES_MAX_EXTENDS + 2] = {NULL};
    char *real[RULES_MAX_EXTENDS + 2] = {NULL};
    char *cur = NULL;
    json_t *merged = NULL;
    size_t n = 0;
    double t0 = rules_now_ms();
    int rc = RULES_OK;

    *out = NULL;
    if (opt == NULL)
        opt = &defaults;
    memset(&ctx, 0, sizeof ctx);
    ctx.diags = diags ? diags : &ctx.own;
    ctx.lint = opt->lint;
    ctx.no_model = opt->no_model;
    if (opt->open_file != NULL && opt->pubkey_path != NULL) {
        /* Whoever can replace the key can sign a policy of their own. */
        int fd = opt->open_file(opt->open_ctx, opt->pubkey_path, "policy public key", err);
        if (fd < 0)
            return fd;
        close(fd);
    }
    cur = rules_strdup(path);
    if (cur == NULL) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto done;
    }

    /* The chain: the loaded file first, then each parent. */
    for (;;) {
        json_error_t jerr;
        char *data = NULL, rbuf[PATH_MAX];
        size_t len = 0;
        json_t *ext;
        struct rules_buf ptr = RULES_BUF_INIT;

        if (n > RULES_MAX_EXTENDS) {
            rules_diag_at(&ctx, json_object_get(roots[n - 1], "extends"), roots[n - 1], 0, RULES_DIAG_ERROR,
                          "flatten the chain: a policy may extend at most 8 levels of parents",
                          "extends chain is deeper than %d files", RULES_MAX_EXTENDS);
            free(cur);
            cur = NULL;
            break;
        }
        if (realpath(cur, rbuf) == NULL) {
            if (n == 0) {
                rc = rules_err(err, RULES_EIO, "%s: %s", cur, strerror(errno));
                goto done;
            }
            rules_diag_at(&ctx, json_object_get(roots[n - 1], "extends"), roots[n - 1], 0, RULES_DIAG_ERROR,
                          "check the path; it is relative to the file that names it", "extends: cannot open %s: %s",
                          cur, strerror(errno));
            free(cur);
            cur = NULL;
            break;
        }
        for (size_t k = 0; k < n; k++)
            if (strcmp(real[k], rbuf) == 0) {
                rules_diag_at(&ctx, json_object_get(roots[n - 1], "extends"), roots[n - 1], 0, RULES_DIAG_ERROR,
                              "a policy cannot extend itself, directly or through its parents",
                              "extends cycle: %s is already in the chain", cur);
                free(cur);
                cur = NULL;
                goto chain_done;
            }
        ctx.files[n] = cur;
        ctx.nfiles = n + 1;
        cur = NULL;
        real[n] = rules_strdup(rbuf);
        if (real[n] == NULL) {
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = read_file(opt, ctx.files[n], &data, &len, err)) != 0)
            goto done;
        /* Check the signature before reading anything from the file, so an
         * unsigned file's `extends` is never followed. */
        if (opt->pubkey_path != NULL &&
            (rc = mamori_rules_sig_verify(opt->pubkey_path, ctx.files[n], data, len, err)) != 0) {
            free(data);
            goto done;
        }
        /* Editors on Windows save UTF-8 with a byte order mark; jansson
         * refuses it. The signature above covers the file as it is. */
        {
            size_t bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
            roots[n] = json_loadb(data + bom, len - bom, JSON_REJECT_DUPLICATES, &jerr);
        }
        if (roots[n] == NULL) {
            mamori_rules_diag_add(ctx.diags, ctx.files[n], jerr.line, jerr.column, RULES_DIAG_ERROR,
                                  "fix the JSON syntax (no comments, no trailing commas; use \"//\" keys for notes)",
                                  "%s", jerr.text);
            free(data);
            n++;
            break;
        }
        if (!json_is_object(roots[n])) {
            mamori_rules_diag_add(ctx.diags, ctx.files[n], 1, 1, RULES_DIAG_ERROR, NULL,
                                  "a policy is a JSON object { ... }");
            free(data);
            n++;
            break;
        }
        rules_jpos_build(data, len, &ix[n]);
        free(data);
        if (ix[n] == NULL || rules_buf_add(&ptr, "", 0) != 0 ||
            walk_origins(&ctx, roots[n], (int)n, ix[n], &ptr) != 0) {
            rules_buf_free(&ptr);
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto done;
        }
        rules_buf_free(&ptr);
        ext = json_object_get(roots[n], "extends");
        n++;
        if (ext == NULL || json_is_null(ext))
            break;
        if (!json_is_string(ext) || json_string_length(ext) == 0) {
            rules_diag_at(&ctx, ext, roots[n - 1], 0, RULES_DIAG_ERROR,
                          "write the parent's path, relative to this file, or null", "extends must be a path or null");
            break;
        }
        cur = rules_path_resolve(ctx.files[n - 1], json_string_value(ext));
        if (cur == NULL) {
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto done;
        }
    }
chain_done:
    if (ctx.diags->errors > 0)
        goto compile_failed;

    /* Every file declares the format it is written in. */
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_object_get(roots[k], "mamori_policy");
        if (v == NULL)
            rules_diag_at(&ctx, roots[k], roots[k], 0, RULES_DIAG_ERROR, "add \"mamori_policy\": 1",
                          "missing \"mamori_policy\" (the format version)");
        else if (!json_is_integer(v) || json_integer_value(v) != 1)
            rules_diag_at(&ctx, v, roots[k], 0, RULES_DIAG_ERROR,
                          "this mamori reads format 1; upgrade mamori for newer formats",
                          "unsupported policy format %s", json_is_integer(v) ? "version" : "(not an integer)");
    }

    /* Merge from the farthest parent down to the loaded file. */
    for (size_t k = n; k-- > 0;) {
        json_t *m = NULL;
        if ((rc = rules_policy_merge(&ctx, merged, roots[k], &m)) != 0) {
            rules_err(err, rc, "out of memory");
            goto done;
        }
        json_decref(merged);
        merged = m;
    }
    /* Metadata is the loaded file's own, never inherited. */
    for (const char *const *k = metadata_keys; *k; k++) {
        json_t *v = json_object_get(roots[0], *k);
        if (v != NULL && json_object_set(merged, *k, v) != 0) {
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto done;
        } else if (v == NULL)
            json_object_del(merged, *k);
    }

    rc = rules_policy_compile(&ctx, merged, opt, out);
    if (rc == RULES_ENOMEM || ctx.oom) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto done;
    }
compile_failed:
    if (ctx.diags->errors > 0) {
        mamori_rules_diags_sort(ctx.diags);
        first_error(ctx.diags, err);
        mamori_rules_policy_free(*out);
        *out = NULL;
        rc = RULES_EINVAL;
        goto done;
    }
    mamori_rules_diags_sort(ctx.diags);
    if (*out != NULL) {
        (*out)->files = calloc(n, sizeof *(*out)->files);
        if ((*out)->files == NULL) {
            mamori_rules_policy_free(*out);
            *out = NULL;
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < n; k++) {
            (*out)->files[k] = ctx.files[k];
            ctx.files[k] = NULL;
        }
        (*out)->nfiles = n;
        if (opt->keep_json)
            (*out)->json = json_incref(merged);
        (*out)->load_ms = rules_now_ms() - t0;
    }
done:
    json_decref(merged);
    for (size_t k = 0; k < RULES_MAX_EXTENDS + 2; k++) {
        json_decref(roots[k]);
        rules_jpos_free(ix[k]);
        free(real[k]);
        free(ctx.files[k]);
    }
    free(cur);
    free(ctx.origins);
    for (size_t k = 0; k < ctx.nreplaced; k++)
        json_decref(ctx.replaced[k].old);
    free(ctx.replaced);
    mamori_rules_diags_free(&ctx.own);
    return rc;
}

/* The model a signed policy file pins: its bytes must have the sha256 the
 * policy names, so the policy's signature covers it. Reported like a
 * signature; RULES_EAUTH when it does not match. */
static int verify_model_pin(const char *policy, json_t *root,
                            void (*report)(void *ctx, const char *file, int ok, const char *message), void *ctx,
                            struct rules_error *err)
{
    json_t *m = json_object_get(root, "model");
    const char *file = json_string_value(json_object_get(m, "file"));
    const char *pin = json_string_value(json_object_get(m, "sha256"));
    char *path, *data = NULL, hex[65];
    unsigned char digest[32];
    unsigned int dlen = 0;
    size_t len;
    int rc;

    if (file == NULL || pin == NULL)
        return RULES_OK;
    path = rules_path_resolve(policy, file);
    if (path == NULL)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    if ((rc = read_file(NULL, path, &data, &len, err)) != 0) {
        report(ctx, path, 0, err->message);
        free(path);
        return rc;
    }
    if (EVP_Digest(data, len, digest, &dlen, EVP_sha256(), NULL) != 1 || dlen != 32) {
        free(data);
        free(path);
        return rules_err(err, RULES_EINTERNAL, "sha256 failed");
    }
    free(data);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    if (strcasecmp(hex, pin) != 0) {
        rc = rules_err(err, RULES_EAUTH, "%s: model sha256 %s, the signed policy pins %s", path, hex, pin);
        report(ctx, path, 0, err->message);
    } else {
        report(ctx, path, 1, "model sha256 matches the signed policy's pin");
    }
    free(path);
    return rc;
}

int mamori_rules_verify_chain(const char *path, const char *pubkey_path,
                              void (*report)(void *ctx, const char *file, int ok, const char *message), void *ctx,
                              struct rules_error *err)
{
    char *seen[RULES_MAX_EXTENDS + 2] = {NULL};
    char *cur = rules_strdup(path);
    size_t n = 0;
    int rc = RULES_OK;

    if (cur == NULL)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    while (cur != NULL) {
        char rbuf[PATH_MAX], *data = NULL;
        size_t len;
        json_t *root, *ext;

        if (n > RULES_MAX_EXTENDS) {
            rc = rules_err(err, RULES_EINVAL, "%s: extends chain is deeper than %d files", cur, RULES_MAX_EXTENDS);
            break;
        }
        if (realpath(cur, rbuf) == NULL) {
            rc = rules_err(err, RULES_EIO, "%s: %s", cur, strerror(errno));
            break;
        }
        for (size_t k = 0; k < n; k++)
            if (strcmp(seen[k], rbuf) == 0) {
                rc = rules_err(err, RULES_EINVAL, "%s: extends cycle", cur);
                goto done;
            }
        if ((seen[n++] = rules_strdup(rbuf)) == NULL) {
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            break;
        }
        if ((rc = read_file(NULL, cur, &data, &len, err)) != 0)
            break;
        rc = mamori_rules_sig_verify(pubkey_path, cur, data, len, err);
        report(ctx, cur, rc == 0, rc == 0 ? "signature verified" : err->message);
        if (rc != 0) {
            free(data);
            break;
        }
        root = json_loadb(data + (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0),
                          len - (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0), 0, NULL);
        free(data);
        /* Only the loaded file's model counts ("model" is not inherited). */
        if (n == 1 && (rc = verify_model_pin(cur, root, report, ctx, err)) != 0) {
            json_decref(root);
            break;
        }
        ext = json_object_get(root, "extends");
        if (json_is_string(ext) && json_string_length(ext) > 0) {
            char *next = rules_path_resolve(cur, json_string_value(ext));
            free(cur);
            cur = next;
            if (cur == NULL)
                rc = rules_err(err, RULES_ENOMEM, "out of memory");
        } else {
            free(cur);
            cur = NULL;
        }
        json_decref(root);
    }
done:
    free(cur);
    for (size_t k = 0; k < n; k++)
        free(seen[k]);
    return rc;
}
