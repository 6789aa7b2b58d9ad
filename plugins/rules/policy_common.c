/* policy_common.c -- names, localized texts, diagnostics and the origin
 * map shared by the loader, the evaluator and the CLI. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "policy_internal.h"
#include "rules.h"

const char *const rules_channel_names[8] = {"email", "web", "chat", "phone", "phone_note", "sns", "api", "other"};

uint32_t rules_channel_bit(const char *name)
{
    for (int i = 0; i < 8; i++)
        if (name != NULL && strcmp(name, rules_channel_names[i]) == 0)
            return 1u << i;
    return 0;
}

uint32_t rules_ticket_channel(const char *name)
{
    uint32_t b = rules_channel_bit(name);
    return b ? b : RULES_CH_OTHER;
}

int rules_lang_parse(const char *s)
{
    if (s == NULL)
        return -1;
    if (strncmp(s, "ja", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
        return RULES_LANG_JA;
    if (strncmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_'))
        return RULES_LANG_EN;
    return -1;
}

const char *rules_text_get(const struct rules_text *t, int lang)
{
    if (lang < 0 || lang >= RULES_NLANG)
        lang = RULES_LANG_JA;
    if (t->v[lang] != NULL)
        return t->v[lang];
    return t->v[1 - lang];
}

char *const *rules_texts_get(const struct rules_texts *t, int lang, size_t *n)
{
    if (lang < 0 || lang >= RULES_NLANG)
        lang = RULES_LANG_JA;
    if (t->n[lang] == 0)
        lang = 1 - lang;
    *n = t->n[lang];
    return t->v[lang];
}

const char *mamori_rules_severity_name(int s)
{
    static const char *const n[] = {"none", "low", "medium", "high", "critical"};
    return s >= 0 && s <= 4 ? n[s] : "none";
}

const char *mamori_rules_flame_name(int l)
{
    static const char *const n[] = {"none", "low", "medium", "high"};
    return l >= 0 && l <= 3 ? n[l] : "none";
}

const char *mamori_rules_escalation_name(int l)
{
    static const char *const n[RULES_ESCALATION_MAX + 1] = {"none", "supervisor", "legal", "lawyer", "police"};
    return l >= 0 && l <= RULES_ESCALATION_MAX ? n[l] : "none";
}

const char *mamori_rules_drop_name(int why)
{
    switch (why) {
    case RULES_DROP_NONE: return "counted";
    case RULES_DROP_FIELD: return "other field";
    case RULES_DROP_QUOTED: return "quoted (history, staff line or reported speech)";
    case RULES_DROP_NEGATED: return "negated";
    case RULES_DROP_NOT_NEGATED: return "not negated (rule fires only on negated matches)";
    case RULES_DROP_BENIGN: return "inside a benign look-alike";
    case RULES_DROP_UNLESS: return "masked by the rule's unless";
    case RULES_DROP_CHANNEL: return "rule does not apply to this channel";
    case RULES_DROP_BOUNDARY: return "not at a word boundary";
    default: return "?";
    }
}

/* ---- diagnostics ----------------------------------------------------- */

int mamori_rules_diag_add(struct rules_diags *d, const char *file, int line, int col, int severity, const char *hint,
                          const char *fmt, ...)
{
    struct rules_diag *g;
    struct rules_buf b = RULES_BUF_INIT;
    va_list ap;
    int n;

    if (RULES_GROW(d->v, d->cap, d->n + 1) != 0)
        return RULES_ENOMEM;
    g = &d->v[d->n];
    memset(g, 0, sizeof *g);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || rules_grow((void **)&b.data, &b.cap, (size_t)n + 1, 1) != 0)
        return RULES_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b.data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    g->message = b.data;
    g->file = rules_strdup(file ? file : "");
    g->hint = hint ? rules_strdup(hint) : NULL;
    if (g->file == NULL || (hint && g->hint == NULL)) {
        free(g->message);
        free(g->file);
        free(g->hint);
        return RULES_ENOMEM;
    }
    g->line = line;
    g->col = col;
    g->severity = severity;
    d->n++;
    if (severity == RULES_DIAG_ERROR)
        d->errors++;
    else
        d->warnings++;
    return RULES_OK;
}

void mamori_rules_diags_free(struct rules_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].message);
        free(d->v[i].hint);
        free(d->v[i].cause_file);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

static int diag_cmp(const void *a, const void *b)
{
    const struct rules_diag *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

void mamori_rules_diags_sort(struct rules_diags *d)
{
    /* Insertion sort keeps equal positions in report order (qsort is not
     * stable); lint output is at most a few hundred lines. */
    for (size_t i = 1; i < d->n; i++) {
        struct rules_diag t = d->v[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&d->v[j - 1], &t) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = t;
    }
}

/* ---- origin map ------------------------------------------------------ */

static size_t ptr_slot(const json_t *v, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)v * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 20) & (cap - 1);
}

int rules_origin_put(struct rules_loadctx *ctx, const json_t *v, int file, const struct rules_jpos *pos)
{
    size_t s;

    if (v == NULL)
        return RULES_OK;
    if ((ctx->ocount + 1) * 2 > ctx->ocap) {
        size_t ncap = ctx->ocap ? ctx->ocap * 2 : 1024;
        struct rules_origin *n = calloc(ncap, sizeof *n);
        if (n == NULL) {
            ctx->oom = 1;
            return RULES_ENOMEM;
        }
        for (size_t i = 0; i < ctx->ocap; i++)
            if (ctx->origins[i].value != NULL) {
                size_t t = ptr_slot(ctx->origins[i].value, ncap);
                while (n[t].value != NULL)
                    t = (t + 1) & (ncap - 1);
                n[t] = ctx->origins[i];
            }
        free(ctx->origins);
        ctx->origins = n;
        ctx->ocap = ncap;
    }
    s = ptr_slot(v, ctx->ocap);
    while (ctx->origins[s].value != NULL && ctx->origins[s].value != v)
        s = (s + 1) & (ctx->ocap - 1);
    if (ctx->origins[s].value == NULL)
        ctx->ocount++;
    ctx->origins[s].value = v;
    ctx->origins[s].file = file;
    ctx->origins[s].pos = *pos;
    return RULES_OK;
}

int rules_origin_get(const struct rules_loadctx *ctx, const json_t *v, struct rules_origin *out)
{
    size_t s;

    if (v == NULL || ctx->ocap == 0)
        return RULES_ENOTFOUND;
    s = ptr_slot(v, ctx->ocap);
    while (ctx->origins[s].value != NULL) {
        if (ctx->origins[s].value == v) {
            *out = ctx->origins[s];
            return RULES_OK;
        }
        s = (s + 1) & (ctx->ocap - 1);
    }
    return RULES_ENOTFOUND;
}

int rules_origin_copy(struct rules_loadctx *ctx, const json_t *to, const json_t *from)
{
    struct rules_origin o;

    if (rules_origin_get(ctx, from, &o) != 0)
        return RULES_OK;
    return rules_origin_put(ctx, to, o.file, &o.pos);
}

void rules_replaced_put(struct rules_loadctx *ctx, json_t *old, const json_t *by)
{
    if (!ctx->lint || old == NULL || old == by)
        return;
    if (RULES_GROW(ctx->replaced, ctx->replaced_cap, ctx->nreplaced + 1) != 0) {
        ctx->oom = 1;
        return;
    }
    ctx->replaced[ctx->nreplaced].old = json_incref(old);
    ctx->replaced[ctx->nreplaced].by = by;
    ctx->nreplaced++;
}

static int is_singleton(const json_t *v)
{
    return v == NULL || json_is_true(v) || json_is_false(v) || json_is_null(v);
}

/* Where v is, as rules_diag_at finds it: v's own position (its key's
 * with use_key), else its container's. 0, or RULES_ENOTFOUND. */
static int diag_origin(const struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key,
                       int *file, int *line, int *col)
{
    struct rules_origin o;

    if ((!is_singleton(v) && rules_origin_get(ctx, v, &o) == 0) ||
        (container != NULL && rules_origin_get(ctx, container, &o) == 0)) {
        *file = o.file;
        if (use_key && o.pos.key_line > 0 && !is_singleton(v)) {
            *line = o.pos.key_line;
            *col = o.pos.key_col;
        } else {
            *line = o.pos.line;
            *col = o.pos.col;
        }
        return RULES_OK;
    }
    return RULES_ENOTFOUND;
}

static void diag_vat(struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key,
                     const json_t *cause, int severity, const char *hint, const char *fmt, va_list ap)
{
    char msg[1024];
    const char *file = ctx->nfiles ? ctx->files[0] : "";
    int fi = -1, line = 0, col = 0, cfi, cline, ccol;
    struct rules_diag *g;

    vsnprintf(msg, sizeof msg, fmt, ap);
    if (diag_origin(ctx, v, container, use_key, &fi, &line, &col) == 0)
        file = ctx->files[fi];
    if (mamori_rules_diag_add(ctx->diags, file, line, col, severity, hint, "%s", msg) != 0) {
        ctx->oom = 1;
        return;
    }
    /* A cause in the same file as the finding says nothing new. */
    if (cause == NULL || diag_origin(ctx, cause, NULL, 0, &cfi, &cline, &ccol) != 0 || cfi == fi)
        return;
    g = &ctx->diags->v[ctx->diags->n - 1];
    g->cause_file = rules_strdup(ctx->files[cfi]);
    if (g->cause_file == NULL) {
        ctx->oom = 1;
        return;
    }
    g->cause_line = cline;
    g->cause_col = ccol;
}

void rules_diag_at(struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key, int severity,
                   const char *hint, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vat(ctx, v, container, use_key, NULL, severity, hint, fmt, ap);
    va_end(ap);
}

void rules_diag_caused(struct rules_loadctx *ctx, const json_t *v, const json_t *container, int use_key,
                       const json_t *cause, int severity, const char *hint, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vat(ctx, v, container, use_key, cause, severity, hint, fmt, ap);
    va_end(ap);
}
