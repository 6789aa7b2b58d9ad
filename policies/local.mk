## policies/ -- shipped policies, installed under $(policydir) with their
## test cases (so `mamori policy test` works on an installed system) and the
## format documentation.

policies_topdir = $(policydir)
dist_policies_top_DATA = policies/FORMAT.md policies/README.md policies/README.ja.md \
	policies/HISTORY.md policies/HISTORY.ja.md

policies_defaultjadir = $(policydir)/default-ja
# policy.model is the learned judgement both default policies pin (FORMAT.md,
# Model); `make policy-model` remakes it from the corpus's train and
# validation batches (tests/policy/model_reproducible.sh checks it is that).
dist_policies_defaultja_DATA = policies/default-ja/policy.json policies/default-ja/policy.model

policies_defaultendir = $(policydir)/default-en
dist_policies_defaulten_DATA = policies/default-en/policy.json

# The default policies' own test cases are batches of the labelled corpus
# ("tests" in their policy.json); the whole corpus is distributed through
# EXTRA_DIST (tests/policy.mk), these two are also installed.
policies_corpusdir = $(policydir)/corpus/batches
policies_corpus_DATA = policies/corpus/batches/migrated-policy-default-ja.jsonl \
	policies/corpus/batches/migrated-policy-default-en.jsonl

policies_retailerdir = $(policydir)/examples/retailer
dist_policies_retailer_DATA = policies/examples/retailer/policy.json policies/examples/retailer/tests.jsonl

policies_clinicdir = $(policydir)/examples/clinic
dist_policies_clinic_DATA = policies/examples/clinic/policy.json policies/examples/clinic/tests.jsonl

policies_transportdir = $(policydir)/examples/transport
dist_policies_transport_DATA = policies/examples/transport/policy.json policies/examples/transport/tests.jsonl

# The worked example of policies/README.ja.md (a restaurant chain).
policies_restaurantdir = $(policydir)/examples/restaurant
dist_policies_restaurant_DATA = policies/examples/restaurant/policy.json policies/examples/restaurant/tests.jsonl

EXTRA_DIST += policies/corpus/train-default-model.sh policies/corpus/score-test-batches.py \
	policies/default-ja/policy.model.batches

# Remake the default model; then pin its sha256 in default-ja and default-en.
# The model records default-ja's version: set the new version in
# policy.json first, then train and pin.
policy-model: adapter/mamori
	$(srcdir)/policies/corpus/train-default-model.sh $(abs_builddir)/adapter/mamori $(srcdir)/policies/default-ja/policy.model $(abs_srcdir)
	@echo "now pin it: sha256 $$(sha256sum $(srcdir)/policies/default-ja/policy.model | cut -d' ' -f1) in policies/default-{ja,en}/policy.json"
	@echo "(the batches it was trained on: $(srcdir)/policies/default-ja/policy.model.batches)"
	@echo "(a new policy version also changes FORMAT.md's list catalogue: make update-format-lists)"
.PHONY: policy-model

# FORMAT.md's appendix of default-ja's lexicon lists is the output of
# `mamori policy lists` (tests/rules/cli.sh fails when it differs): remake
# it after changing default-ja's lexicon or rules.
update-format-lists: adapter/mamori
	$(AM_V_GEN)f=$(srcdir)/policies/FORMAT.md; \
	./adapter/mamori policy lists $(srcdir)/policies/default-ja/policy.json >$$f.lists && \
	awk -v lists="$$f.lists" '/^<!-- BEGIN mamori policy lists/ { print; print "```text"; \
	    while ((getline l < lists) > 0) print l; print "```"; skip = 1; next } \
	    /^<!-- END mamori policy lists/ { skip = 0 } !skip' $$f >$$f.new && \
	mv $$f.new $$f && rm -f $$f.lists
.PHONY: update-format-lists
