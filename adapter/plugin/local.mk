## adapter/plugin/ -- the plugin host: the loader (dlopen, ABI and size
## checks), the host API table plugins call, and the annotation and
## normalized ticket they work on.

adapter_libmamori_core_la_SOURCES += \
	adapter/plugin/annotation.c adapter/plugin/annotation.h \
	adapter/plugin/host_api.c adapter/plugin/host_api.h \
	adapter/plugin/loader.c adapter/plugin/loader.h \
	adapter/plugin/ticket.c adapter/plugin/ticket.h
