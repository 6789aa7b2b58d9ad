#!/bin/bash
# Issue 17 through a real helpdesk connector (Zendesk, against the API
# stand-in): a threatening comment creates the incident record and a note
# whose training links are signed redirects; the agent's internal
# (non-public) comment with `mamori:` lines and a mamori-action- tag adds to
# the record, never annotated; opening the link from the note records the
# first open; the lawyer's 受任, a LINE reply quoting the escalation's
# message (the LINE stand-in), shows in the record and the report.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 17
hd_standin_start
esc_standins_start
it_training_links
hd_tenant zd zendesk "api_user_id = 39011229999"
ESC_ROUTES="police = teamlead, lawyer-line
lawyer = lawyer-line
supervisor = teamlead" esc_sections >> "$IT_DIR/tenants.d/zd.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
today=$(date -u +%F)

zd_body() {  # zd_body OUT EVENT-ID BODY PUBLIC STAFF [TAG...]
    python3 - "$HD_FIX/zendesk-comment_added.json" "$@" <<'PY'
import json, sys
src, out, ev, body, public, staff = sys.argv[1:7]
d = json.load(open(src, encoding="utf-8"))
d["id"] = ev
d["event"]["comment"]["id"] = ev
d["event"]["comment"]["body"] = body
d["event"]["comment"]["is_public"] = public == "1"
d["event"]["comment"]["author"]["is_staff"] = staff == "1"
if staff == "1":
    d["event"]["comment"]["author"]["id"] = "39011220001"
d["detail"]["tags"] = d["detail"]["tags"] + sys.argv[7:]
json.dump(d, open(out, "w"), ensure_ascii=False)
PY
}

zd_body "$IT_DIR/z1.json" ev-z1 "ふざけるな。家まで行くからな。覚えとけよ、殺すぞ。" 1 0
hd_post zd zendesk-comment_added "$IT_DIR/z1.json"
tap_is "$HTTP_STATUS" 200 "a threatening Zendesk comment is annotated"
tap_is "$(it_sql "SELECT connector, channel, is_harassment FROM incidents WHERE ticket_id='4799'")" "zendesk|email|1" \
    "... and recorded as an incident of the Zendesk ticket"
hd_wait_notes zendesk 4799 1
note=$(hd_state "s['notes']['zendesk:4799'][0]['text']")
tap_like "$note" "$IT_URL/t/" "the note written to Zendesk carries the training links as signed redirects"
tap_unlike "$note" "https://example.com/manual" "... not the pages themselves"

zd_body "$IT_DIR/z2.json" ev-z2 $'通話対応しました。\nmamori: action 電話で警告した\nmamori: care' 0 1 mamori-action-refused_contact
hd_post zd zendesk-comment_added "$IT_DIR/z2.json"
tap_is "$HTTP_STATUS" 200 "the agent's internal comment is accepted"
tap_like "$HTTP_BODY" "ignored" "... and not annotated"
tap_is "$(hd_notes zendesk 4799)" 1 "... and no note is written for it"
detail=$(it_sql "SELECT detail FROM incidents WHERE ticket_id='4799'")
tap_like "$detail" '"action":"電話で警告した"' "its mamori: action line is in the record"
tap_like "$detail" '"action":"refused_contact"' "... so is the mamori-action- tag"
tap_is "$(it_sql "SELECT care_requested FROM incidents WHERE ticket_id='4799'")" 1 "... and the worker's request for care"

link=$(printf '%s\n' "$note" | grep -o "$IT_URL/t/[A-Za-z0-9_.-]*" | head -1)
http GET "${link#$IT_URL}"
tap_is "$HTTP_STATUS" 302 "the agent opens the link from the note: forwarded"
tap_is "$(it_sql "SELECT count(*) FROM training_links WHERE ticket_id='4799' AND opened_at IS NOT NULL")" 1 \
    "... and the first open is recorded"

esc=$(it_sql "SELECT count(*) FROM escalations WHERE ticket_id='4799'")
tap_ok "$([ "$esc" -ge 1 ]; echo $?)" "the threat was escalated ($esc escalations)"
# The lawyer takes the case: 「受任」 on LINE, quoting the escalation's message.
has_msg_id() { [ -n "$(esc_lawyer_msg_id)" ]; }
it_poll "$IT_TIMEOUT" has_msg_id
msg=$(esc_lawyer_msg_id)
esc_wait_drained
M lawyer approve zd "$ESC_LAWYER" --name "木村" >/dev/null
esc_line_body "$IT_DIR/retain.json" message "$ESC_LAWYER" 01JXZDRETA1N00000000000000 "受任" "$msg"
esc_line_post zd "$IT_DIR/retain.json"
tap_is "$HTTP_STATUS/$(echo "$HTTP_BODY" | json 'd["handled"]')" 200/1 "the lawyer's 「受任」 on LINE, quoting the escalation, is handled"
hd_wait_note_with zendesk 4799 "弁護士（木村）が受任しました"
tap_like "$(hd_note_texts zendesk 4799)" "弁護士（木村）が受任しました" "... and the agents are told on the ticket"
tap_is "$(M incident show --tenant zd 4799 | json '[e["retained_by"] for e in d["escalations"] if e["retained_by"]]')" "[\"$ESC_LAWYER\"]" \
    "the incident record shows the lawyer's 受任"
r=$(M report --tenant zd --from "$today" --to "$today")
tap_is "$(echo "$r" | json '[d["escalations"]["retained_by_lawyer"] >= 1, d["training"]["opened"], d["incidents"]["care_requested"]]')" \
    "[true, 1, 1]" "the report counts the 受任, the opened link and the care"
it_done
