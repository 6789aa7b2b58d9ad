/*
 * model.c -- the model file (format in model.h) and scoring.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "model.h"

#define HEADER_LEN 24u
#define SHA_LEN 32u

/* ---- life ------------------------------------------------------------ */

/* Zeroed memory for the weights and the bucket index (tens of MB, read at
 * random by every ticket): aligned to 2 MB and advised for transparent huge
 * pages, so a ticket's few hundred lookups cost fewer TLB misses. Freed
 * with free(). NULL when out of memory. */
static void *alloc_big(size_t size)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;

    if (size < huge)
        return calloc(1, size);
    if (posix_memalign(&p, huge, size) != 0)
        return NULL;
    memset(p, 0, size);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE); /* advice only: without THP it is plain memory */
#endif
    return p;
}

/* Build m->slot from m->vocab (see model.h). 0 or RULES_ENOMEM. */
static int build_slots(struct mamori_model *m)
{
    if (m->bits > MAMORI_MODEL_SLOT_BITS)
        return RULES_OK;
    m->slot = alloc_big(((size_t)1 << m->bits) * sizeof *m->slot);
    if (m->slot == NULL)
        return RULES_ENOMEM;
    for (size_t j = 0; j < m->nvocab; j++)
        m->slot[m->vocab[j]] = (uint32_t)j + 1;
    return RULES_OK;
}

int mamori_model_new(size_t nlabels, const char *const *labels, size_t nvocab, unsigned bits,
                     struct mamori_model **out)
{
    struct mamori_model *m = calloc(1, sizeof *m);

    *out = NULL;
    if (m == NULL)
        return RULES_ENOMEM;
    m->feature_version = MAMORI_FEATURE_VERSION;
    m->bits = bits;
    m->nlabels = nlabels;
    m->nvocab = nvocab;
    m->labels = calloc(nlabels + 1, sizeof *m->labels);
    m->bias = calloc(nlabels + 1, sizeof *m->bias);
    m->threshold = calloc(nlabels + 1, sizeof *m->threshold);
    m->C = calloc(nlabels + 1, sizeof *m->C);
    m->vocab = calloc(nvocab + 1, sizeof *m->vocab);
    m->idf = calloc(nvocab + 1, sizeof *m->idf);
    m->w = alloc_big((nlabels * nvocab + 1) * sizeof *m->w);
    if (!m->labels || !m->bias || !m->threshold || !m->C || !m->vocab || !m->idf || !m->w) {
        mamori_model_free(m);
        return RULES_ENOMEM;
    }
    for (size_t l = 0; l < nlabels; l++) {
        m->labels[l] = rules_strdup(labels ? labels[l] : "");
        if (m->labels[l] == NULL) {
            mamori_model_free(m);
            return RULES_ENOMEM;
        }
        m->threshold[l] = 0.5;
    }
    *out = m;
    return RULES_OK;
}

void mamori_model_free(struct mamori_model *m)
{
    if (m == NULL)
        return;
    for (size_t l = 0; m->labels && l < m->nlabels; l++)
        free(m->labels[l]);
    free(m->labels);
    free(m->bias);
    free(m->threshold);
    free(m->C);
    free(m->vocab);
    free(m->idf);
    free(m->w);
    free(m->slot);
    free(m->policy_id);
    free(m->policy_version);
    free(m->note);
    free(m);
}

int mamori_model_label(const struct mamori_model *m, const char *name)
{
    for (size_t l = 0; l < m->nlabels; l++)
        if (strcmp(m->labels[l], name) == 0)
            return (int)l;
    return -1;
}

/* ---- writing --------------------------------------------------------- */

static void put_u32(struct rules_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    rules_buf_add(b, x, 4);
}

static void put_u64(struct rules_buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f32(struct rules_buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put_u32(b, v);
}

static void put_f64(struct rules_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put_u64(b, v);
}

static void put_str(struct rules_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(b, (uint32_t)n);
    if (n > 0)
        rules_buf_add(b, s, n);
}

static int sha256(const unsigned char *p, size_t n, unsigned char out[SHA_LEN])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == SHA_LEN ? 0 : -1;
}

int mamori_model_serialize(struct mamori_model *m, unsigned char **data, size_t *len, struct rules_error *err)
{
    struct rules_buf b = RULES_BUF_INIT;
    size_t payload;
    unsigned char digest[SHA_LEN];

    *data = NULL;
    *len = 0;
    rules_buf_add(&b, MAMORI_MODEL_MAGIC, 8);
    put_u32(&b, MAMORI_MODEL_FORMAT);
    put_u32(&b, m->feature_version);
    put_u64(&b, 0); /* payload length, patched below */
    put_u32(&b, m->bits);
    put_u32(&b, (uint32_t)m->nlabels);
    put_u32(&b, (uint32_t)m->nvocab);
    for (size_t l = 0; l < m->nlabels; l++) {
        put_str(&b, m->labels[l]);
        put_f64(&b, m->bias[l]);
        put_f64(&b, m->threshold[l]);
        put_f64(&b, m->C[l]);
    }
    for (size_t i = 0; i < m->nvocab; i++)
        put_u32(&b, m->vocab[i]);
    for (size_t i = 0; i < m->nvocab; i++)
        put_f32(&b, m->idf[i]);
    for (size_t l = 0; l < m->nlabels; l++) /* label-major on disk */
        for (size_t j = 0; j < m->nvocab; j++)
            put_f32(&b, mamori_model_weight(m, l, j));
    put_u64(&b, m->seed);
    put_u64(&b, m->ncases);
    put_u64(&b, m->ntrain);
    put_u64(&b, m->nvalid);
    put_u32(&b, m->min_df);
    put_u32(&b, m->refit);
    put_str(&b, m->policy_id);
    put_str(&b, m->policy_version);
    put_str(&b, m->note);
    if (b.failed) {
        rules_buf_free(&b);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    payload = b.len - HEADER_LEN;
    for (int i = 0; i < 8; i++)
        b.data[16 + i] = (char)(unsigned char)((uint64_t)payload >> (8 * i));
    if (sha256((const unsigned char *)b.data, b.len, digest) != 0) {
        rules_buf_free(&b);
        return rules_err(err, RULES_EINTERNAL, "sha256 failed");
    }
    rules_buf_add(&b, digest, SHA_LEN);
    if (b.failed) {
        rules_buf_free(&b);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    if (sha256((const unsigned char *)b.data, b.len, m->sha256) != 0) {
        rules_buf_free(&b);
        return rules_err(err, RULES_EINTERNAL, "sha256 failed");
    }
    *data = (unsigned char *)b.data;
    *len = b.len;
    return RULES_OK;
}

int mamori_model_write(struct mamori_model *m, const char *path, struct rules_error *err)
{
    unsigned char *data;
    size_t len, off = 0;
    char *tmp;
    int fd, rc;

    if ((rc = mamori_model_serialize(m, &data, &len, err)) != 0)
        return rc;
    tmp = malloc(strlen(path) + 16);
    if (tmp == NULL) {
        free(data);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = rules_err(err, RULES_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = rules_err(err, RULES_EIO, "%s: write: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        rc = rules_err(err, RULES_EIO, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = rules_err(err, RULES_EIO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = RULES_OK;
out:
    free(tmp);
    free(data);
    return rc;
}

/* ---- reading --------------------------------------------------------- */

struct rd {
    const unsigned char *p;
    size_t len, off;
    int bad;
};

static uint32_t get_u32(struct rd *r)
{
    uint32_t v;
    if (r->bad || r->len - r->off < 4) {
        r->bad = 1;
        return 0;
    }
    v = (uint32_t)r->p[r->off] | (uint32_t)r->p[r->off + 1] << 8 | (uint32_t)r->p[r->off + 2] << 16 |
        (uint32_t)r->p[r->off + 3] << 24;
    r->off += 4;
    return v;
}

static uint64_t get_u64(struct rd *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static float get_f32(struct rd *r)
{
    uint32_t v = get_u32(r);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

static double get_f64(struct rd *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* A string (NULL with r->bad on overrun or no memory: *oom tells). */
static char *get_str(struct rd *r, int *oom)
{
    uint32_t n = get_u32(r);
    char *s;

    if (r->bad || r->len - r->off < n) {
        r->bad = 1;
        return NULL;
    }
    s = rules_strndup((const char *)r->p + r->off, n);
    if (s == NULL) {
        *oom = 1;
        r->bad = 1;
        return NULL;
    }
    r->off += n;
    return s;
}

int mamori_model_parse(const unsigned char *data, size_t len, struct mamori_model **out, struct rules_error *err)
{
    struct rd r = {data, 0, 0, 0};
    struct mamori_model *m = NULL;
    uint32_t fmt, fv, bits, nlabels, nvocab;
    uint64_t payload;
    unsigned char digest[SHA_LEN];
    int oom = 0, rc;

    *out = NULL;
    if (memcmp(data, MAMORI_MODEL_MAGIC, len < 8 ? len : 8) != 0)
        return rules_err(err, RULES_EINVAL, "not a mamori model file (bad magic)");
    if (len < HEADER_LEN)
        return rules_err(err, RULES_EINVAL, "model file truncated: %zu bytes, shorter than its %u-byte header", len,
                         HEADER_LEN);
    r.len = len;
    r.off = 8;
    fmt = get_u32(&r);
    fv = get_u32(&r);
    payload = get_u64(&r);
    if (fmt != MAMORI_MODEL_FORMAT)
        return rules_err(err, RULES_EINVAL, "model file format %u, this build reads format %u", fmt,
                         MAMORI_MODEL_FORMAT);
    if (fv != MAMORI_FEATURE_VERSION)
        return rules_err(err, RULES_EINVAL,
                         "model trained for feature version %u, this build extracts feature version %u: retrain it "
                         "with `mamori policy train`",
                         fv, MAMORI_FEATURE_VERSION);
    if (len < HEADER_LEN + SHA_LEN || payload > len - HEADER_LEN - SHA_LEN)
        return rules_err(err, RULES_EINVAL, "model file truncated: %zu bytes, the header announces %llu", len,
                         payload > UINT64_MAX - HEADER_LEN - SHA_LEN ? (unsigned long long)payload
                                                                     : (unsigned long long)(payload + HEADER_LEN + SHA_LEN));
    if (len - HEADER_LEN - SHA_LEN > payload)
        return rules_err(err, RULES_EINVAL, "model file has %llu bytes after its end",
                         (unsigned long long)(len - HEADER_LEN - SHA_LEN - payload));
    if (sha256(data, HEADER_LEN + payload, digest) != 0)
        return rules_err(err, RULES_EINTERNAL, "sha256 failed");
    if (memcmp(digest, data + HEADER_LEN + payload, SHA_LEN) != 0)
        return rules_err(err, RULES_EINVAL, "model file corrupted: its sha256 does not match its content");
    r.len = HEADER_LEN + payload;
    bits = get_u32(&r);
    nlabels = get_u32(&r);
    nvocab = get_u32(&r);
    if (r.bad)
        return rules_err(err, RULES_EINVAL, "model file truncated inside its payload");
    if (bits < MAMORI_FEATURE_BITS_MIN || bits > MAMORI_FEATURE_BITS_MAX)
        return rules_err(err, RULES_EINVAL, "model has wrong dimension: %u hash bits (this build: %u..%u)", bits,
                         MAMORI_FEATURE_BITS_MIN, MAMORI_FEATURE_BITS_MAX);
    if (nlabels == 0 || nlabels > 1024)
        return rules_err(err, RULES_EINVAL, "model has %u labels", nlabels);
    if (nvocab > (1u << bits))
        return rules_err(err, RULES_EINVAL, "model has wrong dimension: %u vocabulary entries for 2^%u buckets",
                         nvocab, bits);
    /* Everything that follows must fit in the payload. */
    if ((uint64_t)nvocab * (8 + 4 * (uint64_t)nlabels) > payload)
        return rules_err(err, RULES_EINVAL,
                         "model has wrong dimension: %u labels x %u vocabulary entries do not fit in %llu bytes",
                         nlabels, nvocab, (unsigned long long)payload);
    rc = mamori_model_new(nlabels, NULL, nvocab, bits, &m);
    if (rc != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    for (uint32_t l = 0; l < nlabels && !r.bad; l++) {
        char *s = get_str(&r, &oom);
        if (s == NULL)
            break;
        free(m->labels[l]);
        m->labels[l] = s;
        m->bias[l] = get_f64(&r);
        m->threshold[l] = get_f64(&r);
        m->C[l] = get_f64(&r);
        if (!r.bad && (!isfinite(m->bias[l]) || !(m->threshold[l] >= 0 && m->threshold[l] <= 1))) {
            rc = rules_err(err, RULES_EINVAL, "model label %s: bias or threshold out of range", s);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < nvocab && !r.bad; i++) {
        m->vocab[i] = get_u32(&r);
        if (!r.bad && (m->vocab[i] >> bits) != 0) {
            rc = rules_err(err, RULES_EINVAL, "model has wrong dimension: bucket %u beyond 2^%u", m->vocab[i], bits);
            goto fail;
        }
        if (!r.bad && i > 0 && m->vocab[i] <= m->vocab[i - 1]) {
            rc = rules_err(err, RULES_EINVAL, "model vocabulary is not in ascending order at entry %u", i);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < nvocab && !r.bad; i++)
        m->idf[i] = get_f32(&r);
    for (size_t l = 0; l < nlabels && !r.bad; l++) {
        /* label-major on disk, feature-major in memory (model.h) */
        for (size_t j = 0; j < nvocab && !r.bad; j++) {
            float w = get_f32(&r);
            if (!r.bad && !isfinite(w)) {
                rc = rules_err(err, RULES_EINVAL, "model weight %zu is not a finite number", l * nvocab + j);
                goto fail;
            }
            m->w[j * nlabels + l] = w;
        }
    }
    m->seed = get_u64(&r);
    m->ncases = get_u64(&r);
    m->ntrain = get_u64(&r);
    m->nvalid = get_u64(&r);
    m->min_df = get_u32(&r);
    m->refit = get_u32(&r);
    if (!r.bad)
        m->policy_id = get_str(&r, &oom);
    if (!r.bad)
        m->policy_version = get_str(&r, &oom);
    if (!r.bad)
        m->note = get_str(&r, &oom);
    if (oom) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto fail;
    }
    if (r.bad) {
        rc = rules_err(err, RULES_EINVAL, "model file truncated inside its payload (sizes do not add up)");
        goto fail;
    }
    if (r.off != r.len) {
        rc = rules_err(err, RULES_EINVAL, "model payload has %zu unread bytes", r.len - r.off);
        goto fail;
    }
    for (size_t a = 0; a < m->nlabels; a++)
        for (size_t b = a + 1; b < m->nlabels; b++)
            if (strcmp(m->labels[a], m->labels[b]) == 0) {
                rc = rules_err(err, RULES_EINVAL, "model label %s appears twice", m->labels[a]);
                goto fail;
            }
    if (sha256(data, len, m->sha256) != 0) {
        rc = rules_err(err, RULES_EINTERNAL, "sha256 failed");
        goto fail;
    }
    if (build_slots(m) != 0) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto fail;
    }
    *out = m;
    return RULES_OK;
fail:
    mamori_model_free(m);
    return rc;
}

int mamori_model_load(const char *path, struct mamori_model **out, struct rules_error *err)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    if (f == NULL)
        return rules_err(err, RULES_EIO, "%s: %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (cap - n < 65536) {
            size_t nc = cap ? cap * 2 : 1 << 20;
            unsigned char *nd = realloc(data, nc);
            if (nd == NULL) {
                free(data);
                fclose(f);
                return rules_err(err, RULES_ENOMEM, "out of memory");
            }
            data = nd;
            cap = nc;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(data);
        fclose(f);
        return rules_err(err, RULES_EIO, "%s: read error", path);
    }
    fclose(f);
    rc = mamori_model_parse(data, n, out, err);
    free(data);
    if (rc != 0)
        rules_err_prefix(err, "%s", path);
    return rc;
}

int mamori_model_check_policy(const struct mamori_model *m, const struct rules_policy *p, struct rules_error *err)
{
    for (size_t l = 0; l < m->nlabels; l++) {
        const char *name = m->labels[l];
        size_t c;
        if (strcmp(name, MAMORI_LABEL_HARASSMENT) == 0 || strcmp(name, MAMORI_LABEL_ESCALATE) == 0 ||
            strcmp(name, MAMORI_LABEL_FLAME) == 0)
            continue;
        for (c = 0; c < p->ncats; c++)
            if (strcmp(p->cats[c].id, name) == 0)
                break;
        if (c == p->ncats)
            return rules_err(err, RULES_EINVAL, "model label %s is not a category of policy %s", name,
                             p->id ? p->id : "(unnamed)");
    }
    return RULES_OK;
}

/* ---- sentences ------------------------------------------------------- */

static int is_space_at(const char *t, size_t len, size_t i, size_t *n)
{
    unsigned char c = (unsigned char)t[i];

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        *n = 1;
        return 1;
    }
    if (i + 3 <= len && memcmp(t + i, "\xE3\x80\x80", 3) == 0) {
        *n = 3;
        return 1;
    }
    return 0;
}

/* Length of the sentence end at t[i] (0: none). */
static size_t sentence_end_len(const char *t, size_t len, size_t i)
{
    static const char *const wide[] = {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F", "\xEF\xBC\x8E"};
    unsigned char c = (unsigned char)t[i];
    size_t n;

    if (c == '\n' || c == '!' || c == '?')
        return 1;
    if (c == '.')
        return (i + 1 == len || is_space_at(t, len, i + 1, &n)) ? 1 : 0;
    for (size_t k = 0; k < 4; k++)
        if (i + 3 <= len && memcmp(t + i, wide[k], 3) == 0)
            return 3;
    return 0;
}

int mamori_sentences(const char *text, size_t len, int (*fn)(void *ctx, size_t b, size_t e), void *ctx)
{
    size_t a = 0, i = 0;

    while (i <= len) {
        size_t n = i < len ? sentence_end_len(text, len, i) : 1;
        if (n > 0) {
            size_t b = a, e = i < len && text[i] != '\n' ? i + n : i, k;
            int rc;
            while (b < e && is_space_at(text, len, b, &k))
                b += k;
            while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
                e--;
            if (e > b && (rc = fn(ctx, b, e)) != 0)
                return rc;
            i += n;
            a = i;
            continue;
        }
        i++;
    }
    return 0;
}

/* ---- scoring --------------------------------------------------------- */

void mamori_model_result_init(struct mamori_model_result *r)
{
    memset(r, 0, sizeof *r);
}

void mamori_model_result_free(struct mamori_model_result *r)
{
    if (r == NULL)
        return;
    free(r->margin);
    free(r->prob);
    free(r->fired);
    free(r->top);
    free(r->ntop);
    mamori_fvec_free(&r->vec);
    free(r->sent);
    free(r->sent_sum);
    memset(r, 0, sizeof *r);
}

double mamori_model_margin(const struct mamori_model *m, size_t l, const struct mamori_fvec *v)
{
    double sum = m->bias[l];

    for (size_t i = 0; i < v->n; i++)
        if (v->pos[i] != UINT32_MAX)
            sum += (double)mamori_model_weight(m, l, v->pos[i]) * v->val[i];
    return sum;
}

#define PREFETCH_AHEAD 8u

void mamori_model_margins(const struct mamori_model *m, const struct mamori_fvec *v, double *out)
{
    size_t L = m->nlabels;

    for (size_t l = 0; l < L; l++)
        out[l] = m->bias[l];
    for (size_t i = 0; i < v->n; i++) {
        const float *w;
        /* The rows are scattered over tens of MB: ask for one a few
         * features ahead so its cache miss overlaps this one's sums. */
        if (i + PREFETCH_AHEAD < v->n && v->pos[i + PREFETCH_AHEAD] != UINT32_MAX)
            __builtin_prefetch(&m->w[(size_t)v->pos[i + PREFETCH_AHEAD] * L]);
        if (v->pos[i] == UINT32_MAX)
            continue;
        w = &m->w[(size_t)v->pos[i] * L];
        for (size_t l = 0; l < L; l++)
            out[l] += (double)w[l] * v->val[i];
    }
}

struct sent_ctx {
    struct mamori_model_result *r;
    uint8_t field;
};

static int add_sentence(void *ctx, size_t b, size_t e)
{
    struct sent_ctx *c = ctx;
    struct mamori_model_result *r = c->r;

    if (RULES_GROW(r->sent, r->sent_cap, r->nsent + 1) != 0)
        return RULES_ENOMEM;
    r->sent[r->nsent].field = c->field;
    r->sent[r->nsent].ob = (uint32_t)b;
    r->sent[r->nsent].oe = (uint32_t)e;
    r->nsent++;
    return 0;
}

/* Sentence holding byte ob of field, or SIZE_MAX. */
static size_t sentence_of(const struct mamori_model_result *r, uint8_t field, uint32_t ob)
{
    size_t lo = 0, hi = r->nsent;

    while (lo < hi) { /* first sentence (field, oe) > (field, ob) */
        size_t mid = lo + (hi - lo) / 2;
        const struct sent *s = &r->sent[mid];
        if (s->field < field || (s->field == field && s->oe <= ob))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->nsent && r->sent[lo].field == field && r->sent[lo].ob <= ob)
        return lo;
    return SIZE_MAX;
}

static size_t find_feat(const struct mamori_features *f, uint32_t feat)
{
    size_t lo = 0, hi = f->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->feat[mid] < feat)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int mamori_model_score(const struct mamori_model *m, const struct mamori_features *f, const struct rules_input *in,
                       struct mamori_model_result *r, struct rules_error *err)
{
    size_t L = m->nlabels;

    if (f->bits != m->bits)
        return rules_err(err, RULES_EINVAL, "features have %u hash bits, the model %u", f->bits, m->bits);
    if (r->cap_labels < L) {
        free(r->margin);
        free(r->prob);
        free(r->fired);
        free(r->top);
        free(r->ntop);
        r->margin = calloc(L, sizeof *r->margin);
        r->prob = calloc(L, sizeof *r->prob);
        r->fired = calloc(L, 1);
        r->top = calloc(L * MAMORI_MODEL_TOP_SPANS, sizeof *r->top);
        r->ntop = calloc(L, 1);
        if (!r->margin || !r->prob || !r->fired || !r->top || !r->ntop) {
            r->cap_labels = 0;
            return rules_err(err, RULES_ENOMEM, "out of memory");
        }
        r->cap_labels = L;
    }
    r->nlabels = L;
    if (mamori_features_weigh(f->feat, f->count, f->n, m->vocab, m->slot, m->idf, m->nvocab, &r->vec) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    mamori_model_margins(m, &r->vec, r->margin);
    for (size_t l = 0; l < L; l++) {
        r->prob[l] = 1.0 / (1.0 + exp(-r->margin[l]));
        r->fired[l] = r->prob[l] >= m->threshold[l];
        r->ntop[l] = 0;
    }
    /* Contributions per sentence. */
    r->nsent = 0;
    for (int fld = 0; fld < RULES_NFIELDS; fld++) {
        struct sent_ctx c = {r, (uint8_t)fld};
        if (in->text[fld] != NULL && mamori_sentences(in->text[fld], in->len[fld], add_sentence, &c) != 0)
            return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    if (r->nsent == 0)
        return RULES_OK;
    if (RULES_GROW(r->sent_sum, r->sent_sum_cap, r->nsent * L) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    memset(r->sent_sum, 0, r->nsent * L * sizeof *r->sent_sum);
    for (size_t k = 0; k < f->nocc; k++) {
        const struct mamori_feat_occ *o = &f->occ[k];
        size_t i, sidx;
        const float *w;
        double x;

        if (o->field == MAMORI_FEAT_NOFIELD)
            continue;
        i = find_feat(f, o->feat);
        if (i >= f->n || f->feat[i] != o->feat || r->vec.pos[i] == UINT32_MAX)
            continue;
        sidx = sentence_of(r, o->field, o->ob);
        if (sidx == SIZE_MAX)
            continue;
        x = r->vec.val[i] / (double)f->count[i];
        w = &m->w[(size_t)r->vec.pos[i] * L];
        for (size_t l = 0; l < L; l++)
            r->sent_sum[sidx * L + l] += (double)w[l] * x;
    }
    for (size_t l = 0; l < L; l++) {
        struct mamori_model_span *top = r->top + l * MAMORI_MODEL_TOP_SPANS;
        size_t nt = 0;
        for (size_t sidx = 0; sidx < r->nsent; sidx++) {
            double c = r->sent_sum[sidx * L + l];
            size_t j;
            if (c <= 0)
                continue;
            for (j = nt; j > 0 && top[j - 1].contribution < c; j--)
                if (j < MAMORI_MODEL_TOP_SPANS)
                    top[j] = top[j - 1];
            if (j < MAMORI_MODEL_TOP_SPANS) {
                top[j].field = r->sent[sidx].field;
                top[j].ob = r->sent[sidx].ob;
                top[j].oe = r->sent[sidx].oe;
                top[j].contribution = c;
                if (nt < MAMORI_MODEL_TOP_SPANS)
                    nt++;
            }
        }
        r->ntop[l] = (uint8_t)nt;
    }
    return RULES_OK;
}
