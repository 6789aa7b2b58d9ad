## tests/policy.mk -- quality of the shipped policies (included from
## tests/local.mk): lint, each policy's own test cases, and the dev-set
## thresholds of the default policies, all read from the labelled corpus
## (policies/corpus/batches).

TESTS += tests/policy/dev_quality.sh
EXTRA_DIST += tests/policy/dev_quality.sh \
	tests/policy/redteam-holdout4-runs.txt tests/policy/redteam-holdout5-runs.txt \
	policies/corpus
