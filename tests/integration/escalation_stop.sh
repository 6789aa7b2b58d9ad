#!/bin/bash
# An escalation message in flight when mamori-fcgi gets SIGTERM is
# finished within [deliver] stop_grace, as a write-back is (issue 15, the
# third of what was left): Slack has no retry key, so a message cut off and
# sent again by the next deliverer would reach the channel twice. The Slack
# stand-in accepts the message and holds its answer; SIGTERM arrives while
# the request is out; once the deliverer says it is finishing it, the
# stand-in answers; the job is done and audited before the daemon exits,
# and after a restart nothing is sent again.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 8
HD_TIMEOUT=20
ESC_ROUTES="police = teamlead
lawyer = teamlead
supervisor = teamlead"
esc_standins_start
esc_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
esc_fault slack hold 1 120
esc_post_ticket acme ev-1 T-1 "担当者に念書を書けと言っているんです。書かないなら毎日電話します。"
tap_is "$HTTP_STATUS" 200 "webhook accepted"
tap_is "$(it_sql "select count(*) from outbox where kind='escalation'")" 1 "one Slack message enqueued"
slack_in_flight() {
    [ "$(curl -s "$ESC_CH/_state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["inflight"].get("slack", 0))')" -ge 1 ] 2>/dev/null
}
it_poll "$IT_TIMEOUT" slack_in_flight
tap_ok $? "the message's request is at Slack"
kill -TERM "$IT_MAMORI_PID"
it_poll "$IT_TIMEOUT" it_log_has deliverer_draining
tap_ok $? "the deliverer says it is finishing the message under way"
esc_fault slack release 0
it_poll "$IT_TIMEOUT" sh -c "! kill -0 $IT_MAMORI_PID 2>/dev/null"
tap_ok $? "mamori-fcgi exits after SIGTERM"
tap_is "$(it_sql "select group_concat(state) from outbox where kind = 'escalation'")" done \
    "the message in flight was finished before the deliverer stopped"
tap_is "$(esc_audit_count escalation_notified)" 1 "... and audited as delivered"

# Restart; by the time a second ticket's message is there the deliverer
# has looked at the outbox: the first message went to Slack once.
rm -f "$IT_SOCK"
it_start_mamori || { echo "Bail out! restart failed"; exit 1; }
esc_post_ticket acme ev-2 T-2 "担当者に念書を書けと言っているんです。書かないなら毎日電話します。"
esc_wait slack 2 'e["ok"]' 20
esc_wait_drained 30
tap_is "$(esc_count slack 'e["ok"] and "T-1" in json.dumps(e["body"], ensure_ascii=False)')" 1 \
    "the first ticket's message reached Slack once (not again after the restart)"
it_done
