## adapter/deliver/ -- the outbound side: the rules every outbound request
## follows (URL allow-list, Retry-After, backoff) and the write-back of
## notes and tags to the helpdesk.

adapter_libmamori_core_la_SOURCES += \
	adapter/deliver/outbound.c adapter/deliver/outbound.h adapter/deliver/pace.c adapter/deliver/pace.h \
	adapter/deliver/writeback.c
