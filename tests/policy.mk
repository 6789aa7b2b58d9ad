## tests/policy.mk -- quality of the shipped policies (included from
## tests/local.mk): lint, each policy's own test cases, and the dev-set
## thresholds of the default policies, all read from the labelled corpus
## (policies/corpus/batches); and the corpus checker.

TESTS += tests/policy/dev_quality.sh tests/policy/guide_commands.sh tests/policy/corpus_check.sh tests/policy/corpus_check_errors.sh \
	tests/policy/model_reproducible.sh
EXTRA_DIST += tests/policy/dev_quality.sh tests/policy/guide_commands.sh tests/policy/corpus_check.sh tests/policy/corpus_check_errors.sh \
	tests/policy/model_reproducible.sh \
	tests/policy/corpus_check.py tests/policy/corpus_agreement.py tests/policy/corpus_blind.py tests/policy/corpus_truth.py \
	tests/policy/redteam-holdout4-runs.txt tests/policy/redteam-holdout5-runs.txt \
	policies/corpus

# The whole corpus check (schema, splits, second passes, near-duplicates,
# guidelines) with the counts table; targets not yet met are reported, not
# failed.  corpus-targets fails until the issue-12 targets are met.
corpus-check:
	$(PYTHON3) $(srcdir)/tests/policy/corpus_check.py --corpus $(srcdir)/policies/corpus
corpus-targets:
	$(PYTHON3) $(srcdir)/tests/policy/corpus_check.py --corpus $(srcdir)/policies/corpus --targets
.PHONY: corpus-check corpus-targets
