## tests/ -- unit tests (TAP), plugin-loader tests, integration tests.
