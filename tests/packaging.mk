## tests/packaging.mk -- operations and deployment tests: mamori status /
## purge / backup, syslog, the nginx, Apache and lighttpd snippets for real
## (each skips when its server is not installed; packaging/run-tests.sh
## installs them). Included from tests/local.mk.

PACKAGING_TESTS = tests/packaging/admin.sh tests/packaging/syslog.sh tests/packaging/docs.sh tests/packaging/build_deb.sh \
	tests/packaging/quickstart.sh \
	tests/packaging/nginx.sh tests/packaging/apache.sh tests/packaging/lighttpd.sh
TESTS += $(PACKAGING_TESTS)
EXTRA_DIST += $(PACKAGING_TESTS) tests/packaging/web.sh

# The administrator's first hour in a fresh Debian 12 container
# (debootstrap + systemd-nspawn, else unshare + chroot): build-deb.sh,
# apt-get install, one tenant per helpdesk from the installed docs,
# `mamori-fcgi -t` as root, start, healthy, the store owned by mamori
# (issue 15). Not in `make check`: root, Debian's mirror and minutes;
# packaging/run-tests.sh runs it as its own step.
FRESH_CONTAINER_TESTS = tests/packaging/fresh_container.sh
EXTRA_DIST += $(FRESH_CONTAINER_TESTS) tests/packaging/fresh_container_inside.sh
check-fresh-container:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(FRESH_CONTAINER_TESTS)" check_PROGRAMS= check_LTLIBRARIES=
.PHONY: check-fresh-container
