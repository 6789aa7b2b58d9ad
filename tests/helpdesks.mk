## tests/helpdesks.mk -- helpdesk connectors and write-back (issue 4):
## fixture unit tests, end-to-end tests against stand-in APIs, failure and
## loop tests. The real-helpdesk tier (RT 5, Redmine 5) runs with
## `make check-real-helpdesks` (packaging/run-tests.sh does it once).



EXTRA_DIST += tests/helpdesks/fixtures

check_PROGRAMS += tests/unit/test_connectors
TESTS += tests/unit/test_connectors
tests_unit_test_connectors_SOURCES = tests/unit/test_connectors.c
tests_unit_test_connectors_CFLAGS = $(UNIT_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_connectors_LDADD = $(MAMORI_CORE)

HELPDESK_IT_TESTS = tests/integration/helpdesk_e2e.sh tests/integration/helpdesk_faults.sh tests/integration/helpdesk_limits.sh tests/integration/helpdesk_poll.sh \
	tests/integration/helpdesk_ratelimit.sh tests/integration/helpdesk_stop.sh tests/integration/helpdesk_channel_map.sh \
	tests/integration/helpdesk_token.sh
TESTS += $(HELPDESK_IT_TESTS)
EXTRA_DIST += $(HELPDESK_IT_TESTS) tests/integration/helpdesk_lib.sh tests/helpdesks/standin.py

# The real-helpdesk tier: Debian's Request Tracker 5 and Redmine 5 on
# loopback (root; packaging/run-tests.sh installs them). Not in `make
# check`: it needs the packages and ~1 minute.
REAL_HELPDESK_TESTS = tests/integration/real_rt.sh tests/integration/real_redmine.sh
EXTRA_DIST += $(REAL_HELPDESK_TESTS) tests/integration/real_redmine_setup.rb \
	packaging/rt/mamori-rt-setup.pl packaging/install-real-helpdesks.sh
check-real-helpdesks: all
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(REAL_HELPDESK_TESTS)"
.PHONY: check-real-helpdesks
