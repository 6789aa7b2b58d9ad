/* chart.c -- see chart.h. */
#include "config.h"

#include "report/chart.h"

#include <stdio.h>
#include <string.h>

void mamori_chart_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, MAMORI_CHART_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void text_at(cairo_t *cr, double x, double y, const char *s, int align_right, int center)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    if (align_right)
        x -= e.x_advance;
    else if (center)
        x -= e.x_advance / 2;
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

static const char *label(const char *table, const char *key)
{
    return table != NULL ? mamori_report_label(table, key) : key;
}

void mamori_chart_draw(cairo_t *cr, double x, double y, double w, double h, const char *title,
                       const struct mamori_report_table *t, const char *label_table, int horizontal)
{
    int64_t max = 0;
    char num[32];
    double top = y + 24, bottom = y + h - (horizontal ? 8 : 28);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    mamori_chart_font(cr, 13, 1);
    text_at(cr, x + 4, y + 15, title, 0, 0);
    for (size_t i = 0; i < t->count; i++)
        max = t->rows[i].n > max ? t->rows[i].n : max;
    mamori_chart_font(cr, 10, 0);
    if (t->count == 0 || max == 0) {
        text_at(cr, x + w / 2, y + h / 2, "データなし / no data", 0, 1);
        cairo_restore(cr);
        return;
    }
    if (horizontal) {
        double left = x + w * 0.38, right = x + w - 40;
        double slot = (bottom - top) / (double)t->count, bar = slot * 0.7;
        for (size_t i = 0; i < t->count; i++) {
            double by = top + slot * (double)i + (slot - bar) / 2;
            double bw = (right - left) * (double)t->rows[i].n / (double)max;
            cairo_set_source_rgb(cr, MAMORI_CHART_BAR_R / 255.0, MAMORI_CHART_BAR_G / 255.0,
                                 MAMORI_CHART_BAR_B / 255.0);
            cairo_rectangle(cr, left, by, bw < 1 ? 1 : bw, bar);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            text_at(cr, left - 4, by + bar / 2 + 4, label(label_table, t->rows[i].key), 1, 0);
            snprintf(num, sizeof num, "%lld", (long long)t->rows[i].n);
            text_at(cr, left + bw + 3, by + bar / 2 + 4, num, 0, 0);
        }
    } else {
        double left = x + 8, right = x + w - 8;
        double slot = (right - left) / (double)t->count, bar = slot * 0.7;
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_move_to(cr, left, bottom + 0.5);
        cairo_line_to(cr, right, bottom + 0.5);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        for (size_t i = 0; i < t->count; i++) {
            double bx = left + slot * (double)i + (slot - bar) / 2;
            double bh = (bottom - top - 14) * (double)t->rows[i].n / (double)max;
            cairo_set_source_rgb(cr, MAMORI_CHART_BAR_R / 255.0, MAMORI_CHART_BAR_G / 255.0,
                                 MAMORI_CHART_BAR_B / 255.0);
            cairo_rectangle(cr, bx, bottom - bh, bar, bh);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            snprintf(num, sizeof num, "%lld", (long long)t->rows[i].n);
            if (t->rows[i].n > 0)
                text_at(cr, bx + bar / 2, bottom - bh - 3, num, 0, 1);
            /* Every label when they fit, else every few. */
            if (t->count <= 12 || i % ((t->count + 11) / 12) == 0)
                text_at(cr, bx + bar / 2, bottom + 14, label(label_table, t->rows[i].key), 0, 1);
        }
    }
    cairo_restore(cr);
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return mamori_buf_append(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_NO_MEMORY;
}

int mamori_chart_png(const char *title, const struct mamori_report_table *t, const char *label_table, int horizontal,
                     int w, int h, struct mamori_buf *png)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_status_t status;

    mamori_chart_draw(cr, 0, 0, w, h, title, t, label_table, horizontal);
    status = cairo_status(cr);
    cairo_destroy(cr);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream(s, to_buf, png);
    cairo_surface_destroy(s);
    if (status == CAIRO_STATUS_NO_MEMORY)
        return MAMORI_ENOMEM;
    return status == CAIRO_STATUS_SUCCESS ? 0 : MAMORI_EIO;
}
