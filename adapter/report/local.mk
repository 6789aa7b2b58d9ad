## adapter/report/ -- reports (`mamori report`, GET /admin/<tenant>/report)
## and the lawyer's export: figures from the store (report_data.c), bar
## charts with cairo (chart.c), one renderer per format (render_*.c), the
## incident export (export.c).

adapter_libmamori_core_la_SOURCES += \
	adapter/report/report_data.c adapter/report/report_data.h \
	adapter/report/chart.c adapter/report/chart.h \
	adapter/report/render.h \
	adapter/report/render_csv.c \
	adapter/report/render_html.c \
	adapter/report/render_pdf.c \
	adapter/report/export.c adapter/report/export.h
