## tests/rules.mk -- tests of the rules engine, the rules plugin and the
## policy commands (included from tests/local.mk).

RULES_UNIT_TESTS = tests/unit/test_rules_normalize tests/unit/test_rules_matcher tests/unit/test_rules_policy \
	tests/unit/test_rules_eval tests/unit/test_rules_sig tests/unit/test_rules_plugin tests/unit/test_rules_ext \
	tests/unit/test_rules_veto tests/unit/test_rules_model
check_PROGRAMS += $(RULES_UNIT_TESTS)
TESTS += $(RULES_UNIT_TESTS) tests/rules/cli.sh
RULES_TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/plugins/rules $(JANSSON_CFLAGS) \
	$(UTF8PROC_CFLAGS) $(CRYPTO_CFLAGS)

tests_unit_test_rules_normalize_SOURCES = tests/unit/test_rules_normalize.c tests/tap.h
tests_unit_test_rules_normalize_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_normalize_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_matcher_SOURCES = tests/unit/test_rules_matcher.c tests/tap.h
tests_unit_test_rules_matcher_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_matcher_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_policy_SOURCES = tests/unit/test_rules_policy.c tests/tap.h
tests_unit_test_rules_policy_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_policy_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_eval_SOURCES = tests/unit/test_rules_eval.c tests/tap.h
tests_unit_test_rules_eval_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_eval_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_ext_SOURCES = tests/unit/test_rules_ext.c tests/tap.h
tests_unit_test_rules_ext_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_ext_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_veto_SOURCES = tests/unit/test_rules_veto.c tests/tap.h
tests_unit_test_rules_veto_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_veto_LDADD = $(RULES_ENGINE)
tests_unit_test_rules_model_SOURCES = tests/unit/test_rules_model.c tests/tap.h
tests_unit_test_rules_model_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_model_LDADD = $(RULES_TRAIN) $(RULES_ENGINE)
tests_unit_test_rules_sig_SOURCES = tests/unit/test_rules_sig.c tests/tap.h
tests_unit_test_rules_sig_CFLAGS = $(RULES_TEST_CFLAGS)
tests_unit_test_rules_sig_LDADD = $(RULES_ENGINE)
# The plugin goes through the real host: loader checks, dlopen, host table.
tests_unit_test_rules_plugin_SOURCES = tests/unit/test_rules_plugin.c tests/tap.h
tests_unit_test_rules_plugin_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_rules_plugin_LDADD = $(MAMORI_CORE)

EXTRA_DIST += tests/rules/cli.sh \
	tests/rules/basic/policy.json tests/rules/basic/cases.jsonl tests/rules/ext/policy.json \
	tests/rules/merge/parent.json tests/rules/merge/child.json \
	tests/rules/merge/cycle_a.json tests/rules/merge/cycle_b.json \
	tests/rules/keys/test.pub \
	tests/rules/lint/errors.json tests/rules/lint/warnings.json tests/rules/lint/syntax.json \
	tests/rules/lint/phrases.json tests/rules/lint/veto.json \
	tests/rules/veto/policy.json tests/rules/veto/cases.jsonl \
	tests/rules/caused/parent.json tests/rules/caused/lexicon_add.json tests/rules/caused/override.json \
	tests/rules/caused/remove.json

# The matcher benchmark is not part of `make check`; run it with
#   make bench-matcher
EXTRA_PROGRAMS = tests/bench/matcher/bench_matcher tests/bench/model/bench_model
tests_bench_model_bench_model_SOURCES = tests/bench/model/bench_model.c
tests_bench_model_bench_model_CFLAGS = $(AM_CFLAGS) -O2 -I$(top_srcdir)/plugins/rules $(JANSSON_CFLAGS)
tests_bench_model_bench_model_LDADD = $(RULES_TRAIN) $(RULES_ENGINE)
CLEANFILES += tests/bench/model/bench_model
tests_bench_matcher_bench_matcher_SOURCES = tests/bench/matcher/bench_matcher.c
tests_bench_matcher_bench_matcher_CFLAGS = $(AM_CFLAGS) -O2 -I$(top_srcdir)/plugins/rules $(JANSSON_CFLAGS)
tests_bench_matcher_bench_matcher_LDADD = $(RULES_ENGINE)
CLEANFILES += tests/bench/matcher/bench_matcher
EXTRA_DIST += tests/bench/matcher/run.sh tests/bench/README.md

bench-matcher: tests/bench/matcher/bench_matcher
	$(SHELL) $(top_srcdir)/tests/bench/matcher/run.sh $(abs_top_builddir)/tests/bench/matcher/bench_matcher
.PHONY: bench-matcher
