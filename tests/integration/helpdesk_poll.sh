#!/bin/bash
# The Redmine poller against the stand-in's Redmine API (issue listing and
# journals), through `mamori poll` and mamori-fcgi's own poller role:
#
# - only issues changed since the cursor are asked for, in Redmine's shape;
# - a read that fails (500 on an issue's journals) stops the round there:
#   the cursor stays before that issue and the next round picks up the
#   journal (it was lost before: the cursor moved on regardless);
# - rounds overlap, and dedupe keeps every event annotated once;
# - the notes go back through the outbox; a reload with a short interval
#   makes the daemon's poller pick up a new issue by itself.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 30
hd_standin_start
hd_tenant rm redmine "poll_interval = 3600
poll_overlap = 2"
hd_tenant zd zendesk
it_start || { echo "Bail out! stack did not start"; exit 1; }
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
at() { date -u -d "@$(( T0 + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

# The daemon's poller runs its first round at start: it sets the cursor.
it_until "[ -n \"\$(it_sql \"SELECT cursor FROM poll_cursor WHERE tenant='rm'\")\" ]"
cursor0=$(it_sql "SELECT cursor FROM poll_cursor WHERE tenant='rm'")
[[ $cursor0 =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
tap_ok $? "the first round stored a cursor in Redmine's time format ($cursor0)"
T0=$(date -u -d "$cursor0" +%s)

put_issue() { # JSON
    curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
        -d "{\"platform\": \"redmine\", \"mode\": \"put_issue\", \"issue\": $1}"
}
issue() { # ID CREATED UPDATED DESCRIPTION [JOURNALS]
    printf '{"id": %s, "project": {"id": 1, "name": "support"}, "author": {"id": 5, "name": "Customer"},
      "subject": "問い合わせ %s", "description": "%s", "created_on": "%s", "updated_on": "%s",
      "journals": %s}' "$1" "$1" "$4" "$(at "$2")" "$(at "$3")" "${5:-[]}"
}
put_issue "$(issue 101 -3600 -3600 'お世話になっております。請求書の宛名を変更できますか。')"
put_issue "$(issue 201 1 1 'いい加減にしろ。土下座して謝れ。誠意を見せろ。')"
put_issue "$(issue 202 1 3 '配送日を変更したいです。' \
    "[{\"id\": 9001, \"created_on\": \"$(at 3)\", \"notes\": \"ふざけるな。今すぐ家まで来て土下座しろ。ネットに晒すぞ。\", \"private_notes\": false, \"user\": {\"id\": 5, \"name\": \"Customer\"}, \"details\": []}]")"
put_issue "$(issue 203 2 4 '商品が届きません。至急確認してください。')"

# ---- a read fails mid-round --------------------------------------------------
curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
    -d '{"platform": "redmine", "mode": "500", "count": 1, "reads": true, "match": "/issues/202.json"}'
out=$(M poll); rc=$?
tap_is "$rc" 1 "mamori poll exits 1 when a round stops at a failed read"
tap_like "$out" "tenant rm: FAILED after 2 issues: GET /issues/202.json?include=journals answered 500" \
    "... and names the read and its status"
tap_like "$out" "2 events annotated, cursor $(at 1)" "... the events before it are done; the cursor stays before 202"
tap_is "$(it_sql "SELECT group_concat(event_id) FROM (SELECT event_id FROM events WHERE tenant='rm' ORDER BY event_id)")" \
    "issue:201:created,issue:202:created" "issue 101 (changed before the cursor) was not asked for"
tap_is "$(it_sql "SELECT cursor FROM poll_cursor WHERE tenant='rm'")" "$(at 1)" "the stored cursor is 201's update"
ok_before=$(it_sql "SELECT updated_at FROM poll_cursor WHERE tenant='rm'")
tap_is "$ok_before" "$T0" "a failed round does not count as a successful one (status shows when the last one was)"

# ---- the next round picks up what failed ------------------------------------------
out=$(M poll); rc=$?
tap_is "$rc" 0 "the next round succeeds"
tap_like "$out" "tenant rm: 3 issues changed, 2 events annotated, 2 seen before or ignored; cursor $(at 4)" \
    "... annotates 202's journal and 203, skips what the overlap repeats"
tap_is "$(it_sql "SELECT group_concat(event_id) FROM (SELECT event_id FROM events WHERE tenant='rm' ORDER BY event_id)")" \
    "issue:201:created,issue:202:created,issue:203:created,journal:9001" "every event once"
tap_is "$(it_sql "SELECT is_harassment FROM annotations WHERE tenant='rm' AND event_id='journal:9001'")" 1 \
    "the journal that was nearly lost is annotated as harassment"
tap_is "$(it_sql "SELECT is_harassment FROM annotations WHERE tenant='rm' AND event_id='issue:203:created'")" 0 \
    "the urgent but honest issue is not"
out=$(M poll); rc=$?
tap_like "$out" "tenant rm: 2 issues changed, 0 events annotated, 2 seen before or ignored" \
    "a round with nothing new annotates nothing (the overlap is deduped)"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='rm'")" 4 "... still four events"
ok_after=$(it_sql "SELECT updated_at FROM poll_cursor WHERE tenant='rm'")
[ "$ok_after" -ge "$(( T0 ))" ] && [ "$ok_after" -ge "$ok_before" ] && [ "$ok_after" -le "$(date +%s)" ]
tap_ok $? "a round with nothing new still records that it succeeded"
tap_like "$(M status)" "poller: tenant rm at cursor $(at 4), last successful round" "mamori status shows the poller's cursor and last success"

# ---- what the helpdesk saw ---------------------------------------------------------
tap_is "$(hd_bad_requests)" 0 "every request the poller made had Redmine's documented shape"
tap_like "$(hd_log | grep '"/issues.json"' | tail -1)" "updated_on=%3E%3D$(at 2)&status_id=*&sort=updated_on:asc&limit=100" \
    "the last listing asks from the cursor minus the overlap, closed issues too, oldest change first"
hd_wait_notes redmine 202 1
tap_ok $? "the daemon's deliverer wrote the note for 202 back"

# ---- usage -------------------------------------------------------------------------
out=$(M poll --tenant zd); rc=$?
tap_is "$rc" 0 "poll --tenant of a webhook tenant is not an error"
tap_like "$out" "tenant zd: not polled" "... it says the tenant is not polled"
M poll --tenant nosuch >/dev/null 2>"$IT_DIR/err"; rc=$?
tap_is "$rc" 1 "poll --tenant of an unknown tenant fails"
tap_like "$(cat "$IT_DIR/err")" 'no tenant "nosuch"' "... and says so"
M poll --bogus >/dev/null 2>&1; rc=$?
tap_is "$rc" 2 "an unknown option is a usage error"

# ---- the daemon's poller, after a reload -------------------------------------------
sed -i 's/^poll_interval = 3600/poll_interval = 1/' "$IT_DIR/tenants.d/rm.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 2 serving"
put_issue "$(issue 204 5 5 'お前の顔を覚えたぞ。帰り道に気をつけろ。')"
it_until "[ \"\$(it_sql \"SELECT count(*) FROM events WHERE event_id='issue:204:created'\")\" = 1 ]"
tap_is "$(it_sql "SELECT is_harassment FROM annotations WHERE tenant='rm' AND event_id='issue:204:created'")" 1 \
    "the daemon's poller picked up a new issue by itself within seconds"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='rm'")" 5 "... and nothing twice"
# A failed round of the daemon's poller is counted in /metrics (the listing
# answers 500 once).
curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
    -d '{"platform": "redmine", "mode": "500", "count": 1, "reads": true, "match": "/issues.json"}'
hd_wait_metric 'mamori_poll_rounds_total{result="failed"}' 1
metric() { hd_metric "$1"; }
tap_is "$(metric 'mamori_poll_rounds_total{result="failed"}')" 1 "metrics: the daemon's failed polling round is counted"
tap_ok $([ "$(metric 'mamori_poll_rounds_total{result="ok"}')" -ge 2 ]; echo $?) \
    "metrics: its successful rounds too ($(metric 'mamori_poll_rounds_total{result="ok"}'))"
hd_wait_notes redmine 204 1   # the fifth note (for the issue the daemon polled) is written
hd_wait_metric 'mamori_deliveries_total{kind="note",result="delivered"}' 5
tap_ok $([ "$(metric 'mamori_deliveries_total{kind="note",result="delivered"}')" -ge 5 ]; echo $?) \
    "metrics: the notes the deliverer wrote back ($(metric 'mamori_deliveries_total{kind="note",result="delivered"}'))"
tap_like "$(grep 'event=poll_failed' "$IT_DIR/mamori.log")" "GET /issues.json" "the failed round is logged with the read that failed"
it_done
