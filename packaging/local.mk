## packaging/ -- quick start, test runner, web server snippets, systemd, Debian.

EXTRA_DIST += packaging/deps.sh packaging/quickstart.sh packaging/run-tests.sh \
	packaging/web/nginx/mamori.conf \
	packaging/quickstart/samples/01-threat.json packaging/quickstart/samples/02-legitimate.json \
	packaging/quickstart/samples/03-abuse-obfuscated.json packaging/quickstart/samples/04-extortion-sns.json \
	packaging/quickstart/samples/05-english-threat.json packaging/quickstart/samples/06-benign.json

## Deployment (see packaging/README.md): the configuration installed under
## /etc/mamori, web server snippets under $(pkgdatadir)/web, systemd units,
## the Debian package's sources.
mamoriconfdir = $(sysconfdir)/mamori
dist_mamoriconf_DATA = packaging/mamori.conf
webnginxdir = $(pkgdatadir)/web/nginx
webnginx_DATA = packaging/web/nginx/mamori.conf
webapachedir = $(pkgdatadir)/web/apache
webapache_DATA = packaging/web/apache/mamori.conf
weblighttpddir = $(pkgdatadir)/web/lighttpd
weblighttpd_DATA = packaging/web/lighttpd/mamori.conf
# Request Tracker has no webhooks: the scrip's code (doc/helpdesks.md,
# "Request Tracker") is pasted into RT from here.
rtdir = $(pkgdatadir)/rt
dist_rt_DATA = packaging/rt/mamori-scrip.pl
EXTRA_DIST += packaging/web/apache/mamori.conf packaging/web/lighttpd/mamori.conf \
	packaging/README.md packaging/build-deb.sh packaging/ci-deb.sh packaging/reload-load.sh

systemdsystemunit_DATA = packaging/systemd/mamori.service packaging/systemd/mamori.socket
CLEANFILES += $(systemdsystemunit_DATA)
EXTRA_DIST += packaging/systemd/mamori.service.in packaging/systemd/mamori.socket.in
# Paths in the units follow configure's (Debian: /usr/sbin, /etc).
MAMORI_SUBST_UNIT = $(MKDIR_P) packaging/systemd && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'
packaging/systemd/mamori.service: $(srcdir)/packaging/systemd/mamori.service.in Makefile
	$(AM_V_GEN)$(MAMORI_SUBST_UNIT) $(srcdir)/packaging/systemd/mamori.service.in > $@
packaging/systemd/mamori.socket: $(srcdir)/packaging/systemd/mamori.socket.in Makefile
	$(AM_V_GEN)$(MAMORI_SUBST_UNIT) $(srcdir)/packaging/systemd/mamori.socket.in > $@

# packaging/debian is the Debian package's debian/ directory (built with
# packaging/build-deb.sh); every file of it goes into the tarball.
EXTRA_DIST += packaging/debian/changelog packaging/debian/control packaging/debian/copyright \
	packaging/debian/rules packaging/debian/source/format packaging/debian/mamori.install \
	packaging/debian/mamori-dev.install packaging/debian/mamori.postinst packaging/debian/mamori.postrm \
	packaging/debian/mamori.dirs packaging/debian/mamori.lintian-overrides packaging/debian/mamori-dev.lintian-overrides packaging/debian/mamori.docs \
	packaging/systemd/unit-run.py packaging/debian/tests/control \
	packaging/debian/tests/smoke
