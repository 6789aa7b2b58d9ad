## tests/fuzz -- libFuzzer targets. Built with:
##   CC=clang ./configure --enable-fuzzing && make && make fuzz-run
## (packaging/run-tests.sh does this and runs each target for a while).

FUZZ_TARGETS = tests/fuzz/fuzz_rules tests/fuzz/fuzz_webhook tests/fuzz/fuzz_note
FUZZ_SECONDS = 60
EXTRA_DIST += tests/fuzz/fuzz_rules.c tests/fuzz/fuzz_webhook.c tests/fuzz/fuzz_note.c tests/fuzz/corpus

if FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/rules $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"' -DBUILDDIR='"$(abs_top_builddir)"'
tests_fuzz_fuzz_rules_SOURCES = tests/fuzz/fuzz_rules.c
tests_fuzz_fuzz_rules_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_rules_LDADD = $(RULES_ENGINE) $(MAMORI_CORE)
tests_fuzz_fuzz_rules_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_webhook_SOURCES = tests/fuzz/fuzz_webhook.c
tests_fuzz_fuzz_webhook_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_webhook_LDADD = $(MAMORI_CORE)
tests_fuzz_fuzz_webhook_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_note_SOURCES = tests/fuzz/fuzz_note.c
tests_fuzz_fuzz_note_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_note_LDADD = $(MAMORI_CORE)
tests_fuzz_fuzz_note_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# Each target runs FUZZ_SECONDS on a copy of its seed corpus, all three
# at once (CI has two cores; libFuzzer's time limit is wall-clock, so this
# costs FUZZ_SECONDS, not three times it); any crash, leak, sanitizer
# report or timeout fails the run.
fuzz-build: $(FUZZ_TARGETS) plugins/rules/rules.la
fuzz-run: fuzz-build
	@for t in rules webhook note; do \
	  rm -rf fuzz-work/$$t; mkdir -p fuzz-work/$$t; cp $(top_srcdir)/tests/fuzz/corpus/$$t/* fuzz-work/$$t/; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  ( if ASAN_OPTIONS=detect_leaks=1 ./tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=fuzz-work/$$t- fuzz-work/$$t \
	      >fuzz-work/$$t.log 2>&1; then echo ok > fuzz-work/$$t.rc; else echo failed > fuzz-work/$$t.rc; fi ) & \
	done; wait; \
	rc=0; for t in rules webhook note; do \
	  if [ "$$(cat fuzz-work/$$t.rc)" = ok ]; then echo "fuzz_$$t:"; tail -n 6 fuzz-work/$$t.log; \
	  else grep -A30 -E 'ERROR|SUMMARY|deadly' fuzz-work/$$t.log | head -60; echo "fuzz_$$t FAILED"; rc=1; fi; \
	done; exit $$rc
endif
.PHONY: fuzz-build fuzz-run
