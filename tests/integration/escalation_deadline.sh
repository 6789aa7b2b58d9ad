#!/bin/bash
# The acknowledgement deadline and quiet hours. The clock is moved with
# `mamori escalation tick --now +DURATION` (the same check the deliverer
# runs every few seconds with the real time), never slept through: an
# unacknowledged escalation reaches the backup after its deadline, an
# acknowledged one does not, the backup is told once, and the deliverer's
# own periodic check fires too. Quiet hours send to the quiet route, and a
# police-level case to both.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 27
esc_standins_start
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line" ESC_ACK_DEADLINE=15m esc_tenant acme
# Quiet hours around the current time (JST), so the quiet route applies now.
quiet=$(python3 -c 'import time
m = int((time.time() + 9 * 3600) // 60) % 1440
f = (m - 60) % 1440; t = (m + 60) % 1440
print("%02d:%02d-%02d:%02d" % (f // 60, f % 60, t // 60, t % 60))')
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line" ESC_ESCALATION_EXTRA="quiet_hours = $quiet
quiet_route = oncall" esc_tenant night
# A tenant with a two-second deadline for the deliverer's own check, and
# one without a backup.
ESC_ROUTES="lawyer = lawyer-line" ESC_ACK_DEADLINE=2s esc_tenant fast
ESC_ROUTES="lawyer = lawyer-line" esc_tenant nobackup
sed -i 's/^backup = backup-line$//' "$IT_DIR/tenants.d/nobackup.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }
mam() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
lawyer_text="担当者に念書を書けと言っている。書かないなら毎日電話する。"

esc_post_ticket acme ev-1 T-1 "$lawyer_text"
esc_post_ticket acme ev-2 T-2 "$lawyer_text"
tap_is "$(it_sql "select count(*) from escalations where tenant='acme' and ack_due_at = created_at + 900")" 2 \
    "two lawyer escalations, each due for acknowledgement in 15 minutes"
esc_wait line 4 'e["ok"]' 20
tap_is "$(esc_count line 'e["body"]["to"] == "'$ESC_BACKUP'"')" 0 "the backup is not told at first"

id2=$(it_sql "select id from escalations where ticket_id='T-2'")
mam escalation ack "$id2" --by "木村 (phone)" > /dev/null
tap_is "$?" 0 "mamori escalation ack records an acknowledgement given by phone"
tap_like "$(it_sql "select data from audit where kind='escalation_acknowledged'")" '"via":"cli"' "... audited as such"

tap_like "$(mam escalation tick)" "0 overdue" "tick now: nothing is overdue"
tap_like "$(mam escalation tick --now +14m)" "0 overdue" "tick at +14 min: still nothing"
tap_like "$(mam escalation list --open)" "T-1" "mamori escalation list --open shows the open one"
out=$(mam escalation tick --now +16m)
tap_like "$out" "1 overdue" "tick at +16 min: the unacknowledged escalation is overdue"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'"' 20
tap_is "$(esc_count line 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'"')" 1 "the backup contact gets one LINE push"
text=$(esc_req line -1 'e["body"]["messages"][0]["text"]')
tap_like "$text" "【未確認・至急】期限（15分）までに弁護士の確認がありません" "it says nobody acknowledged in time"
tap_like "$text" "#T-1" "it is about T-1"
tap_is "$(esc_count line 'e["body"]["to"] == "'$ESC_BACKUP'" and "T-2" in e["body"]["messages"][0]["text"]')" 0 \
    "the acknowledged T-2 is not sent to the backup"
tap_like "$(mam escalation tick --now +60m)" "0 overdue" "the backup is told once"
tap_is "$(it_sql "select backup_at is not null and message is null from escalations where ticket_id='T-1'")" 1 \
    "the escalation records the backup notice and drops the quoted evidence"
tap_is "$(esc_audit_count escalation_backup)" 1 "the backup notice is audited"
tap_like "$(it_sql "select data from audit where kind='escalation_backup'")" "\"recipient\":\"$ESC_BACKUP\"" \
    "... with whom it told"
esc_wait_drained 20
tap_ok "$([ "$(it_sql "select count(*) from audit where kind='escalation_notified' and data like '%\"purpose\":\"backup\"%'")" = 1 ]; echo $?)" \
    "the delivered backup message is audited"

# The deliverer's own periodic check, with the real clock.
esc_post_ticket fast ev-f1 F-1 "$lawyer_text"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "F-1" in e["body"]["messages"][0]["text"]' 20
tap_is "$(esc_count line 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "F-1" in e["body"]["messages"][0]["text"]')" 1 \
    "the deliverer's periodic check tells the backup after a 2 s deadline by itself"

# No backup configured: recorded and logged, nobody to tell.
esc_post_ticket nobackup ev-n1 N-1 "$lawyer_text"
out=$(mam escalation tick --now +31m 2>&1)
tap_like "$out" "1 overdue" "an escalation without a backup still passes its deadline"
tap_is "$(esc_audit_count escalation_unacknowledged)" 1 "it is audited as unacknowledged"
tap_like "$out" "no [escalation] backup to tell" "and the log says there is no backup"

# Quiet hours: the quiet route replaces the lawyer's; police goes to both.
esc_post_ticket night ev-q1 Q-1 "$lawyer_text"
esc_wait line 1 'e["ok"] and "Q-1" in e["body"]["messages"][0]["text"]' 20
sleep 1
tap_is "$(esc_count line '"Q-1" in e["body"]["messages"][0]["text"] and e["body"]["to"] == "'$ESC_ONCALL'"')" 1 \
    "quiet hours: the on-call contact is told"
tap_is "$(esc_count line '"Q-1" in e["body"]["messages"][0]["text"] and e["body"]["to"] == "'$ESC_LAWYER'"')" 0 \
    "quiet hours: the lawyer is not woken"
esc_post_ticket night ev-q2 Q-2 "返金しないなら殺すぞ。"
esc_wait slack 1 'e["ok"] and "Q-2" in e["body"]["text"]' 20
esc_wait line 3 'e["ok"] and "Q-2" in e["body"]["messages"][0]["text"]' 20
tap_is "$(esc_count line '"Q-2" in e["body"]["messages"][0]["text"]')" 3 \
    "quiet hours, police level: the lawyer (user and group) and the on-call contact"
tap_is "$(esc_count slack '"Q-2" in e["body"]["text"]')" 1 "... and the team lead"

mam audit verify >/dev/null 2>&1
tap_is "$?" 0 "the audit chain verifies"
tap_is "$(esc_bad_requests)" 0 "the stand-in found no malformed request"
it_done
