## tests/ha.mk -- the store's two backends and several nodes on one
## PostgreSQL (issue 18). The store tests run against a sqlite file and a
## throwaway PostgreSQL 15 cluster (tests/pg_cluster.sh); the integration
## tests run two mamori-fcgi nodes behind one nginx upstream (ha_two_nodes:
## webhooks, notes, audit; ha_roles: the tasks one node runs at a time).

check_PROGRAMS += tests/unit/test_store_backend
tests_unit_test_store_backend_SOURCES = tests/unit/test_store_backend.c tests/tap.h
tests_unit_test_store_backend_CFLAGS = $(UNIT_CFLAGS) $(PQ_CFLAGS)
tests_unit_test_store_backend_LDADD = $(MAMORI_CORE)

HA_TESTS = tests/store/backends.sh tests/integration/ha_two_nodes.sh tests/integration/ha_reload.sh \
	tests/integration/ha_roles.sh
TESTS += $(HA_TESTS)
EXTRA_DIST += $(HA_TESTS) tests/pg_cluster.sh tests/integration/ha_burst.py \
	tests/integration/ha_lib.sh
