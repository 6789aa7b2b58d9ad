## policies/ -- shipped policies, installed under $(policydir) with their
## test cases (so `mamori policy test` works on an installed system) and the
## format documentation.

policies_topdir = $(policydir)
dist_policies_top_DATA = policies/FORMAT.md policies/README.md policies/README.ja.md

policies_defaultjadir = $(policydir)/default-ja
dist_policies_defaultja_DATA = policies/default-ja/policy.json policies/default-ja/tests.jsonl

policies_defaultendir = $(policydir)/default-en
dist_policies_defaulten_DATA = policies/default-en/policy.json policies/default-en/tests.jsonl

policies_retailerdir = $(policydir)/examples/retailer
dist_policies_retailer_DATA = policies/examples/retailer/policy.json policies/examples/retailer/tests.jsonl

policies_clinicdir = $(policydir)/examples/clinic
dist_policies_clinic_DATA = policies/examples/clinic/policy.json policies/examples/clinic/tests.jsonl

policies_transportdir = $(policydir)/examples/transport
dist_policies_transport_DATA = policies/examples/transport/policy.json policies/examples/transport/tests.jsonl
