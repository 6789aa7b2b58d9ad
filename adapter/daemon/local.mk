## adapter/daemon/ -- the mamori-fcgi daemon: main, the listening socket, the
## supervisor and the processes it runs (workers, deliverer, pollers,
## housekeeper), retention and status.

adapter_libmamori_core_la_SOURCES += \
	adapter/daemon/check_user.c adapter/daemon/check_user.h \
	adapter/daemon/deliverer.c adapter/daemon/deliverer.h \
	adapter/daemon/housekeeper.c adapter/daemon/housekeeper.h \
	adapter/daemon/listen.c adapter/daemon/listen.h \
	adapter/daemon/plugin_check.c adapter/daemon/plugin_check.h \
	adapter/daemon/poller.c adapter/daemon/poller.h \
	adapter/daemon/retention.c adapter/daemon/retention.h \
	adapter/daemon/roles.c adapter/daemon/roles.h \
	adapter/daemon/status.c adapter/daemon/status.h \
	adapter/daemon/supervisor.c adapter/daemon/supervisor.h
