#!/bin/bash
# escalation_digest.sh on a PostgreSQL store with two nodes: the held
# escalations, the digest runner's queries and its lease on PostgreSQL,
# and every digest made and sent once although both nodes' deliverers run.
DIGEST_STORE=pg
. "$top_srcdir/tests/integration/escalation_digest.sh"
