#!/bin/bash
# One company's broken configuration (a missing plugin) must not take the
# others down at start: mamori-fcgi starts, serves the healthy tenant, answers
# 503 for the broken one (its helpdesk retries), /healthz says why, -t fails;
# fixing it and reloading brings it in.
. "$top_srcdir/tests/integration/lib.sh"
it_init 10
it_tenant good
it_tenant broken generic "[plugin example]
path = no-such-plugin.so"
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
it_post_generic good "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "the healthy tenant is served"
it_post_generic broken "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 503 "the broken tenant's webhook is 503 (the helpdesk will retry)"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" tenant_unavailable "... saying the tenant is not loaded"
tap_like "$HTTP_HEADERS" "Retry-After:" "... with Retry-After"
http GET /healthz
tap_is "$HTTP_STATUS" 503 "/healthz is 503 while a tenant is not loaded"
http GET /healthz/details
tap_like "$HTTP_BODY" "no-such-plugin.so" "... /healthz/details names the reason"
tap_like "$(grep tenant_failed "$IT_DIR/mamori.log")" "broken" "the log names the failed tenant"
"$MAMORI_FCGI" -t -c "$IT_DIR/mamori.conf" >/dev/null 2>&1
tap_is "$?" 1 "--check-config fails on the same configuration"
sed -i 's/path = no-such-plugin.so/path = example.so/' "$IT_DIR/tenants.d/broken.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 2 serving"
it_until 'http GET /healthz; [ "$HTTP_STATUS" = 200 ]'
tap_is "$HTTP_STATUS" 200 "after the fix and a reload /healthz is 200"
sed "s/evt-1001/evt-fixed/" "$D/ticket-refund.json" > "$IT_DIR/fixed.json"
it_post_generic broken "$IT_DIR/fixed.json"
tap_is "$HTTP_STATUS" 200 "... and the tenant is served"
it_done
