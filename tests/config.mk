## tests/config.mk -- the typed config keys (issue 10, item 5): every
## section's bad values fail `mamori-fcgi -t` with file and line, and the
## man pages' key lists are the tables' (tests/config/man_keys.sh).

CONFIG_TESTS = tests/config/bad_values.sh tests/config/man_keys.sh tests/config/trusted_paths.sh \
	tests/config/check_config.sh tests/config/doc_examples.sh tests/config/admin_cli.sh
TESTS += $(CONFIG_TESTS)
EXTRA_DIST += $(CONFIG_TESTS)
