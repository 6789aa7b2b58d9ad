#!/bin/bash
# Issue 13 (1): a plugin stuck on one polled issue does not stop polling.
# The poller's events are held to [server] request_deadline like a
# worker's requests: the supervisor kills the stuck poller and starts
# another, which asks again from the cursor; the issue collects a strike
# per kill and at quarantine_strikes is passed over, and the issue after it
# is annotated.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 5
hd_standin_start
IT_EXTRA_CONFIG="$IT_EXTRA_CONFIG
[server]
request_deadline = 1s
quarantine_strikes = 2"
it_write_config
hd_tenant rm redmine "poll_interval = 1
poll_overlap = 2"
cat >> "$IT_DIR/tenants.d/rm.conf" <<CONF

[plugin testkit]
path = testkit.so
hang = 土下座
CONF
it_start || { echo "Bail out! stack did not start"; exit 1; }
at() { date -u -d "@$(( T0 + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

it_until "[ -n \"\$(it_sql \"SELECT cursor FROM poll_cursor WHERE tenant='rm'\")\" ]"
T0=$(date -u -d "$(it_sql "SELECT cursor FROM poll_cursor WHERE tenant='rm'")" +%s)
put_issue() { # ID AT DESCRIPTION
    curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' -d "{\"platform\": \"redmine\",
      \"mode\": \"put_issue\", \"issue\": {\"id\": $1, \"project\": {\"id\": 1, \"name\": \"support\"},
      \"author\": {\"id\": 5, \"name\": \"Customer\"}, \"subject\": \"問い合わせ $1\", \"description\": \"$3\",
      \"created_on\": \"$(at "$2")\", \"updated_on\": \"$(at "$2")\", \"journals\": []}}"
}
put_issue 301 1 'いい加減にしろ。土下座して謝れ。'
put_issue 302 2 '配送日を変更したいです。'

it_wait_log_more "event=quarantine " 0
tap_like "$(grep 'event=worker_deadline' "$IT_DIR/mamori.log")" "tenant=rm msg=\"poller 0" \
    "the stuck poller is killed at request_deadline, the log naming the tenant"
tap_like "$(grep 'event=quarantine ' "$IT_DIR/mamori.log")" "tenant rm ticket 301: 2 strikes; quarantined" \
    "after two kills on issue 301 it is quarantined"
it_until "[ \"\$(it_sql \"SELECT count(*) FROM events WHERE tenant='rm' AND event_id LIKE 'issue:302:%'\")\" = 1 ]"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='rm' AND event_id LIKE 'issue:302:%'")" 1 \
    "the issue after it is annotated: polling goes on"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='rm' AND event_id LIKE 'issue:301:%'")" 0 \
    "the quarantined issue is not recorded"
tap_like "$(cat "$IT_DIR/mamori.log")" "event=quarantined" "the poller logs that it passed the issue over"
it_done
