#!/bin/bash
# warnings_restrict.sh on a PostgreSQL store: the warnings list runs on
# every harassing webhook with a requester (ingest/warned.c), so a store
# backend without it fails every such webhook.
WR_STORE=pg
. "$top_srcdir/tests/integration/warnings_restrict.sh"
