/* export.c -- see export.h. */
#include "config.h"

#include "report/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "incident/record.h"
#include "report/chart.h"
#include "report/report_data.h"
#include "store/audit.h"
#include "store/escalations.h"
#include "store/incidents.h"
#include "store/training_links.h"

static json_t *num_or_null(long long v)
{
    return v > 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static int on_escalation(void *ctx, const struct mamori_escalation_row *e)
{
    json_t *o = json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "level", e->level, "channels",
                          e->channels ? e->channels : "", "categories", str_or_null(e->categories), "created_at",
                          (json_int_t)e->created_at, "ack_due_at", num_or_null(e->ack_due_at), "acked_at",
                          num_or_null(e->acked_at), "acked_by", str_or_null(e->acked_by), "backup_at",
                          num_or_null(e->backup_at), "retained_at", num_or_null(e->retained_at), "retained_by",
                          str_or_null(e->retained_by), "followups", (int)e->followups);

    /* Told in a digest during a burst (escalation/digest.h): which one,
     * and until when it was held. */
    if (o != NULL && e->held_until != 0 &&
        (json_object_set_new(o, "held_until", json_integer(e->held_until)) != 0 ||
         json_object_set_new(o, "digest", num_or_null(e->digest_id)) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return json_array_append_new((json_t *)ctx, o) != 0 ? MAMORI_ENOMEM : 0;
}

static int on_link(void *ctx, const char *ticket_id, const char *url, const char *category, const char *title,
                   long long issued_at, long long opened_at)
{
    (void)ticket_id;
    return json_array_append_new((json_t *)ctx, json_pack("{s:s, s:s, s:o, s:I, s:o}", "url", url, "category",
                                                          category ? category : "", "title", str_or_null(title),
                                                          "issued_at", (json_int_t)issued_at, "opened_at",
                                                          num_or_null(opened_at))) != 0
               ? MAMORI_ENOMEM
               : 0;
}

static int on_message(void *ctx, const char *level, const char *channel, const char *recipient, long long sent_at)
{
    return json_array_append_new((json_t *)ctx, json_pack("{s:s, s:s, s:s, s:I}", "level", level, "channel", channel,
                                                          "recipient", recipient, "sent_at", (json_int_t)sent_at)) != 0
               ? MAMORI_ENOMEM
               : 0;
}

struct audit_ctx {
    json_t *entries;
    char last_record_sha[65];
};

static int on_audit(void *ctx, const struct mamori_audit_entry *e)
{
    struct audit_ctx *a = ctx;
    json_t *data = json_loads(e->data, 0, NULL);

    if (strncmp(e->kind, "incident_", 9) == 0 && data != NULL) {
        const char *h = json_string_value(json_object_get(data, "record_sha256"));
        if (h != NULL)
            snprintf(a->last_record_sha, sizeof a->last_record_sha, "%s", h);
    }
    return json_array_append_new(a->entries, json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:b}", "seq",
                                                       (json_int_t)e->seq, "at", e->at, "kind", e->kind, "data",
                                                       data ? data : json_string(e->data), "prev_hash",
                                                       e->prev_hash, "hash", e->hash, "keyed", e->keyed)) != 0
               ? MAMORI_ENOMEM
               : 0;
}

static int on_kind(void *ctx, int ncol, const char *const *names, const char *const *values)
{
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < ncol; i++)
        json_object_set_new(o, names[i], str_or_null(values[i]));
    return o == NULL || json_array_append_new((json_t *)ctx, o) != 0 ? MAMORI_ENOMEM : 0;
}

int mamori_incident_export_json(struct mamori_store *st, const char *tenant, const char *ticket_id, json_t **out,
                                struct mamori_error *err)
{
    static const char *const kinds[MAMORI_REPORT_KINDS] = {"consultations", "warnings", "restrictions"};
    struct mamori_incident_row r;
    struct audit_ctx a = {NULL, ""};
    json_t *doc = NULL, *esc = json_array(), *links = json_array(), *told = json_array();
    char digest[65], head_hash[65];
    int64_t head_seq = 0;
    int rc;

    *out = NULL;
    a.entries = json_array();
    memset(&r, 0, sizeof r);
    if (esc == NULL || links == NULL || told == NULL || a.entries == NULL) {
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = mamori_store_read_begin(st, err)) != 0)
        goto out;
    rc = mamori_incident_get(st, tenant, ticket_id, &r, err);
    if (rc == MAMORI_ENOTFOUND)
        rc = mamori_error_set(err, MAMORI_ENOTFOUND,
                              "ticket %s of tenant %s has no incident record (mamori did not flag it and no agent "
                              "marked it, or it was purged by retention)",
                              ticket_id, tenant);
    if (rc == 0)
        rc = mamori_escalation_rows_for_ticket(st, tenant, ticket_id, on_escalation, esc, err);
    if (rc == 0)
        rc = mamori_incident_messages_each(st, tenant, ticket_id, on_message, told, err);
    if (rc == 0)
        rc = mamori_training_link_each(st, tenant, ticket_id, 0, 0, on_link, links, err);
    if (rc == 0)
        rc = mamori_incident_audit_each(st, tenant, ticket_id, on_audit, &a, err);
    if (rc == 0)
        rc = mamori_audit_head(st, &head_seq, head_hash, err);
    if (rc == 0 && mamori_incident_digest(&r, digest) != 0)
        rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (rc == 0) {
        doc = json_pack("{s:s, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:{s:I, s:s}}", "schema",
                        "mamori.incident-export/1", "record", mamori_incident_to_json(&r), "record_sha256", digest,
                        "record_matches_audit", strcmp(digest, a.last_record_sha) == 0, "escalations", esc,
                        "escalation_messages", told, "training_links", links, "audit", a.entries, "audit_head",
                        "seq", (json_int_t)head_seq, "hash", head_hash);
        esc = links = told = a.entries = NULL;
        if (doc == NULL)
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    for (int k = 0; rc == 0 && k < MAMORI_REPORT_KINDS; k++) {
        json_t *rows = json_array();
        int present = 0;
        if (rows == NULL) {
            rc = mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
            break;
        }
        rc = mamori_incident_kind_each(st, kinds[k], tenant, ticket_id, 0, 0, &present, on_kind, rows, err);
        json_object_set_new(doc, kinds[k], present ? rows : json_null());
        if (!present)
            json_decref(rows);
    }
    mamori_store_read_end(st);
out:
    json_decref(esc);
    json_decref(told);
    json_decref(links);
    json_decref(a.entries);
    mamori_incident_row_free(&r);
    if (rc != 0)
        json_decref(doc);
    else
        *out = doc;
    return rc;
}

/* ---- PDF ---- */

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0

struct pdf {
    cairo_t *cr;
    double y;
};

static void line(struct pdf *p, double size, int bold, const char *s)
{
    if (p->y + size + 6 > PAGE_H - MARGIN) {
        cairo_show_page(p->cr);
        p->y = MARGIN;
    }
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    mamori_chart_font(p->cr, size, bold);
    cairo_move_to(p->cr, MARGIN, p->y + size);
    cairo_show_text(p->cr, s);
    p->y += size + 5;
}

/* A long text in pieces of at most n bytes, never splitting a UTF-8
 * sequence (cairo draws one line per call). */
static void wrapped(struct pdf *p, double size, const char *s, size_t n)
{
    char buf[256];
    size_t len = strlen(s);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    while (len > 0) {
        size_t k = len < n ? len : n;
        while (k < len && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        memcpy(buf, s, k);
        buf[k] = '\0';
        line(p, size, 0, buf);
        s += k;
        len -= k;
    }
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return mamori_buf_append(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_NO_MEMORY;
}

static const char *s_of(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void section(struct pdf *p, const char *title, json_t *arr)
{
    size_t i;
    json_t *x;
    p->y += 6;
    line(p, 13, 1, title);
    if (!json_is_array(arr)) {
        line(p, 9, 0, "この版では記録されていません (not recorded by this version)");
        return;
    }
    if (json_array_size(arr) == 0)
        line(p, 9, 0, "なし none");
    json_array_foreach(arr, i, x) {
        char *t = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
        if (t != NULL)
            wrapped(p, 8, t, 110);
        free(t);
    }
}

int mamori_incident_export_pdf(json_t *doc, struct mamori_buf *out)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    struct pdf p = {cairo_create(s), MARGIN};
    json_t *rec = json_object_get(doc, "record"), *detail = json_object_get(rec, "detail"), *x;
    cairo_status_t status;
    char buf[512];
    size_t i;

    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "対応記録 incident record");
    line(&p, 18, 1, "対応記録 Incident record");
    snprintf(buf, sizeof buf, "tenant %s, ticket %s, connector %s, channel %s", s_of(rec, "tenant"),
             s_of(rec, "ticket_id"), s_of(rec, "connector"), s_of(rec, "channel"));
    line(&p, 10, 0, buf);
    snprintf(buf, sizeof buf, "顧客(仮名) customer: %s", s_of(rec, "requester"));
    line(&p, 10, 0, buf);
    snprintf(buf, sizeof buf, "重大度 severity: %s   類型 categories: %s   ハラスメント: %s   記録者 marked by: %s",
             s_of(rec, "severity"), s_of(rec, "categories"),
             json_is_true(json_object_get(rec, "is_harassment")) ? "yes" : "no", s_of(rec, "marked_by"));
    line(&p, 10, 0, buf);
    snprintf(buf, sizeof buf, "エスカレーション escalation: %s   ケアの希望 care asked: %s   結果 outcome: %s",
             s_of(rec, "escalation"), json_is_true(json_object_get(rec, "care_requested")) ? "yes" : "no",
             s_of(rec, "outcome"));
    line(&p, 10, 0, buf);
    p.y += 6;
    line(&p, 13, 1, "証拠 Evidence");
    json_array_foreach(json_object_get(detail, "evidence"), i, x) {
        const char *t = json_string_value(json_object_get(x, "text"));
        snprintf(buf, sizeof buf, "[%s] %s: %s", s_of(x, "label"), s_of(x, "field"),
                 t ? t : "(本文は保存していません text not kept)");
        wrapped(&p, 9, buf, 100);
    }
    p.y += 6;
    line(&p, 13, 1, "mamori の助言 What mamori advised");
    json_array_foreach(json_object_get(json_object_get(detail, "advice"), "first_response"), i, x)
        wrapped(&p, 9, json_string_value(x) ? json_string_value(x) : "", 100);
    section(&p, "担当者の対応 Agent's actions", json_object_get(detail, "actions"));
    section(&p, "エスカレーション Escalations", json_object_get(doc, "escalations"));
    section(&p, "連絡した相手 Who was told", json_object_get(doc, "escalation_messages"));
    section(&p, "相談 Consultations", json_object_get(doc, "consultations"));
    section(&p, "警告 Warnings", json_object_get(doc, "warnings"));
    section(&p, "制限 Restrictions", json_object_get(doc, "restrictions"));
    section(&p, "研修リンク Training links", json_object_get(doc, "training_links"));
    p.y += 6;
    line(&p, 13, 1, "監査記録 Audit entries (HMAC-SHA256 chain)");
    json_array_foreach(json_object_get(doc, "audit"), i, x) {
        snprintf(buf, sizeof buf, "#%lld %s %s", (long long)json_integer_value(json_object_get(x, "seq")),
                 s_of(x, "at"), s_of(x, "kind"));
        line(&p, 9, 1, buf);
        snprintf(buf, sizeof buf, "  prev %s", s_of(x, "prev_hash"));
        line(&p, 8, 0, buf);
        snprintf(buf, sizeof buf, "  hash %s", s_of(x, "hash"));
        line(&p, 8, 0, buf);
    }
    p.y += 6;
    snprintf(buf, sizeof buf, "record_sha256 %s (%s)", s_of(doc, "record_sha256"),
             json_is_true(json_object_get(doc, "record_matches_audit")) ? "matches the newest audit entry"
                                                                        : "DOES NOT match the audit chain");
    line(&p, 9, 1, buf);
    snprintf(buf, sizeof buf, "audit head #%lld %s",
             (long long)json_integer_value(json_object_get(json_object_get(doc, "audit_head"), "seq")),
             s_of(json_object_get(doc, "audit_head"), "hash"));
    line(&p, 9, 0, buf);
    cairo_show_page(p.cr);
    status = cairo_status(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (status == CAIRO_STATUS_NO_MEMORY || out->failed)
        return MAMORI_ENOMEM;
    return status == CAIRO_STATUS_SUCCESS ? 0 : MAMORI_EIO;
}
