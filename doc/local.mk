## doc/ -- man pages and documentation

dist_doc_DATA += doc/annotation.md doc/generic-webhook.md

# Man pages, written from the code (config/settings.c, config/tenant.c, daemon/main_fcgi.c, cli/).
dist_man_MANS += doc/mamori-fcgi.8 doc/mamori.1 doc/mamori.conf.5 doc/mamori-tenant.5
