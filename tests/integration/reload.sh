#!/bin/bash
# SIGHUP: a broken config leaves the old generation serving, with the reason
# logged; a good one replaces it without refusing requests.
. "$top_srcdir/tests/integration/lib.sh"
it_init 13
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"

it_post_generic acme "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "generation 1 serves acme"

# Break the tenant: a plugin option the plugin does not know.
cp "$IT_DIR/tenants.d/acme.conf" "$IT_DIR/acme.good"
printf '[plugin broken]\npath = example.so\nbogus_option = 1\n' >> "$IT_DIR/tenants.d/acme.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "reload failed"
tap_ok $? "the failed reload is logged"
tap_like "$(grep reload_failed "$IT_DIR/mamori.log")" 'does not accept option \"bogus_option\"' "... with the reason"
tap_like "$(grep reload_failed "$IT_DIR/mamori.log")" "acme.conf:" "... naming the file and line"
sed "s/evt-1001/evt-r2/" "$D/ticket-refund.json" > "$IT_DIR/r2.json"
it_post_generic acme "$IT_DIR/r2.json"
tap_is "$HTTP_STATUS" 200 "the old generation keeps serving"
http GET /healthz/details
tap_is "$(echo "$HTTP_BODY" | json 'd["generation"]')" 1 "... still generation 1"

# A syntax error in the main config is refused the same way.
cp "$IT_DIR/mamori.conf" "$IT_DIR/mamori.good"
echo "this is not ini" >> "$IT_DIR/mamori.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log_more reload_failed 1
tap_like "$(grep reload_failed "$IT_DIR/mamori.log" | tail -1)" "syntax error" "a broken main config is refused too"
cp "$IT_DIR/mamori.good" "$IT_DIR/mamori.conf"

# A bad duration in a typed key (it used to be read as 5 seconds or ignored).
printf '[tenant]\nreplay_window = 5 m\n' >> "$IT_DIR/tenants.d/acme.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log_more reload_failed 2
tap_like "$(grep reload_failed "$IT_DIR/mamori.log" | tail -1)" \
    "acme.conf:$(wc -l < "$IT_DIR/tenants.d/acme.conf"): replay_window = \\\"5 m\\\": not a duration" \
    "a bad duration is refused on reload, naming file, line and key"

# Now a good change: fix acme and add a second tenant.
cp "$IT_DIR/acme.good" "$IT_DIR/tenants.d/acme.conf"
it_tenant beta
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 2 serving"
tap_ok $? "the good reload is logged"
it_until 'http GET /healthz/details; [ "$(echo "$HTTP_BODY" | json "d[\"generation\"]")" = 2 ]'
tap_is "$(echo "$HTTP_BODY" | json 'd["generation"]')" 2 "healthz reports generation 2"
sed "s/evt-1001/evt-b1/" "$D/ticket-refund.json" > "$IT_DIR/b1.json"
it_post_generic beta "$IT_DIR/b1.json"
tap_is "$HTTP_STATUS" 200 "the new tenant is served"
it_wait_log "generation 1) exited with status 0"
tap_ok $? "the old workers drained and exited cleanly"
http GET /metrics
tap_like "$HTTP_BODY" 'mamori_reloads_total{result="failed"} 3' "metrics count failed reloads"
it_done
