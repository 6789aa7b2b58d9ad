## tests/policy.mk -- quality of the shipped policies (included from
## tests/local.mk): lint, each policy's own test cases, and the dev-set
## thresholds of the default policies.

TESTS += tests/policy/dev_quality.sh
EXTRA_DIST += tests/policy/dev_quality.sh tests/policy/dev.jsonl \
	tests/policy/redteam-ja.jsonl tests/policy/redteam-en.jsonl \
	tests/policy/redteam-holdout-ja.jsonl tests/policy/redteam-holdout-en.jsonl \
	tests/policy/redteam-holdout2-ja.jsonl tests/policy/redteam-holdout2-en.jsonl \
	tests/policy/redteam-holdout3-ja.jsonl tests/policy/redteam-holdout3-en.jsonl \
	tests/policy/redteam3-dev-ja.jsonl tests/policy/redteam3-dev-en.jsonl \
	tests/policy/redteam3-probes-ja.jsonl tests/policy/redteam3-probes-en.jsonl \
	tests/policy/redteam-holdout4-ja.jsonl tests/policy/redteam-holdout4-en.jsonl \
	tests/policy/redteam-holdout4-runs.txt \
	tests/policy/redteam4-dev-ja.jsonl tests/policy/redteam4-dev-en.jsonl \
	tests/policy/redteam5-probes-ja.jsonl tests/policy/redteam5-probes-en.jsonl \
	tests/policy/redteam-holdout5-ja.jsonl tests/policy/redteam-holdout5-en.jsonl \
	tests/policy/redteam-holdout5-runs.txt \
	tests/policy/redteam5-dev-ja.jsonl tests/policy/redteam5-dev-en.jsonl
