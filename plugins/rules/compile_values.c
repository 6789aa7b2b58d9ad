/* compile_values.c -- see compile_internal.h. */
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

/* ---- small validation helpers ---------------------------------------- */

size_t compile_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];

    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j], best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

int compile_ignored_key(const char *k)
{
    return strncmp(k, "//", 2) == 0 || strncmp(k, "x-", 2) == 0;
}

int compile_allowed(const char *k, const char *const *keys)
{
    for (const char *const *a = keys; *a; a++)
        if (strcmp(*a, k) == 0)
            return 1;
    return 0;
}

void compile_check_keys(struct compile *c, json_t *obj, const char *what, const char *const *keys)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v) {
        const char *best = NULL;
        size_t bd = 3;
        char hint[256];

        if (compile_ignored_key(k) || compile_allowed(k, keys))
            continue;
        for (const char *const *a = keys; *a; a++) {
            size_t d = compile_edit_distance(k, *a);
            if (d < bd) {
                bd = d;
                best = *a;
            }
        }
        if (best)
            snprintf(hint, sizeof hint, "did you mean \"%s\"? (notes go in keys starting with \"//\" or \"x-\")",
                     best);
        else {
            size_t off = (size_t)snprintf(hint, sizeof hint, "known keys:");
            for (const char *const *a = keys; *a && off < sizeof hint; a++)
                off += (size_t)snprintf(hint + off, sizeof hint - off, " %s", *a);
            if (off < sizeof hint)
                snprintf(hint + off, sizeof hint - off, " (notes go in keys starting with \"//\" or \"x-\")");
        }
        rules_diag_at(c->ctx, v, obj, 1, RULES_DIAG_ERROR, hint, "unknown key \"%s\" in %s", k, what);
    }
}


int compile_valid_id(const char *s, const char *extra, int first_alnum)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 128)
        return 0;
    for (const char *p = s; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p && strchr(extra, *p));
        if (!ok)
            return 0;
        if (p == s && first_alnum && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    }
    return 1;
}

static int enum_index(const char *s, const char *const *names)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *const compile_severity_names[] = {"none", "low", "medium", "high", "critical", NULL};
const char *const compile_flame_names[] = {"none", "low", "medium", "high", NULL};
const char *const compile_escalation_names[] = {"none", "supervisor", "legal", "lawyer", "police", NULL};

int compile_parse_enum(struct compile *c, json_t *v, json_t *cont, const char *what, const char *const *names,
                      int min, int dflt)
{
    int i;
    char hint[256];
    size_t off = 0;

    if (v == NULL)
        return dflt;
    i = json_is_string(v) ? enum_index(json_string_value(v), names) : -1;
    if (i >= min)
        return i;
    off += (size_t)snprintf(hint, sizeof hint, "use one of:");
    for (int k = min; names[k] && off < sizeof hint; k++)
        off += (size_t)snprintf(hint + off, sizeof hint - off, " %s", names[k]);
    ERR(v, cont, hint, "%s: unknown value %s%s%s", what, json_is_string(v) ? "\"" : "",
        json_is_string(v) ? json_string_value(v) : "(not a string)", json_is_string(v) ? "\"" : "");
    return dflt;
}

char *compile_dup_str(struct compile *c, const char *s)
{
    char *d = rules_strdup(s);
    if (d == NULL && s != NULL)
        c->ctx->oom = 1;
    return d;
}

/* A string or {"ja": ..., "en": ...}. */
void compile_parse_text(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_text *out)
{
    static const char *const langs[] = {"ja", "en", NULL};

    if (v == NULL)
        return;
    if (json_is_string(v)) {
        out->v[0] = compile_dup_str(c, json_string_value(v));
        out->v[1] = compile_dup_str(c, json_string_value(v));
        return;
    }
    if (json_is_object(v)) {
        compile_check_keys(c, v, what, langs);
        for (int l = 0; l < RULES_NLANG; l++) {
            json_t *t = json_object_get(v, langs[l]);
            if (t == NULL)
                continue;
            if (!json_is_string(t))
                ERR(t, v, "write the text as a string", "%s.%s must be a string", what, langs[l]);
            else
                out->v[l] = compile_dup_str(c, json_string_value(t));
        }
        return;
    }
    ERR(v, cont, "write a string, or {\"ja\": \"...\", \"en\": \"...\"}", "%s must be a text", what);
}

static void push_texts(struct compile *c, json_t *arr, const char *what, struct rules_texts *out, int lang)
{
    size_t i;
    json_t *e;

    out->v[lang] = calloc(json_array_size(arr) + 1, sizeof(char *));
    if (out->v[lang] == NULL) {
        c->ctx->oom = 1;
        return;
    }
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0) {
            ERR(e, arr, "each entry is a non-empty string", "%s[%zu] must be a non-empty string", what, i);
            continue;
        }
        out->v[lang][out->n[lang]++] = compile_dup_str(c, json_string_value(e));
    }
}

/* A list of strings or {"ja": [...], "en": [...]}. */
void compile_parse_texts(struct compile *c, json_t *v, json_t *cont, const char *what, struct rules_texts *out)
{
    static const char *const langs[] = {"ja", "en", NULL};

    if (v == NULL)
        return;
    if (json_is_array(v)) {
        push_texts(c, v, what, out, 0);
        push_texts(c, v, what, out, 1);
        return;
    }
    if (json_is_object(v)) {
        compile_check_keys(c, v, what, langs);
        for (int l = 0; l < RULES_NLANG; l++) {
            json_t *t = json_object_get(v, langs[l]);
            if (t == NULL)
                continue;
            if (!json_is_array(t))
                ERR(t, v, "write a list of strings", "%s.%s must be a list of strings", what, langs[l]);
            else
                push_texts(c, t, what, out, l);
        }
        return;
    }
    ERR(v, cont, "write [\"...\", ...] or {\"ja\": [...], \"en\": [...]}", "%s must be a list of texts", what);
}

double compile_get_number(struct compile *c, json_t *obj, const char *key, double dflt, double min, double max,
                         const char *what)
{
    json_t *v = json_object_get(obj, key);
    double d;

    if (v == NULL)
        return dflt;
    if (!json_is_number(v)) {
        ERR(v, obj, "write a number", "%s.%s must be a number", what, key);
        return dflt;
    }
    d = json_number_value(v);
    if (!(d >= min && d <= max)) {
        ERR(v, obj, NULL, "%s.%s must be between %g and %g", what, key, min, max);
        return dflt;
    }
    return d;
}

long compile_get_int(struct compile *c, json_t *obj, const char *key, long dflt, long min, long max, const char *what)
{
    json_t *v = json_object_get(obj, key);
    json_int_t i;

    if (v == NULL)
        return dflt;
    if (!json_is_integer(v)) {
        ERR(v, obj, "write a whole number", "%s.%s must be an integer", what, key);
        return dflt;
    }
    i = json_integer_value(v);
    if (i < min || i > max) {
        ERR(v, obj, NULL, "%s.%s must be between %ld and %ld", what, key, min, max);
        return dflt;
    }
    return (long)i;
}

const char *compile_get_string(struct compile *c, json_t *obj, const char *key, int required, const char *what)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        if (required)
            ERR(obj, obj, NULL, "%s: missing \"%s\"", what, key);
        return NULL;
    }
    if (!json_is_string(v)) {
        ERR(v, obj, "write a string", "%s.%s must be a string", what, key);
        return NULL;
    }
    return json_string_value(v);
}
