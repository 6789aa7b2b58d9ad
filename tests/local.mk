## tests/ -- unit tests (TAP), plugin-loader tests, integration tests.

INTEGRATION_TESTS = tests/integration/routes.sh tests/integration/workers.sh tests/integration/reload.sh \
	tests/integration/listen.sh tests/integration/valgrind.sh \
	tests/integration/durability.sh tests/integration/drain.sh tests/integration/sdk.sh \
	tests/integration/signals_under_load.sh tests/integration/degraded.sh \
	tests/integration/disclosure.sh tests/integration/secrets_in_logs.sh tests/integration/body_deadline.sh \
	tests/integration/plugin_hang.sh tests/integration/plugin_quarantine.sh tests/integration/poller_hang.sh \
	tests/integration/audit_chain.sh tests/integration/plugin_crash.sh tests/integration/proctitle.sh \
	tests/integration/incident_report.sh tests/integration/training_admin.sh tests/integration/report_browser.sh \
	tests/integration/incident_zendesk.sh tests/integration/incident_flow.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh tests/integration/loadgen.py tests/integration/stalled_body.py tests/integration/mixed_load.py tests/integration/pngcheck.py tests/integration/loadtime.html tests/integration/data/ticket-refund.json $(INTEGRATION_TESTS)
EXTRA_DIST += tests/lsan.supp

# Plugins for the tests: one helper and one broken plugin per refusal case.
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere $(AM_LDFLAGS)
check_LTLIBRARIES += tests/plugins/testkit.la tests/plugins/bad_major.la tests/plugins/newer_minor.la \
	tests/plugins/no_entry.la
tests_plugins_testkit_la_SOURCES = tests/plugins/testkit.c
tests_plugins_testkit_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_testkit_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_major_la_SOURCES = tests/plugins/broken_abi.c
tests_plugins_bad_major_la_CFLAGS = $(PLUGIN_CFLAGS) -DBROKEN_MAJOR
tests_plugins_bad_major_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_newer_minor_la_SOURCES = tests/plugins/broken_abi.c
tests_plugins_newer_minor_la_CFLAGS = $(PLUGIN_CFLAGS) -DBROKEN_MINOR
tests_plugins_newer_minor_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_no_entry_la_SOURCES = tests/plugins/broken_abi.c
tests_plugins_no_entry_la_CFLAGS = $(PLUGIN_CFLAGS) -DBROKEN_NO_ENTRY
tests_plugins_no_entry_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

# C unit tests (TAP).
UNIT_TESTS = tests/unit/test_config tests/unit/test_config_keys tests/unit/test_signature tests/unit/test_router tests/unit/test_store \
	tests/unit/test_loader tests/unit/test_annotation tests/unit/test_http tests/unit/test_note \
	tests/unit/test_watchdog tests/unit/test_pace tests/unit/test_incident
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/tap.h
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(MAMORI_CORE)
tests_unit_test_config_keys_SOURCES = tests/unit/test_config_keys.c tests/tap.h
tests_unit_test_config_keys_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_keys_LDADD = $(MAMORI_CORE)
tests_unit_test_watchdog_SOURCES = tests/unit/test_watchdog.c
tests_unit_test_watchdog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_watchdog_LDADD = $(MAMORI_CORE)
tests_unit_test_pace_SOURCES = tests/unit/test_pace.c tests/tap.h
tests_unit_test_pace_CFLAGS = $(UNIT_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_pace_LDADD = $(MAMORI_CORE)
tests_unit_test_signature_SOURCES = tests/unit/test_signature.c
tests_unit_test_signature_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_signature_LDADD = $(MAMORI_CORE)
tests_unit_test_incident_SOURCES = tests/unit/test_incident.c tests/tap.h
tests_unit_test_incident_CFLAGS = $(UNIT_CFLAGS) $(CAIRO_CFLAGS)
tests_unit_test_incident_LDADD = $(MAMORI_CORE)
tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_router_LDADD = $(MAMORI_CORE)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(MAMORI_CORE)
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = $(MAMORI_CORE)
tests_unit_test_annotation_SOURCES = tests/unit/test_annotation.c
tests_unit_test_annotation_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_annotation_LDADD = $(MAMORI_CORE)
tests_unit_test_note_SOURCES = tests/unit/test_note.c
tests_unit_test_note_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_note_LDADD = $(MAMORI_CORE)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_http_LDADD = $(MAMORI_CORE)
include tests/rules.mk
include tests/policy.mk
include tests/helpdesks.mk
include tests/packaging.mk
include tests/escalation.mk
include tests/ha.mk
include tests/config.mk
include tests/sdk.mk

# The HTTP benchmark is not part of `make check`: make bench-http
EXTRA_DIST += tests/bench/http/run.sh tests/bench/http/ref_app.c tests/bench/http/gen_requests.py tests/bench/http/post.lua
bench-http: all
	$(SHELL) $(top_srcdir)/tests/bench/http/run.sh $(abs_top_builddir)
.PHONY: bench-http

# The burst benchmark (issue 15: 85 new Zendesk tickets to their notes) is not part of `make check`: make bench-burst
EXTRA_DIST += tests/bench/burst/run.sh tests/bench/burst/burst.py
bench-burst: all
	$(SHELL) $(top_srcdir)/tests/bench/burst/run.sh $(abs_top_builddir)
.PHONY: bench-burst

# The report benchmark (100,000 incidents) is not part of `make check`: make bench-report
EXTRA_PROGRAMS += tests/bench/report/bench_report
tests_bench_report_bench_report_SOURCES = tests/bench/report/bench_report.c
tests_bench_report_bench_report_CFLAGS = $(AM_CFLAGS) -O2 $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CAIRO_CFLAGS)
tests_bench_report_bench_report_LDADD = $(MAMORI_CORE)
CLEANFILES += tests/bench/report/bench_report
EXTRA_DIST += tests/bench/report/run.sh
bench-report: tests/bench/report/bench_report
	$(SHELL) $(top_srcdir)/tests/bench/report/run.sh $(abs_top_builddir)/tests/bench/report/bench_report
.PHONY: bench-report

# The build system itself.
TESTS += tests/build/configure_deps.sh tests/build/include_layers.sh
EXTRA_DIST += tests/build/configure_deps.sh tests/build/include_layers.sh
include tests/fuzz.mk
