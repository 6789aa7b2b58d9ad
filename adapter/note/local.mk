## adapter/note/ -- the agent's internal note: rendering an annotation as
## text/HTML/Markdown, and the sentence around each piece of evidence.

adapter_libmamori_core_la_SOURCES += \
	adapter/note/evidence_context.c adapter/note/evidence_context.h \
	adapter/note/job.c adapter/note/job.h \
	adapter/note/note.c adapter/note/note.h
