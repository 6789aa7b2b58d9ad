## policies/ -- shipped policies, installed under $(policydir) with their
## test cases (so `mamori policy test` works on an installed system) and the
## format documentation.

policies_topdir = $(policydir)
dist_policies_top_DATA = policies/FORMAT.md policies/README.md policies/README.ja.md

policies_defaultjadir = $(policydir)/default-ja
dist_policies_defaultja_DATA = policies/default-ja/policy.json

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
