#!/bin/bash
# The lawyer answers from LINE: POST /hooks/<tenant>/line through nginx,
# verified with X-Line-Signature. A bad or missing signature is 401 and
# changes nothing; a follow from an unknown user registers nothing but a
# pending entry; only `mamori lawyer approve` makes a lawyer; a lawyer's
# quoted reply becomes an internal note marked as the lawyer's advice at
# the helpdesk stand-in (Zendesk); 「確認」 acknowledges; 「受任」 tags the
# ticket, tells agents to refer the customer, and later annotations on the
# ticket say so; redeliveries are dropped; everything is audited.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 56
hd_standin_start
esc_standins_start
hd_tenant zd zendesk "api_user_id = 39011229999"
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line" esc_sections >> "$IT_DIR/tenants.d/zd.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }
mam() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }

# The escalation: the Zendesk fixture's threat on ticket 4821.
hd_post zd zendesk-ticket_created
tap_is "$HTTP_STATUS" 200 "the threat on ticket 4821 is annotated"
esc_wait line 2 'e["ok"]' 20
hd_wait_notes zendesk 4821 1 20
hd_wait_drained 20
tap_like "$(hd_state "s['notes']['zendesk:4821'][0]['text']")" "エスカレーション通知: teamlead (slack)、lawyer-line (line)" \
    "the agent's note says who is being told"
msg_id=$(python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]=="line" and e["body"]["to"]==sys.argv[2] and e.get("message_id"): print(e["message_id"]); break' \
    "$IT_DIR/channels.log" "$ESC_LAWYER")
tap_ok "$([ -n "$msg_id" ]; echo $?)" "the push to the lawyer was answered with a message id ($msg_id)"
tap_is "$(it_sql "select count(*) from escalation_messages where platform_id='$msg_id'")" 1 "... which is recorded"

snapshot() {
    echo "$(it_sql "select count(*) from audit")/$(it_sql "select count(*) from outbox")/$(it_sql "select count(*) from lawyers")/$(it_sql "select count(*) from line_events")/$(it_sql "select coalesce(acked_at,0) from escalations where ticket_id='4821'")"
}

# ---- signatures ----
esc_line_body "$IT_DIR/follow.json" follow "$ESC_LAWYER" 01JXF0LL0W000000000000000A
before=$(snapshot)
esc_line_post zd "$IT_DIR/follow.json" "not-the-channel-secret"
tap_is "$HTTP_STATUS" 401 "a wrong X-Line-Signature is refused with 401"
tap_like "$HTTP_BODY" "X-Line-Signature does not match" "... saying why"
http POST /hooks/zd/line -H 'Content-Type: application/json' --data-binary "@$IT_DIR/follow.json"
tap_is "$HTTP_STATUS" 401 "a missing X-Line-Signature is refused with 401"
cp "$IT_DIR/follow.json" "$IT_DIR/tampered.json"
sig=$(openssl dgst -sha256 -hmac "$ESC_LINE_SECRET" -binary < "$IT_DIR/follow.json" | openssl base64 -A)
sed -i 's/"follow"/"unfollow"/' "$IT_DIR/tampered.json"
http POST /hooks/zd/line -H 'Content-Type: application/json' -H "X-Line-Signature: $sig" --data-binary "@$IT_DIR/tampered.json"
tap_is "$HTTP_STATUS" 401 "a body changed after signing is refused with 401"
tap_is "$(snapshot)" "$before" "the refused deliveries changed nothing (audit, outbox, lawyers, events, escalation)"
http POST /hooks/nosuch/line -H 'Content-Type: application/json' --data-binary '{"events":[]}'
tap_is "$HTTP_STATUS" 404 "an unknown tenant's LINE hook is 404"

# ---- LINE's connectivity check: no events ----
printf '{"destination":"U0a1b2c3d4e5f60718293a4b5c6d7e8f9","events":[]}' > "$IT_DIR/empty.json"
esc_line_post zd "$IT_DIR/empty.json"
tap_is "$HTTP_STATUS" 200 "an empty events array (the console's check) is 200"

# ---- a follow registers nothing by itself ----
# The fixture as LINE would send it now (an old timestamp is refused as a replay).
python3 -c 'import json,sys,time
d=json.load(open(sys.argv[1])); d["events"][0]["timestamp"]=int(time.time()*1000)
open(sys.argv[2],"w").write(json.dumps(d))' "$HD_FIX/line-follow.json" "$IT_DIR/fixture-follow.json"
esc_line_post zd "$IT_DIR/fixture-follow.json"
tap_is "$HTTP_STATUS" 200 "the follow fixture is accepted"
tap_is "$(it_sql "select state from lawyers where line_user_id='$ESC_LAWYER'")" pending "the user is remembered as pending only"
tap_ok "$(mam lawyer list zd | grep -Eq "^zd +$ESC_LAWYER +pending "; echo $?)" "mamori lawyer list shows the id to approve"
tap_like "$(cat "$IT_DIR/mamori.log")" "mamori lawyer approve zd $ESC_LAWYER" "the log says how to approve"

# A pending user's reply does nothing.
esc_line_body "$IT_DIR/early.json" message "$ESC_LAWYER" 01JXEARLY00000000000000000 "返金には応じないでください。" "$msg_id"
esc_line_post zd "$IT_DIR/early.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["ignored"]')" 1 "a reply from a user nobody approved is ignored"
tap_is "$(it_sql "select acked_at is null from escalations where ticket_id='4821' and level='police'")" 1 \
    "... it acknowledges nothing"
tap_is "$(esc_audit_count line_message_ignored)" 1 "... and is recorded as ignored"

# ---- an admin approves the lawyer ----
mam lawyer approve zd "$ESC_LAWYER" --name "木村" > /dev/null
tap_is "$?" 0 "mamori lawyer approve succeeds"
tap_is "$(it_sql "select state||' '||name from lawyers where line_user_id='$ESC_LAWYER'")" "approved 木村" "the lawyer is approved"
mam lawyer approve zd not-a-line-id > /dev/null 2>&1
tap_is "$?" 2 "an id that is not a LINE user id is refused"
tap_is "$(esc_audit_count lawyer_approved)" 1 "the approval is audited"

# ---- the lawyer's quoted reply becomes the lawyer's note ----
advice="返金・念書には一切応じないでください。次に連絡があれば私の事務所（03-0000-0000）を案内してください。"
esc_line_body "$IT_DIR/advice.json" message "$ESC_LAWYER" 01JXADV1CE0000000000000000 "$advice" "$msg_id"
esc_line_post zd "$IT_DIR/advice.json"
tap_is "$HTTP_STATUS" 200 "the lawyer's reply is accepted"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "... and handled"
hd_wait_notes zendesk 4821 2 20
hd_wait_drained 20
note=$(hd_state "s['notes']['zendesk:4821'][1]['text']")
tap_like "$note" "[mamori] 弁護士の助言（木村、" "the note at the helpdesk is marked as the lawyer's advice"
tap_like "$note" "> $advice" "it carries the advice, quoted"
tap_like "$note" "mamori-ref:" "it carries a note reference (loop guard)"
tap_like "$(hd_state "s['tags']['zendesk:4821']")" "mamori-lawyer-advice" "the ticket is tagged"
tap_is "$(python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    c=((e.get("body") or {}).get("ticket") or {}).get("comment") or {}
    if "弁護士の助言" in (c.get("body") or ""): print(c.get("public")); break' "$IT_DIR/standin.log")" False \
    "the note is written as an internal comment (public: false)"
tap_ok "$([ "$(it_sql "select acked_at is not null from escalations where ticket_id='4821' and level='police'")" = 1 ]; echo $?)" \
    "the reply acknowledged the escalation"
tap_is "$(esc_audit_count lawyer_note)" 1 "the lawyer's note is audited"
tap_like "$(it_sql "select data from audit where kind='lawyer_note'")" '"text_sha256":"' "... by its digest (no text in the chain)"
tap_is "$(esc_audit_count escalation_acknowledged)" 1 "the acknowledgement is audited"

# LINE redelivers: same webhookEventId, nothing new.
esc_line_post zd "$IT_DIR/advice.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["duplicates"]')" 1 "a redelivery is recognised by webhookEventId"
sleep 1
tap_is "$(hd_notes zendesk 4821)" 2 "... and writes no second note"

# The shared fixture: a redelivered reply that names the ticket (#4821)
# instead of quoting; signed as LINE signed it, but its events are from
# 2025, far outside the replay window (issue 13): refused as a replay.
sig=$(sed -n 's/^X-Line-Signature: //p' "$HD_FIX/line-message-text.headers")
http POST /hooks/zd/line -H 'Content-Type: application/json; charset=utf-8' -H "X-Line-Signature: $sig" \
    --data-binary "@$HD_FIX/line-message-text.json"
tap_is "$HTTP_STATUS/$(echo "$HTTP_BODY" | json 'd["error"]')" 401/stale_event \
    "the fixture as captured (signature valid, events from 2025) is refused as stale"
# The same delivery as LINE would send it now.
python3 -c 'import json,sys,time
d=json.load(open(sys.argv[1])); [e.update(timestamp=int(time.time()*1000)) for e in d["events"]]
open(sys.argv[2],"w").write(json.dumps(d, ensure_ascii=False))' "$HD_FIX/line-message-text.json" "$IT_DIR/fixture-text.json"
esc_line_post zd "$IT_DIR/fixture-text.json"
tap_is "$HTTP_STATUS" 200 "the fixture with a current timestamp is accepted"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "a reply naming チケット#4821 finds the escalation"
hd_wait_notes zendesk 4821 3 20
tap_like "$(hd_state "s['notes']['zendesk:4821'][2]['text']")" "本日17時までに対応方針をご連絡します" "... and becomes a note"

# ---- 「受任」: the lawyer takes the case ----
esc_line_body "$IT_DIR/retain.json" message "$ESC_LAWYER" 01JXRETA1N0000000000000000 "受任" "$msg_id"
esc_line_post zd "$IT_DIR/retain.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "「受任」 is handled"
hd_wait_notes zendesk 4821 4 20
hd_wait_drained 20
note=$(hd_state "s['notes']['zendesk:4821'][3]['text']")
tap_like "$note" "弁護士（木村）が受任しました" "the note says the lawyer took the case"
tap_like "$note" "お客様には、今後のご連絡は弁護士宛てにお願いする旨" "... and tells agents to refer the customer"
tap_like "$(hd_state "s['tags']['zendesk:4821']")" "mamori-lawyer-retained" "the ticket gets the retained tag"
tap_is "$(it_sql "select retained_by from escalations where ticket_id='4821' and level='police'")" "$ESC_LAWYER" \
    "the retainer is recorded on the escalation"
tap_is "$(esc_audit_count lawyer_retained)" 1 "and audited"

# A later customer message on the ticket: its annotation and note say so.
sed -e 's/"4799"/"4821"/' -e 's/zen:ticket:4799/zen:ticket:4821/' -e 's/c3a1f9e2-55b0-4d7e-8f21-6a0b9e4d2f10/c3a1f9e2-55b0-4d7e-8f21-6a0b9e4d9999/' \
    "$HD_FIX/zendesk-comment_added.json" > "$IT_DIR/later.json"
hd_post zd zendesk-comment_added "$IT_DIR/later.json"
tap_is "$HTTP_STATUS" 200 "a later message on the retained ticket is annotated"
tap_like "$(echo "$HTTP_BODY" | json 'd["annotation"]["tags"]')" "mamori-lawyer-retained" "its annotation carries the retained tag"
hd_wait_notes zendesk 4821 5 20
tap_like "$(hd_state "s['notes']['zendesk:4821'][4]['text']")" "弁護士（木村）が受任しています" \
    "its note tells the agent the lawyer represents the company"

# ---- 「確認」 on a second escalation ----
sed -e 's/"4799"/"4900"/' -e 's/zen:ticket:4799/zen:ticket:4900/' -e 's/6a0b9e4d2f10/6a0b9e4d4900/' \
    -e 's/ご連絡ありがとうございます。発送状況を教えていただけますか。/念書を書け。書かないなら毎日電話する。/' \
    "$HD_FIX/zendesk-comment_added.json" > "$IT_DIR/t4900.json"
hd_post zd zendesk-comment_added "$IT_DIR/t4900.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["escalation"]["level"]')" lawyer "a second ticket escalates to the lawyer"
esc_wait line 1 'e["ok"] and "#4900" in e["body"]["messages"][0]["text"]' 20
esc_line_body "$IT_DIR/ack.json" message "$ESC_LAWYER" 01JXACK00000000000000000000 "確認" ""
esc_line_post zd "$IT_DIR/ack.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "「確認」 without a quote goes to the latest escalation sent to the lawyer"
tap_ok "$([ "$(it_sql "select acked_at is not null from escalations where ticket_id='4900'")" = 1 ]; echo $?)" \
    "... and acknowledges it"
hd_wait_notes zendesk 4900 2 20
tap_like "$(hd_state "s['notes']['zendesk:4900'][1]['text']")" "弁護士（木村）がエスカレーションを確認しました" "the agents see it was acknowledged"

# ---- revoking stops it ----
mam lawyer revoke zd "$ESC_LAWYER" > /dev/null
esc_line_body "$IT_DIR/after.json" message "$ESC_LAWYER" 01JXAFTER00000000000000000 "受任" "$msg_id"
esc_line_post zd "$IT_DIR/after.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["ignored"]')" 1 "a revoked lawyer's message is ignored"

hd_wait_drained 20
mam audit verify >/dev/null 2>&1
tap_is "$?" 0 "the audit chain verifies"
tap_is "$(esc_bad_requests)" 0 "the channel stand-in found no malformed request"
tap_is "$(hd_bad_requests)" 0 "the helpdesk stand-in found no malformed request"
it_done
