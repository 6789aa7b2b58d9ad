## adapter/ingest/ -- the one ingest pipeline (parse, loop guard, dedupe,
## history, plugin chain, escalation, answer, one transaction), run by the
## webhook handler, the poller and the CLI alike.

adapter_libmamori_core_la_SOURCES += \
	adapter/ingest/agent.c adapter/ingest/agent.h \
	adapter/ingest/annotate.c adapter/ingest/annotate.h \
	adapter/ingest/chain.c adapter/ingest/chain.h \
	adapter/ingest/commit.c adapter/ingest/commit.h \
	adapter/ingest/history.c adapter/ingest/history.h \
	adapter/ingest/pipeline.c adapter/ingest/pipeline.h \
	adapter/ingest/warned.c adapter/ingest/warned.h
