## adapter/cli/ -- the `mamori` command: one file per command group.

bin_PROGRAMS += adapter/mamori
adapter_mamori_SOURCES = \
	adapter/cli/main.c adapter/cli/cli.h \
	adapter/cli/cmd_admin.c \
	adapter/cli/cmd_audit.c \
	adapter/cli/cmd_note.c \
	adapter/cli/cmd_outbox.c \
	adapter/cli/cmd_poll.c \
	adapter/cli/cmd_policy.c adapter/cli/cmd_policy_test.c adapter/cli/cmd_policy_test_cv.c \
	adapter/cli/cmd_policy_explain.c adapter/cli/cmd_policy_lists.c \
	adapter/cli/cmd_policy_cases.c adapter/cli/cmd_policy_cases.h \
	adapter/cli/case_runner.c adapter/cli/case_runner.h \
	adapter/cli/cmd_annotate.c \
	adapter/cli/cmd_lawyer.c adapter/cli/cmd_escalation.c adapter/cli/cmd_consult.c adapter/cli/cmd_restrict.c \
	adapter/cli/tenant_ticket.c adapter/cli/tenant_ticket.h \
	adapter/cli/cmd_quarantine.c \
	adapter/cli/cmd_report.c adapter/cli/cmd_incident.c adapter/cli/cmd_store.c
adapter_mamori_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CAIRO_CFLAGS) -I$(top_srcdir)/plugins/rules
adapter_mamori_LDADD = $(MAMORI_CORE) $(RULES_TRAIN) $(RULES_ENGINE)

