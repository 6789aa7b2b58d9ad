## adapter/store/ -- the store: every SQL statement (events, outbox jobs,
## audit chain, escalations, history counters, schema migrations, backup) and
## the group commit that makes an answer durable. Two backends: sqlite (the
## files named after their subject) and PostgreSQL (pg_*.c, see pg.h).

adapter_libmamori_core_la_SOURCES += \
	adapter/store/audit.c adapter/store/audit.h \
	adapter/store/audit_json.c adapter/store/audit_json.h \
	adapter/store/backup.c adapter/store/backup.h \
	adapter/store/copy.h adapter/store/pg_copy.c \
	adapter/store/consultations.c adapter/store/consultations.h \
	adapter/store/escalations.c adapter/store/escalations.h \
	adapter/store/group_commit.c adapter/store/group_commit.h \
	adapter/store/history.c \
	adapter/store/incidents.c adapter/store/incidents.h \
	adapter/store/meta.c adapter/store/meta.h \
	adapter/store/outbox.c adapter/store/outbox.h \
	adapter/store/pg.h adapter/store/pg_audit.c adapter/store/pg_conn.c adapter/store/pg_consultations.c \
	adapter/store/pg_escalations.c adapter/store/pg_events.c adapter/store/pg_incidents.c adapter/store/pg_outbox.c \
	adapter/store/pg_purge.c adapter/store/pg_schema.c adapter/store/pg_training_links.c adapter/store/pg_warnings.c \
	adapter/store/poll_cursor.c adapter/store/poll_cursor.h \
	adapter/store/purge.c adapter/store/purge.h \
	adapter/store/schema.c adapter/store/schema.h \
	adapter/store/store.c adapter/store/store.h \
	adapter/store/strikes.c adapter/store/strikes.h \
	adapter/store/training_links.c adapter/store/training_links.h \
	adapter/store/warnings.c adapter/store/warnings.h
