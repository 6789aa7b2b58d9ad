## doc/ -- man pages and documentation

# Installed in $(docdir) (/usr/share/doc/mamori): packaging/README.md,
# mamori-tenant(5) and the connectors point the admin here.
dist_doc_DATA += doc/annotation.md doc/generic-webhook.md doc/ha.md doc/helpdesks.md doc/notes.md doc/compliance.md

# Man pages, written from the code (config/settings.c, config/tenant.c, daemon/main_fcgi.c, cli/).
dist_man_MANS += doc/mamori-fcgi.8 doc/mamori.1 doc/mamori.conf.5 doc/mamori-tenant.5

# The key lists of mamori.conf(5) and mamori-tenant(5) are generated from the
# key tables (between `.\" BEGIN KEYS` and `.\" END KEYS`); the rest of each
# page is hand-written. tests/config/man_keys.sh fails when they differ;
# `make update-man` rewrites the pages in the source tree.
check_PROGRAMS += doc/dump_keys
doc_dump_keys_SOURCES = doc/dump_keys.c
doc_dump_keys_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
doc_dump_keys_LDADD = $(MAMORI_CORE)
GENERATED_KEY_PAGES = doc/mamori.conf.5 doc/mamori-tenant.5
update-man: doc/dump_keys$(EXEEXT)
	for page in $(GENERATED_KEY_PAGES); do \
	  ./doc/dump_keys$(EXEEXT) $(srcdir)/$$page > $$page.tmp && mv $$page.tmp $(srcdir)/$$page || exit 1; \
	done
.PHONY: update-man
