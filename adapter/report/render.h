/*
 * render.h -- a built report (report_data.h) as HTML, PDF or CSV (JSON is
 * mamori_report_to_json). Each appends to a caller-owned buffer and
 * returns 0, MAMORI_ENOMEM or MAMORI_EIO (cairo failed).
 *
 *   HTML  one self-contained file: inline CSS, charts as inline PNG
 *         (data: URIs), no script, nothing fetched; Japanese and English.
 *   PDF   A4 pages drawn with cairo, text in MAMORI_CHART_FONT.
 *   CSV   UTF-8 with a BOM (so Excel in Japanese opens it as UTF-8):
 *         section,key,count,second,median_minutes
 */
#ifndef MAMORI_REPORT_RENDER_H
#define MAMORI_REPORT_RENDER_H

#include "base/buf.h"
#include "report/report_data.h"

int mamori_report_render_html(const struct mamori_report *r, struct mamori_buf *out);
int mamori_report_render_pdf(const struct mamori_report *r, struct mamori_buf *out);
int mamori_report_render_csv(const struct mamori_report *r, struct mamori_buf *out);

/* s escaped for HTML text and attribute values. */
void mamori_report_html_escape(struct mamori_buf *out, const char *s);

#endif
