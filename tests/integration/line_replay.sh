#!/bin/bash
# Issue 13 (5): a captured LINE delivery (a lawyer's advice, 確認, 受任)
# cannot be posted again later. X-Line-Signature covers the body but not
# when it was sent; each event's timestamp is inside the signed body, so an
# event further from now than [line] replay_window (5 minutes unless set)
# is refused with 401 and logged, and nothing is recorded. Within the
# window a replay is a duplicate (webhookEventId), and retention keeps those
# ids at least twice the longest window, even with retention_days = 1.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 17
hd_standin_start
esc_standins_start
HD_TENANT_EXTRA="retention_days = 1"
hd_tenant zd zendesk "api_user_id = 39011229999"
esc_sections >> "$IT_DIR/tenants.d/zd.conf"
hd_tenant wide zendesk "api_user_id = 39011229999"
esc_sections >> "$IT_DIR/tenants.d/wide.conf"
printf '\n[line]\nreplay_window = 1d\n' >> "$IT_DIR/tenants.d/wide.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }
mam() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }

# line_event FILE EVENT-ID AGE-SECONDS -- a follow event stamped AGE seconds ago
# (negative: in the future).
line_event() {
    python3 -c 'import json,sys,time
f, eid, age = sys.argv[1], sys.argv[2], int(sys.argv[3])
ev = {"type": "follow", "timestamp": int((time.time() - age) * 1000),
      "source": {"type": "user", "userId": "U4af4980629f1e2d3c4b5a6978695a4b3"},
      "replyToken": "0f3779fba3b349968c5d07db31eab56f", "mode": "active", "webhookEventId": eid,
      "deliveryContext": {"isRedelivery": False}, "follow": {"isUnblocked": False}}
open(f, "w").write(json.dumps({"destination": "U0a1b2c3d4e5f60718293a4b5c6d7e8f9", "events": [ev]}))' "$@"
}
ids() { it_sql "select count(*) from line_events"; }

line_event "$IT_DIR/fresh.json" 01JREPLAYFRESH000000000000 0
esc_line_post zd "$IT_DIR/fresh.json"
tap_is "$HTTP_STATUS" 200 "a fresh delivery is accepted"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "... and handled"

before="$(ids)/$(it_sql "select count(*) from audit")"
line_event "$IT_DIR/old.json" 01JREPLAYOLD00000000000000 400
esc_line_post zd "$IT_DIR/old.json"
tap_is "$HTTP_STATUS" 401 "a delivery whose event is 400 s old (window 5 min) is refused with 401"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" stale_event "... as stale_event"
tap_like "$HTTP_BODY" "replay_window" "... naming the setting"
tap_is "$(ids)/$(it_sql "select count(*) from audit")" "$before" "... and nothing is recorded"
it_wait_log "line_replay_refused"
tap_like "$(grep line_replay_refused "$IT_DIR/mamori.log")" "01JREPLAYOLD00000000000000" "the log names the refused event"
tap_like "$(grep line_replay_refused "$IT_DIR/mamori.log")" "tenant=zd" "... and the tenant"

line_event "$IT_DIR/future.json" 01JREPLAYFUTURE00000000000 -400
esc_line_post zd "$IT_DIR/future.json"
tap_is "$HTTP_STATUS" 401 "an event 400 s in the future is refused too"

line_event "$IT_DIR/late.json" 01JREPLAYLATE0000000000000 240
esc_line_post zd "$IT_DIR/late.json"
tap_is "$HTTP_STATUS" 200 "an event 4 minutes old is inside the window"

esc_line_post zd "$IT_DIR/fresh.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["duplicates"]')" 1 "within the window a replay is a duplicate"

line_event "$IT_DIR/wide.json" 01JREPLAYWIDE0000000000000 3600
esc_line_post wide "$IT_DIR/wide.json"
tap_is "$HTTP_STATUS" 200 "[line] replay_window = 1d accepts an hour-old event"
esc_line_post zd "$IT_DIR/wide.json" >/dev/null
tap_is "$HTTP_STATUS" 401 "... which the 5-minute tenant refuses"

# Retention keeps the ids of handled events at least twice the longest
# window (here 1 day on tenant wide, so two days) even with retention_days = 1.
now=$(date +%s)
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$IT_DIR/mamori.db" \
    "insert into line_events(tenant, event_id, received_at) values ('zd', 'old-zd', $((now - 129600))),
     ('wide', 'old-wide', $((now - 129600))), ('wide', 'older-wide', $((now - 3 * 86400)))"
tap_is "$(it_sql "select count(*) from line_events where event_id like 'old%'")" 3 "(three old ids planted)"
out=$(mam purge 2>&1)
tap_is "$(it_sql "select count(*) from line_events where event_id='old-wide'")" 1 \
    "a 36-hour-old LINE event id stays although retention_days = 1 (the dedupe outlives 2 x 1d)"
tap_is "$(it_sql "select count(*) from line_events where event_id in ('old-zd', 'older-wide')")" 0 \
    "... while older ones, and the 5-minute tenant's, are purged (retention_days = 1)"
tap_is "$(it_sql "select count(*) from line_events where event_id='01JREPLAYFRESH000000000000'")" 1 \
    "today's ids stay"
it_done
