## adapter/config/ -- the admin's configuration: mamori.conf settings, tenant
## files, secrets read from files or the environment, escalation sections,
## and the generation (everything loaded at start or reload, swapped whole).

adapter_libmamori_core_la_SOURCES += \
	adapter/config/consult.c adapter/config/consult.h \
	adapter/config/escalation.c adapter/config/escalation.h \
	adapter/config/generation.c adapter/config/generation.h \
	adapter/config/secret.c adapter/config/secret.h \
	adapter/config/restriction.c adapter/config/restriction.h \
	adapter/config/settings.c adapter/config/settings.h \
	adapter/config/tenant.c adapter/config/tenant.h
