## adapter/connector/ -- one file per helpdesk: pure translators between its
## webhook/API shapes and the normalized ticket and note (no I/O, no store).

adapter_libmamori_core_la_SOURCES += \
	adapter/connector/common.c adapter/connector/common.h \
	adapter/connector/connector.c adapter/connector/connector.h \
	adapter/connector/freshdesk.c \
	adapter/connector/generic.c \
	adapter/connector/helpscout.c \
	adapter/connector/jira.c \
	adapter/connector/redmine.c \
	adapter/connector/rt.c \
	adapter/connector/zammad.c \
	adapter/connector/zendesk.c \
	adapter/connector/znuny.c
