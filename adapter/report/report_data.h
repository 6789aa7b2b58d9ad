/*
 * report_data.h -- the figures of one tenant's report over a period,
 * read from the store: incidents per month, category, channel, severity
 * and outcome; harassment vs legitimate complaints; repeat customers
 * (pseudonymous: a prefix of the keyed requester hash); escalations and
 * time to acknowledgement; the lawyer's 受任; consultations and warnings
 * (the tables of issue 16, when this store has them); training reach.
 *
 * The renderers (render_*.c, chart.c) only format a built report.
 */
#ifndef MAMORI_REPORT_DATA_H
#define MAMORI_REPORT_DATA_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/error.h"
#include "store/store.h"

/* A labelled count, with a second figure where the table has one
 * (training: opened of issued; escalations: acknowledged of opened). */
struct mamori_report_row {
    char *key;
    int64_t n, m;
    double minutes; /* median minutes (training: to the first open; escalations: to acknowledgement), -1 none */
};

struct mamori_report_table {
    struct mamori_report_row *rows;
    size_t count, cap;
};

/* A section of another branch's records (consultations, warnings). */
struct mamori_report_kind {
    const char *name;  /* "consultations", "warnings" (static) */
    int present;       /* the store has the table */
    int64_t count;
};

/* The kinds of issue 16's records a report counts (store/incidents.h,
 * mamori_incident_kind_each). */
#define MAMORI_REPORT_KINDS 3

struct mamori_report {
    char *tenant;
    long long from, to;              /* [from, to) Unix seconds, UTC days */
    char from_day[11], to_day[11];   /* YYYY-MM-DD, to inclusive, as asked */
    long long generated_at;
    int64_t incidents, harassment, complaints, agent_marked, care_requested, with_outcome;
    struct mamori_report_table months, categories, channels, severities, outcomes, repeaters;
    int64_t escalations, acknowledged, retained;
    double ack_median_minutes;       /* -1 when none was acknowledged */
    struct mamori_report_table escalation_levels; /* n opened, m acknowledged, minutes median */
    int64_t training_issued, training_opened;
    struct mamori_report_table training;          /* per category: n issued, m opened, minutes median */
    /* consultations, warnings, restrictions (issue 16's records) */
    struct mamori_report_kind kinds[MAMORI_REPORT_KINDS];
};

/* Parse "YYYY-MM-DD" (a real calendar day) into Unix seconds at 00:00 UTC.
 * MAMORI_EINVAL with err saying what is wrong. */
int mamori_report_parse_day(const char *s, long long *out, struct mamori_error *err);

/* Build the report of tenant for days from..to (both inclusive,
 * "YYYY-MM-DD"). MAMORI_EINVAL for a broken range (bad day, to before
 * from, longer than 10 years) with a message that says so. *out is owned
 * by the caller: mamori_report_free. An empty period is a valid report
 * with zero incidents. */
int mamori_report_build(struct mamori_store *st, const char *tenant, const char *from, const char *to, time_t now,
                        struct mamori_report *out, struct mamori_error *err);
void mamori_report_free(struct mamori_report *r);

/* The report as JSON (new reference; NULL on allocation failure). */
json_t *mamori_report_to_json(const struct mamori_report *r);

/* The label of a severity, channel or outcome for people ("高 high"); the
 * key itself when unknown. Static storage. */
const char *mamori_report_label(const char *table, const char *key);

#endif
