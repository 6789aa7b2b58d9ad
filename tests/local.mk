## tests/ -- unit tests (TAP), plugin-loader tests, integration tests.

INTEGRATION_TESTS = tests/integration/routes.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh tests/integration/data/ticket-refund.json $(INTEGRATION_TESTS)
