/* annotation.c -- see annotation.h. */
#include "config.h"

#include "plugin/annotation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

static const char *severity_names[] = {"none", "low", "medium", "high", "critical"};
static const char *escalation_names[] = {"none", "supervisor", "legal", "lawyer", "police"};
static const char *flame_names[] = {"none", "low", "medium", "high"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
    return (v >= 0 && (size_t)v < n) ? names[v] : names[0];
}

static int parse_of(const char *const *names, size_t n, const char *s)
{
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *mamori_severity_name(int v) { return name_of(severity_names, COUNT(severity_names), v); }
int mamori_severity_parse(const char *s) { return parse_of(severity_names, COUNT(severity_names), s); }
const char *mamori_escalation_name(int v) { return name_of(escalation_names, COUNT(escalation_names), v); }
int mamori_escalation_parse(const char *s) { return parse_of(escalation_names, COUNT(escalation_names), s); }
const char *mamori_flame_name(int v) { return name_of(flame_names, COUNT(flame_names), v); }
int mamori_flame_parse(const char *s) { return parse_of(flame_names, COUNT(flame_names), s); }

void mamori_annotation_init(struct mamori_annotation *a)
{
    memset(a, 0, sizeof *a);
}

static void free_category(struct mamori_category_item *c)
{
    free(c->id);
    free(c->label);
    for (size_t i = 0; i < c->evidence_count; i++) {
        free(c->evidence[i].field);
        free(c->evidence[i].text);
        free(c->evidence[i].rule_id);
    }
    free(c->evidence);
}

void mamori_annotation_free(struct mamori_annotation *a)
{
    for (size_t i = 0; i < a->category_count; i++)
        free_category(&a->categories[i]);
    free(a->categories);
    mamori_strv_free(&a->steps);
    free(a->reply_draft);
    for (size_t i = 0; i < a->link_count; i++) {
        free(a->links[i].title);
        free(a->links[i].url);
    }
    free(a->links);
    mamori_strv_free(&a->flame_advice);
    mamori_strv_free(&a->escalation_reasons);
    mamori_strv_free(&a->legal_basis);
    mamori_strv_free(&a->tags);
    for (size_t i = 0; i < a->source_count; i++) {
        free(a->sources[i].kind);
        free(a->sources[i].id);
        free(a->sources[i].version);
    }
    free(a->sources);
    mamori_strv_free(&a->plugin_errors);
    memset(a, 0, sizeof *a);
}

struct mamori_category_item *mamori_annotation_find_category(struct mamori_annotation *a, const char *id)
{
    for (size_t i = 0; i < a->category_count; i++)
        if (strcmp(a->categories[i].id, id) == 0)
            return &a->categories[i];
    return NULL;
}

int mamori_annotation_add_category(struct mamori_annotation *a, const char *id, const char *label,
                                   double score, int severity, int harassment,
                                   struct mamori_category_item **out)
{
    struct mamori_category_item *c = mamori_annotation_find_category(a, id);

    if (c != NULL) {
        if (score > c->score)
            c->score = score;
        if (severity > c->severity)
            c->severity = severity;
        c->harassment |= harassment;
        if (out)
            *out = c;
        return MAMORI_OK;
    }
    if (mamori_grow((void **)&a->categories, &a->category_cap, a->category_count + 1, sizeof *a->categories) != 0)
        return MAMORI_ENOMEM;
    c = &a->categories[a->category_count];
    memset(c, 0, sizeof *c);
    c->id = mamori_strdup(id);
    c->label = mamori_strdup(label ? label : id);
    if (c->id == NULL || c->label == NULL) {
        free(c->id);
        free(c->label);
        return MAMORI_ENOMEM;
    }
    c->score = score;
    c->severity = severity;
    c->harassment = harassment ? 1 : 0;
    a->category_count++;
    if (out)
        *out = c;
    return MAMORI_OK;
}

int mamori_annotation_add_evidence(struct mamori_category_item *c, const char *field, size_t begin, size_t end,
                                   const char *text, size_t len, const char *rule_id, double weight)
{
    struct mamori_evidence_item *e;

    for (size_t i = 0; i < c->evidence_count; i++) {
        e = &c->evidence[i];
        if (e->begin == begin && e->end == end && strcmp(e->field, field) == 0)
            return MAMORI_OK;
    }
    if (mamori_grow((void **)&c->evidence, &c->evidence_cap, c->evidence_count + 1, sizeof *c->evidence) != 0)
        return MAMORI_ENOMEM;
    e = &c->evidence[c->evidence_count];
    memset(e, 0, sizeof *e);
    e->field = mamori_strdup(field);
    e->text = mamori_strndup(text, len);
    e->rule_id = rule_id ? mamori_strdup(rule_id) : NULL;
    if (e->field == NULL || e->text == NULL || (rule_id && e->rule_id == NULL)) {
        free(e->field);
        free(e->text);
        free(e->rule_id);
        return MAMORI_ENOMEM;
    }
    e->begin = begin;
    e->end = end;
    e->weight = weight;
    c->evidence_count++;
    return MAMORI_OK;
}

int mamori_annotation_add_link(struct mamori_annotation *a, const char *title, const char *url)
{
    struct mamori_link *l;

    for (size_t i = 0; i < a->link_count; i++)
        if (strcmp(a->links[i].url, url) == 0)
            return MAMORI_OK;
    if (mamori_grow((void **)&a->links, &a->link_cap, a->link_count + 1, sizeof *a->links) != 0)
        return MAMORI_ENOMEM;
    l = &a->links[a->link_count];
    l->title = mamori_strdup(title ? title : url);
    l->url = mamori_strdup(url);
    if (l->title == NULL || l->url == NULL) {
        free(l->title);
        free(l->url);
        return MAMORI_ENOMEM;
    }
    a->link_count++;
    return MAMORI_OK;
}

int mamori_annotation_add_source(struct mamori_annotation *a, const char *kind, const char *id, const char *version)
{
    struct mamori_source *s;

    for (size_t i = 0; i < a->source_count; i++)
        if (strcmp(a->sources[i].kind, kind) == 0 && strcmp(a->sources[i].id, id) == 0)
            return MAMORI_OK;
    if (mamori_grow((void **)&a->sources, &a->source_cap, a->source_count + 1, sizeof *a->sources) != 0)
        return MAMORI_ENOMEM;
    s = &a->sources[a->source_count];
    s->kind = mamori_strdup(kind);
    s->id = mamori_strdup(id);
    s->version = mamori_strdup(version ? version : "");
    if (s->kind == NULL || s->id == NULL || s->version == NULL) {
        free(s->kind);
        free(s->id);
        free(s->version);
        return MAMORI_ENOMEM;
    }
    a->source_count++;
    return MAMORI_OK;
}

void mamori_annotation_raise_escalation(struct mamori_annotation *a, int level)
{
    if (level > a->escalation_level)
        a->escalation_level = level;
}

int mamori_annotation_is_harassment(const struct mamori_annotation *a)
{
    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].harassment)
            return 1;
    return 0;
}

int mamori_annotation_severity(const struct mamori_annotation *a)
{
    int s = MAMORI_SEVERITY_NONE;

    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].harassment && a->categories[i].severity > s)
            s = a->categories[i].severity;
    return s;
}

/* ---- JSON ------------------------------------------------------------ */

static int cmp_category(const void *pa, const void *pb)
{
    const struct mamori_category_item *x = *(const struct mamori_category_item *const *)pa;
    const struct mamori_category_item *y = *(const struct mamori_category_item *const *)pb;

    if (x->harassment != y->harassment)
        return y->harassment - x->harassment;
    if (x->severity != y->severity)
        return y->severity - x->severity;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->id, y->id);
}

static json_t *strv_json(const struct mamori_strv *v)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < v->count; i++)
        if (json_array_append_new(arr, json_string(v->items[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

/* Round a score for output so that JSON stays stable across platforms. */
static double round3(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static json_t *category_json(const struct mamori_category_item *c, int with_text)
{
    json_t *ev = json_array();
    json_t *obj;

    if (ev == NULL)
        return NULL;
    for (size_t i = 0; i < c->evidence_count; i++) {
        const struct mamori_evidence_item *e = &c->evidence[i];
        json_t *item = json_pack("{s:s, s:I, s:I, s:f}", "field", e->field, "start", (json_int_t)e->begin, "end",
                                 (json_int_t)e->end, "weight", round3(e->weight));
        if (item != NULL && with_text)
            json_object_set_new(item, "text", json_string(e->text));
        if (item != NULL && e->rule_id != NULL)
            json_object_set_new(item, "rule", json_string(e->rule_id));
        if (item == NULL || json_array_append_new(ev, item) != 0) {
            json_decref(ev);
            return NULL;
        }
    }
    obj = json_pack("{s:s, s:s, s:f, s:s, s:b, s:o}", "id", c->id, "label", c->label, "score", round3(c->score),
                    "severity", mamori_severity_name(c->severity), "harassment", c->harassment, "evidence", ev);
    return obj;
}

static json_t *to_json(const struct mamori_annotation *a, int verdict, int with_text)
{
    const struct mamori_category_item **sorted = NULL;
    json_t *root = NULL, *cats = NULL, *links = NULL, *sources = NULL, *fr = NULL, *esc = NULL, *flame = NULL;

    if (a->category_count) {
        sorted = calloc(a->category_count, sizeof *sorted);
        if (sorted == NULL)
            return NULL;
        for (size_t i = 0; i < a->category_count; i++)
            sorted[i] = &a->categories[i];
        qsort(sorted, a->category_count, sizeof *sorted, cmp_category);
    }
    cats = json_array();
    links = json_array();
    sources = json_array();
    if (cats == NULL || links == NULL || sources == NULL)
        goto fail;
    for (size_t i = 0; i < a->category_count; i++)
        if (json_array_append_new(cats, category_json(sorted[i], with_text)) != 0)
            goto fail;
    for (size_t i = 0; i < a->link_count; i++)
        if (json_array_append_new(links, json_pack("{s:s, s:s}", "title", a->links[i].title, "url", a->links[i].url)) != 0)
            goto fail;
    for (size_t i = 0; i < a->source_count; i++)
        if (json_array_append_new(sources, json_pack("{s:s, s:s, s:s}", "kind", a->sources[i].kind, "id",
                                                     a->sources[i].id, "version", a->sources[i].version)) != 0)
            goto fail;
    esc = json_pack("{s:b, s:s, s:o}", "required", a->escalation_level > 0, "level",
                    mamori_escalation_name(a->escalation_level), "legal_basis", strv_json(&a->legal_basis));
    flame = json_pack("{s:s}", "level", mamori_flame_name(a->flame_level));
    if (esc == NULL || flame == NULL)
        goto fail;
    if (!verdict) {
        fr = json_pack("{s:o, s:s?}", "steps", strv_json(&a->steps), "reply_draft", a->reply_draft);
        if (fr == NULL || json_object_set_new(esc, "reasons", strv_json(&a->escalation_reasons)) != 0 ||
            json_object_set_new(flame, "advice", strv_json(&a->flame_advice)) != 0)
            goto fail;
    }
    root = json_pack("{s:s, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema", MAMORI_ANNOTATION_SCHEMA,
                     "is_harassment", mamori_annotation_is_harassment(a), "severity",
                     mamori_severity_name(mamori_annotation_severity(a)), "categories", cats, "flame_risk", flame,
                     "escalation", esc, "tags", strv_json(&a->tags), "produced_by", sources, "plugin_errors",
                     strv_json(&a->plugin_errors));
    if (root == NULL) {
        json_decref(fr);
        json_decref(links);
    } else if (!verdict) {
        /* set_new steals its value even when it fails */
        int bad = json_object_set_new(root, "first_response", fr) != 0;
        bad |= json_object_set_new(root, "training", links) != 0;
        if (bad) {
            json_decref(root);
            root = NULL;
        }
    } else {
        json_decref(links);
    }
    free(sorted);
    return root; /* json_pack "o" and set_new stole every reference, also on failure */
fail:
    json_decref(cats);
    json_decref(links);
    json_decref(sources);
    json_decref(fr);
    json_decref(esc);
    json_decref(flame);
    free(sorted);
    return NULL;
}

json_t *mamori_annotation_to_json(const struct mamori_annotation *a)
{
    return to_json(a, 0, 1);
}

json_t *mamori_annotation_verdict_json(const struct mamori_annotation *a, int with_evidence_text)
{
    return to_json(a, 1, with_evidence_text);
}

/* ---- reading JSON back ------------------------------------------------ */

static int strv_from_json(struct mamori_strv *v, json_t *arr)
{
    size_t i;
    json_t *s;

    if (arr == NULL)
        return MAMORI_OK;
    if (!json_is_array(arr))
        return MAMORI_EINVAL;
    json_array_foreach(arr, i, s) {
        if (!json_is_string(s))
            return MAMORI_EINVAL;
        if (mamori_strv_push(v, json_string_value(s), json_string_length(s)) != 0)
            return MAMORI_ENOMEM;
    }
    return MAMORI_OK;
}

static const char *str_or(json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : dflt;
}

int mamori_annotation_from_json(struct mamori_annotation *a, json_t *root, struct mamori_error *err)
{
    json_t *cats, *c, *e, *l, *fr, *esc, *flame, *src;
    size_t i, j;
    int rc;

    if (!json_is_object(root))
        return mamori_error_set(err, MAMORI_EINVAL, "annotation: not a JSON object");
    cats = json_object_get(root, "categories");
    json_array_foreach(cats, i, c) {
        struct mamori_category_item *item;
        const char *id = str_or(c, "id", NULL);
        if (id == NULL)
            return mamori_error_set(err, MAMORI_EINVAL, "annotation: categories[%zu] has no id", i);
        rc = mamori_annotation_add_category(a, id, str_or(c, "label", id), json_number_value(json_object_get(c, "score")),
                                            mamori_severity_parse(str_or(c, "severity", "none")) < 0 ? 0
                                                : mamori_severity_parse(str_or(c, "severity", "none")),
                                            json_is_true(json_object_get(c, "harassment")), &item);
        if (rc != 0)
            return mamori_error_set(err, rc, "annotation: out of memory");
        json_array_foreach(json_object_get(c, "evidence"), j, e) {
            const char *text = str_or(e, "text", "");
            rc = mamori_annotation_add_evidence(item, str_or(e, "field", "body"),
                                                (size_t)json_integer_value(json_object_get(e, "start")),
                                                (size_t)json_integer_value(json_object_get(e, "end")), text,
                                                strlen(text), str_or(e, "rule", NULL),
                                                json_number_value(json_object_get(e, "weight")));
            if (rc != 0)
                return mamori_error_set(err, rc, "annotation: out of memory");
        }
    }
    fr = json_object_get(root, "first_response");
    if ((rc = strv_from_json(&a->steps, json_object_get(fr, "steps"))) != 0)
        return mamori_error_set(err, rc, "annotation: bad first_response.steps");
    if (json_is_string(json_object_get(fr, "reply_draft")) &&
        (a->reply_draft = mamori_strdup(str_or(fr, "reply_draft", ""))) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "annotation: out of memory");
    json_array_foreach(json_object_get(root, "training"), i, l)
        if (json_is_string(json_object_get(l, "url")) &&
            mamori_annotation_add_link(a, str_or(l, "title", NULL), str_or(l, "url", "")) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "annotation: out of memory");
    flame = json_object_get(root, "flame_risk");
    a->flame_level = mamori_flame_parse(str_or(flame, "level", "none"));
    if (a->flame_level < 0)
        a->flame_level = 0;
    esc = json_object_get(root, "escalation");
    a->escalation_level = mamori_escalation_parse(str_or(esc, "level", "none"));
    if (a->escalation_level < 0)
        a->escalation_level = 0;
    if ((rc = strv_from_json(&a->flame_advice, json_object_get(flame, "advice"))) != 0 ||
        (rc = strv_from_json(&a->escalation_reasons, json_object_get(esc, "reasons"))) != 0 ||
        (rc = strv_from_json(&a->legal_basis, json_object_get(esc, "legal_basis"))) != 0 ||
        (rc = strv_from_json(&a->tags, json_object_get(root, "tags"))) != 0 ||
        (rc = strv_from_json(&a->plugin_errors, json_object_get(root, "plugin_errors"))) != 0)
        return mamori_error_set(err, rc, "annotation: a list field is malformed");
    json_array_foreach(json_object_get(root, "produced_by"), i, src)
        if (mamori_annotation_add_source(a, str_or(src, "kind", "?"), str_or(src, "id", "?"),
                                         str_or(src, "version", "")) != 0)
            return mamori_error_set(err, MAMORI_ENOMEM, "annotation: out of memory");
    return MAMORI_OK;
}
