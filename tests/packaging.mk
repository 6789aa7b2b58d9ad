## tests/packaging.mk -- operations and deployment tests: mamori status /
## purge / backup, syslog, the nginx, Apache and lighttpd snippets for real
## (each skips when its server is not installed; packaging/run-tests.sh
## installs them). Included from tests/local.mk.

PACKAGING_TESTS = tests/packaging/admin.sh tests/packaging/syslog.sh tests/packaging/docs.sh tests/packaging/build_deb.sh \
	tests/packaging/quickstart.sh \
	tests/packaging/nginx.sh tests/packaging/apache.sh tests/packaging/lighttpd.sh
TESTS += $(PACKAGING_TESTS)
EXTRA_DIST += $(PACKAGING_TESTS) tests/packaging/web.sh
