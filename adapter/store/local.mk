## adapter/store/ -- the store: every SQL statement (events, outbox jobs,
## audit chain, escalations, history counters, schema migrations, backup) and
## the group commit that makes an answer durable.

adapter_libmamori_core_la_SOURCES += \
	adapter/store/audit.c adapter/store/audit.h \
	adapter/store/audit_json.c adapter/store/audit_json.h \
	adapter/store/backup.c adapter/store/backup.h \
	adapter/store/consultations.c adapter/store/consultations.h \
	adapter/store/escalations.c adapter/store/escalations.h \
	adapter/store/group_commit.c adapter/store/group_commit.h \
	adapter/store/history.c \
	adapter/store/meta.c adapter/store/meta.h \
	adapter/store/outbox.c adapter/store/outbox.h \
	adapter/store/poll_cursor.c adapter/store/poll_cursor.h \
	adapter/store/purge.c adapter/store/purge.h \
	adapter/store/schema.c adapter/store/schema.h \
	adapter/store/store.c adapter/store/store.h \
	adapter/store/strikes.c adapter/store/strikes.h \
	adapter/store/warnings.c adapter/store/warnings.h
