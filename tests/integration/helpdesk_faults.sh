#!/bin/bash
# Write-back under failure: the stand-in answers 500, 429 with
# Retry-After, or hangs, for a while, then recovers; the deliverer is
# SIGKILLed in the middle of a delivery (after the helpdesk applied the
# write, before it answered) and restarted; the whole adapter restarts
# between the webhook and the delivery; a job dead-letters and is revived.
# Afterwards every note has arrived, and none twice.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
it_init 44
HD_TIMEOUT=2 HD_MAX_ATTEMPTS=4 HD_RETRY_MAX=4 hd_standin_start
hd_tenant zd zendesk
hd_tenant fd freshdesk
hd_tenant zm zammad
hd_tenant hs helpscout
hd_tenant ji jira
hd_tenant rm redmine "tags_custom_field_id = 7"
hd_tenant rt rt "tags_custom_field = Harassment"
hd_tenant bad zendesk
printf 'agent@acme.example/token:WRONG\n' > "$IT_DIR/secrets/bad.creds"
HD_LEGIT=calm hd_tenant gen generic "rate_per_minute = 60"
it_start || { echo "Bail out! stack did not start"; exit 1; }

job_of() { it_sql "select id from outbox where tenant='$1' order by id desc limit 1"; }

# 1. 500 three times, then success.
hd_fault zendesk 500 3
hd_post zd zendesk-ticket_created
tap_is "$HTTP_STATUS" 200 "500s: the webhook is acknowledged at once"
hd_wait_notes zendesk 4821 1 20
tap_is "$(hd_notes zendesk 4821)" 1 "500s: the note arrives after the helpdesk recovers, once"
tap_is "$(it_sql "select attempts from outbox where tenant='zd'")" 4 "500s: three failed attempts, then the fourth"
tap_like "$(cat "$IT_DIR/mamori.log")" "answered HTTP 500; retrying in" "500s: each failure is logged with the backoff"

# 2. 429 with Retry-After: 3 -> the tenant waits at least that long.
hd_fault freshdesk 429 1 3
hd_post fd freshdesk-ticket_created
hd_wait_notes freshdesk 1207 1 20
tap_is "$(hd_notes freshdesk 1207)" 1 "429: the note arrives once"
gap=$(python3 -c 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1]) if "\"freshdesk\"" in l]
f=[e["at"] for e in ev if e.get("fault")=="429"]; ok=[e["at"] for e in ev if e["method"]=="POST" and not e.get("fault")]
print(int(ok[0]-f[0]) if f and ok else -1)' "$IT_DIR/standin.log")
tap_ok "$([ "$gap" -ge 3 ] && echo 0 || echo 1)" "429: Retry-After: 3 was honoured (waited $gap s)"
tap_like "$(cat "$IT_DIR/mamori.log")" "(Retry-After: 3)" "429: the log names the Retry-After"

# 3. 503 with Retry-After, then the note.
hd_fault helpscout 503 2 1
hd_post hs helpscout-convo.created
hd_wait_notes helpscout 2391938111 1 20
tap_is "$(hd_notes helpscout 2391938111)" 1 "503: the note arrives once"

# 4. The API hangs past the timeout (nothing written), then recovers.
hd_fault zammad hang 1 0 4
hd_post zm zammad-ticket_created
hd_wait_notes zammad 233 1 25
tap_is "$(hd_notes zammad 233)" 1 "hang: after a timeout the note arrives once"
tap_like "$(cat "$IT_DIR/mamori.log")" "Timeout was reached" "hang: the timeout is logged"

# 5. The API applies the write but hangs before answering: the retry must
#    find the note and not send it again (Jira has no idempotency key).
hd_fault jira hang_after_write 1 0 4
hd_post ji jira-jira_issue_created
hd_wait_drained 20
tap_is "$(hd_notes jira CS-42)" 1 "write-then-hang: still exactly one note (the retry checked first)"
tap_like "$(hd_state "s['tags'].get('jira:CS-42')")" "kasuhara" "write-then-hang: the labels were still added"

# 6. SIGKILL the deliverer in the middle of a delivery, for each platform
#    without idempotency keys, and for Zendesk (which has one).
hangs_more_than() { [ "$(hd_log | grep -c "\"fault\": \"hang_after_write\"")" -gt "$1" ]; }
deliverer_not() { newpid=$(hd_deliverer_pid); [ -n "$newpid" ] && [ "$newpid" != "$1" ]; }
kill_during() {  # PLATFORM TENANT FIXTURE TICKET
    local before pid newpid
    hd_fault "$1" hang_after_write 1 0 30
    before=$(hd_log | grep -c "\"fault\": \"hang_after_write\"")
    hd_post "$2" "$3"
    it_poll "$IT_TIMEOUT" hangs_more_than "$before"
    pid=$(hd_deliverer_pid)
    kill -KILL "$pid"
    it_poll "$IT_TIMEOUT" deliverer_not "$pid"
    tap_ok "$([ -n "$newpid" ] && [ "$newpid" != "$pid" ] && echo 0 || echo 1)" "$1: the supervisor restarted the killed deliverer"
    hd_wait_drained 30
    tap_is "$(it_sql "select state from outbox where id=$(job_of "$2")")" done "$1: the job finished after the restart"
    tap_is "$(hd_notes "$1" "$4")" 1 "$1: the note is there exactly once"
}
kill_during rt rt rt-ticket_create 5120
tap_like "$(hd_state "s['tags'].get('rt:5120')")" "kasuhara" "rt: the custom field was set after the restart"
kill_during redmine rm redmine-issue.created 3141
kill_during helpscout hs helpscout-convo.customer.reply.created 2391900007
kill_during zendesk zd zendesk-comment_added 4799
tap_like "$(cat "$IT_DIR/mamori.log")" "leased by a deliverer that died are due again" "a dead deliverer's leases are released"

# 7. The adapter restarts between the webhook and the delivery.
hd_fault freshdesk 503 1 3
hd_post fd freshdesk-ticket_updated-public_note
fault_503_seen() { hd_log | grep -q '"fault": "503"'; }
it_poll "$IT_TIMEOUT" fault_503_seen
kill -TERM "$IT_MAMORI_PID"
wait "$IT_MAMORI_PID" 2>/dev/null
tap_is "$(it_sql "select state from outbox where id=$(job_of fd)")" pending "restart: the job waits in the outbox while mamori is down"
it_start_mamori
hd_wait_notes freshdesk 1188 1 20
tap_is "$(hd_notes freshdesk 1188)" 1 "restart: the note lands after mamori comes back, once"

# 8. Permanent errors dead-letter at once; max_attempts dead-letters too.
hd_post bad zendesk-ticket_created
state_is() { [ "$(it_sql "select state from outbox where $1")" = "$2" ]; }
it_poll "$IT_TIMEOUT" state_is "tenant='bad'" dead
tap_is "$(it_sql "select state from outbox where tenant='bad'")" dead "a 4xx (bad credentials) is dead-lettered"
tap_is "$(it_sql "select attempts from outbox where tenant='bad'")" 1 "... without retrying"
tap_like "$(it_sql "select last_error from outbox where tenant='bad'")" "HTTP 400" "... and says why"
hd_fault jira 500 100
hd_post ji jira-comment_created
id=$(job_of ji)
it_poll "$IT_TIMEOUT" state_is "id=$id" dead
tap_is "$(it_sql "select state from outbox where id=$id")" dead "after max_attempts (4) of 500s the job is dead"
tap_is "$(it_sql "select attempts from outbox where id=$id")" 4 "... after exactly 4 attempts"
hd_outbox show "$id" > "$IT_DIR/show.out"
tap_like "$(cat "$IT_DIR/show.out")" '"state": "dead"' "mamori outbox show describes it"
tap_unlike "$(cat "$IT_DIR/show.out")" "ログインできない" "... without the ticket text unless --payload"
hd_fault jira 500 0
hd_outbox retry "$id" > /dev/null
tap_is "$?" 0 "mamori outbox retry revives it"
hd_wait_notes jira CS-38 1 20
tap_is "$(hd_notes jira CS-38)" 1 "the revived job delivers its note once"
hd_outbox drop "$(job_of bad)" > /dev/null
tap_is "$(it_sql "select count(*) from outbox where tenant='bad'")" 0 "mamori outbox drop deletes a job"
hd_outbox retry 999999 > /dev/null 2>&1
tap_is "$?" 1 "retry of an unknown job fails"

# 9. Per-tenant rate: 60 per minute (a burst of 2, then one a second).
for n in 1 2 3 4 5; do
    printf '{"event_id": "rate-%s", "ticket_id": "R-%s", "body": "注文した商品の件で確認をお願いします。"}' "$n" "$n" > "$IT_DIR/r$n.json"
    http POST /hooks/gen/generic -H 'Content-Type: application/json' \
        -H "X-Mamori-Signature: $(sign_generic "$IT_DIR/r$n.json" secret-gen)" --data-binary "@$IT_DIR/r$n.json"
done
for n in 1 2 3 4 5; do hd_wait_notes generic R-$n 1 20; done
span=$(python3 -c 'import json,sys
t=sorted(json.loads(l)["at"] for l in open(sys.argv[1]) if "\"generic\"" in l)
print(round(t[-1]-t[0],1) if len(t)>=5 else -1)' "$IT_DIR/standin.log")
tap_ok "$(python3 -c "import sys; sys.exit(0 if $span >= 2.5 else 1)"; echo $?)" "rate: five requests at 60/min took $span s (>= 2.5)"

# /metrics counts every attempt by outcome (shared by the deliverer).
hd_wait_metric 'mamori_deliveries_total{kind="note",result="delivered"}' 5
metric() { hd_metric "$1"; }
tap_ok $([ "$(metric 'mamori_deliveries_total{kind="note",result="dead"}')" -ge 2 ]; echo $?) \
    "metrics: the dead letters are counted ($(metric 'mamori_deliveries_total{kind="note",result="dead"}'))"
tap_ok $([ "$(metric 'mamori_deliveries_total{kind="note",result="retry"}')" -ge 3 ]; echo $?) \
    "metrics: the retried attempts are counted ($(metric 'mamori_deliveries_total{kind="note",result="retry"}'))"
tap_ok $([ "$(metric 'mamori_deliveries_total{kind="note",result="delivered"}')" -ge 5 ]; echo $?) \
    "metrics: the notes delivered are counted ($(metric 'mamori_deliveries_total{kind="note",result="delivered"}'))"
tap_is "$(hd_bad_requests 2>&1 | grep -vc "bad or missing Authorization for zendesk")" 1 \
    "the stand-in found no malformed request (but the intentionally wrong credentials)"
it_done
