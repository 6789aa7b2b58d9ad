## plugins/ -- the SDK header, its pkg-config file, and the plugins.

mamoriincludedir = $(includedir)/mamori
mamoriinclude_HEADERS = plugins/include/mamori/plugin.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = plugins/mamori-plugin.pc

PLUGIN_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-export-symbols-regex '^mamori_plugin_entry_v1$$' $(AM_LDFLAGS)
PLUGIN_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden

# The example plugin is built for the tests and shipped as source.
check_LTLIBRARIES += plugins/example/example.la
plugins_example_example_la_SOURCES = plugins/example/example.c
plugins_example_example_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_example_example_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
exampledir = $(docdir)/examples/plugin
dist_example_DATA = plugins/example/example.c plugins/example/Makefile plugins/example/README.md

include plugins/rules/local.mk
include plugins/sdk/local.mk
