## adapter/ -- the host: libmamori_core (everything but the mains), the
## mamori-fcgi daemon and the mamori command.

noinst_LTLIBRARIES += adapter/libmamori_core.la
adapter_libmamori_core_la_SOURCES = \
	adapter/annotation.c adapter/annotation.h \
	adapter/app.c adapter/app.h \
	adapter/audit.c adapter/audit.h \
	adapter/backup.c adapter/backup.h \
	adapter/buf.c adapter/buf.h \
	adapter/connector.c adapter/connector.h \
	adapter/connector/generic.c \
	adapter/connector/common.c adapter/connector/common.h \
	adapter/connector/zendesk.c adapter/connector/freshdesk.c adapter/connector/zammad.c \
	adapter/connector/helpscout.c adapter/connector/jira.c adapter/connector/redmine.c \
	adapter/connector/rt.c adapter/connector/znuny.c \
	adapter/deliver.c adapter/deliver.h \
	adapter/poller.c adapter/poller.h \
	adapter/writeback.c \
	adapter/error.c adapter/error.h \
	adapter/fcgi_worker.c adapter/fcgi_worker.h \
	adapter/generation.c adapter/generation.h \
	adapter/group_commit.c adapter/group_commit.h \
	adapter/handler_annotate.c \
	adapter/handler_health.c \
	adapter/handler_webhook.c \
	adapter/host_api.c adapter/host_api.h \
	adapter/housekeeper.c adapter/housekeeper.h \
	adapter/http.c adapter/http.h \
	adapter/ini_file.c adapter/ini_file.h \
	adapter/listen.c adapter/listen.h \
	adapter/log.c adapter/log.h \
	adapter/metrics.c adapter/metrics.h \
	adapter/note.c adapter/note.h adapter/evidence_context.c adapter/evidence_context.h \
	adapter/outbox.c adapter/outbox.h \
	adapter/plugin_loader.c adapter/plugin_loader.h \
	adapter/retention.c adapter/retention.h \
	adapter/roles.c adapter/roles.h \
	adapter/router.c adapter/router.h \
	adapter/secret.c adapter/secret.h \
	adapter/settings.c adapter/settings.h \
	adapter/signature.c adapter/signature.h \
	adapter/status.c adapter/status.h \
	adapter/store.c adapter/store.h \
	adapter/store_history.c \
	adapter/store_schema.c adapter/store_schema.h \
	adapter/strv.c adapter/strv.h \
	adapter/supervisor.c adapter/supervisor.h \
	adapter/tenant.c adapter/tenant.h \
	adapter/ticket.c adapter/ticket.h \
	adapter/utf8.c adapter/utf8.h
adapter_libmamori_core_la_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS) \
	$(SQLITE_CFLAGS) $(CRYPTO_CFLAGS) $(UTF8PROC_CFLAGS) $(INIH_CFLAGS)
adapter_libmamori_core_la_LIBADD = $(FCGI_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) $(SQLITE_LIBS) \
	$(CRYPTO_LIBS) $(UTF8PROC_LIBS) $(INIH_LIBS)

MAMORI_CORE = adapter/libmamori_core.la

sbin_PROGRAMS += adapter/mamori-fcgi
adapter_mamori_fcgi_SOURCES = adapter/main_fcgi.c
adapter_mamori_fcgi_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
adapter_mamori_fcgi_LDADD = $(MAMORI_CORE)
# The host must export nothing plugins could link against by accident.
adapter_mamori_fcgi_LDFLAGS = $(AM_LDFLAGS)

bin_PROGRAMS += adapter/mamori
adapter_mamori_SOURCES = \
	adapter/cli/main.c adapter/cli/cli.h \
	adapter/cli/cmd_admin.c \
	adapter/cli/cmd_audit.c \
	adapter/cli/cmd_note.c \
	adapter/cli/cmd_outbox.c \
	adapter/cli/cmd_poll.c \
	adapter/cli/cmd_policy.c adapter/cli/cmd_policy_test.c adapter/cli/cmd_policy_explain.c \
	adapter/cli/cmd_policy_cases.c adapter/cli/cmd_policy_cases.h \
	adapter/cli/cmd_annotate.c
adapter_mamori_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) -I$(top_srcdir)/plugins/rules
adapter_mamori_LDADD = $(MAMORI_CORE) $(RULES_ENGINE)

include adapter/escalation.mk
