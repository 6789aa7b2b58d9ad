## tests/packaging.mk -- operations and deployment tests: mamori status /
## purge / backup, syslog, the Apache and lighttpd snippets, the systemd
## units, reload under load. Included from tests/local.mk.

PACKAGING_TESTS = tests/packaging/admin.sh
TESTS += $(PACKAGING_TESTS)
EXTRA_DIST += $(PACKAGING_TESTS)
