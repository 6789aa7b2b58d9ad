/*
 * annotation.h -- what the plugin chain concludes about one ticket.
 *
 * Plugins add to one annotation through the host API (host_api.c); the
 * pipeline stores it, answers with it, and the deliverer renders it into
 * the helpdesk note. The JSON form is documented in doc/annotation.md and
 * is stable: fields are only ever added.
 */
#ifndef MAMORI_ANNOTATION_H
#define MAMORI_ANNOTATION_H

#include <stddef.h>

#include <jansson.h>

#include "base/error.h"
#include "base/strv.h"

#define MAMORI_ANNOTATION_SCHEMA "mamori.annotation/1"

struct mamori_evidence_item {
    char *field;             /* "subject" or "body" */
    size_t begin, end;       /* byte offsets in the original field */
    char *text;              /* the quoted bytes, exactly as written */
    char *rule_id;           /* may be NULL */
    double weight;
};

struct mamori_category_item {
    char *id;
    char *label;
    double score;
    int severity;            /* enum mamori_severity */
    int harassment;          /* 1 for harassment categories */
    struct mamori_evidence_item *evidence;
    size_t evidence_count, evidence_cap;
};

struct mamori_link {
    char *title;
    char *url;
};

struct mamori_source {
    char *kind;              /* "plugin", "policy", ... */
    char *id;
    char *version;
};

struct mamori_annotation {
    struct mamori_category_item *categories;
    size_t category_count, category_cap;
    struct mamori_strv steps;          /* first response, in order */
    char *reply_draft;
    struct mamori_link *links;
    size_t link_count, link_cap;
    int flame_level;                   /* enum mamori_flame_level */
    struct mamori_strv flame_advice;
    int escalation_level;              /* enum mamori_escalation_level */
    struct mamori_strv escalation_reasons;
    struct mamori_strv legal_basis;
    struct mamori_strv tags;
    struct mamori_source *sources;
    size_t source_count, source_cap;
    struct mamori_strv plugin_errors;  /* "plugin: message" for plugins that failed */
};

void mamori_annotation_init(struct mamori_annotation *a);
void mamori_annotation_free(struct mamori_annotation *a);

/* Add or merge a category (same id: keep the higher score and severity).
 * *out, if not NULL, receives the stored item (borrowed). */
int mamori_annotation_add_category(struct mamori_annotation *a, const char *id, const char *label,
                                   double score, int severity, int harassment,
                                   struct mamori_category_item **out);
struct mamori_category_item *mamori_annotation_find_category(struct mamori_annotation *a, const char *id);

/* Add evidence to category c: text[0..len) is the quoted original bytes.
 * An identical span (field, begin, end) is not added twice. */
int mamori_annotation_add_evidence(struct mamori_category_item *c, const char *field, size_t begin, size_t end,
                                   const char *text, size_t len, const char *rule_id, double weight);

int mamori_annotation_add_link(struct mamori_annotation *a, const char *title, const char *url);
int mamori_annotation_add_source(struct mamori_annotation *a, const char *kind, const char *id, const char *version);
void mamori_annotation_raise_escalation(struct mamori_annotation *a, int level);

/* Derived values. */
int mamori_annotation_is_harassment(const struct mamori_annotation *a);
int mamori_annotation_severity(const struct mamori_annotation *a);

/* Names for enum values ("high", "police", ...), and back (-1 if unknown). */
const char *mamori_severity_name(int severity);
int mamori_severity_parse(const char *name);
const char *mamori_escalation_name(int level);
int mamori_escalation_parse(const char *name);
const char *mamori_flame_name(int level);
int mamori_flame_parse(const char *name);

/* The JSON form (new reference, NULL on allocation failure). */
json_t *mamori_annotation_to_json(const struct mamori_annotation *a);

/* The verdict only: the same shape without the guidance texts
 * (first_response, training, flame advice, escalation reasons) and, unless
 * with_evidence_text is set (the tenant's keep_evidence), without the
 * quoted words of the evidence (where and which rule remain). This is what a
 * webhook answer carries and what the store keeps. */
json_t *mamori_annotation_verdict_json(const struct mamori_annotation *a, int with_evidence_text);

/* Read the JSON form back (for the deliverer and the CLI). */
int mamori_annotation_from_json(struct mamori_annotation *a, json_t *root, struct mamori_error *err);

#endif
