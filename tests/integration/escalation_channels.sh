#!/bin/bash
# Escalation channels end to end: a webhook -> nginx -> mamori-fcgi ->
# outbox (same transaction) -> deliverer -> the stand-ins for the LINE API,
# Slack, Teams, a signed webhook and an SMTP server (STARTTLS + AUTH),
# each checking the exact request. Then: follow-ups do not flood, a police
# case tells the supervisor and the lawyer at once with "call the police"
# first, a lost LINE answer is retried with the same X-Line-Retry-Key and
# never sent twice, a 4xx dead-letters, a temporary SMTP failure is
# retried, everything is in the audit chain, and no secret reaches a log.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 70
ESC_SMTP_FAIL_FIRST=1 esc_standins_start
esc_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }

# ---- a lawyer-level case: 念書 demanded (刑法223条 強要) ----
esc_post_ticket acme ev-1 T-100 "お世話になっております。山田太郎です。担当者に念書を書けと言っているんです。書かないなら毎日電話します。連絡先は090-1234-5678です。"
tap_is "$HTTP_STATUS" 200 "the webhook is answered 200"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["escalation"]["level"]')" lawyer "the policy escalates it to the lawyer"
tap_is "$(it_sql "select count(*) from outbox where kind='escalation'")" 5 \
    "five messages enqueued with the webhook (LINE x2, mail, Teams, webhook)"
tap_is "$(it_sql "select level||','||channels from escalations")" "lawyer,lawyer-line,lawyer-mail,legal-teams,ops-hook" \
    "one escalation row, with who is told"

esc_wait line 2 'e["ok"]' 20
esc_wait teams 1 'e["ok"]' 20
esc_wait hook 1 'e["ok"]' 20
esc_wait_drained 30
tap_is "$(esc_count line 'e["ok"] and e.get("accepted")')" 2 "LINE: two pushes accepted (the lawyer and the group)"
tap_is "$(esc_req line 0 'e["path"]')" "/line/v2/bot/message/push" "LINE: POST {api_url}/v2/bot/message/push"
tap_is "$(esc_req line 0 'e["headers"]["Authorization"]')" "Bearer $ESC_LINE_TOKEN" "LINE: Bearer channel access token"
tap_like "$(esc_req line 0 'e["headers"]["Content-Type"]')" "application/json" "LINE: JSON body"
tap_ok "$(esc_req line 0 'e["retry_key"]' | grep -Eqx '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'; echo $?)" \
    "LINE: X-Line-Retry-Key is a UUID"
tap_is "$(esc_req line 0 'str(len(e["body"]["messages"])) + e["body"]["messages"][0]["type"] + str(e["body"]["notificationDisabled"])')" \
    "1textFalse" "LINE: one text message, notifications on"
tap_is "$(python3 -c 'import json,sys; print(sorted(json.loads(l)["body"]["to"] for l in open(sys.argv[1]) if json.loads(l)["service"]=="line"))' "$IT_DIR/channels.log")" \
    "['$ESC_GROUP', '$ESC_LAWYER']" "LINE: to the lawyer and to the group"
text=$(esc_req line 0 'e["body"]["messages"][0]["text"]')
tap_like "$text" "【カスハラ エスカレーション: 弁護士へ相談】Acme 株式会社" "message: company and level first"
tap_like "$text" "チケット: mamori generic webhook #T-100" "message: the ticket number"
tap_like "$text" "https://acme.example/tickets/T-100" "message: the ticket link"
tap_like "$text" "謝罪文等の強要" "message: the category"
tap_like "$text" "刑法223条" "message: the legal basis"
tap_like "$text" "念書を書け" "message: the evidence, quoted"
tap_like "$text" "■ 担当者への案内" "message: what the agent was advised"
tap_like "$text" "受信: " "message: when it arrived"
tap_like "$text" "「受任」" "message: how to answer from LINE"
tap_unlike "$text" "090-1234-5678" "message: the customer's phone number is redacted"
tap_unlike "$text" "山田" "message: the customer's name is redacted"

tap_is "$(esc_count slack)" 0 "Slack: not on the lawyer route"
tap_is "$(esc_req teams 0 'e["query"].split("sig=")[1]')" "$ESC_TEAMS_SIG" "Teams: posted to the workflow URL with its sig"
tap_is "$(esc_req teams 0 'e["body"]["attachments"][0]["content"]["type"] + " " + e["body"]["attachments"][0]["contentType"]')" \
    "AdaptiveCard application/vnd.microsoft.card.adaptive" "Teams: an Adaptive Card attachment"
tap_is "$(esc_req teams 0 'e["status"]')" 202 "Teams: 202 Accepted is success"
tap_like "$(esc_req teams 0 'e["body"]')" "Action.OpenUrl" "Teams: a button opens the ticket"
tap_is "$(esc_req hook 0 'e["body"]["type"] + " " + e["body"]["escalation"]["ticket_id"]')" "mamori.escalation/1 T-100" \
    "webhook: signed (checked by the receiver), the escalation as JSON"

# Mail: the first DATA got 451 (temporary), the retry went through.
tap_is "$(esc_mails)" 1 "mail: delivered once after a temporary 451"
tap_is "$(grep -c '"accepted": false' "$IT_DIR/smtp.log")" 1 "mail: the 451 was retried"
tap_is "$(esc_mail 0 'e["tls"]')" true "mail: STARTTLS was used (certificate checked against [deliver] ca_file)"
tap_is "$(esc_mail 0 'e["auth_user"]')" "$ESC_SMTP_USER" "mail: SMTP AUTH with the configured user"
tap_is "$(esc_mail 0 'e["mail_from"] + " " + ",".join(e["rcpt"])')" \
    "<mamori@acme.example> <kimura@law.example>,<desk@law.example>" "mail: envelope from and every recipient"
tap_like "$(esc_mail 0 'str(m["subject"])')" "[mamori] 弁護士へ相談: Acme 株式会社 mamori generic webhook #T-100" \
    "mail: the subject (RFC 2047) names level, company and ticket"
tap_like "$(esc_mail 0 'm["Content-Type"].lower()')" "text/plain; charset=\"utf-8\"" "mail: UTF-8 text"
tap_like "$(esc_mail 0 'body')" "念書を書け" "mail: the body quotes the evidence"
tap_like "$(esc_mail 0 'm["Message-ID"]')" "@acme.example>" "mail: a stable Message-ID"

# ---- a follow-up on the same ticket: recorded, nothing sent ----
before=$(esc_count line)
esc_post_ticket acme ev-2 T-100 "まだ念書を書かないのか。書けと言っている。"
tap_is "$HTTP_STATUS" 200 "a follow-up message is answered"
sleep 1.5
tap_is "$(esc_count line)" "$before" "the follow-up sends nothing new"
tap_is "$(it_sql "select followups from escalations where ticket_id='T-100'")" 1 "the follow-up is counted on the escalation"
tap_is "$(esc_audit_count escalation_followup)" 1 "and audited"

# ---- police: supervisor and lawyer at once, "call the police" first ----
esc_post_ticket acme ev-3 T-200 "返金しないなら殺すぞ。"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["escalation"]["level"]')" police "a death threat escalates to the police level"
esc_wait slack 1 'e["ok"]' 20
esc_wait line 4 'e["ok"]' 20
tap_is "$(esc_count slack 'e["ok"]')" 1 "police: the team lead is told on Slack"
tap_is "$(esc_count line 'e["ok"] and "T-200" in e["body"]["messages"][0]["text"]')" 2 "police: and the lawyer on LINE"
tap_like "$(esc_req line -1 'e["body"]["messages"][0]["text"].splitlines()[0]')" "【至急・警察へ通報】" \
    "police: the message starts with 'call the police'"
tap_is "$(esc_req slack 0 'e["headers"]["Content-Type"]')" "application/json; charset=utf-8" "Slack: JSON"
tap_like "$(esc_req slack 0 'e["body"]["text"]')" "警察へ通報" "Slack: the notification text names the level"
tap_like "$(esc_req slack 0 'e["body"]["blocks"][0]["text"]["text"]')" "<https://acme.example/tickets/T-200|" \
    "Slack: mrkdwn with the ticket link"

# ---- LINE: the answer is lost (500 after accepting); the retry reuses the
# key, LINE says 409, and the message exists once ----
esc_fault line accept_then_500 1
esc_post_ticket acme ev-4 T-300 "今日中に念書を書け。"
esc_wait line 1 'e["status"] == 409' 20
esc_wait_drained 20
keys=$(python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
r=[e for e in r if e["service"]=="line" and "T-300" in e["body"]["messages"][0]["text"] and e["body"]["to"]==sys.argv[2]]
print(len(r), len(set(e["retry_key"] for e in r)), sum(1 for e in r if e.get("accepted")), [e["status"] for e in r])' \
    "$IT_DIR/channels.log" "$(esc_req line -1 'e["body"]["to"]')")
tap_like "$keys" "2 1 1" "LINE retry: two attempts, one retry key, accepted once"
tap_like "$keys" "[500, 409]" "LINE retry: 500, then 409 (already accepted) is success"
tap_is "$(it_sql "select count(*) from outbox where kind='escalation' and state='done' and dedupe_key like '%T-300%'")" 5 \
    "LINE retry: every message of the escalation is done"

# ---- a permanent error dead-letters at once and is audited ----
esc_fault slack 429 1 1
esc_post_ticket acme ev-5 T-400 "お前を殺してやる。"
esc_wait slack 1 'e["status"] == 200 and "T-400" in e["body"]["text"]' 20
tap_is "$(esc_count slack 'e["status"] == 429')" 1 "Slack: a 429 is answered with Retry-After"
tap_is "$(esc_count slack 'e["status"] == 200 and "T-400" in e["body"]["text"]')" 1 "Slack: the retry after Retry-After delivers once"
mv "$IT_DIR/secrets/line.token" "$IT_DIR/secrets/line.token.ok"
it_secret line.token "WRONG-token" >/dev/null
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 2 serving"
esc_post_ticket acme ev-6 T-500 "念書を書かないなら家まで行く。"
it_until "[ \"\$(it_sql \"select count(*) from outbox where state='dead'\")\" -ge 2 ]"
tap_is "$(it_sql "select count(*) from outbox where state='dead' and connector='line'")" 2 \
    "a wrong LINE token (400 from the API) dead-letters both pushes at once"
tap_like "$(it_sql "select last_error from outbox where state='dead' limit 1")" "answered HTTP 400" "the dead letter says why"
tap_is "$(esc_audit_count escalation_failed)" 2 "dead letters are audited"
mv "$IT_DIR/secrets/line.token.ok" "$IT_DIR/secrets/line.token"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 3 serving"
"$MAMORI" -c "$IT_DIR/mamori.conf" outbox retry --all-dead >/dev/null
esc_wait line 2 'e["ok"] and "T-500" in e["body"]["messages"][0]["text"]' 20
tap_is "$(esc_count line 'e["ok"] and e["status"] == 200 and "T-500" in e["body"]["messages"][0]["text"]')" 2 \
    "after the fix, mamori outbox retry delivers them"

# ---- restart safety: the deliverer is killed while LINE holds the answer;
# its successor resends with the same key and the lawyer gets it once ----
esc_fault line accept_then_hang 1 5
esc_post_ticket acme ev-7 T-600 "念書を今日中に書け。"
it_until 'grep -q T-600 "$IT_DIR/channels.log" 2>/dev/null'
sleep 1
dpid=$(ps -o pid=,comm= --ppid "$IT_MAMORI_PID" | awk '$2 ~ /^mamori-deliver/ {print $1}' | head -1)
starts=$(grep -c deliverer_started "$IT_DIR/mamori.log")
kill -KILL "$dpid"
it_wait_log_more deliverer_started "$starts"
tap_ok "$([ "$(grep -c deliverer_started "$IT_DIR/mamori.log")" -gt "$starts" ]; echo $?)" \
    "restart: the supervisor restarted the killed deliverer"
esc_wait line 1 'e["status"] == 409 and "T-600" in e["body"]["messages"][0]["text"]' 30
esc_wait_drained 30
esc_wait line 3 '"T-600" in e["body"]["messages"][0]["text"]' 10 # the hung answer is logged when it ends
tap_is "$(esc_count line '"T-600" in e["body"]["messages"][0]["text"] and e.get("accepted")')/$(python3 -c 'import json,sys
print(len(set(json.loads(l)["retry_key"] for l in open(sys.argv[1], encoding="utf-8") if json.loads(l)["service"] == "line" and "T-600" in json.loads(l)["body"]["messages"][0]["text"])))' "$IT_DIR/channels.log")" "2/2" \
    "restart: three requests with two retry keys, each recipient's message accepted exactly once"
tap_is "$(it_sql "select count(*) from outbox where dedupe_key like '%T-600%' and state='done'")" 5 \
    "restart: every message of the escalation is done"

# ---- the record ----
esc_wait_drained 20
tap_is "$(esc_audit_count escalation_opened)" 6 "every new escalation is audited"
tap_ok "$([ "$(esc_audit_count escalation_notified)" -ge 15 ]; echo $?)" "every delivered message is audited ($(esc_audit_count escalation_notified))"
tap_like "$(it_sql "select data from audit where kind='escalation_notified' limit 1")" '"sha256":"' \
    "the audit record holds the message's SHA-256 and recipient"
"$MAMORI" -c "$IT_DIR/mamori.conf" audit verify >/dev/null 2>&1
tap_is "$?" 0 "the audit chain verifies"
http GET /metrics
sent=$(printf '%s\n' "$HTTP_BODY" | awk '$1 == "mamori_deliveries_total{kind=\"escalation\",result=\"delivered\"}" {print $2}')
tap_is "$sent" "$(esc_audit_count escalation_notified)" "metrics count the escalation messages sent, as many as the audit chain"
tap_is "$(esc_bad_requests)" 0 "the stand-ins found no malformed request (but the intentionally wrong token)"
logs="$(cat "$IT_DIR/mamori.log")"
tap_unlike "$logs" "XXXXXXXXXXXXXXXXXXXXXXXX" "the Slack URL never reaches the log"
tap_unlike "$logs" "$ESC_TEAMS_SIG" "the Teams sig never reaches the log"
tap_unlike "$logs$(it_sql "select payload||coalesce(last_error,'') from outbox")" "$ESC_LINE_TOKEN" \
    "the LINE token is neither logged nor stored"
tap_unlike "$logs$(it_sql "select payload from outbox")" "$ESC_SMTP_PASS" "the SMTP password is neither logged nor stored"
it_done
