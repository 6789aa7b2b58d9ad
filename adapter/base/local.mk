## adapter/base/ -- the bottom layer: buffers, string vectors, errors, the
## log, UTF-8, signatures (HMAC, constant-time compare), the INI reader,
## Prometheus metrics. Includes nothing above it.

adapter_libmamori_core_la_SOURCES += \
	adapter/base/buf.c adapter/base/buf.h \
	adapter/base/error.c adapter/base/error.h \
	adapter/base/ini_file.c adapter/base/ini_file.h \
	adapter/base/log.c adapter/base/log.h \
	adapter/base/metrics.c adapter/base/metrics.h \
	adapter/base/process.c adapter/base/process.h \
	adapter/base/proctitle.c adapter/base/proctitle.h \
	adapter/base/signature.c adapter/base/signature.h \
	adapter/base/strv.c adapter/base/strv.h \
	adapter/base/trusted_file.c adapter/base/trusted_file.h \
	adapter/base/utf8.c adapter/base/utf8.h \
	adapter/base/watchdog.c adapter/base/watchdog.h
