## adapter/http/ -- answering HTTP inside a FastCGI worker: the worker loop,
## request/answer, router, and one handler per route.

adapter_libmamori_core_la_SOURCES += \
	adapter/http/app.c adapter/http/app.h \
	adapter/http/handler_annotate.c \
	adapter/http/handler_health.c \
	adapter/http/handler_training.c adapter/http/handler_admin.c \
	adapter/http/handler_line.c \
	adapter/http/handler_webhook.c \
	adapter/http/http.c adapter/http/http.h \
	adapter/http/router.c adapter/http/router.h \
	adapter/http/worker.c adapter/http/worker.h
