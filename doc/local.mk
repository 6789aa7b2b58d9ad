## doc/ -- man pages and documentation

dist_doc_DATA += doc/annotation.md doc/generic-webhook.md
