#!/bin/bash
# Issue 13 (1): a plugin that never returns costs its tenant's requests, not
# every tenant's. Tenant "stuck" has a plugin that hangs on its ticket; two
# webhooks to it hold both workers. The supervisor kills each worker once
# its request passes [server] request_deadline and starts another, so
# /healthz and another tenant's webhook are answered, and the log names the
# hanging tenant. (Before, both workers stayed stuck for good: /healthz got
# no answer within 60 s.) The stuck requests' connections die with their
# workers; each is answered 503 before (safe to retry; it used to be 502).
. "$top_srcdir/tests/integration/lib.sh"
it_init 8
IT_EXTRA_CONFIG="[server]
request_deadline = 2s"
it_write_config
it_tenant acme
it_tenant stuck generic "[plugin testkit]
path = testkit.so
hang = refund"
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
sed 's/evt-1001/evt-1002/' "$D/ticket-refund.json" > "$IT_DIR/retry.json"

# Two webhooks of the stuck tenant, one per worker, in the background.
( it_post_generic stuck "$D/ticket-refund.json" --max-time 90; echo "$HTTP_STATUS" > "$IT_DIR/stuck1.status" ) &
c1=$!
( it_post_generic stuck "$IT_DIR/retry.json" --max-time 90; echo "$HTTP_STATUS" > "$IT_DIR/stuck2.status" ) &
c2=$!
it_wait_log_more "testkit: hanging" 1   # both workers are in the plugin now

HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$IT_URL/healthz")
tap_is "$HTTP_STATUS" 200 "/healthz answers while a tenant's plugin hangs"
it_post_generic acme "$D/ticket-refund.json" --max-time 60
tap_is "$HTTP_STATUS" 200 "another tenant's webhook is answered"
tap_is "$(it_sql "select count(*) from events where tenant='acme'")" 1 "... and recorded"

wait $c1 $c2
tap_is "$(cat "$IT_DIR/stuck1.status") $(cat "$IT_DIR/stuck2.status")" "503 503" \
    "the stuck requests end with their workers, answered 503 (safe to retry)"
it_wait_log_more "event=worker_deadline" 1
deadline_lines=$(grep "event=worker_deadline" "$IT_DIR/mamori.log")
tap_like "$deadline_lines" "tenant=stuck" "the log names the hanging tenant"
tap_like "$deadline_lines" "ticket 5501" "... and the ticket"
tap_is "$(it_sql "select count(*) from events where tenant='stuck'")" 0 "nothing of the stuck tenant was recorded"
http GET /metrics
tap_like "$HTTP_BODY" 'mamori_worker_deadlines_total{tenant="stuck"} 2' "both kills are counted in /metrics"
it_done
