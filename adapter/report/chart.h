/*
 * chart.h -- bar charts of a report table, drawn with cairo: onto any
 * cairo context (the PDF's pages) or into a PNG (the HTML report's inline
 * images). Text uses MAMORI_CHART_FONT (fonts-ipafont-gothic), so
 * Japanese labels render with a packaged font, not a browser's.
 */
#ifndef MAMORI_CHART_H
#define MAMORI_CHART_H

#include <cairo.h>

#include "base/buf.h"
#include "report/report_data.h"

#define MAMORI_CHART_FONT "IPAGothic"
/* The bar colour, #1f77b4; the browser test looks for it in screenshots. */
#define MAMORI_CHART_BAR_R 0x1f
#define MAMORI_CHART_BAR_G 0x77
#define MAMORI_CHART_BAR_B 0xb4

/* Select the report font at size (points/pixels), bold or not. */
void mamori_chart_font(cairo_t *cr, double size, int bold);

/* Draw t as a bar chart with title in the box (x, y, w, h): vertical bars
 * (months) or horizontal ones (categories, channels, ...); label_table
 * names the labels (mamori_report_label) or is NULL for keys as they are.
 * An empty table draws the title and "データなし / no data". */
void mamori_chart_draw(cairo_t *cr, double x, double y, double w, double h, const char *title,
                       const struct mamori_report_table *t, const char *label_table, int horizontal);

/* The chart as a PNG of w x h pixels appended to png. 0, MAMORI_ENOMEM or
 * MAMORI_EIO (cairo failed). */
int mamori_chart_png(const char *title, const struct mamori_report_table *t, const char *label_table, int horizontal,
                     int w, int h, struct mamori_buf *png);

#endif
