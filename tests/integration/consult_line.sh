#!/bin/bash
# Agents consult the lawyer from the ticket (issue 16), end to end through
# nginx with the Zendesk and LINE stand-ins: an internal note starting with
# "@弁護士" reaches the lawyer's LINE with the question (redacted as the
# evidence is), the ticket link, the categories, the quoted evidence and a
# consultation number; the lawyer's quoted reply comes back as an internal
# note marked as the lawyer's advice on that consultation; 「確認」 and
# 「受任」 work as for escalations; "@上長" asks the supervisor's route; a
# tenant without a route gets a note saying so; a note without the prefix,
# mamori's own notes and redeliveries do nothing; `mamori consult` sends the
# question with the ticket's categories and the quoted evidence of its open
# escalation, and refuses a ticket of another tenant; every step is in the
# audit chain.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 63
hd_standin_start
esc_standins_start
hd_tenant zd zendesk "api_user_id = 39011229999"
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line
supervisor = teamlead" esc_sections >> "$IT_DIR/tenants.d/zd.conf"
printf '\n[consult]\ntag = ask-lawyer\n' >> "$IT_DIR/tenants.d/zd.conf"
# A tenant that keeps the quoted evidence ([tenant] keep_evidence).
HD_TENANT_EXTRA="keep_evidence = yes" hd_tenant ke zendesk "api_user_id = 39011229999"
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line
supervisor = teamlead" esc_sections >> "$IT_DIR/tenants.d/ke.conf"
# A second tenant on the same helpdesk with nowhere to send consultations.
hd_tenant noroute zendesk "api_user_id = 39011229999"
it_start || { echo "Bail out! stack did not start"; exit 1; }
mam() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
AGENT=39011220001

# zd_comment FILE EVENT TICKET AUTHOR STAFF(true|false) PUBLIC(true|false) BODY [DESCRIPTION] [TAGS,...]
# -- a Zendesk ticket.comment_added event as the helpdesk sends it.
zd_comment() {
    python3 - "$@" <<'PY'
import json, sys
f, ev, ticket, author, staff, public, body = sys.argv[1:8]
desc = sys.argv[8] if len(sys.argv) > 8 else "ご連絡ありがとうございます。"
tags = [t for t in (sys.argv[9] if len(sys.argv) > 9 else "").split(",") if t]
import os
d = {"account_id": 24681357, "type": "zen:event-type:ticket." + os.environ.get("ZD_TYPE", "comment_added"), "id": ev,
     "subject": "zen:ticket:" + ticket, "time": "2026-01-10T01:00:00Z", "zendesk_event_version": "2022-11-06",
     "detail": {"id": ticket, "actor_id": author, "created_at": "2026-01-10T00:00:00Z", "description": desc,
                "requester_id": "39011225" + ticket[-3:], "subject": "ご対応について", "tags": tags,
                "via": {"channel": "email"}, "status": "OPEN"},
     "event": {"comment": {"id": "99" + ev[-8:], "body": body, "is_public": public == "true",
                           "author": {"id": author, "is_staff": staff == "true", "name": "x"}}}}
open(f, "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
}
post_comment() {  # post_comment TENANT ARGS-OF-zd_comment...
    local tenant=$1
    shift
    zd_comment "$IT_DIR/c-$1.json" "$@"
    hd_post "$tenant" zendesk-comment_added "$IT_DIR/c-$1.json"
}
THREAT="何度言えば分かるんだ。今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。"

# ---- an agent's consult note reaches the lawyer ----
question="@弁護士 念書を求められています。折り返しは 090-1234-5678 に、と言われました。返金に応じるべきでしょうか。"
post_comment zd ev-c1-0000001 5001 "$AGENT" true false "$question" "$THREAT"
tap_is "$HTTP_STATUS" 200 "an agent's @弁護士 note is accepted"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]+"/"+d["consult"]+"/"+str(d["consultation"])')" "agent_event/sent/1" \
    "... and answered as consultation #1"
esc_wait line 1 'e["ok"] and "相談番号" in e["body"]["messages"][0]["text"]' 20
line_text=$(esc_req line 0 'e["body"]["messages"][0]["text"]')
tap_like "$line_text" "相談番号: #1 (担当者から弁護士への相談)" "the lawyer's LINE message carries the consultation number"
tap_like "$line_text" "返金に応じるべきでしょうか" "... the agent's question"
tap_unlike "$line_text" "090-1234-5678" "... with the phone number redacted, as evidence is"
tap_like "$line_text" "$HD_STANDIN/zendesk/agent/tickets/5001" "... the ticket link"
tap_like "$line_text" "【担当者からの相談: 弁護士へ相談】" "... and is titled as an agent's consultation"
tap_like "$line_text" "「" "... the quoted evidence from the customer's text"
tap_like "$line_text" "待ってる" "... which is the customer's threat"
tap_is "$(esc_count line "\"相談番号\" in e[\"body\"][\"messages\"][0][\"text\"] and e[\"body\"][\"to\"] in (\"$ESC_LAWYER\", \"$ESC_GROUP\")")" 2 \
    "it went to both recipients of the lawyer-line channel"
hd_wait_notes zendesk 5001 1 20
tap_like "$(hd_state "s['notes']['zendesk:5001'][0]['text']")" "相談 #1 を弁護士に送信しました" \
    "the agent is told on the ticket that consultation #1 was sent"
tap_is "$(it_sql "select target||'/'||ticket_id||'/'||asked_by from consultations")" "lawyer/5001/$AGENT" \
    "the consultation is recorded with who asked"
tap_is "$(esc_audit_count consultation_opened)" 1 "the consultation is in the audit chain"
tap_like "$(it_sql "select data from audit where kind='consultation_opened'")" '"question_sha256":"' \
    "... by the question's digest (no text in the chain)"
tap_is "$(it_sql "select count(*) from events where ticket_id='5001' and requester is not null")" 0 \
    "the agent's note is not recorded as a customer contact"
esc_wait_drained 20
msg_id=$(python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]=="line" and e["body"]["to"]==sys.argv[2] and "相談番号" in e["body"]["messages"][0]["text"] and e.get("message_id"):
        print(e["message_id"]); break' "$IT_DIR/channels.log" "$ESC_LAWYER")
tap_is "$(it_sql "select e.level from escalation_messages m join escalations e on e.id=m.escalation_id where m.platform_id='$msg_id'")" \
    consult-1 "the LINE message id is recorded against consultation #1"

# A redelivery of the same note: nothing new.
hd_post zd zendesk-comment_added "$IT_DIR/c-ev-c1-0000001.json"
tap_is "$(it_sql "select count(*) from consultations")/$(esc_count line '"相談番号" in e["body"]["messages"][0]["text"]')" "1/2" \
    "a redelivered note consults nobody twice"

# ---- the lawyer's reply comes back as an internal note ----
mam lawyer approve zd "$ESC_LAWYER" --name "木村" > /dev/null
advice="念書には応じないでください。返金は規定どおりとし、以後は私の事務所を案内してください。"
esc_line_body "$IT_DIR/advice.json" message "$ESC_LAWYER" 01JXC0NSULTADV1CE000000000 "$advice" "$msg_id"
esc_line_post zd "$IT_DIR/advice.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "the lawyer's quoted reply is handled"
hd_wait_notes zendesk 5001 2 20
note=$(hd_state "s['notes']['zendesk:5001'][1]['text']")
tap_like "$note" "弁護士の助言（相談 #1 への回答、木村、" "it becomes a note marked as the lawyer's advice on consultation #1"
tap_like "$note" "> $advice" "... quoting the advice"
tap_is "$(hd_notes zendesk 5002)" 0 "... on the right ticket only"
tap_ok "$([ "$(it_sql "select acked_at is not null from escalations where level='consult-1'")" = 1 ]; echo $?)" \
    "the reply acknowledged the consultation"
tap_like "$(it_sql "select data from audit where kind='lawyer_note'")" '"level":"consult-1"' "the answer is audited against consultation #1"
# mamori's own note coming back from Zendesk (written by its API user) is ignored.
post_comment zd ev-own-000000001 5001 39011229999 true false "$note"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "mamori's own note coming back does nothing (no loop)"

# ---- 受任 ----
esc_line_body "$IT_DIR/retain.json" message "$ESC_LAWYER" 01JXC0NSULTRETA1N000000000 "受任" "$msg_id"
esc_line_post zd "$IT_DIR/retain.json"
hd_wait_notes zendesk 5001 3 20
tap_like "$(hd_state "s['notes']['zendesk:5001'][2]['text']")" "弁護士（木村）が受任しました" "「受任」 on the consultation: the lawyer takes the case"
tap_is "$(it_sql "select retained_by from escalations where level='consult-1'")" "$ESC_LAWYER" "... recorded on the consultation"

# ---- 確認 on a second consultation, without a quote ----
post_comment zd ev-c2-0000002 5002 "$AGENT" true false "@lawyer Is a refund owed here?" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["consultation"]')" 2 "an @lawyer note opens consultation #2"
esc_wait line 1 'e["ok"] and "#5002" in e["body"]["messages"][0]["text"]' 20
esc_wait_drained 20
esc_line_body "$IT_DIR/ack.json" message "$ESC_LAWYER" 01JXC0NSULTACK0000000000000 "確認" ""
esc_line_post zd "$IT_DIR/ack.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "「確認」 is handled"
tap_ok "$([ "$(it_sql "select acked_at is not null from escalations where level='consult-2'")" = 1 ]; echo $?)" \
    "... and acknowledges the latest consultation sent to the lawyer"
hd_wait_notes zendesk 5002 2 20
tap_like "$(hd_state "s['notes']['zendesk:5002'][1]['text']")" "弁護士（木村）が相談 #2 を確認しました" "the agents see it"

# ---- the supervisor route ----
post_comment zd ev-c3-0000003 5003 "$AGENT" true false "@上長 この方への次の返信を確認してください。" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')" sent "an @上長 note is a supervisor consultation"
esc_wait slack 1 'e["ok"] and "相談番号" in json.dumps(e["body"], ensure_ascii=False)' 20
tap_is "$(esc_count slack '"相談番号" in json.dumps(e["body"], ensure_ascii=False) and "#5003" in json.dumps(e["body"], ensure_ascii=False)')" 1 \
    "... sent to the supervisor route (Slack)"
tap_is "$(it_sql "select target from consultations where ticket_id='5003'")" supervisor "... recorded as a supervisor consultation"

# ---- a consult tag (a macro), for helpdesks whose notes reach no webhook ----
ZD_TYPE=tags_changed post_comment zd ev-tag-0000008 5004 "$AGENT" true false "" "$THREAT" "ask-lawyer"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')" sent "the tenant's consult tag asks the lawyer"
ZD_TYPE=tags_changed post_comment zd ev-tag-0000009 5004 "$AGENT" true false "" "$THREAT" "ask-lawyer,other"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')/$(it_sql "select count(*) from consultations where ticket_id='5004'")" \
    "known/1" "... once per ticket, however often the tag is seen"

# ---- notes that ask nothing ----
before="$(it_sql "select count(*) from consultations")/$(it_sql "select count(*) from outbox")/$(it_sql "select count(*) from audit")"
post_comment zd ev-plain-0000004 5001 "$AGENT" true false "返金は規定どおりと回答済み。@弁護士 の助言に従う。" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "a note without the prefix at its start does nothing"
post_comment zd ev-other-0000005 5001 "$AGENT" true false "@lawyers please see" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "an unknown prefix (@lawyers) does nothing"
post_comment zd ev-public-0000006 5001 "$AGENT" true true "お問い合わせありがとうございます。@弁護士 に確認します。" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "a staff reply is never judged as customer text"
tap_is "$(it_sql "select count(*) from consultations")/$(it_sql "select count(*) from outbox")/$(it_sql "select count(*) from audit")" \
    "$before" "... and none of them wrote anything"

# ---- a tenant without a route ----
post_comment noroute ev-nr-0000007 6001 "$AGENT" true false "@弁護士 相談したいです。" "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')" unrouted "a consultation on a tenant without a route says so"
hd_wait_notes zendesk 6001 1 20
tap_like "$(hd_state "s['notes']['zendesk:6001'][0]['text']")" "相談は送信されていません：弁護士への相談先が設定されていません" \
    "... and the agent is told on the ticket"
tap_is "$(esc_audit_count consultation_unrouted)" 1 "... and it is audited"

# ---- mamori consult ----
out=$(mam consult zd 5001 "追加の相談です。" 2>&1)
tap_is "$?" 0 "mamori consult on the tenant's own ticket succeeds"
tap_like "$out" "consultation #5 on ticket 5001 of tenant zd" "... and names the consultation"
esc_wait line 1 'e["ok"] and "#5" in e["body"]["messages"][0]["text"] and "追加の相談です" in e["body"]["messages"][0]["text"]' 20
tap_ok "$?" "... which reaches the lawyer"
# ... with the quoted evidence as in the escalation: the customer's threat on
# 5002 opened an escalation still awaiting acknowledgement, whose message
# holds the quotes (redacted when it was sent).
THREAT2="今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。連絡は090-8765-4321まで。"
post_comment zd ev-cust-0000009 5002 39011225002 false true "$THREAT2" "$THREAT2"
tap_is "$(it_sql "select count(*) from escalations where ticket_id='5002' and message is not null")" 1 \
    "the customer's threat on 5002 opened an escalation awaiting acknowledgement"
out=$(mam consult zd 5002 "念書を求められています。どう答えるべきでしょうか。" 2>&1)
tap_like "$out" "consultation #6 on ticket 5002 of tenant zd" "mamori consult on a ticket with an open escalation"
esc_wait line 1 'e["ok"] and "#6" in e["body"]["messages"][0]["text"]' 20
cli_text=$(python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]=="line" and e["ok"] and "#6" in e["body"]["messages"][0]["text"]:
        print(e["body"]["messages"][0]["text"]); break' "$IT_DIR/channels.log")
tap_like "$cli_text" "念書を求められています" "... its message carries the question"
tap_like "$cli_text" "分類: 威嚇・脅迫" "... the ticket's categories"
tap_like "$cli_text" "会社の前で待って" "... and the quoted evidence of the customer's threat"
tap_unlike "$cli_text" "090-8765-4321" "... redacted as the escalation was"
# line_with WORDS -- the text of the first LINE message that contains WORDS.
line_with() {
    python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]=="line" and e["ok"] and sys.argv[2] in e["body"]["messages"][0]["text"]:
        print(e["body"]["messages"][0]["text"]); break' "$IT_DIR/channels.log" "$1"
}
# Once the escalation is acknowledged its message is gone: a tenant that
# does not keep evidence has no customer words left to quote.
mam escalation ack "$(it_sql "select id from escalations where ticket_id='5002' and message is not null")" --by 電話 >/dev/null
tap_is "$(it_sql "select count(*) from escalations where ticket_id='5002' and message is not null")" 0 \
    "an acknowledged escalation keeps no message"
mam consult zd 5002 "受領後の追加相談です。" >/dev/null 2>&1
esc_wait line 1 'e["ok"] and "受領後の追加相談です" in e["body"]["messages"][0]["text"]' 20
cli_text=$(line_with "受領後の追加相談です")
tap_like "$cli_text" "分類: 威嚇・脅迫" "mamori consult after the acknowledgement still carries the categories"
tap_unlike "$cli_text" "会社の前で待って" "... but no customer words: the tenant keeps no evidence"
# A tenant that keeps evidence: the stored answer's quotes, redacted.
post_comment ke ev-ke-0000010 7001 39011227001 false true "$THREAT2" "$THREAT2"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" annotated "the threat on the keep_evidence tenant's ticket is annotated"
for id in $(it_sql "select id from escalations where tenant='ke' and message is not null"); do
    mam escalation ack "$id" --by 電話 >/dev/null
done
mam consult ke 7001 "証拠を保存している会社からの相談です。" >/dev/null 2>&1
esc_wait line 1 'e["ok"] and "証拠を保存している会社からの相談です" in e["body"]["messages"][0]["text"]' 20
cli_text=$(line_with "証拠を保存している会社からの相談です")
tap_like "$cli_text" "会社の前で待って" "with keep_evidence, mamori consult quotes the stored evidence"
tap_unlike "$cli_text" "090-8765-4321" "... redacted as escalations are"
out=$(mam consult noroute 5001 "他社のチケット" 2>&1)
tap_is "$?" 2 "mamori consult on another tenant's ticket is refused"
tap_like "$out" "is not a ticket of tenant noroute (another tenant's webhooks brought it)" "... saying why"
tap_is "$(it_sql "select count(*) from consultations where tenant='noroute'")" 0 "... and nothing is recorded"

hd_wait_drained 20
esc_wait_drained 20
mam audit verify >/dev/null 2>&1
tap_is "$?" 0 "the audit chain verifies"
tap_is "$(esc_bad_requests)" 0 "the channel stand-in found no malformed request"
tap_is "$(hd_bad_requests)" 0 "the helpdesk stand-in found no malformed request"
it_done
