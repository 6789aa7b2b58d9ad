#!/bin/bash
# Issue 17 end to end, through the real routes only: real nginx +
# mamori-fcgi, the Zendesk and generic helpdesk stand-ins and the LINE
# stand-in. For a Zendesk ticket and a generic one: a customer's threat
# creates the incident record and a note whose training links are signed
# redirects; an agent's @弁護士 note consults the lawyer on LINE; the
# lawyer's quoted LINE reply comes back as advice and his quoted 「受任」
# takes the case; an agent's @警告 note records a warning (its `mamori:`
# lines the care and the outcome); the agent opens a training link through
# nginx. Then `mamori incident show` and `export` (JSON, and the PDF read
# back with pdftotext) and `mamori report` in json, csv, html and pdf must
# each carry the consultations, the warning, the 受任 and the training
# open with the right counts; an empty period, a broken range and an
# unknown tenant give a clear answer in every format, never an empty file.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
command -v pdftotext >/dev/null || skip_all "pdftotext not found (apt-get install poppler-utils)"
it_init 75
hd_standin_start
esc_standins_start
it_training_links
ROUTES="police = teamlead
lawyer = lawyer-line
supervisor = teamlead"
hd_tenant zd zendesk "api_user_id = 39011229999"
ESC_ROUTES=$ROUTES esc_sections >> "$IT_DIR/tenants.d/zd.conf"
# The generic tenant is "gen": the stand-in checks its callbacks with
# secret-gen, and it_post_generic signs with secret-<tenant>.
hd_tenant gen generic
ESC_ROUTES=$ROUTES esc_sections >> "$IT_DIR/tenants.d/gen.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
today=$(date -u +%F)
AGENT=39011220001
CUST=39011227801
THREAT="ふざけるな。念書を書け。家まで行くからな。覚えとけよ、殺すぞ。"

zd() {  # zd EVENT AUTHOR STAFF PUBLIC BODY -- a comment on Zendesk ticket 4801 of customer $CUST
    hd_zendesk_comment "$IT_DIR/$1.json" "$1" 4801 "$CUST" "$2" "$3" "$4" "$5" "$THREAT"
    hd_post zd zendesk-comment_added "$IT_DIR/$1.json"
}
gen() {  # gen EVENT BODY [EXTRA-JSON-MEMBERS] -- a generic webhook on ticket G-1 of customer cust-g
    python3 - "$IT_DIR/$1.json" "$@" <<'PY'
import json, sys
out, ev, body = sys.argv[1:4]
d = {"event_id": ev, "ticket_id": "G-1", "subject": "ご対応について", "body": body, "channel": "phone",
     "requester": {"id": "cust-g"}, "language": "ja"}
if len(sys.argv) > 4:
    d.update(json.loads(sys.argv[4]))
json.dump(d, open(out, "w"), ensure_ascii=False)
PY
    it_post_generic gen "$IT_DIR/$1.json"
}
# lawyer_reply TENANT EVENT-ID TEXT QUOTED-ID -- the lawyer answers on LINE, quoting a message.
lawyer_reply() {
    esc_line_body "$IT_DIR/line-$2.json" message "$ESC_LAWYER" "$2" "$3" "$4"
    esc_line_post "$1" "$IT_DIR/line-$2.json"
}
# open_first_link PLATFORM TICKET -- GET the first training link of the ticket's first note through nginx.
open_first_link() {
    local link
    link=$(hd_state "s['notes']['$1:$2'][0]['text']" | grep -o "$IT_URL/t/[A-Za-z0-9_.-]*" | head -1)
    http GET "${link#$IT_URL}"
}
has_msg_id() { [ -n "$(esc_lawyer_msg_id "$1")" ]; }

# ================= Zendesk =================
zd ev-zd-00000001 "$CUST" false true "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" annotated "Zendesk: the customer's threat on ticket 4801 is annotated"
tap_is "$(it_sql "select connector||'/'||is_harassment from incidents where tenant='zd' and ticket_id='4801'")" \
    "zendesk/1" "... and has an incident record"
hd_wait_notes zendesk 4801 1
tap_like "$(hd_state "s['notes']['zendesk:4801'][0]['text']")" "$IT_URL/t/" \
    "... its note carries the training links as signed redirects"

# The agent consults the lawyer; the lawyer answers and takes the case on LINE.
zd ev-zd-00000002 "$AGENT" true false "@弁護士 念書を求められています。応じるべきでしょうか。"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')" sent "an agent's @弁護士 note consults the lawyer"
c1=$(echo "$HTTP_BODY" | json 'd["consultation"]')
it_poll "$IT_TIMEOUT" has_msg_id "\"相談番号: #$c1 \" in text"
msg=$(esc_lawyer_msg_id "\"相談番号: #$c1 \" in text")
tap_ok "$([ -n "$msg" ]; echo $?)" "... which reaches the lawyer's LINE as consultation #$c1"
esc_wait_drained
M lawyer approve zd "$ESC_LAWYER" --name "木村" >/dev/null
lawyer_reply zd 01JXF10WZDADV1CE000000000A "念書には応じないでください。以後は私の事務所を案内してください。" "$msg"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "the lawyer's quoted LINE reply is handled"
hd_wait_note_with zendesk 4801 "弁護士の助言（相談 #$c1 への回答、木村、"
tap_like "$(hd_note_texts zendesk 4801)" "弁護士の助言（相談 #$c1 への回答、木村、" \
    "... and comes back to the ticket as the lawyer's advice on the consultation"
lawyer_reply zd 01JXF10WZDRETA1N000000000A "受任" "$msg"
hd_wait_note_with zendesk 4801 "弁護士（木村）が受任しました"
tap_like "$(hd_note_texts zendesk 4801)" "弁護士（木村）が受任しました" "the lawyer's quoted 「受任」 takes the case"
zd ev-zd-00000003 "$AGENT" true false "@上長 次の返信を確認してください。"
tap_is "$(echo "$HTTP_BODY" | json 'd["consult"]')" sent "an @上長 note consults the supervisor"

# The agent warns the customer and notes care and the outcome.
zd ev-zd-00000004 "$AGENT" true false $'@警告 電話で、暴言が続けば対応を打ち切ると伝えた。\nmamori: care\nmamori: outcome 弁護士対応'
tap_is "$(echo "$HTTP_BODY" | json 'd["warning"]')" recorded "an @警告 note records a warning"
hd_wait_note_with zendesk 4801 "警告を記録しました"
tap_like "$(hd_note_texts zendesk 4801)" "警告を記録しました" "... and the agents are told on the ticket"

open_first_link zendesk 4801
tap_is "$HTTP_STATUS" 302 "the agent opens a training link from the note through nginx: forwarded"

# The record.
show=$(M incident show --tenant zd 4801); rc=$?
tap_is "$rc" 0 "mamori incident show prints ticket 4801's record"
tap_is "$(echo "$show" | json 'sorted(c["target"] + "/" + c["asked_by"] for c in d["consultations"])')" \
    "[\"lawyer/$AGENT\", \"supervisor/$AGENT\"]" "... with both consultations and who asked"
tap_is "$(echo "$show" | json '[w["source"] + "/" + w["given_by"] for w in d["warnings"]]')" "[\"note/$AGENT\"]" \
    "... the warning and who gave it"
tap_is "$(echo "$show" | json "[e[\"acked_by\"] + \"/\" + e[\"retained_by\"] for e in d[\"escalations\"] if e[\"level\"] == \"consult-$c1\"]")" \
    "[\"$ESC_LAWYER/$ESC_LAWYER\"]" "... the consultation acknowledged and retained by the lawyer (受任)"
tap_is "$(echo "$show" | json 'sum(1 for l in d["training_links"] if l["opened_at"])')" 1 "... the training link opened"
tap_is "$(echo "$show" | json '[d["record"]["care_requested"], d["record"]["outcome"], d["record_matches_audit"]]')" \
    '[true, "弁護士対応", true]' "... the care, the outcome, and a record that matches its audit entry"
tap_is "$(echo "$show" | json 'sorted({"consultation_opened", "warning_recorded", "incident_recorded"} - {a["kind"] for a in d["audit"]})')" \
    "[]" "... and the audit entries of the consultations, the warning and the record"

# The lawyer's export: JSON and the PDF, read back as text.
out=$(cd "$IT_DIR" && M incident export --tenant zd 4801); rc=$?
tap_is "$rc" 0 "mamori incident export succeeds"
tap_is "$(json '[len(d["consultations"]), len(d["warnings"]), sum(1 for e in d["escalations"] if e["retained_by"]), sum(1 for l in d["training_links"] if l["opened_at"]), d["audit_chain_verified"]["ok"]]' \
    < "$IT_DIR/incident-zd-4801.json")" "[2, 1, 1, 1, true]" \
    "... its JSON: two consultations, the warning, the 受任, the opened link, a verified chain"
pdftotext -enc UTF-8 "$IT_DIR/incident-zd-4801.pdf" "$IT_DIR/incident.txt"; rc=$?
tap_is "$rc" 0 "... its PDF reads back as text"
# A section's JSON lines are wrapped: joined again, they are searchable.
pdf=$(tr -d '\n' < "$IT_DIR/incident.txt")
tap_like "$pdf" "相談 Consultations" "... with the consultations"
tap_like "$pdf" "\"asked_by\":\"$AGENT\"" "... (who asked)"
tap_like "$pdf" "\"target\":\"supervisor\"" "... (both of them)"
tap_like "$pdf" "警告 Warnings" "... the warnings"
tap_like "$pdf" "\"given_by\":\"$AGENT\"" "... (who warned)"
tap_like "$pdf" "\"retained_by\":\"$ESC_LAWYER\"" "... the 受任"
tap_like "$pdf" "ケアの希望 care asked: yes" "... the care"
tap_like "$pdf" "結果 outcome: 弁護士対応" "... the outcome"
tap_like "$pdf" "matches the newest audit entry" "... and the record's hash check"

# The report in every format.
M report --tenant zd --from "$today" --to "$today" > "$IT_DIR/zd.json"; rc=$?
tap_is "$rc" 0 "mamori report --format json"
tap_is "$(json '[d["incidents"]["total"], d["incidents"]["care_requested"], d["records"], d["escalations"]["retained_by_lawyer"], d["training"]["opened"]]' < "$IT_DIR/zd.json")" \
    '[1, 1, {"consultations": 2, "restrictions": 0, "warnings": 1}, 1, 1]' \
    "... counts the incident, the care, two consultations, one warning, the 受任 and the opened link"
tap_is "$(json '[[l["key"], l["opened"], l["acknowledged"]] for l in d["escalations"]["by_level"] if l["key"].startswith("consult")]' < "$IT_DIR/zd.json")" \
    '[["consult", 2, 1]]' "... with the consultations as one escalation level, not one per consultation"
tap_is "$(json 'd["outcomes"]' < "$IT_DIR/zd.json")" '{"弁護士対応": 1}' "... and the outcome"

M report --tenant zd --from "$today" --to "$today" --format csv --output "$IT_DIR/zd.csv"
csv() {  # csv SECTION KEY -- "count second" of the row
    python3 -c 'import csv,sys
for r in csv.reader(open(sys.argv[1], encoding="utf-8-sig")):
    if r[:2] == sys.argv[2:4]: print(r[2], r[3])' "$IT_DIR/zd.csv" "$1" "$2"
}
tap_is "$(csv records consultations)/$(csv records warnings)/$(csv escalations retained_by_lawyer)" "2 /1 /1 " \
    "csv: two consultations, one warning, one 受任"
tap_is "$(csv training total | cut -d' ' -f2)/$(csv escalation_level consult)/$(csv total care_requested)" "1/2 1/1 " \
    "... the opened link, the consultations' level (2 opened, 1 acknowledged), the care"

M report --tenant zd --from "$today" --to "$today" --format html --output "$IT_DIR/zd.html"
html=$(cat "$IT_DIR/zd.html")
tap_like "$html" '<p id="kind-consultations">相談 consultations: 2</p>' "html: two consultations"
tap_like "$html" '<p id="kind-warnings">警告 warnings: 1</p>' "... one warning"
tap_like "$html" '<tr><td>受任 retained by the lawyer</td><td class="n">1</td></tr>' "... one 受任"
tap_like "$html" "開封 1 件" "... one training link opened"
tap_like "$html" '<tr><td>consult</td><td class="n">2</td><td class="n">1</td>' "... the consultations' level"

M report --tenant zd --from "$today" --to "$today" --format pdf --output "$IT_DIR/zd.pdf"
pdftotext -enc UTF-8 "$IT_DIR/zd.pdf" "$IT_DIR/zd.txt"
pdf=$(cat "$IT_DIR/zd.txt")
tap_like "$pdf" "カスタマーハラスメント対応報告" "pdf: the Japanese title reads back as text"
tap_like "$pdf" "consultations: 2" "... two consultations"
tap_like "$pdf" "warnings: 1" "... one warning"
tap_like "$pdf" "受任 retained 1" "... one 受任"
tap_like "$pdf" "開封 opened 1" "... one training link opened"
tap_like "$pdf" "ケアの希望 care asked: 1" "... the care"

# ================= generic =================
gen ev-g-01 "$THREAT"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" annotated "generic: the customer's threat on ticket G-1 is annotated"
tap_is "$(it_sql "select connector||'/'||channel||'/'||is_harassment from incidents where tenant='gen'")" \
    "generic/phone/1" "... and has an incident record"
hd_wait_notes generic G-1 1
tap_like "$(hd_state "s['notes']['generic:G-1'][0]['text']")" "$IT_URL/t/" \
    "... the note sent back carries the training links as signed redirects"

gen ev-g-02 "@弁護士 念書を求められています。応じるべきでしょうか。" \
    "{\"internal\": true, \"agent\": {\"id\": \"agent-7\"}, \"description\": \"$THREAT\"}"
tap_is "$HTTP_STATUS/$(echo "$HTTP_BODY" | json 'd["status"] + "/" + d.get("consult", "-")')" "200/agent_event/sent" \
    "an internal @弁護士 note on the generic webhook consults the lawyer"
g1=$(echo "$HTTP_BODY" | json 'd["consultation"]')
it_poll "$IT_TIMEOUT" has_msg_id "\"相談番号: #$g1 \" in text and \"G-1\" in text"
gmsg=$(esc_lawyer_msg_id "\"相談番号: #$g1 \" in text and \"G-1\" in text")
gtext=$(python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e.get("message_id")==sys.argv[2]: print(e["body"]["messages"][0]["text"]); break' "$IT_DIR/channels.log" "$gmsg")
tap_like "$gtext" "応じるべきでしょうか" "... the lawyer's LINE has the question"
tap_like "$gtext" "殺すぞ" "... and the customer's words from the description as evidence"
tap_is "$(it_sql "select asked_by from consultations where tenant='gen'")" agent-7 "... recorded with who asked"
esc_wait_drained
M lawyer approve gen "$ESC_LAWYER" --name "木村" >/dev/null
lawyer_reply gen 01JXF10WGNADV1CE000000000A "応じないでください。" "$gmsg"
hd_wait_note_with generic G-1 "弁護士の助言（相談 #$g1 への回答、木村、"
tap_like "$(hd_note_texts generic G-1)" "弁護士の助言（相談 #$g1 への回答、木村、" \
    "the lawyer's advice comes back to the generic callback"
lawyer_reply gen 01JXF10WGNRETA1N000000000A "受任" "$gmsg"
hd_wait_note_with generic G-1 "弁護士（木村）が受任しました"
tap_like "$(hd_note_texts generic G-1)" "弁護士（木村）が受任しました" "... and so does the 受任"

gen ev-g-03 $'@警告 電話で警告した。\nmamori: care' '{"internal": true, "agent": {"id": "agent-7"}}'
tap_is "$(echo "$HTTP_BODY" | json 'd["warning"]')" recorded "an internal @警告 note on the generic webhook records a warning"
tap_is "$(it_sql "select ticket_id||'/'||source||'/'||given_by from warnings where tenant='gen'")" "G-1/note/agent-7" \
    "... against the ticket, by the agent"
gen ev-g-04 "対応メモ：折り返し済み。" '{"internal": true}'
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "an internal note that asks nothing is only ignored"
open_first_link generic G-1
tap_is "$HTTP_STATUS" 302 "a training link from the generic note opens through nginx"

show=$(M incident show --tenant gen G-1)
tap_is "$(echo "$show" | json '[len(d["consultations"]), len(d["warnings"]), [e["retained_by"] for e in d["escalations"] if e["retained_by"]], sum(1 for l in d["training_links"] if l["opened_at"]), d["record"]["care_requested"]]')" \
    "[1, 1, [\"$ESC_LAWYER\"], 1, true]" "incident show: the consultation, the warning, the 受任, the open and the care"
M report --tenant gen --from "$today" --to "$today" > "$IT_DIR/gen.json"
tap_is "$(json '[d["incidents"]["total"], d["records"], d["escalations"]["retained_by_lawyer"], d["training"]["opened"]]' < "$IT_DIR/gen.json")" \
    '[1, {"consultations": 1, "restrictions": 0, "warnings": 1}, 1, 1]' "mamori report counts them for the generic tenant"
M report --tenant gen --from "$today" --to "$today" --format pdf --output "$IT_DIR/gen.pdf"
pdftotext -enc UTF-8 "$IT_DIR/gen.pdf" "$IT_DIR/gen.txt"
tap_is "$(grep -cx 'consultations: 1\|warnings: 1\|.*受任 retained 1' "$IT_DIR/gen.txt")" 3 "... and so does its pdf"

# ================= clear answers in every format =================
for f in json csv html pdf; do
    M report --tenant zd --from 2001-01-01 --to 2001-01-31 --format $f --output "$IT_DIR/empty.$f" 2>"$IT_DIR/err"
    [ $f = pdf ] && pdftotext -enc UTF-8 "$IT_DIR/empty.pdf" "$IT_DIR/empty.pdf.txt"
done
tap_is "$(json '[d["incidents"]["total"], d["records"]["consultations"]]' < "$IT_DIR/empty.json")" "[0, 0]" \
    "an empty period: json says zero"
tap_like "$(cat "$IT_DIR/empty.csv")" "total,incidents,0," "... csv has the zero totals"
tap_like "$(cat "$IT_DIR/empty.html")" "この期間の対応記録はありません" "... html says there was nothing"
tap_like "$(cat "$IT_DIR/empty.pdf.txt")" "この期間の対応記録はありません" "... so does the pdf"
tap_like "$(cat "$IT_DIR/err")" "no incidents were recorded for zd from 2001-01-01 to 2001-01-31" "... and stderr"
for f in pdf csv; do
    M report --tenant zd --from 2026-13-01 --to 2026-12-31 --format $f --output "$IT_DIR/broken.$f" 2>"$IT_DIR/err.$f"
    echo "$?" >> "$IT_DIR/rcs"
    M report --tenant nobody --from "$today" --to "$today" --format $f --output "$IT_DIR/nobody.$f" 2>>"$IT_DIR/err.$f"
    echo "$?" >> "$IT_DIR/rcs"
done
tap_is "$(tr '\n' ' ' < "$IT_DIR/rcs")" "2 1 2 1 " "a broken range exits 2, an unknown tenant 1 (pdf, csv)"
tap_like "$(cat "$IT_DIR/err.pdf")" '"2026-13-01" is not a day of the calendar' "... saying why"
tap_like "$(cat "$IT_DIR/err.pdf")" 'unknown tenant "nobody"' "... both"
tap_is "$(ls "$IT_DIR" | grep -c '^broken\.\|^nobody\.')" 0 "... and no file, not even an empty one"

M audit verify >/dev/null 2>&1
tap_is "$?" 0 "the audit chain verifies"
tap_is "$(esc_bad_requests)/$(hd_bad_requests)" "0/0" "the stand-ins found no malformed request"
it_done
