## adapter/ -- the host: libmamori_core (everything but the mains), the
## mamori-fcgi daemon and the mamori command.

noinst_LTLIBRARIES += adapter/libmamori_core.la
adapter_libmamori_core_la_SOURCES =
# One folder per part, lowest layer first; an include may only point to its
# own folder or one listed before it (tests/build/include_layers.sh checks).
include adapter/base/local.mk
include adapter/plugin/local.mk
include adapter/note/local.mk
include adapter/connector/local.mk
include adapter/config/local.mk
include adapter/store/local.mk
include adapter/deliver/local.mk
include adapter/escalation/local.mk
include adapter/incident/local.mk
include adapter/ingest/local.mk
include adapter/report/local.mk
include adapter/http/local.mk
include adapter/daemon/local.mk
adapter_libmamori_core_la_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS) \
	$(SQLITE_CFLAGS) $(PQ_CFLAGS) $(CRYPTO_CFLAGS) $(UTF8PROC_CFLAGS) $(INIH_CFLAGS) $(CAIRO_CFLAGS)
adapter_libmamori_core_la_LIBADD = $(FCGI_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) $(SQLITE_LIBS) $(PQ_LIBS) \
	$(CRYPTO_LIBS) $(UTF8PROC_LIBS) $(INIH_LIBS) $(CAIRO_LIBS)

MAMORI_CORE = adapter/libmamori_core.la

sbin_PROGRAMS += adapter/mamori-fcgi
adapter_mamori_fcgi_SOURCES = adapter/daemon/main_fcgi.c
adapter_mamori_fcgi_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
adapter_mamori_fcgi_LDADD = $(MAMORI_CORE)
# The host must export nothing plugins could link against by accident.
adapter_mamori_fcgi_LDFLAGS = $(AM_LDFLAGS)

include adapter/cli/local.mk
