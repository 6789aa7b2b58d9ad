#!/bin/bash
# Issue 13 (1): a ticket that hangs its tenant's plugin every time stops
# consuming workers. Each worker killed at [server] request_deadline is a
# strike on its (tenant, ticket); at quarantine_strikes the ticket's
# webhooks are answered 200 "quarantined" without running the plugins,
# `mamori quarantine list` shows it, and `mamori quarantine release` lifts it.
. "$top_srcdir/tests/integration/lib.sh"
it_init 9
IT_EXTRA_CONFIG="[server]
request_deadline = 1s
quarantine_strikes = 2"
it_write_config
it_tenant stuck generic "[plugin testkit]
path = testkit.so
hang = refund"
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
for n in 2 3; do sed "s/evt-1001/evt-100$n/" "$D/ticket-refund.json" > "$IT_DIR/evt-100$n.json"; done
cli() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }

# Two deliveries of ticket 5501 (the helpdesk's retry), each hanging a worker.
( it_post_generic stuck "$D/ticket-refund.json" --max-time 60; echo "$HTTP_STATUS" > "$IT_DIR/s1" ) &
c1=$!
( it_post_generic stuck "$IT_DIR/evt-1002.json" --max-time 60; echo "$HTTP_STATUS" > "$IT_DIR/s2" ) &
c2=$!
wait $c1 $c2
tap_is "$(cat "$IT_DIR/s1") $(cat "$IT_DIR/s2")" "503 503" "both hanging requests end with their killed workers (503: safe to retry)"
it_wait_log "event=quarantine "
tap_like "$(grep 'event=quarantine ' "$IT_DIR/mamori.log")" "tenant stuck ticket 5501: 2 strikes; quarantined" \
    "the second kill quarantines the ticket"

hanging=$(it_log_count "testkit: hanging")
it_post_generic stuck "$IT_DIR/evt-1003.json" --max-time 60
tap_is "$HTTP_STATUS" 200 "a third delivery is answered 200"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" quarantined "... with status quarantined"
tap_is "$(it_log_count "testkit: hanging")" "$hanging" "... without running the plugin"

list=$(cli quarantine list)
tap_like "$list" "stuck        5501             quarantined  2" "quarantine list shows the ticket"
cli quarantine release stuck 5501 >/dev/null
tap_is "$?" 0 "quarantine release succeeds"
tap_is "$(cli quarantine list)" "no quarantined tickets" "... and the ticket is no longer listed"
cli quarantine release stuck 5501 >/dev/null 2>&1
tap_is "$?" 1 "releasing it again fails (nothing to release)"
it_done
