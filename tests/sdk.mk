## tests/sdk.mk -- the plugin SDK (issue 10, item 6): the ABI freeze
## (_Static_asserts on every struct of <mamori/plugin.h>) and the mock host
## running plugins/example as an out-of-tree plugin's unit test would.

SDK_TESTS = tests/sdk/test_plugin_abi tests/sdk/test_example_mock
check_PROGRAMS += $(SDK_TESTS)
TESTS += $(SDK_TESTS)
tests_sdk_test_plugin_abi_SOURCES = tests/sdk/test_plugin_abi.c
tests_sdk_test_plugin_abi_CFLAGS = $(PLUGIN_CFLAGS)
tests_sdk_test_example_mock_SOURCES = tests/sdk/test_example_mock.c plugins/example/example.c tests/tap.h
tests_sdk_test_example_mock_CFLAGS = $(PLUGIN_CFLAGS) -I$(top_srcdir)/tests
