## tests/escalation.mk -- escalation to the lawyer (issue 5): unit tests
## (config, routing, quoting, channel requests, lawyer notes, store and
## deadline) and integration tests against local stand-ins for the LINE
## API, Slack, Teams, a webhook receiver and an SMTP server (STARTTLS with
## a self-signed certificate, AUTH PLAIN/LOGIN), all on loopback.

check_PROGRAMS += tests/unit/test_escalation
TESTS += tests/unit/test_escalation
tests_unit_test_escalation_SOURCES = tests/unit/test_escalation.c
tests_unit_test_escalation_CFLAGS = $(UNIT_CFLAGS) $(CURL_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_escalation_LDADD = $(MAMORI_CORE)

check_PROGRAMS += tests/unit/test_consult
TESTS += tests/unit/test_consult
tests_unit_test_consult_SOURCES = tests/unit/test_consult.c
tests_unit_test_consult_CFLAGS = $(UNIT_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_consult_LDADD = $(MAMORI_CORE)

ESCALATION_IT_TESTS = tests/integration/escalation_channels.sh tests/integration/escalation_line.sh \
	tests/integration/escalation_stop.sh tests/integration/escalation_mail_lost.sh \
	tests/integration/escalation_deadline.sh tests/integration/line_replay.sh tests/integration/consult_line.sh \
	tests/integration/warnings_restrict.sh tests/integration/warnings_restrict_pg.sh \
	tests/integration/escalation_digest.sh tests/integration/escalation_digest_pg.sh
TESTS += $(ESCALATION_IT_TESTS)
EXTRA_DIST += $(ESCALATION_IT_TESTS) tests/integration/escalation_lib.sh tests/escalation/channels_standin.py \
	tests/escalation/smtp_standin.py
