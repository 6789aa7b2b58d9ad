/*
 * train.c -- cases, training and cross-validation; see train.h.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <linear.h>

#include "train.h"

static const double default_grid[] = {0.5, 2, 8, 32};

/* ---- cases ----------------------------------------------------------- */

void mamori_cases_init(struct mamori_cases *cs)
{
    memset(cs, 0, sizeof *cs);
}

static void case_free(struct mamori_case *c)
{
    free(c->id);
    free(c->lang);
    free(c->channel);
    free(c->subject);
    free(c->body);
    free(c->batch);
    free(c->file);
    for (size_t i = 0; i < c->nlabels; i++)
        free(c->labels[i]);
    free(c->labels);
}

void mamori_cases_free(struct mamori_cases *cs)
{
    if (cs == NULL)
        return;
    for (size_t i = 0; i < cs->n; i++)
        case_free(&cs->v[i]);
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const char *str_member(json_t *o, const char *k, size_t *len)
{
    json_t *v = json_object_get(o, k);

    if (len)
        *len = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int mamori_rules_case_view(json_t *root, struct rules_case_view *v, struct rules_error *err)
{
    json_t *x;
    size_t i;

    memset(v, 0, sizeof *v);
    if (!json_is_object(root))
        return rules_err(err, RULES_EINVAL, "a case is a JSON object");
    v->id = str_member(root, "id", NULL);
    v->lang = str_member(root, "lang", NULL);
    v->channel = str_member(root, "channel", NULL);
    v->subject = str_member(root, "subject", &v->subject_len);
    v->body = str_member(root, "body", &v->body_len);
    v->batch = str_member(root, "batch", NULL);
    v->split = str_member(root, "split", NULL);
    v->requester_name = str_member(root, "requester_name", NULL);
    v->ticket_id = str_member(root, "ticket_id", NULL);
    v->labels = json_object_get(root, "labels");
    if (v->labels != NULL && !json_is_array(v->labels))
        return rules_err(err, RULES_EINVAL, "(%s): labels must be a list", v->id ? v->id : "?");
    json_array_foreach(v->labels, i, x)
        if (!json_is_string(x))
            return rules_err(err, RULES_EINVAL, "(%s): labels must be strings", v->id ? v->id : "?");
    x = json_object_get(root, "escalate");
    v->escalate = json_is_boolean(x) ? json_is_true(x) : -1;
    x = json_object_get(root, "flame_risk");
    v->flame = json_is_boolean(x) ? json_is_true(x) : -1;
    x = json_object_get(root, "repeat_contacts_30d");
    v->contacts = json_is_integer(x) ? (int64_t)json_integer_value(x) : 1;
    if (v->subject == NULL && v->body == NULL)
        return rules_err(err, RULES_EINVAL, "(%s): a case needs a subject or a body", v->id ? v->id : "?");
    return RULES_OK;
}

static char *dup_n(const char *s, size_t n, int *oom)
{
    char *d;

    if (s == NULL)
        return NULL;
    if ((d = rules_strndup(s, n)) == NULL)
        *oom = 1;
    return d;
}

static int parse_case(json_t *root, const char *path, long line, double weight, int validation,
                      struct mamori_case *c, struct rules_error *err)
{
    struct rules_case_view cv;
    struct rules_error why = {0, ""};
    json_t *v;
    int oom = 0;
    size_t i;

    memset(c, 0, sizeof *c);
    c->line = line;
    c->weight = weight;
    c->validation = validation;
    if (mamori_rules_case_view(root, &cv, &why) != 0)
        return rules_err(err, RULES_EINVAL, "%s:%ld%s%s", path, line, why.message[0] == '(' ? " " : ": ",
                         why.message);
    c->id = dup_n(cv.id, cv.id ? strlen(cv.id) : 0, &oom);
    c->lang = dup_n(cv.lang, cv.lang ? strlen(cv.lang) : 0, &oom);
    c->channel = dup_n(cv.channel, cv.channel ? strlen(cv.channel) : 0, &oom);
    c->subject = dup_n(cv.subject, cv.subject_len, &oom);
    c->subject_len = cv.subject ? cv.subject_len : 0;
    c->body = dup_n(cv.body, cv.body_len, &oom);
    c->body_len = cv.body ? cv.body_len : 0;
    c->batch = dup_n(cv.batch, cv.batch ? strlen(cv.batch) : 0, &oom);
    c->file = rules_strdup(path);
    if (c->file == NULL)
        oom = 1;
    if (!oom && c->batch == NULL) {
        /* The file is the batch: its name without the extension. */
        const char *b = base_name(path), *dot = strrchr(b, '.');
        c->batch = rules_strndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
        if (c->batch == NULL)
            oom = 1;
    }
    if (oom)
        goto nomem;
    if (json_array_size(cv.labels) > 0) {
        c->labels = calloc(json_array_size(cv.labels), sizeof *c->labels);
        if (c->labels == NULL)
            goto nomem;
        json_array_foreach(cv.labels, i, v) {
            c->labels[c->nlabels] = rules_strdup(json_string_value(v));
            if (c->labels[c->nlabels] == NULL)
                goto nomem;
            c->nlabels++;
        }
    }
    c->escalate = cv.escalate;
    c->flame = cv.flame;
    c->contacts = cv.contacts;
    if (cv.split != NULL) {
        if (strcmp(cv.split, "validation") == 0)
            c->validation = 1;
        else if (strcmp(cv.split, "train") == 0)
            c->validation = 0;
    }
    return RULES_OK;
nomem:
    rules_err(err, RULES_ENOMEM, "out of memory");
    case_free(c);
    memset(c, 0, sizeof *c);
    return err ? err->code : RULES_EINVAL;
}

/* Call fn for each JSON object line of the file at path (blank lines
 * skipped, the root owned by the reader), stopping at the first non-zero
 * return. RULES_EIO when the file cannot be read, RULES_EINVAL at a line
 * that is not JSON (err: FILE:LINE: why), else what fn returned. */
static int each_json_line(const char *path, int (*fn)(void *ctx, json_t *root, long lineno, struct rules_error *err),
                          void *ctx, struct rules_error *err)
{
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = RULES_OK;

    f = fopen(path, "rb");
    if (f == NULL)
        return rules_err(err, RULES_EIO, "%s: %s", path, strerror(errno));
    while ((n = getline(&line, &cap, f)) >= 0) {
        json_error_t jerr;
        json_t *root;

        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        root = json_loadb(line, (size_t)n, 0, &jerr);
        if (root == NULL) {
            rc = rules_err(err, RULES_EINVAL, "%s:%ld: not JSON: %s (column %d)", path, lineno, jerr.text,
                           jerr.column);
            break;
        }
        rc = fn(ctx, root, lineno, err);
        json_decref(root);
        if (rc != 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = rules_err(err, RULES_EIO, "%s: read error", path);
    free(line);
    fclose(f);
    return rc;
}

struct load_ctx {
    struct mamori_cases *cs;
    const char *path;
    double weight;
    int validation;
};

static int load_line(void *ctx, json_t *root, long lineno, struct rules_error *err)
{
    struct load_ctx *L = ctx;
    struct mamori_cases *cs = L->cs;
    int rc;

    if (RULES_GROW(cs->v, cs->cap, cs->n + 1) != 0)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    rc = parse_case(root, L->path, lineno, L->weight, L->validation, &cs->v[cs->n], err);
    if (rc == 0)
        cs->n++;
    return rc;
}

int mamori_cases_load(struct mamori_cases *cs, const char *path, double weight, int validation,
                      struct rules_error *err)
{
    struct load_ctx L = {cs, path, weight, validation};

    if (!(weight >= 0) || weight > 100)
        return rules_err(err, RULES_EINVAL, "%s: weight %g out of range 0..100", path, weight);
    return each_json_line(path, load_line, &L, err);
}

struct id_ix {
    const char *id;
    size_t i;
};

static int cmp_id_ix(const void *a, const void *b)
{
    return strcmp(((const struct id_ix *)a)->id, ((const struct id_ix *)b)->id);
}

/* Index of the case with this id (ix sorted by id), or SIZE_MAX. */
static size_t find_case(const struct id_ix *ix, size_t n, const char *id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix[mid].id, id);
        if (c == 0)
            return ix[mid].i;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* Apply one relabel object to case c. 0, or RULES_EINVAL (why in msg). */
static int relabel_one(struct mamori_case *c, json_t *root, char *msg, size_t msglen)
{
    json_t *labels = json_object_get(root, "labels"), *x, *v;
    char **nl = NULL;
    size_t i, n = 0;
    int esc = c->escalate, flame = c->flame;

    if (labels != NULL) {
        if (!json_is_array(labels) || json_array_size(labels) == 0) {
            snprintf(msg, msglen, "labels must be a non-empty list");
            return RULES_EINVAL;
        }
        json_array_foreach(labels, i, v) if (!json_is_string(v))
        {
            snprintf(msg, msglen, "labels must be strings");
            return RULES_EINVAL;
        }
    }
    if ((x = json_object_get(root, "escalate")) != NULL) {
        if (!json_is_boolean(x)) {
            snprintf(msg, msglen, "escalate must be true or false");
            return RULES_EINVAL;
        }
        esc = json_is_true(x);
    } else if ((x = json_object_get(root, "escalation")) != NULL) {
        const char *l = json_string_value(x);
        int k;
        for (k = 0; l != NULL && k <= RULES_ESCALATION_MAX; k++)
            if (strcmp(l, mamori_rules_escalation_name(k)) == 0)
                break;
        if (l == NULL || k > RULES_ESCALATION_MAX) {
            snprintf(msg, msglen, "escalation must be one of none, supervisor, legal, lawyer, police");
            return RULES_EINVAL;
        }
        esc = k > 0;
    }
    if ((x = json_object_get(root, "flame_risk")) != NULL) {
        if (!json_is_boolean(x)) {
            snprintf(msg, msglen, "flame_risk must be true or false");
            return RULES_EINVAL;
        }
        flame = json_is_true(x);
    }
    if (labels != NULL) {
        nl = calloc(json_array_size(labels), sizeof *nl);
        if (nl == NULL)
            return RULES_ENOMEM;
        json_array_foreach(labels, i, v) {
            if ((nl[n] = rules_strdup(json_string_value(v))) == NULL) {
                while (n > 0)
                    free(nl[--n]);
                free(nl);
                return RULES_ENOMEM;
            }
            n++;
        }
        for (i = 0; i < c->nlabels; i++)
            free(c->labels[i]);
        free(c->labels);
        c->labels = nl;
        c->nlabels = n;
    }
    c->escalate = esc;
    c->flame = flame;
    return RULES_OK;
}

struct relabel_ctx {
    struct mamori_cases *cs;
    const struct id_ix *ix;
    const char *path;
    size_t *napplied;
};

static int relabel_line(void *ctx, json_t *root, long lineno, struct rules_error *err)
{
    struct relabel_ctx *R = ctx;
    json_t *id = json_object_get(root, "id");
    char msg[160] = "";
    size_t k;
    int rc;

    if (!json_is_string(id))
        return rules_err(err, RULES_EINVAL, "%s:%ld: no \"id\"", R->path, lineno);
    k = find_case(R->ix, R->cs->n, json_string_value(id));
    if (k == SIZE_MAX)
        return rules_err(err, RULES_EINVAL, "%s:%ld: no case %s among the cases", R->path, lineno,
                         json_string_value(id));
    rc = relabel_one(&R->cs->v[k], root, msg, sizeof msg);
    if (rc == RULES_ENOMEM)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    if (rc != 0)
        return rules_err(err, rc, "%s:%ld: %s", R->path, lineno, msg);
    (*R->napplied)++;
    return RULES_OK;
}

int mamori_cases_relabel(struct mamori_cases *cs, const char *path, size_t *napplied, struct rules_error *err)
{
    struct id_ix *ix;
    struct relabel_ctx R;
    int rc;

    *napplied = 0;
    ix = malloc((cs->n + 1) * sizeof *ix);
    if (ix == NULL)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    for (size_t i = 0; i < cs->n; i++) {
        ix[i].id = cs->v[i].id ? cs->v[i].id : "";
        ix[i].i = i;
    }
    rules_sort(ix, cs->n, sizeof *ix, cmp_id_ix);
    R.cs = cs;
    R.ix = ix;
    R.path = path;
    R.napplied = napplied;
    rc = each_json_line(path, relabel_line, &R, err);
    free(ix);
    return rc;
}

void mamori_case_input(const struct mamori_case *c, const struct rules_policy *p, struct rules_input *in)
{
    int lang = rules_lang_parse(c->lang);

    memset(in, 0, sizeof *in);
    in->text[RULES_FIELD_SUBJECT] = c->subject;
    in->len[RULES_FIELD_SUBJECT] = c->subject_len;
    in->text[RULES_FIELD_BODY] = c->body;
    in->len[RULES_FIELD_BODY] = c->body_len;
    in->channel = c->channel;
    in->fixed_contacts = c->contacts;
    in->lang = lang >= 0 ? lang : p->primary_lang;
    in->ticket_id = c->id;
}

/* ---- batches --------------------------------------------------------- */

static uint64_t seeded_hash(uint64_t seed, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;

    for (int i = 0; i < 8; i++) {
        h ^= (uint8_t)(seed >> (8 * i));
        h *= 1099511628211ULL;
    }
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

struct batch {
    const char *name;
    size_t ncases;
    uint64_t order;
};

static int cmp_batch_name(const void *a, const void *b)
{
    return strcmp(((const struct batch *)a)->name, ((const struct batch *)b)->name);
}

static int cmp_batch_order(const void *a, const void *b)
{
    const struct batch *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Distinct batches of cs with their case counts, in seeded order. NULL on
 * no memory. */
static struct batch *batches(const struct mamori_cases *cs, uint64_t seed, size_t *nb)
{
    struct batch *b = calloc(cs->n + 1, sizeof *b);
    size_t n = 0;

    *nb = 0;
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < cs->n; i++)
        b[i].name = cs->v[i].batch ? cs->v[i].batch : "";
    rules_sort(b, cs->n, sizeof *b, cmp_batch_name);
    for (size_t i = 0; i < cs->n; i++) {
        if (n > 0 && strcmp(b[n - 1].name, b[i].name) == 0) {
            b[n - 1].ncases++;
            continue;
        }
        b[n].name = b[i].name;
        b[n].ncases = 1;
        b[n].order = seeded_hash(seed, b[n].name, strlen(b[n].name));
        n++;
    }
    rules_sort(b, n, sizeof *b, cmp_batch_order);
    *nb = n;
    return b;
}

static size_t batch_index(const struct batch *b, size_t nb, const char *name)
{
    for (size_t i = 0; i < nb; i++)
        if (strcmp(b[i].name, name) == 0)
            return i;
    return nb;
}

size_t mamori_cases_default_split(struct mamori_cases *cs, double fraction, uint64_t seed)
{
    size_t nb, want = (size_t)ceil(fraction * (double)cs->n), got = 0, taken = 0;
    struct batch *b = batches(cs, seed, &nb);
    uint8_t *valid;

    if (b == NULL || nb < 2) {
        free(b);
        return 0;
    }
    valid = calloc(nb, 1);
    if (valid == NULL) {
        free(b);
        return 0;
    }
    /* A batch that would put more than half the cases in validation is
     * skipped: training must keep the bulk. */
    for (size_t i = 0; i < nb && got < want && taken + 1 < nb; i++) {
        if (2 * (got + b[i].ncases) > cs->n)
            continue;
        valid[i] = 1;
        got += b[i].ncases;
        taken++;
    }
    for (size_t i = 0; i < cs->n; i++)
        cs->v[i].validation = valid[batch_index(b, nb, cs->v[i].batch ? cs->v[i].batch : "")];
    free(valid);
    free(b);
    return got;
}

struct dealt {
    size_t pos;
    uint64_t order;
};

static int cmp_dealt(const void *a, const void *b)
{
    const struct dealt *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int mamori_cv_folds(const struct mamori_cases *cs, unsigned k, uint64_t seed, uint32_t *fold)
{
    size_t nb;
    struct batch *b;

    if (k < 2 || k > cs->n)
        return RULES_EINVAL;
    b = batches(cs, seed, &nb);
    if (b == NULL)
        return RULES_ENOMEM;
    if (nb >= k) {
        size_t *size = calloc(k, sizeof *size);
        uint32_t *bf = calloc(nb, sizeof *bf);
        if (size == NULL || bf == NULL) {
            free(size);
            free(bf);
            free(b);
            return RULES_ENOMEM;
        }
        for (size_t i = 0; i < nb; i++) {
            uint32_t best = 0;
            for (uint32_t f = 1; f < k; f++)
                if (size[f] < size[best])
                    best = f;
            bf[i] = best;
            size[best] += b[i].ncases;
        }
        for (size_t i = 0; i < cs->n; i++)
            fold[i] = bf[batch_index(b, nb, cs->v[i].batch ? cs->v[i].batch : "")];
        free(size);
        free(bf);
        free(b);
        return 1;
    }
    free(b);
    /* Too few batches: deal cases round-robin in a seeded order. */
    {
        struct dealt *o = calloc(cs->n + 1, sizeof *o);
        if (o == NULL)
            return RULES_ENOMEM;
        for (size_t i = 0; i < cs->n; i++) {
            char key[32];
            int kl = snprintf(key, sizeof key, "%zu", i);
            o[i].pos = i;
            o[i].order = seeded_hash(seed, key, (size_t)kl);
        }
        rules_sort(o, cs->n, sizeof *o, cmp_dealt);
        for (size_t i = 0; i < cs->n; i++)
            fold[o[i].pos] = (uint32_t)(i % k);
        free(o);
    }
    return 0;
}

/* ---- features of every case ------------------------------------------ */

struct prep {
    size_t n, L;
    char **labels;             /* borrowed from the policy / constants */
    size_t ncat;               /* labels [0, ncat) are categories */
    uint32_t **feat, **count;
    size_t *nfeat;
    int8_t *truth;             /* n x L */
    unsigned *copies;
    unsigned bits;
};

static void prep_free(struct prep *P)
{
    for (size_t i = 0; i < P->n; i++) {
        if (P->feat)
            free(P->feat[i]);
        if (P->count)
            free(P->count[i]);
    }
    free(P->feat);
    free(P->count);
    free(P->nfeat);
    free(P->truth);
    free(P->copies);
    free(P->labels);
    memset(P, 0, sizeof *P);
}

static int case_has(const struct mamori_case *c, const char *label)
{
    for (size_t i = 0; i < c->nlabels; i++)
        if (strcmp(c->labels[i], label) == 0)
            return 1;
    return 0;
}

static void say(const struct mamori_train_options *o, const char *fmt, ...) RULES_PRINTF(2, 3);
static pthread_mutex_t say_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const struct mamori_train_options *o, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (o->progress == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&say_lock);
    o->progress(o->progress_ctx, msg);
    pthread_mutex_unlock(&say_lock);
}

static unsigned thread_count(const struct mamori_train_options *o, size_t L);

/* Feature extraction of every case, spread over threads: each thread has
 * its own scratch (and so its own MeCab) and takes cases i = t, t + nth,
 * ...; every case's result lands in its own slot, so the prep is the same
 * whatever the thread count. */
struct prep_job {
    const struct rules_policy *p;
    const struct mamori_cases *cs;
    const struct mamori_train_options *o;
    struct prep *P;
    unsigned t, nth;
    pthread_mutex_t *lock;
    size_t *done;              /* cases finished, for progress (under lock) */
    int rc;                    /* this thread's first error, at case err_at */
    size_t err_at;
    struct rules_error err;
};

static int prep_case(struct prep_job *J, struct rules_scratch *s, struct mamori_features *f, size_t i)
{
    const struct mamori_case *c = &J->cs->v[i];
    struct prep *P = J->P;
    struct rules_input in;
    int any = 0, rc;

    mamori_case_input(c, J->p, &in);
    rc = mamori_features_eval_extract(J->p, s, &in, J->o->bits, f, &J->err);
    if (rc != 0) {
        rules_err_prefix(&J->err, "%s:%ld (%s)", c->file ? c->file : "?", c->line, c->id ? c->id : "?");
        return rc;
    }
    P->nfeat[i] = f->n;
    P->feat[i] = malloc((f->n + 1) * sizeof *P->feat[i]);
    P->count[i] = malloc((f->n + 1) * sizeof *P->count[i]);
    if (P->feat[i] == NULL || P->count[i] == NULL)
        return rules_err(&J->err, RULES_ENOMEM, "out of memory");
    memcpy(P->feat[i], f->feat, f->n * sizeof *f->feat);
    memcpy(P->count[i], f->count, f->n * sizeof *f->count);
    for (size_t l = 0; l < P->ncat; l++) {
        int has = case_has(c, P->labels[l]);
        P->truth[i * P->L + l] = (int8_t)has;
        any |= has;
    }
    P->truth[i * P->L + P->ncat] = (int8_t)any;
    P->truth[i * P->L + P->ncat + 1] = (int8_t)c->escalate;
    P->truth[i * P->L + P->ncat + 2] = (int8_t)c->flame;
    {
        double w = floor(c->weight + 0.5);
        P->copies[i] = w < 0 ? 0 : w > 100 ? 100 : (unsigned)w;
    }
    return RULES_OK;
}

static void *prep_worker(void *arg)
{
    struct prep_job *J = arg;
    struct rules_scratch *s = NULL;
    struct mamori_features f;

    J->rc = RULES_OK;
    if (mamori_rules_scratch_new(J->p, &s) != 0) {
        J->rc = rules_err(&J->err, RULES_ENOMEM, "out of memory");
        J->err_at = J->t;
        return NULL;
    }
    mamori_features_init(&f);
    for (size_t i = J->t; i < J->cs->n; i += J->nth) {
        size_t done;
        if ((J->rc = prep_case(J, s, &f, i)) != 0) {
            J->err_at = i;
            break;
        }
        pthread_mutex_lock(J->lock);
        done = ++*J->done;
        pthread_mutex_unlock(J->lock);
        if (J->o->progress && done % 1000 == 0)
            say(J->o, "features: %zu of %zu cases", done, J->cs->n);
    }
    mamori_features_free(&f);
    mamori_rules_scratch_free(s);
    return NULL;
}

static int prepare(const struct rules_policy *p, const struct mamori_cases *cs, const struct mamori_train_options *o,
                   struct prep *P, struct rules_error *err)
{
    struct prep_job jobs[8];
    pthread_t th[8];
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    size_t ncat = 0, done = 0, first = SIZE_MAX;
    unsigned nth, started = 0;
    int rc = RULES_OK;

    memset(P, 0, sizeof *P);
    P->bits = o->bits;
    for (size_t c = 0; c < p->ncats; c++)
        ncat += p->cats[c].harassment != 0;
    P->ncat = ncat;
    P->L = ncat + 3;
    P->labels = calloc(P->L, sizeof *P->labels);
    P->n = cs->n;
    P->feat = calloc(cs->n + 1, sizeof *P->feat);
    P->count = calloc(cs->n + 1, sizeof *P->count);
    P->nfeat = calloc(cs->n + 1, sizeof *P->nfeat);
    P->truth = calloc(cs->n * P->L + 1, sizeof *P->truth);
    P->copies = calloc(cs->n + 1, sizeof *P->copies);
    if (!P->labels || !P->feat || !P->count || !P->nfeat || !P->truth || !P->copies) {
        prep_free(P);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    ncat = 0;
    for (size_t c = 0; c < p->ncats; c++)
        if (p->cats[c].harassment)
            P->labels[ncat++] = p->cats[c].id;
    P->labels[ncat] = MAMORI_LABEL_HARASSMENT;
    P->labels[ncat + 1] = MAMORI_LABEL_ESCALATE;
    P->labels[ncat + 2] = MAMORI_LABEL_FLAME;

    nth = thread_count(o, cs->n > 0 ? cs->n : 1);
    if (nth > 8)
        nth = 8;
    for (unsigned t = 0; t < nth; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].p = p;
        jobs[t].cs = cs;
        jobs[t].o = o;
        jobs[t].P = P;
        jobs[t].t = t;
        jobs[t].nth = nth;
        jobs[t].lock = &lock;
        jobs[t].done = &done;
    }
    for (; nth > 1 && started < nth; started++)
        if (pthread_create(&th[started], NULL, prep_worker, &jobs[started]) != 0)
            break;
    /* The jobs no thread took (a single job, or no more threads): here. */
    for (unsigned t = started; t < nth; t++)
        prep_worker(&jobs[t]);
    for (unsigned t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    for (unsigned t = 0; t < nth; t++)
        if (jobs[t].rc != RULES_OK && jobs[t].err_at < first) {
            first = jobs[t].err_at;
            rc = jobs[t].rc;
            if (err != NULL)
                *err = jobs[t].err;
        }
    if (rc != 0)
        prep_free(P);
    return rc;
}

/* ---- thresholds ------------------------------------------------------ */

struct scored {
    double prob;
    int8_t truth;
};

static int cmp_scored(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    if (x->prob != y->prob)
        return x->prob > y->prob ? -1 : 1;
    return y->truth - x->truth; /* a total order; cuts never fall inside a tie */
}

/* Counts of prob >= thr. */
static void measure(const struct scored *v, size_t n, double thr, struct mamori_label_report *r)
{
    r->tp = r->fp = r->fn = r->pos = r->neg = 0;
    for (size_t i = 0; i < n; i++) {
        int yes = v[i].prob >= thr;
        if (v[i].truth == 1) {
            r->pos++;
            r->tp += yes;
            r->fn += !yes;
        } else {
            r->neg++;
            r->fp += yes;
        }
    }
    r->precision = r->tp + r->fp > 0 ? (double)r->tp / (double)(r->tp + r->fp) : (r->pos > 0 ? 0 : -1);
    r->recall = r->pos > 0 ? (double)r->tp / (double)r->pos : -1;
    r->f1 = r->pos > 0 ? 2.0 * (double)r->tp / (double)(2 * r->tp + r->fp + r->fn) : -1;
    r->fpr = r->neg > 0 ? (double)r->fp / (double)r->neg : 0;
}

/* Choose the threshold on v (sorted in place). */
static double choose_threshold(struct scored *v, size_t n, double max_fpr, struct mamori_label_report *r)
{
    size_t pos = 0, neg = 0, tp = 0, fp = 0, cut = SIZE_MAX;
    double best = -1, thr;

    rules_sort(v, n, sizeof *v, cmp_scored);
    for (size_t i = 0; i < n; i++) {
        pos += v[i].truth == 1;
        neg += v[i].truth != 1;
    }
    if (pos == 0 || n == 0) {
        measure(v, n, 0.5, r);
        r->threshold = 0.5;
        return 0.5;
    }
    for (size_t i = 0; i < n; i++) {
        double f1;
        if (v[i].truth == 1)
            tp++;
        else
            fp++;
        if (i + 1 < n && v[i + 1].prob == v[i].prob)
            continue; /* cut only between distinct probabilities */
        if (max_fpr >= 0 && neg > 0 && (double)fp / (double)neg > max_fpr)
            break;
        f1 = 2.0 * (double)tp / (double)(2 * tp + fp + (pos - tp));
        if (f1 > best) {
            best = f1;
            cut = i;
        }
    }
    if (cut == SIZE_MAX)
        thr = (v[0].prob + 1.0) / 2; /* nothing passes the constraint: above every case */
    else if (cut + 1 < n)
        thr = (v[cut].prob + v[cut + 1].prob) / 2;
    else
        thr = v[cut].prob / 2;
    measure(v, n, thr, r);
    r->threshold = thr;
    return thr;
}

/* ---- fitting --------------------------------------------------------- */

static void quiet(const char *s)
{
    (void)s;
}

struct fit {
    const struct prep *P;
    const struct mamori_train_options *o;
    const double *grid;
    size_t ngrid;
    /* rows */
    struct feature_node **row;   /* per case (NULL: not in this fit) */
    struct feature_node *space;
    const size_t *fit, *val;
    size_t nfit, nval;
    const double *cfix;          /* per label, or NULL */
    const struct mamori_model *warm; /* the refit starts from this model's weights, or NULL */
    struct mamori_model *m;
    struct mamori_label_report *rep;
    /* work distribution: labels are taken in order[] (largest problem
     * first, so that the last label started is a short one and both
     * threads finish together); each label writes only its own slots,
     * so the order changes nothing in the model */
    size_t *order;
    pthread_mutex_t lock;
    size_t next;
    int rc;
    char why[256];
};

/* CPU seconds of the calling thread (for the progress lines only). */
static double thread_cpu_s(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double margin_row(const float *w, double bias, const struct feature_node *x)
{
    double s = bias;
    for (; x->index > 0; x++)
        s += (double)w[x->index - 1] * x->value;
    return s;
}

/* The orientation liblinear gives a two-class problem whose first row is
 * labelled y0: its w scores the class label[0]. Since 2.20 (the swap in
 * group_classes) a {-1, +1} problem always has label[0] = +1; before, the
 * first row's class came first. A wrong guess would only slow the solver
 * (the problem is strictly convex: it still ends at the same optimum). */
static int liblinear_sign(double y0)
{
#if LIBLINEAR_VERSION >= 220
    (void)y0;
    return 1;
#else
    return y0 == 1 ? 1 : -1;
#endif
}

/* init[0..V] (weights, then the bias) for label l of m from the model
 * warm, matched by bucket (a bucket warm lacks starts at 0), in
 * liblinear's orientation: the refit on training + validation cases then
 * starts next to the stage-1 optimum and needs a few Newton steps instead
 * of a fit from zero. */
static void warm_start(const struct mamori_model *warm, const struct mamori_model *m, size_t l, double y0,
                       double *init)
{
    int sign = liblinear_sign(y0);
    size_t V = m->nvocab, j0 = 0;

    for (size_t j = 0; j < V; j++) {
        uint32_t b = m->vocab[j];
        while (j0 < warm->nvocab && warm->vocab[j0] < b)
            j0++; /* both vocabularies ascend */
        init[j] = j0 < warm->nvocab && warm->vocab[j0] == b ? sign * (double)mamori_model_weight(warm, l, j0) : 0;
    }
    init[V] = sign * warm->bias[l];
}

static int fit_label(struct fit *F, size_t l)
{
    const struct prep *P = F->P;
    struct mamori_model *m = F->m;
    size_t V = m->nvocab, rows = 0, npos = 0, nneg = 0;
    struct problem prob;
    struct parameter param;
    double *y = NULL, *init = NULL, *cur = NULL, *best_w = NULL, best_b = 0, best_f1 = -2, best_c = 0;
    size_t g, nfits = 0;
    int down = 0;
    struct feature_node **x = NULL;
    struct scored *sv = NULL;
    float *wf = NULL;
    struct mamori_label_report best_rep;
    char times[160] = "";
    size_t tlen = 0;
    double cpu0 = thread_cpu_s();
    int rc = RULES_OK;

    memset(&best_rep, 0, sizeof best_rep);
    for (size_t k = 0; k < F->nfit; k++) {
        size_t i = F->fit[k];
        int8_t t = P->truth[i * P->L + l];
        if (t < 0)
            continue;
        rows += P->copies[i];
        if (P->copies[i] > 0) {
            npos += t == 1;
            nneg += t != 1;
        }
    }
    y = malloc((rows + 1) * sizeof *y);
    x = malloc((rows + 1) * sizeof *x);
    init = calloc(V + 2, sizeof *init);
    cur = calloc(V + 2, sizeof *cur);
    best_w = calloc(V + 2, sizeof *best_w);
    wf = calloc(V + 1, sizeof *wf);
    sv = calloc(F->nval + 1, sizeof *sv);
    if (!y || !x || !init || !cur || !best_w || !wf || !sv) {
        rc = RULES_ENOMEM;
        goto out;
    }
    rows = 0;
    for (size_t k = 0; k < F->nfit; k++) {
        size_t i = F->fit[k];
        int8_t t = P->truth[i * P->L + l];
        if (t < 0)
            continue;
        for (unsigned c = 0; c < P->copies[i]; c++) {
            y[rows] = t == 1 ? 1 : -1;
            x[rows] = F->row[i];
            rows++;
        }
    }
    if (npos == 0 || nneg == 0) {
        /* One class only: a constant model. */
        best_b = npos == 0 ? -8 : 8;
        best_c = F->cfix ? F->cfix[l] : F->grid[F->ngrid / 2];
        goto done;
    }
    memset(&prob, 0, sizeof prob);
    prob.l = (int)rows;
    prob.n = (int)V + 1;
    prob.y = y;
    prob.x = x;
    prob.bias = 1;
    if (F->warm != NULL)
        warm_start(F->warm, m, l, y[0], init);
    /* The grid is walked from its middle value outward (see train.h):
     * up while validation F1 strictly improves; if the first step up
     * did not improve, down while it does not get worse (the smaller C
     * wins a tie, as in a full sweep). Every solve but the first starts
     * from the best solution so far (init). */
    g = F->cfix ? 0 : F->ngrid / 2;
    for (;;) {
        struct model *lm;
        const char *bad;
        double c = F->cfix ? F->cfix[l] : F->grid[g], b, f1;
        int sign;
        struct mamori_label_report r;

        memset(&param, 0, sizeof param);
        param.solver_type = L2R_LR;
        param.eps = 0.01;
        param.C = c;
        param.init_sol = nfits > 0 || F->warm != NULL ? init : NULL;
        if ((bad = check_parameter(&prob, &param)) != NULL) {
            pthread_mutex_lock(&F->lock);
            snprintf(F->why, sizeof F->why, "liblinear: %s", bad);
            pthread_mutex_unlock(&F->lock);
            rc = RULES_EINTERNAL;
            goto out;
        }
        lm = train(&prob, &param);
        if (lm == NULL) {
            rc = RULES_ENOMEM;
            goto out;
        }
        if (tlen < sizeof times) {
            double now = thread_cpu_s();
            int k = snprintf(times + tlen, sizeof times - tlen, "%sC %g %.1f s", tlen ? ", " : "", c, now - cpu0);
            tlen += k > 0 ? (size_t)k : 0;
            cpu0 = now;
        }
        nfits++;
        sign = lm->label[0] == 1 ? 1 : -1;
        for (size_t j = 0; j < V + 1; j++)
            cur[j] = lm->w[j]; /* liblinear's own orientation, for the next warm start */
        for (size_t j = 0; j < V; j++)
            wf[j] = (float)(sign * lm->w[j]);
        b = sign * lm->w[V];
        free_and_destroy_model(&lm);
        if (F->nval == 0 || F->cfix) {
            best_c = c;
            best_b = b;
            for (size_t j = 0; j < V; j++)
                best_w[j] = wf[j];
            break;
        }
        {
            size_t nv = 0;
            for (size_t k = 0; k < F->nval; k++) {
                size_t i = F->val[k];
                int8_t t = P->truth[i * P->L + l];
                if (t < 0)
                    continue;
                sv[nv].prob = 1.0 / (1.0 + exp(-margin_row(wf, b, F->row[i])));
                sv[nv].truth = t;
                nv++;
            }
            memset(&r, 0, sizeof r);
            choose_threshold(sv, nv, l == P->ncat ? F->o->max_benign_fpr : -1, &r);
        }
        f1 = r.f1;
        if (nfits == 1 || (down ? f1 >= best_f1 : f1 > best_f1)) {
            double *t = init;
            best_f1 = f1;
            best_rep = r;
            best_c = c;
            best_b = b;
            for (size_t j = 0; j < V; j++)
                best_w[j] = wf[j];
            init = cur; /* the next solve starts here */
            cur = t;
            if (!down && g + 1 < F->ngrid) {
                g++;
            } else if (g > 0 && (down || nfits == 1)) {
                down = 1; /* further down; or the middle was the top */
                g--;
            } else {
                break;
            }
            continue;
        }
        /* Worse (or, going up, no better). After the first step up: turn
         * down from the middle; else stop. */
        if (down || nfits != 2 || F->ngrid / 2 == 0)
            break;
        down = 1;
        g = F->ngrid / 2 - 1;
    }
done:
    for (size_t j = 0; j < V; j++)
        m->w[j * m->nlabels + l] = (float)best_w[j]; /* feature-major, see model.h */
    m->bias[l] = best_b;
    m->C[l] = best_c;
    if (F->nval > 0 && !F->cfix) {
        if (best_f1 == -2) { /* constant model: measure it anyway */
            size_t nv = 0;
            for (size_t k = 0; k < F->nval; k++) {
                size_t i = F->val[k];
                int8_t t = P->truth[i * P->L + l];
                if (t < 0)
                    continue;
                sv[nv].prob = 1.0 / (1.0 + exp(-best_b));
                sv[nv].truth = t;
                nv++;
            }
            choose_threshold(sv, nv, -1, &best_rep);
        }
        m->threshold[l] = best_rep.threshold;
    } else {
        best_rep.threshold = m->threshold[l];
        best_rep.precision = best_rep.recall = best_rep.f1 = -1;
    }
    best_rep.C = best_c;
    F->rep[l] = best_rep;
    F->rep[l].label = NULL;
    say(F->o, "trained %s (%zu rows; CPU: %s)", P->labels[l], rows, times[0] ? times : "constant");
out:
    free(y);
    free(x);
    free(init);
    free(cur);
    free(best_w);
    free(wf);
    free(sv);
    return rc;
}

static void *fit_worker(void *arg)
{
    struct fit *F = arg;

    for (;;) {
        size_t l;
        int rc;

        pthread_mutex_lock(&F->lock);
        if (F->rc != 0 || F->next >= F->P->L) {
            pthread_mutex_unlock(&F->lock);
            return NULL;
        }
        l = F->order[F->next++];
        pthread_mutex_unlock(&F->lock);
        rc = fit_label(F, l);
        pthread_mutex_lock(&F->lock);
        if (rc != 0 && F->rc == 0)
            F->rc = rc;
        pthread_mutex_unlock(&F->lock);
    }
}

/* Labels by descending number of positive fit cases (then by index): a
 * label's solve costs more the more cases sit near its boundary, and the
 * many-positive labels (harassment, escalate) cost the most. Started
 * last, as in policy order, they left one thread idle for their tail.
 * (An insertion sort: there are a few dozen labels at most.) */
static int label_order(const struct prep *P, const size_t *fit, size_t nfit, size_t *order)
{
    size_t *pos = calloc(P->L + 1, sizeof *pos);

    if (pos == NULL)
        return RULES_ENOMEM;
    for (size_t k = 0; k < nfit; k++)
        for (size_t l = 0; l < P->L; l++)
            pos[l] += P->truth[fit[k] * P->L + l] == 1;
    for (size_t l = 0; l < P->L; l++) {
        size_t j = l;
        for (; j > 0 && pos[order[j - 1]] < pos[l]; j--)
            order[j] = order[j - 1];
        order[j] = l;
    }
    free(pos);
    return RULES_OK;
}

static unsigned thread_count(const struct mamori_train_options *o, size_t L)
{
    long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 8 && !o->threads)
        n = 8;
    if ((size_t)n > L)
        n = (long)L;
    return (unsigned)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Fit a model on cases fit[] (validation val[]; none when nval == 0).
 * cfix/tfix: per-label C and threshold to use instead of choosing. */
static int fit_model(const struct prep *P, const size_t *fit, size_t nfit, const size_t *val, size_t nval,
                     const struct mamori_train_options *o, const double *cfix, const double *tfix,
                     const struct mamori_model *warm, struct mamori_model **out, struct mamori_label_report *rep,
                     size_t *nrows, struct rules_error *err)
{
    uint32_t *df = NULL;
    size_t V = 0, nodes = 0, used = 0;
    struct mamori_model *m = NULL;
    struct mamori_fvec vec = {0};
    double *grid = NULL;
    struct fit F;
    pthread_t th[8];
    unsigned nth;
    int rc = RULES_OK;

    *out = NULL;
    memset(&F, 0, sizeof F);
    df = calloc((size_t)1 << P->bits, sizeof *df);
    if (df == NULL)
        return rules_err(err, RULES_ENOMEM, "out of memory");
    for (size_t k = 0; k < nfit; k++) {
        size_t i = fit[k];
        for (size_t j = 0; j < P->nfeat[i]; j++)
            df[P->feat[i][j]]++;
    }
    for (size_t b = 0; b < ((size_t)1 << P->bits); b++)
        V += df[b] >= o->min_df;
    if (mamori_model_new(P->L, (const char *const *)P->labels, V, P->bits, &m) != 0) {
        free(df);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    V = 0;
    for (size_t b = 0; b < ((size_t)1 << P->bits); b++)
        if (df[b] >= o->min_df) {
            m->vocab[V] = (uint32_t)b;
            m->idf[V] = (float)mamori_features_idf(nfit, df[b]);
            V++;
        }
    free(df);
    if (tfix)
        for (size_t l = 0; l < P->L; l++)
            m->threshold[l] = tfix[l];

    /* Rows of the fit and validation cases. */
    F.row = calloc(P->n + 1, sizeof *F.row);
    if (F.row == NULL) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t k = 0; k < nfit + nval; k++) {
            size_t i = k < nfit ? fit[k] : val[k - nfit];
            if (mamori_features_weigh(P->feat[i], P->count[i], P->nfeat[i], m->vocab, NULL, m->idf, V, &vec) != 0) {
                rc = rules_err(err, RULES_ENOMEM, "out of memory");
                break;
            }
            if (pass == 0) {
                nodes += vec.nknown + 1;
                continue;
            }
            F.row[i] = F.space + used;
            for (size_t j = 0; j < vec.n; j++)
                if (vec.pos[j] != UINT32_MAX) {
                    F.space[used].index = (int)vec.pos[j] + 1;
                    F.space[used].value = vec.val[j];
                    used++;
                }
            /* The bias node (index V + 1) then the terminator. */
            F.space[used].index = (int)V + 1;
            F.space[used].value = 1;
            used++;
            F.space[used].index = -1;
            F.space[used].value = 0;
            used++;
        }
        if (pass == 0 && rc == 0) {
            nodes += nfit + nval; /* bias nodes */
            F.space = malloc((nodes + 1) * sizeof *F.space);
            if (F.space == NULL)
                rc = rules_err(err, RULES_ENOMEM, "out of memory");
        }
    }
    mamori_fvec_free(&vec);
    if (rc != 0)
        goto out;
    if (nrows) {
        *nrows = 0;
        for (size_t k = 0; k < nfit; k++)
            *nrows += P->copies[fit[k]];
    }
    /* margin_row reads w[index - 1] for every node: the bias node (index
     * V + 1) reads wf[V], which stays 0 (the bias is added apart). */
    F.P = P;
    F.o = o;
    F.ngrid = o->c_grid ? o->nc_grid : sizeof default_grid / sizeof default_grid[0];
    grid = malloc(F.ngrid * sizeof *grid);
    if (grid == NULL) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(grid, o->c_grid ? o->c_grid : default_grid, F.ngrid * sizeof *grid);
    rules_sort(grid, F.ngrid, sizeof *grid, cmp_double); /* the walk needs it ascending */
    F.grid = grid;
    F.fit = fit;
    F.nfit = nfit;
    F.val = val;
    F.nval = nval;
    F.cfix = cfix;
    F.warm = warm;
    F.m = m;
    F.rep = rep;
    F.order = calloc(P->L + 1, sizeof *F.order);
    if (F.order == NULL || label_order(P, fit, nfit, F.order) != 0) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    pthread_mutex_init(&F.lock, NULL);
    set_print_string_function(quiet);
    nth = thread_count(o, P->L);
    for (unsigned t = 0; t < nth; t++)
        if (pthread_create(&th[t], NULL, fit_worker, &F) != 0) {
            nth = t;
            break;
        }
    if (nth == 0)
        fit_worker(&F);
    for (unsigned t = 0; t < nth; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&F.lock);
    if (F.rc != 0) {
        rc = F.rc == RULES_ENOMEM ? rules_err(err, RULES_ENOMEM, "out of memory")
                                  : rules_err(err, F.rc, "%s", F.why[0] ? F.why : "training failed");
        goto out;
    }
    m->ntrain = nfit;
    m->nvalid = nval;
    m->min_df = o->min_df;
    *out = m;
    m = NULL;
out:
    free(grid);
    free(F.order);
    free(F.row);
    free(F.space);
    mamori_model_free(m);
    return rc;
}

void mamori_train_options_default(struct mamori_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->bits = MAMORI_FEATURE_BITS_DEFAULT;
    o->min_df = 2;
    o->max_benign_fpr = 0.05;
    o->valid_fraction = 0.2;
    o->refit = 1;
}

void mamori_train_report_free(struct mamori_train_report *r)
{
    if (r == NULL)
        return;
    for (size_t l = 0; l < r->nlabels && r->labels; l++)
        free(r->labels[l].label);
    free(r->labels);
    memset(r, 0, sizeof *r);
}

static int check_options(const struct mamori_train_options *o, struct rules_error *err)
{
    if (o->bits < MAMORI_FEATURE_BITS_MIN || o->bits > MAMORI_FEATURE_BITS_MAX)
        return rules_err(err, RULES_EINVAL, "hash bits %u out of range %u..%u", o->bits, MAMORI_FEATURE_BITS_MIN,
                         MAMORI_FEATURE_BITS_MAX);
    if (o->c_grid != NULL && o->nc_grid == 0)
        return rules_err(err, RULES_EINVAL, "empty C grid");
    for (size_t g = 0; o->c_grid && g < o->nc_grid; g++)
        if (!(o->c_grid[g] > 0))
            return rules_err(err, RULES_EINVAL, "C must be positive");
    if (o->min_df < 1)
        return rules_err(err, RULES_EINVAL, "min_df must be at least 1");
    return RULES_OK;
}

/* Train stage 1 on fit/val, then refit on both; the model keeps the
 * stage-1 thresholds and C. rep: per label (P->L entries). */
static int train_two_stage(const struct prep *P, const size_t *fit, size_t nfit, const size_t *val, size_t nval,
                           const struct mamori_train_options *o, struct mamori_model **out,
                           struct mamori_label_report *rep, size_t *nrows, struct rules_error *err)
{
    struct mamori_model *m1 = NULL, *m2 = NULL;
    size_t *all;
    int rc;

    rc = fit_model(P, fit, nfit, val, nval, o, NULL, NULL, NULL, &m1, rep, nrows, err);
    if (rc != 0 || !o->refit || nval == 0) {
        *out = m1;
        return rc;
    }
    say(o, "refit on %zu training + %zu validation cases", nfit, nval);
    all = malloc((nfit + nval) * sizeof *all);
    if (all == NULL) {
        mamori_model_free(m1);
        return rules_err(err, RULES_ENOMEM, "out of memory");
    }
    memcpy(all, fit, nfit * sizeof *all);
    memcpy(all + nfit, val, nval * sizeof *all);
    {
        struct mamori_label_report *tmp = calloc(P->L, sizeof *tmp);
        if (tmp == NULL)
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
        else
            rc = fit_model(P, all, nfit + nval, NULL, 0, o, m1->C, m1->threshold, m1, &m2, tmp, nrows, err);
        free(tmp);
    }
    free(all);
    if (rc == 0) {
        m2->ntrain = nfit;
        m2->nvalid = nval;
        m2->refit = 1;
    }
    mamori_model_free(m1);
    *out = m2;
    return rc;
}

int mamori_model_train(const struct rules_policy *p, const struct mamori_cases *cs,
                       const struct mamori_train_options *o, struct mamori_model **out,
                       struct mamori_train_report *rep, struct rules_error *err)
{
    struct prep P;
    size_t *fit = NULL, *val = NULL, nfit = 0, nval = 0, nrows = 0;
    struct mamori_label_report *lr = NULL;
    double t0 = rules_now_ms(), t1;
    int rc;

    *out = NULL;
    if (rep)
        memset(rep, 0, sizeof *rep);
    if ((rc = check_options(o, err)) != 0)
        return rc;
    say(o, "features of %zu cases", cs->n);
    if ((rc = prepare(p, cs, o, &P, err)) != 0)
        return rc;
    t1 = rules_now_ms();
    fit = malloc((cs->n + 1) * sizeof *fit);
    val = malloc((cs->n + 1) * sizeof *val);
    lr = calloc(P.L, sizeof *lr);
    if (!fit || !val || !lr) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cs->n; i++) {
        if (cs->v[i].validation)
            val[nval++] = i;
        else if (P.copies[i] > 0)
            fit[nfit++] = i;
    }
    if (nfit == 0) {
        rc = rules_err(err, RULES_EINVAL, "no training case (all %zu are validation or weigh 0)", cs->n);
        goto out;
    }
    say(o, "training %zu labels on %zu cases, validating on %zu", P.L, nfit, nval);
    rc = train_two_stage(&P, fit, nfit, val, nval, o, out, lr, &nrows, err);
    if (rc != 0)
        goto out;
    (*out)->seed = o->seed;
    (*out)->ncases = cs->n;
    (*out)->policy_id = p->id ? rules_strdup(p->id) : NULL;
    (*out)->policy_version = p->version ? rules_strdup(p->version) : NULL;
    if ((p->id && !(*out)->policy_id) || (p->version && !(*out)->policy_version)) {
        mamori_model_free(*out);
        *out = NULL;
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    if (rep) {
        rep->ncases = cs->n;
        rep->ntrain = nfit;
        rep->nvalid = nval;
        rep->nrows = nrows;
        rep->nvocab = (*out)->nvocab;
        rep->nlabels = P.L;
        rep->labels = lr;
        for (size_t l = 0; l < P.L; l++)
            lr[l].label = rules_strdup(P.labels[l]);
        lr = NULL;
        rep->ms_features = t1 - t0;
        rep->ms_train = rules_now_ms() - t1;
        rep->ms_total = rules_now_ms() - t0;
    }
out:
    free(lr);
    free(fit);
    free(val);
    prep_free(&P);
    return rc;
}

/* ---- cross-validation ------------------------------------------------ */

void mamori_cv_result_free(struct mamori_cv_result *r)
{
    if (r == NULL)
        return;
    for (size_t l = 0; l < r->nlabels && r->labels; l++)
        free(r->labels[l]);
    free(r->labels);
    free(r->fold);
    free(r->prob);
    free(r->fired);
    free(r->truth);
    free(r->report);
    memset(r, 0, sizeof *r);
}

void mamori_cv_report_subset(const struct mamori_cv_result *cv, const uint8_t *keep, struct mamori_label_report *out)
{
    size_t L = cv->nlabels;

    for (size_t l = 0; l < L; l++) {
        struct mamori_label_report *r = &out[l];
        memset(r, 0, sizeof *r);
        r->label = cv->labels[l]; /* borrowed */
        for (size_t i = 0; i < cv->ncases; i++) {
            int8_t t = cv->truth[i * L + l];
            int yes = cv->fired[i * L + l];
            if (t < 0 || (keep != NULL && !keep[i]))
                continue;
            if (t == 1) {
                r->pos++;
                r->tp += yes;
                r->fn += !yes;
            } else {
                r->neg++;
                r->fp += yes;
            }
        }
        r->precision = r->tp + r->fp > 0 ? (double)r->tp / (double)(r->tp + r->fp) : -1;
        r->recall = r->pos > 0 ? (double)r->tp / (double)r->pos : -1;
        r->f1 = r->pos > 0 ? 2.0 * (double)r->tp / (double)(2 * r->tp + r->fp + r->fn) : -1;
        r->fpr = r->neg > 0 ? (double)r->fp / (double)r->neg : 0;
        r->threshold = -1;
        r->C = -1;
    }
}

int mamori_model_crossval(const struct rules_policy *p, const struct mamori_cases *cs, unsigned k,
                          const struct mamori_train_options *o, struct mamori_cv_result *out,
                          struct rules_error *err)
{
    struct prep P;
    size_t *fit = NULL, *val = NULL;
    struct mamori_label_report *lr = NULL;
    struct mamori_fvec vec = {0};
    int rc, by;

    memset(out, 0, sizeof *out);
    if ((rc = check_options(o, err)) != 0)
        return rc;
    if (k < 3 || k > cs->n)
        return rules_err(err, RULES_EINVAL, "cross-validation needs 3 to %zu folds, not %u", cs->n, k);
    if ((rc = prepare(p, cs, o, &P, err)) != 0)
        return rc;
    out->ncases = cs->n;
    out->nlabels = P.L;
    out->labels = calloc(P.L, sizeof *out->labels);
    out->fold = calloc(cs->n + 1, sizeof *out->fold);
    out->prob = calloc(cs->n * P.L + 1, sizeof *out->prob);
    out->fired = calloc(cs->n * P.L + 1, 1);
    out->truth = calloc(cs->n * P.L + 1, 1);
    out->report = calloc(P.L, sizeof *out->report);
    fit = malloc((cs->n + 1) * sizeof *fit);
    val = malloc((cs->n + 1) * sizeof *val);
    lr = calloc(P.L, sizeof *lr);
    if (!out->labels || !out->fold || !out->prob || !out->fired || !out->truth || !out->report || !fit || !val ||
        !lr) {
        rc = rules_err(err, RULES_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t l = 0; l < P.L; l++)
        if ((out->labels[l] = rules_strdup(P.labels[l])) == NULL) {
            rc = rules_err(err, RULES_ENOMEM, "out of memory");
            goto out;
        }
    memcpy(out->truth, P.truth, cs->n * P.L);
    by = mamori_cv_folds(cs, k, o->seed, out->fold);
    if (by < 0) {
        rc = rules_err(err, by, "cannot make folds");
        goto out;
    }
    out->by_batch = by;
    for (unsigned f = 0; f < k; f++) {
        struct mamori_model *m = NULL;
        size_t nfit = 0, nval = 0;

        for (size_t i = 0; i < cs->n; i++) {
            if (out->fold[i] == f)
                continue;
            if (out->fold[i] == (f + 1) % k)
                val[nval++] = i;
            else if (P.copies[i] > 0)
                fit[nfit++] = i;
        }
        say(o, "fold %u of %u: %zu training, %zu validation cases", f + 1, k, nfit, nval);
        if (nfit == 0) {
            rc = rules_err(err, RULES_EINVAL, "fold %u: no training case", f + 1);
            goto out;
        }
        rc = train_two_stage(&P, fit, nfit, val, nval, o, &m, lr, NULL, err);
        if (rc != 0)
            goto out;
        for (size_t i = 0; i < cs->n; i++) {
            if (out->fold[i] != f)
                continue;
            if (mamori_features_weigh(P.feat[i], P.count[i], P.nfeat[i], m->vocab, m->slot, m->idf, m->nvocab, &vec) != 0) {
                mamori_model_free(m);
                rc = rules_err(err, RULES_ENOMEM, "out of memory");
                goto out;
            }
            for (size_t l = 0; l < P.L; l++) {
                double pr = 1.0 / (1.0 + exp(-mamori_model_margin(m, l, &vec)));
                out->prob[i * P.L + l] = pr;
                out->fired[i * P.L + l] = pr >= m->threshold[l];
            }
        }
        mamori_model_free(m);
    }
    mamori_cv_report_subset(out, NULL, out->report);
out:
    mamori_fvec_free(&vec);
    free(fit);
    free(val);
    free(lr);
    prep_free(&P);
    if (rc != 0)
        mamori_cv_result_free(out);
    return rc;
}
