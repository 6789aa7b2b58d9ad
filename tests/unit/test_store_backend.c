/* Unit tests run against either store backend: test_store_backend LOCATION,
 * a sqlite file path or a postgresql:// URL (tests/store/backends.sh runs
 * it on both, the second on a throwaway cluster). Besides what one
 * connection sees, several processes share the store at once, as several
 * nodes (or workers) do: each event recorded once, the audit chain without
 * gaps or forks, every outbox job claimed by exactly one of them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/settings.h"
#include "store/audit.h"
#include "store/consultations.h"
#include "store/escalations.h"
#include "store/incidents.h"
#include "store/purge.h"
#include "store/outbox.h"
#include "store/pg.h"
#include "store/store.h"
#include "store/training_links.h"
#include "store/warnings.h"
#include "tap.h"

#define WRITERS 4
#define EVENTS 40
#define JOBS 40

static const char *where;
static const unsigned char audit_key[] = "audit-key-for-tests-0123456789ab";

static int open_store(struct mamori_store **st, struct mamori_error *err)
{
    int rc = mamori_store_open(st, where, MAMORI_SYNC_FULL, 20000, 0, err);
    if (rc == 0)
        rc = mamori_store_set_audit_key(*st, audit_key, sizeof audit_key - 1);
    return rc;
}

static int put(struct mamori_store *st, const char *tenant, const char *event_id, const char *response,
               const char *requester, time_t at, struct mamori_error *err)
{
    struct mamori_event_row row;

    memset(&row, 0, sizeof row);
    row.tenant = tenant;
    row.connector = "generic";
    row.event_id = event_id;
    row.ticket_id = "t1";
    row.status = 200;
    row.response = response;
    row.requester = requester;
    row.received_at = at;
    return mamori_store_event_put(st, &row, err);
}

/* One webhook's commit, as ingest/commit.c does it: 1 recorded, 0 a
 * duplicate, -1 failed. Busy answers (a 503 in the daemon) are retried. */
static int webhook(struct mamori_store *st, const char *event_id, int with_job)
{
    struct mamori_error err;
    char key[96];

    for (int attempt = 0; attempt < 200; attempt++) {
        int rc;
        mamori_error_clear(&err);
        if ((rc = mamori_store_begin(st, &err)) == 0 &&
            (rc = put(st, "multi", event_id, "{\"ok\":1}", NULL, 5000, &err)) == 0) {
            snprintf(key, sizeof key, "multi:generic:%s:note", event_id);
            if ((!with_job ||
                 (rc = mamori_outbox_enqueue(st, "multi", "generic", "note", key, "{}", 5000, NULL, &err)) == 0) &&
                (rc = mamori_audit_append(st, "multi", "annotated", event_id, "{}", 5000, &err)) == 0 &&
                (rc = mamori_store_commit(st, &err)) == 0)
                return 1;
        }
        mamori_store_rollback(st);
        if (rc == MAMORI_ECONFLICT)
            return 0;
        if (rc != MAMORI_EBUSY) {
            fprintf(stderr, "webhook %s: %s\n", event_id, err.message);
            return -1;
        }
        usleep(1000);
    }
    return -1;
}

/* Child: record every event (all children the same ones, in different
 * orders); exit status: how many this child recorded, or 255. */
static int writer(int n)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    int mine = 0;

    if (open_store(&st, &err) != 0) {
        fprintf(stderr, "writer %d: %s\n", n, err.message);
        return 255;
    }
    for (int i = 0; i < EVENTS; i++) {
        char id[32];
        int r;
        snprintf(id, sizeof id, "ev-%d", (i * (n + 1) * 7 + n) % EVENTS);
        if ((r = webhook(st, id, 1)) < 0) {
            mamori_store_close(st);
            return 255;
        }
        mine += r;
    }
    mamori_store_close(st);
    return mine;
}

/* Child: claim what is due until nothing is left, writing each claimed
 * job id as a line to fd. */
static int claimer(int fd)
{
    struct mamori_store *st = NULL;
    struct mamori_error err;
    int empty = 0;

    if (open_store(&st, &err) != 0)
        return 1;
    while (empty < 3) {
        struct mamori_outbox_due due[8];
        size_t n = 0;
        if (mamori_outbox_due(st, "note", 6000, due, 8, &n, &err) != 0) {
            mamori_store_close(st);
            return 1;
        }
        empty = n == 0 ? empty + 1 : 0;
        for (size_t i = 0; i < n; i++) {
            struct mamori_outbox_job job;
            int rc = mamori_outbox_claim(st, due[i].id, 6000, 9000, (long)getpid(), &job, &err);
            if (rc == 0) {
                char line[32];
                int len = snprintf(line, sizeof line, "%" PRId64 "\n", job.id);
                if (write(fd, line, (size_t)len) != len)
                    rc = 1;
                mamori_outbox_job_free(&job);
                if (rc != 0 || mamori_outbox_done(st, due[i].id, 6001, &err) != 0) {
                    mamori_store_close(st);
                    return 1;
                }
            } else if (rc != MAMORI_ENOTFOUND && rc != MAMORI_EBUSY) {
                mamori_store_close(st);
                return 1;
            }
        }
        usleep(2000);
    }
    mamori_store_close(st);
    return 0;
}

static int count_in(const char *text, int64_t id)
{
    int n = 0;
    for (const char *p = text; *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        n += v == id;
        p = *end ? end + 1 : end;
    }
    return n;
}

/* A harassing event of ticket t9 (what a consultation's facts come from). */
static int put_harassing(struct mamori_store *st, const char *event_id, const char *categories, const char *response,
                         time_t at, struct mamori_error *err)
{
    struct mamori_event_row row;

    memset(&row, 0, sizeof row);
    row.tenant = "acme";
    row.connector = "generic";
    row.event_id = event_id;
    row.ticket_id = "t9";
    row.status = 200;
    row.response = response;
    row.is_harassment = categories != NULL;
    row.severity = categories != NULL ? "high" : "none";
    row.categories = categories != NULL ? categories : "";
    row.escalation = "none";
    row.received_at = at;
    return mamori_store_event_put(st, &row, err);
}

/* Consultations, warnings and restrictions (issue 16's tables), written
 * through one connection and read through the other. Expects the events
 * main() recorded: acme's and beta's ticket t1, none of t9 yet. 25
 * assertions. */
static void issue16_tables(struct mamori_store *st, struct mamori_store *st2, const char *requester)
{
    struct mamori_consultation_row c;
    struct mamori_warning_row w;
    struct mamori_restriction_row r;
    struct mamori_error err;
    char *cats = NULL, *resp = NULL, *tickets[4] = {NULL};
    long long at[4] = {0};
    int64_t first = 0, second = 0;
    int known = -1, found = -1, inserted = -1, rc;
    size_t total = 99;

    /* What a consultation knows of its ticket. */
    put_harassing(st, "h1", "abuse", "{\"h\":1}", 4000, &err);
    put_harassing(st, "h2", "threat", "{\"h\":2}", 4001, &err);
    put_harassing(st, "h3", NULL, "{\"h\":3}", 4002, &err);
    is_int(mamori_consultation_ticket_facts(st2, "acme", "t9", &known, &cats, &resp, &err), 0,
           "a ticket's facts are read");
    is_int(known, 1, "... the ticket is known");
    is_str(cats, "threat", "... with the categories of its latest harassing event");
    is_str(resp, "{\"h\":2}", "... and that event's answer");
    free(cats);
    free(resp);
    cats = resp = NULL;
    mamori_consultation_ticket_facts(st2, "acme", "t1", &known, &cats, &resp, &err);
    ok(known == 1 && cats == NULL && resp == NULL, "a ticket without harassing events is known, without categories");
    mamori_consultation_ticket_facts(st2, "acme", "nope", &known, &cats, &resp, &err);
    ok(known == 0 && cats == NULL && resp == NULL, "an unknown ticket is not known");
    is_int(mamori_consultation_ticket_elsewhere(st2, "beta", "t9", &found, &err), 0,
           "whether another tenant has a ticket is read");
    is_int(found, 1, "... another tenant has it");
    mamori_consultation_ticket_elsewhere(st2, "acme", "t9", &found, &err);
    is_int(found, 0, "... its own tenant does not count");

    /* Consultation numbers; one per asking event. */
    memset(&c, 0, sizeof c);
    c.tenant = "acme";
    c.ticket_id = "t9";
    c.target = "lawyer";
    c.event_id = "n1";
    c.asked_by = NULL;
    c.question_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    c.channels = "line,email";
    c.created_at = 4100;
    mamori_store_begin(st, &err);
    is_int(mamori_consultation_insert(st, &c, &first, &err), 0, "a consultation is recorded");
    ok(first > 0, "... with a number");
    is_int(mamori_consultation_insert(st, &c, &second, &err), MAMORI_ECONFLICT,
           "the same event asking again conflicts");
    is_int(second, 0, "... and gets no number");
    c.event_id = "n2";
    c.asked_by = "agent-7";
    c.target = "supervisor";
    is_int(mamori_consultation_insert(st, &c, &second, &err), 0, "... and the transaction goes on");
    is_int(mamori_store_commit(st, &err), 0, "... to its commit");
    is_int(second, first + 1, "the next consultation gets the next number");

    /* Warnings: once per source key, listed oldest first per requester. */
    memset(&w, 0, sizeof w);
    w.tenant = "acme";
    w.requester = requester;
    w.ticket_id = "t9";
    w.source = "tag";
    w.source_key = "tag:t9";
    w.given_at = 5000;
    mamori_store_begin(st, &err);
    rc = mamori_warning_put(st, &w, &inserted, &err);
    ok(rc == 0 && inserted == 1, "a warning is recorded");
    w.given_at = 5100;
    rc = mamori_warning_put(st, &w, &inserted, &err);
    ok(rc == 0 && inserted == 0, "... once per source key");
    w.ticket_id = "t8";
    w.source = "note";
    w.source_key = "note:h0";
    w.given_by = "agent-7";
    w.given_at = 3000;
    mamori_warning_put(st, &w, &inserted, &err);
    w.tenant = "beta";
    mamori_warning_put(st, &w, &inserted, &err);
    is_int(mamori_store_commit(st, &err), 0, "warnings committed");
    is_int(mamori_warnings_list(st2, "acme", requester, at, tickets, 1, &total, &err), 0, "a requester's warnings are listed");
    is_int(total, 2, "... all of them counted (another tenant's apart)");
    ok(at[0] == 3000 && tickets[0] != NULL && strcmp(tickets[0], "t8") == 0 && tickets[1] == NULL,
       "... the oldest first, no more than asked for");
    free(tickets[0]);
    tickets[0] = NULL;
    mamori_warnings_list(st2, "acme", "no-such-hash", at, tickets, 4, &total, &err);
    is_int(total, 0, "a requester never warned has no warnings");
    {
        int64_t due = 0;
        /* Retention (purge.h): warnings given before the cutoff go, by tenant. */
        mamori_purge_table(st, MAMORI_PURGE_WARNINGS, "acme", 4000, 0, &due, &err);
        mamori_warnings_list(st2, "acme", requester, at, tickets, 1, &total, &err);
        ok(due == 1 && total == 1, "retention removes a warning given before the cutoff, and only that one");
        free(tickets[0]);
        tickets[0] = NULL;
    }

    /* A restriction is decided once per requester. */
    memset(&r, 0, sizeof r);
    r.tenant = "acme";
    r.requester = requester;
    r.ticket_id = "t9";
    r.via = "tag";
    r.decided_at = 6000;
    mamori_store_begin(st, &err);
    rc = mamori_restriction_put(st, &r, &inserted, &err);
    ok(rc == 0 && inserted == 1, "a restriction is recorded");
    r.ticket_id = "t8";
    r.decided_by = "admin";
    r.via = "cli";
    mamori_store_commit(st, &err);
    mamori_store_begin(st2, &err);
    rc = mamori_restriction_put(st2, &r, &inserted, &err);
    mamori_store_commit(st2, &err);
    ok(rc == 0 && inserted == 0, "... once per requester, whichever connection asks");
}

/* Incident and training link callbacks: count rows, keep the last one's
 * values that the assertions look at. */
struct seen {
    int rows;
    char severity[32], detail[64], title[64];
    long long opened_at, issued_at;
};

static int on_incident(void *ctx, const struct mamori_incident_row *r)
{
    struct seen *s = ctx;
    s->rows++;
    snprintf(s->severity, sizeof s->severity, "%s", r->severity ? r->severity : "(null)");
    snprintf(s->detail, sizeof s->detail, "%s", r->detail ? r->detail : "(null)");
    return 0;
}

static int on_link(void *ctx, const char *ticket_id, const char *url, const char *category, const char *title,
                   long long issued_at, long long opened_at)
{
    struct seen *s = ctx;
    (void)ticket_id;
    (void)url;
    (void)category;
    s->rows++;
    snprintf(s->title, sizeof s->title, "%s", title ? title : "(null)");
    s->issued_at = issued_at;
    s->opened_at = opened_at;
    return 0;
}

static int on_kind(void *ctx, int ncol, const char *const *names, const char *const *values)
{
    (void)names;
    (void)values;
    (void)ncol;
    ((struct seen *)ctx)->rows++;
    return 0;
}

/* One incident write in its own transaction, as ingest/commit.c does. */
static int incident_put(struct mamori_store *st, const char *ticket, int harassment, const char *severity,
                        const char *outcome, long long at, struct mamori_error *err)
{
    struct mamori_incident_row r;
    int rc;

    memset(&r, 0, sizeof r);
    r.tenant = (char *)"acme";
    r.ticket_id = (char *)ticket;
    r.connector = (char *)"generic";
    r.is_harassment = harassment;
    r.severity = (char *)severity;
    r.categories = (char *)"abuse";
    r.outcome = (char *)outcome;
    r.detail = (char *)"{\"quotes\":[]}";
    r.first_at = 1000;
    r.updated_at = at;
    if ((rc = mamori_store_begin(st, err)) != 0)
        return rc;
    if ((rc = mamori_incident_put(st, &r, err)) != 0) {
        mamori_store_rollback(st);
        return rc;
    }
    return mamori_store_commit(st, err);
}

static void incident_tests(struct mamori_store *st, struct mamori_store *st2)
{
    struct mamori_incident_row r;
    struct mamori_error err;
    struct seen seen;
    int64_t removed;
    int known, first, present;

    is_int(mamori_incident_get(st, "acme", "inc-1", &r, &err), MAMORI_ENOTFOUND, "an unknown incident is not found");
    is_int(incident_put(st, "inc-1", 1, "high", NULL, 1000, &err), 0, "an incident is recorded");
    is_int(mamori_incident_get(st2, "acme", "inc-1", &r, &err), 0, "... and read through another connection");
    is_str(r.severity, "high", "... with its severity");
    is_str(r.channel, "other", "... the default channel");
    ok(r.requester == NULL && r.outcome == NULL, "... and no requester or outcome");
    mamori_incident_row_free(&r);
    is_int(incident_put(st2, "inc-1", 0, "low", "resolved", 2000, &err), 0, "the same ticket's incident again");
    mamori_incident_get(st, "acme", "inc-1", &r, &err);
    ok(r.is_harassment == 0 && r.outcome != NULL && strcmp(r.outcome, "resolved") == 0 && r.updated_at == 2000,
       "... replaces the record");
    mamori_incident_row_free(&r);
    memset(&seen, 0, sizeof seen);
    is_int(mamori_incident_each(st, "acme", 1000, 1001, 1, on_incident, &seen, &err), 0, "incidents of a period");
    ok(seen.rows == 1 && strcmp(seen.severity, "low") == 0 && strcmp(seen.detail, "{\"quotes\":[]}") == 0,
       "... one, with its detail");
    memset(&seen, 0, sizeof seen);
    mamori_incident_each(st, "acme", 1001, 5000, 0, on_incident, &seen, &err);
    ok(seen.rows == 0, "... none first seen in a later period");
    mamori_incident_tenant_known(st, "acme", &known, &err);
    is_int(known, 1, "a tenant with records is known");
    mamori_incident_tenant_known(st, "nobody", &known, &err);
    is_int(known, 0, "... another one is not");
    /* retention's own purge (purge.h), which commits its batches itself */
    mamori_purge_table(st, MAMORI_PURGE_INCIDENTS, "acme", 2001, 1, &removed, &err);
    is_int(removed, 1, "a dry-run purge counts the incident due");
    mamori_purge_table(st, MAMORI_PURGE_INCIDENTS, "acme", 2000, 0, &removed, &err);
    is_int(removed, 0, "... a purge keeps one changed since the cutoff");
    mamori_purge_table(st, MAMORI_PURGE_INCIDENTS, "acme", 2001, 0, &removed, &err);
    is_int(removed, 1, "... and removes one that was not");
    is_int(mamori_incident_get(st2, "acme", "inc-1", &r, &err), MAMORI_ENOTFOUND, "a purged incident is gone");
    /* One left for `store copy` (tests/store/backends.sh) to carry over. */
    incident_put(st, "inc-2", 1, "medium", NULL, 3000, &err);
    memset(&seen, 0, sizeof seen);
    is_int(mamori_incident_kind_each(st, "consultations", "acme", NULL, 0, 5000, &present, on_kind, &seen, &err), 0,
           "records of a kind this schema may lack are read without an error");
    ok(present || seen.rows == 0, "... and none come from a missing table");

    /* Training links: issued once, the first open counted once. */
    mamori_store_begin(st, &err);
    is_int(mamori_training_link_issue(st, "acme", "inc-2", "https://t/1", "abuse", "Calm replies", 1000, &err), 0,
           "a training link is issued");
    mamori_training_link_issue(st, "acme", "inc-2", "https://t/1", "abuse", "Other title", 1500, &err);
    mamori_store_commit(st, &err);
    memset(&seen, 0, sizeof seen);
    mamori_training_link_each(st2, "acme", "inc-2", 0, 0, on_link, &seen, &err);
    ok(seen.rows == 1 && strcmp(seen.title, "Calm replies") == 0 && seen.issued_at == 1000 && seen.opened_at == 0,
       "issuing it again keeps it as first issued, unopened");
    mamori_store_begin(st2, &err);
    is_int(mamori_training_link_open(st2, "acme", "inc-2", "https://t/1", "abuse", 1000, 2000, &first, &err), 0,
           "a link is opened");
    is_int(first, 1, "... the first open");
    mamori_training_link_open(st2, "acme", "inc-2", "https://t/1", "abuse", 1000, 2100, &first, &err);
    is_int(first, 0, "... opening it again is not");
    mamori_training_link_open(st2, "acme", "inc-2", "https://t/2", "abuse", 1200, 2200, &first, &err);
    is_int(first, 1, "a link unknown to the store (purged) counts as a first open");
    mamori_store_commit(st2, &err);
    memset(&seen, 0, sizeof seen);
    is_int(mamori_training_link_each(st, "acme", NULL, 1100, 1300, on_link, &seen, &err), 0, "links of a period");
    ok(seen.rows == 1 && seen.issued_at == 1200 && seen.opened_at == 2200,
       "... the one issued then, remembered with its open");
    mamori_purge_table(st, MAMORI_PURGE_TRAINING_LINKS, "acme", 1100, 1, &removed, &err);
    is_int(removed, 1, "a dry-run purge counts the links issued before the cutoff");
    mamori_purge_table(st, MAMORI_PURGE_TRAINING_LINKS, "acme", 1100, 0, &removed, &err);
    is_int(removed, 1, "... a purge removes them");
    memset(&seen, 0, sizeof seen);
    mamori_training_link_each(st, "acme", "inc-2", 0, 0, on_link, &seen, &err);
    is_int(seen.rows, 1, "... and keeps the later one");
}

/* Escalation digests (escalation/digest.h): held rows, the window, the
 * runner's queries, a digest's messages and its acknowledgement. */
static int count_row(void *ctx, const struct mamori_escalation_row *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static int64_t held_escalation(struct mamori_store *st, const char *ticket, const char *level, long long at,
                               long long held_until)
{
    struct mamori_escalation_row r;
    struct mamori_error err;
    int64_t id = 0;

    memset(&r, 0, sizeof r);
    r.tenant = "dg";
    r.ticket_id = (char *)ticket;
    r.level = (char *)level;
    r.connector = "generic";
    r.event_id = "e";
    r.ticket = "{}";
    r.categories = "threat";
    r.channels = "lawyer-line";
    r.message = "{\"evidence\":[\"quote\"]}";
    r.created_at = at;
    r.held_until = held_until;
    mamori_store_begin(st, &err);
    mamori_escalation_insert(st, &r, &id, &err);
    mamori_store_commit(st, &err);
    return id;
}

static void digest_tests(struct mamori_store *st, struct mamori_store *st2)
{
    const char *recipients[] = {"Ulawyer", NULL};
    struct mamori_digest_due due[4];
    struct mamori_digest_row d;
    struct mamori_escalation_row r;
    struct mamori_error err;
    long long end = -1;
    long opened = -1;
    int64_t a, b, dg = 0, found = 0;
    size_t n = 0;
    int held = 0, changed = 0, in = 0;

    held_escalation(st, "d1", "lawyer", 5000, 0);
    held_escalation(st, "d2", "consult-9", 5001, 0);
    is_int(mamori_digest_window(st2, "dg", 4000, 5002, &end, &opened, &err), 0, "digest window: read");
    ok(end == 0 && opened == 1, "... no open window; one escalation opened (a consultation does not count)");
    a = held_escalation(st, "d3", "lawyer", 5010, 5040);
    b = held_escalation(st, "d4", "legal", 5011, 5040);
    mamori_digest_window(st2, "dg", 4000, 5012, &end, &opened, &err);
    ok(end == 5040 && opened == 3, "... a held escalation opens the window until its held_until");
    mamori_digest_window(st2, "dg", 4000, 5040, &end, &opened, &err);
    is_int(end, 0, "... which is closed at its end");
    is_int(mamori_digest_due(st2, 5039, due, 4, &n, &err), 0, "due digests: read");
    is_int((long long)n, 0, "... none before the window ends");
    mamori_digest_due(st2, 5040, due, 4, &n, &err);
    ok(n == 1 && strcmp(due[0].tenant, "dg") == 0 && due[0].window_end == 5040, "... one when it ends");
    mamori_digest_due_free(due, n);
    mamori_digest_held(st2, "dg", 5040, count_row, &held, &err);
    is_int(held, 2, "the window's held escalations are listed");

    mamori_store_begin(st, &err);
    is_int(mamori_digest_create(st, "dg", 5040, 2, "lawyer-line", 5041, &dg, &err), 0, "a digest is created");
    ok(dg > 0, "... with a number");
    mamori_digest_assign(st, a, dg, 5041 + 1800, 1, &changed, &err);
    is_int(changed, 1, "an escalation is put into it");
    mamori_digest_assign(st, b, dg, 0, 0, &changed, &err);
    mamori_digest_assign(st, b, dg, 0, 0, &changed, &err);
    is_int(changed, 0, "... once");
    is_int(mamori_digest_message_put(st, dg, "dg", "lawyer-line", "Ulawyer", "777", 5042, &err), 0,
           "a digest's LINE message is recorded");
    is_int(mamori_store_commit(st, &err), 0, "... committed");
    mamori_digest_due(st2, 6000, due, 4, &n, &err);
    is_int((long long)n, 0, "nothing is due once digested");
    is_int(mamori_escalation_get(st2, a, &r, &err), 0, "a digested escalation is read");
    ok(r.digest_id == dg && r.held_until == 5040 && r.ack_due_at == 5041 + 1800 && r.message != NULL,
       "... with its digest, window and deadline from the digest; the model kept for the backup");
    mamori_escalation_row_free(&r);
    mamori_escalation_get(st2, b, &r, &err);
    ok(r.ack_due_at == 0 && r.message == NULL, "... without a deadline its model is dropped");
    mamori_escalation_row_free(&r);
    mamori_digest_escalations(st2, dg, count_row, &in, &err);
    is_int(in, 2, "the digest's escalations are listed");

    is_int(mamori_digest_match(st2, "dg", "777", NULL, 0, &found, &err), 0, "a quoted digest message matches");
    is_int(found, dg, "... its digest");
    found = 0;
    is_int(mamori_digest_match(st2, "dg", NULL, recipients, 5000, &found, &err), 0,
           "an unquoted reply matches the digest last sent to the lawyer");
    mamori_store_begin(st, &err);
    mamori_escalation_message_put(st, a, "dg", "lawyer-line", "Ulawyer", "888", 5050, &err);
    mamori_store_commit(st, &err);
    is_int(mamori_digest_match(st2, "dg", "888", recipients, 5000, &found, &err), MAMORI_ENOTFOUND,
           "a reply quoting an escalation's message is not about a digest");
    is_int(mamori_digest_match(st2, "dg", NULL, recipients, 5000, &found, &err), MAMORI_ENOTFOUND,
           "... nor an unquoted one after a single message");

    mamori_store_begin(st, &err);
    mamori_digest_ack(st, "dg", dg, "Ulawyer", 5100, &changed, &err);
    is_int(changed, 1, "a digest is acknowledged");
    mamori_digest_ack(st, "dg", dg, "Ulawyer", 5101, &changed, &err);
    is_int(changed, 0, "... once");
    mamori_store_commit(st, &err);
    is_int(mamori_digest_get(st2, dg, &d, &err), 0, "a digest is read");
    ok(strcmp(d.tenant, "dg") == 0 && d.escalations == 2 && d.acked_at == 5100 && d.window_end == 5040 &&
           strcmp(d.acked_by, "Ulawyer") == 0,
       "... with its tenant, size, window and acknowledgement");
    mamori_digest_row_free(&d);
    is_int(mamori_digest_get(st2, dg + 1000, &d, &err), MAMORI_ENOTFOUND, "an unknown digest is not found");
}

int main(int argc, char **argv)
{
    struct mamori_store *st = NULL, *st2 = NULL;
    struct mamori_audit_report rep;
    struct mamori_outbox_job job;
    struct mamori_error err;
    const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    char *resp = NULL, h1[65], shown[256];
    int64_t n, pending, dead, id, first_job;
    int status, version, is_pg;

    if (argc != 2) {
        fprintf(stderr, "usage: test_store_backend PATH-OR-URL\n");
        return 2;
    }
    where = argv[1];
    is_pg = mamori_store_is_url(where);
    plan(81 + 26 + 29);
    mamori_store_display(where, shown, sizeof shown);
    diag("backend: %s (%s)", is_pg ? "PostgreSQL" : "sqlite", shown);
    ok(strstr(shown, "right") == NULL, "the location as shown has no password");

    is_int(open_store(&st, &err), 0, "a new store opens and migrates");
    if (st == NULL) {
        diag("%s", err.message);
        return done();
    }
    is_int(mamori_store_file_version(st, &version), 0, "its schema version is read");
    ok(version >= 1, "... and is at least 1");
    is_int(open_store(&st2, &err), 0, "a second connection opens it (no migration left to run)");
    is_int(mamori_store_writable(st, &err), 0, "the store is writable");

    /* Dedupe by the unique key. */
    is_int(mamori_store_event_get(st, "acme", "generic", "e1", &resp, &status, &err), MAMORI_ENOTFOUND,
           "an unknown event is not found");
    is_int(put(st, "acme", "e1", "{\"a\":1}", NULL, 1000, &err), 0, "an event is recorded");
    is_int(put(st2, "acme", "e1", "{\"a\":2}", NULL, 1001, &err), MAMORI_ECONFLICT,
           "the same event through another connection conflicts");
    is_int(mamori_store_event_get(st2, "acme", "generic", "e1", &resp, &status, &err), 0, "the event is found there");
    is_str(resp, "{\"a\":1}", "... with the first answer");
    free(resp);
    resp = NULL;
    is_int(status, 200, "... and its status");
    is_int(put(st, "beta", "e1", "{}", NULL, 1000, &err), 0, "the same event id for another tenant is separate");
    mamori_store_begin(st, &err);
    is_int(put(st, "acme", "e1", "{}", NULL, 1000, &err), MAMORI_ECONFLICT, "a duplicate inside a transaction conflicts");
    is_int(put(st, "acme", "e2", "{}", NULL, 1000, &err), 0, "... and the transaction goes on");
    mamori_store_rollback(st);
    is_int(mamori_store_event_get(st, "acme", "generic", "e2", &resp, &status, &err), MAMORI_ENOTFOUND,
           "a rolled-back event is not recorded");

    /* Contact history, seen from every connection. */
    mamori_store_requester_hash(key, 32, "acme", "cust-1", h1);
    put(st, "acme", "c1", "{}", h1, 1000, &err);
    put(st2, "acme", "c2", "{}", h1, 2000, &err);
    put(st, "acme", "c3", "{}", h1, 3000, &err);
    mamori_store_contact_count(st2, "acme", h1, 1500, &n, &err);
    is_int(n, 2, "contacts written through two connections are counted together, within the window");
    mamori_store_annotation_count(st, "acme", "t1", &n, &err);
    is_int(n, 4, "annotations of a ticket are counted");
    issue16_tables(st, st2, h1);
    digest_tests(st, st2);

    /* Outbox: enqueue, claim with a lease, finish. */
    is_int(mamori_outbox_enqueue(st, "acme", "generic", "note", "acme:e1:note", "{\"p\":1}", 1000, &first_job, &err),
           0, "a job is enqueued");
    ok(first_job > 0, "... with an id");
    is_int(mamori_outbox_enqueue(st2, "acme", "generic", "note", "acme:e1:note", "{}", 1000, &id, &err), 0,
           "the same dedupe key again is accepted");
    is_int(id, 0, "... but not queued twice");
    mamori_outbox_depth(st, &pending, &dead, &err);
    is_int(pending, 1, "outbox depth counts pending jobs");
    is_int(mamori_outbox_claim(st, first_job, 1000, 1100, 4242, &job, &err), 0, "a job is claimed");
    is_str(job.payload, "{\"p\":1}", "... with its payload");
    mamori_outbox_job_free(&job);
    is_int(mamori_outbox_claim(st2, first_job, 1050, 1200, 4343, &job, &err), MAMORI_ENOTFOUND,
           "a leased job cannot be claimed again before its lease ends");
    is_int(mamori_outbox_claim(st2, first_job, 1101, 1200, 4343, &job, &err), 0,
           "... and can once the lease has expired (its holder died)");
    is_int(job.attempts, 2, "... counting both attempts");
    mamori_outbox_job_free(&job);
    is_int(mamori_outbox_fail(st2, first_job, 1101, 1500, 0, "try later", &err), 0, "a failure reschedules it");
    is_int(mamori_outbox_claim(st, first_job, 1200, 1300, 4242, &job, &err), MAMORI_ENOTFOUND,
           "... not before its next attempt");
    is_int(mamori_outbox_done(st, first_job, 1600, &err), 0, "a job is finished");
    mamori_outbox_depth(st, &pending, &dead, &err);
    is_int(pending, 0, "... and no longer pending");

    /* The audit chain. */
    is_int(mamori_audit_append(st, "acme", "annotated", "t1", "{}", 1000, &err), MAMORI_EINVAL,
           "audit records need a transaction");
    mamori_store_begin(st, &err);
    for (int i = 0; i < 3; i++)
        mamori_audit_append(st, "acme", "annotated", "t1", "{\"n\":1}", 1000 + i, &err);
    is_int(mamori_store_commit(st, &err), 0, "three audit records committed");
    mamori_store_begin(st, &err);
    mamori_audit_append(st, "acme", "annotated", "t1", "{}", 1000, &err);
    mamori_store_rollback(st);
    is_int(mamori_audit_verify(st2, NULL, &rep, &err), 0, "the chain verifies (a rolled-back append left no gap)");
    is_int(rep.records, 3, "... three records");

    incident_tests(st, st2);

    /* Exactly one leader per role. */
    is_int(mamori_store_lead(st, "retention", &err), 1, "a connection takes a role");
    is_int(mamori_store_lead(st, "retention", &err), 1, "... and keeps it");
    is_int(mamori_store_lead(st2, "retention", &err), is_pg ? 0 : 1,
           is_pg ? "another node does not get it meanwhile" : "sqlite has one node: every process may lead");
    if (is_pg) {
        /* The server is told to probe an idle connection, so the locks of
         * a node that lost power are freed in seconds (pg_conn.c). Over
         * the tests' unix socket the probe itself does not apply, but the
         * session settings must be there. */
        PGresult *res = NULL;
        int set = mamori_pg_run(st, "test", "SELECT string_agg(name || '=' || source, ',' ORDER BY name) FROM "
                                "pg_settings WHERE name LIKE 'tcp_keepalives_%'", NULL, &res, &err) == 0;
        is_str(set ? PQgetvalue(res, 0, 0) : err.message,
               "tcp_keepalives_count=session,tcp_keepalives_idle=session,tcp_keepalives_interval=session",
               "the server probes each node's idle connection (tcp_keepalives_* set for the session)");
        PQclear(res);
    } else {
        ok(1, "sqlite has no connection to probe");
    }
    {
        /* mamori status names the holder by its application_name. */
        char holder[160] = "";
        int rc = mamori_store_role_holder(st2, "retention", holder, sizeof holder, &err);
        is_int(rc, is_pg ? 1 : MAMORI_EUNSUPPORTED,
               is_pg ? "the holder of a role can be told" : "sqlite has no role holders to tell");
        ok(is_pg ? strncmp(holder, "mamori@", 7) == 0 && mamori_store_role_holder(st2, "poller", holder, sizeof holder,
                                                                                  &err) == 0
                 : holder[0] == '\0',
           is_pg ? "... as mamori@HOST by default; a role nobody took has none" : "... and names nobody");
    }
    mamori_store_close(st);
    st = NULL;
    {
        /* The server drops the lock once it has seen the connection go:
         * ask again as a node does at its next round. */
        int led = 0;
        for (int i = 0; i < 3000 && (led = mamori_store_lead(st2, "retention", &err)) == 0; i++)
            usleep(10000);
        is_int(led, 1, "once the holder is gone, another node takes over");
    }

    /* Several writers at once, every event delivered to each of them. */
    {
        int recorded = 0, failed = 0;
        pid_t pids[WRITERS];
        for (int i = 0; i < WRITERS; i++) {
            if ((pids[i] = fork()) == 0)
                _exit(writer(i));
        }
        for (int i = 0; i < WRITERS; i++) {
            int ws = 0;
            waitpid(pids[i], &ws, 0);
            if (!WIFEXITED(ws) || WEXITSTATUS(ws) == 255)
                failed++;
            else
                recorded += WEXITSTATUS(ws);
        }
        is_int(failed, 0, "concurrent writers all finished");
        is_int(recorded, EVENTS, "each event was recorded by exactly one writer");
        mamori_outbox_depth(st2, &pending, &dead, &err);
        is_int(pending, JOBS, "... with one outbox job each");
        mamori_error_clear(&err);
        is_int(mamori_audit_verify(st2, NULL, &rep, &err), 0, "the audit chain has no gap and no fork");
        if (err.message[0])
            diag("%s", err.message);
        is_int(rep.records, 3 + EVENTS, "... and a record per recorded event");
    }

    /* Several deliverers claiming at once. */
    {
        int fds[2], failed = 0, once = 1, total = 0;
        char buf[8192];
        size_t len = 0;
        ssize_t got;
        pid_t pids[WRITERS];
        if (pipe(fds) != 0)
            return 1;
        for (int i = 0; i < WRITERS; i++) {
            if ((pids[i] = fork()) == 0) {
                close(fds[0]);
                _exit(claimer(fds[1]));
            }
        }
        close(fds[1]);
        while ((got = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
            len += (size_t)got;
        buf[len] = '\0';
        close(fds[0]);
        for (int i = 0; i < WRITERS; i++) {
            int ws = 0;
            waitpid(pids[i], &ws, 0);
            failed += !WIFEXITED(ws) || WEXITSTATUS(ws) != 0;
        }
        for (const char *p = buf; *p; p++)
            total += *p == '\n';
        for (int64_t j = first_job + 1; j <= first_job + 200; j++)
            if (count_in(buf, j) > 1)
                once = 0;
        is_int(failed, 0, "concurrent claimers all finished");
        is_int(total, JOBS, "every job was claimed");
        ok(once, "... each by exactly one claimer");
    }

    mamori_store_close(st2);
    return done();
}
