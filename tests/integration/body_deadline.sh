#!/bin/bash
# Issue 13 (3): a client that announces a request body and stalls holds a
# worker only for [server] body_timeout: each stalled request is answered 408
# once the deadline passes (before, the worker read until the client left;
# with body_timeout = 3600s this test's second check fails), /healthz keeps
# answering, and later requests are served. Talks FastCGI to mamori's socket
# directly: nginx buffers bodies, but servers that stream them (Apache's
# mod_proxy_fcgi) pass a stall on.
. "$top_srcdir/tests/integration/lib.sh"
it_init 5
IT_EXTRA_CONFIG="[server]
body_timeout = 2s"
it_write_config
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }

# Two stalled requests (one per worker), held open for up to 90 s.
python3 "$top_srcdir/tests/integration/stalled_body.py" "$IT_SOCK" 2 90 > "$IT_DIR/stalled.out" &
STALLER=$!
sleep 1
# /healthz through nginx, waiting as long as the stall could last: on a
# worker held for good this times out.
HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --max-time 80 "$IT_URL/healthz")
tap_is "$HTTP_STATUS" 200 "/healthz answers while stalled bodies are open"
wait $STALLER
tap_is "$(cat "$IT_DIR/stalled.out")" "408 408" "each stalled request is answered 408 (not held until the client leaves)"
it_wait_log 'event=body_incomplete'
tap_like "$(cat "$IT_DIR/mamori.log")" "body ended after 4 of 100000 bytes" "the log says how much of the body came"
it_post_generic acme "$top_srcdir/tests/integration/data/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "a whole request afterwards is served"
tap_is "$(it_sql "select count(*) from events where tenant='acme'")" 1 "... and recorded (the stalled ones are not)"
it_done
