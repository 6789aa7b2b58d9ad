## plugins/sdk/ -- what the SDK installs besides <mamori/plugin.h>: the mock
## host (<mamori/plugin_mock.h>, header-only) and its pkg-config file, so an
## out-of-tree plugin can unit-test its annotate() without the daemon
## (plugins/include/README.md).

mamoriinclude_HEADERS += plugins/include/mamori/plugin_mock.h
pkgconfig_DATA += plugins/sdk/mamori-plugin-mock.pc
EXTRA_DIST += plugins/sdk/mamori-plugin-mock.pc.in plugins/include/README.md
CLEANFILES += plugins/sdk/mamori-plugin-mock.pc

# Written by make rather than configure: the only values are paths and the version.
plugins/sdk/mamori-plugin-mock.pc: $(srcdir)/plugins/sdk/mamori-plugin-mock.pc.in Makefile
	$(MKDIR_P) plugins/sdk
	sed -e 's|[@]prefix[@]|$(prefix)|g' -e 's|[@]includedir[@]|$(includedir)|g' \
	    -e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' $(srcdir)/plugins/sdk/mamori-plugin-mock.pc.in > $@
