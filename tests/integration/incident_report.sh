#!/bin/bash
# Issue 17: incident records (対応記録) and reports. Webhooks through real
# nginx + mamori-fcgi (generic connector) create and update a record; an
# agent's internal note (`mamori:` lines) and tags add actions, care and
# the outcome; every change is in the audit chain. `mamori report` gives
# json, csv, html (one file, charts inline) and pdf (cairo, packaged
# Japanese font); a broken range, an unknown tenant and an empty period get
# clear answers; `mamori incident export` writes PDF + JSON with the audit
# hashes and notices a record edited behind the chain's back.
. "$top_srcdir/tests/integration/lib.sh"
it_init 53
IT_TENANT_EXTRA="keep_evidence = yes
retention_days = 30" it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
PNG="$top_srcdir/tests/integration/pngcheck.py"
today=$(date -u +%F)

post() {  # post EVENT TICKET BODY [EXTRA-JSON-MEMBERS]
    python3 - "$IT_DIR/e.json" "$@" <<'PY'
import json, sys
out, ev, ticket, body = sys.argv[1:5]
d = {"event_id": ev, "ticket_id": ticket, "subject": "返品について", "body": body, "channel": "email",
     "requester": {"id": "cust-77"}, "language": "ja"}
if len(sys.argv) > 5:
    d.update(json.loads(sys.argv[5]))
json.dump(d, open(out, "w"), ensure_ascii=False)
PY
    it_post_generic acme "$IT_DIR/e.json"
}

post e1 T-1 "届いた商品が壊れていました。refund をお願いします。"
tap_is "$HTTP_STATUS" 200 "a flagged webhook is annotated"
tap_is "$(it_sql "SELECT marked_by, channel, categories, severity FROM incidents WHERE ticket_id='T-1'")" \
    "mamori|email|example|$(it_sql "SELECT severity FROM events WHERE event_id='e1'")" \
    "... and has an incident record (marked by mamori, its channel, categories and severity)"
tap_like "$(it_sql "SELECT detail FROM incidents WHERE ticket_id='T-1'")" '"text":"refund"' \
    "... quoting the evidence (the tenant keeps evidence)"
tap_ok "$([ "$(it_sql "SELECT length(requester) FROM incidents WHERE ticket_id='T-1'")" = 64 ]; echo $?)" \
    "... the customer only as the keyed hash"
tap_is "$(it_sql "SELECT count(*) FROM audit WHERE kind='incident_recorded' AND subject='T-1'")" 1 \
    "... and the record's creation is in the audit chain"

post e2 T-1 "まだですか。refund してください。"
tap_is "$(it_sql "SELECT count(*) FROM incidents")" 1 "a second message of the ticket updates the same record"
tap_is "$(it_sql "SELECT count(*) FROM audit WHERE kind='incident_updated' AND subject='T-1'")" 1 \
    "... with an incident_updated audit entry"
post e3 T-2 "ご対応ありがとうございました。"
tap_is "$(it_sql "SELECT count(*) FROM incidents WHERE ticket_id='T-2'")" 0 "a ticket nothing flagged has no record"
post e4 T-2 "ご対応ありがとうございました。追記です。" '{"tags": ["mamori-mark", "mamori-action-refused_contact"]}'
tap_is "$(it_sql "SELECT marked_by, is_harassment FROM incidents WHERE ticket_id='T-2'")" "agent|1" \
    "an agent's mamori-mark tag records it as harassment, marked by the agent"
tap_like "$(it_sql "SELECT detail FROM incidents WHERE ticket_id='T-2'")" '"action":"refused_contact"' \
    "... with the action from its mamori-action- tag"
post e5 T-3 "refund を求めます。" '{"requester": {"id": "cust-77"}}'

# The agent's internal note: never annotated, its command lines recorded.
note=$'対応しました。\nmamori: action 電話で警告した\nmamori: care\nmamori：outcome 取引停止\nこれは命令ではありません'
post n1 T-1 "$note" '{"internal": true}'
tap_is "$HTTP_STATUS" 200 "an internal note is accepted"
tap_like "$HTTP_BODY" "ignored" "... and not annotated"
tap_is "$(it_sql "SELECT care_requested, outcome FROM incidents WHERE ticket_id='T-1'")" "1|取引停止" \
    "its mamori: lines set care (the worker asked) and the outcome"
tap_like "$(it_sql "SELECT detail FROM incidents WHERE ticket_id='T-1'")" '"action":"電話で警告した"' \
    "... and add the action"
post n1 T-1 "$note" '{"internal": true}'
tap_is "$(it_sql "SELECT count(*) FROM audit WHERE subject='T-1' AND kind LIKE 'incident_%'")" 3 \
    "the same note delivered again changes nothing (no new audit entry)"

show=$(M incident show --tenant acme T-1); rc=$?
tap_is "$rc" 0 "mamori incident show prints the record"
tap_is "$(echo "$show" | json 'd["record_matches_audit"]')" true "... and its hash matches the newest audit entry"
tap_is "$(echo "$show" | json '[a["kind"] for a in d["audit"]]')" \
    '["annotated", "incident_recorded", "annotated", "incident_updated", "incident_updated"]' \
    "... with every audit entry of the ticket"
tap_is "$(echo "$show" | json 'd["consultations"]')" "[]" \
    "consultations (issue 16's table): none on this ticket, an empty list, not null"

# Reports.
M report --tenant acme --from "$today" --to "$today" > "$IT_DIR/r.json"; rc=$?
tap_is "$rc" 0 "mamori report (json) succeeds"
tap_is "$(json '[d["incidents"]["total"], d["incidents"]["harassment"], d["incidents"]["legitimate_complaints"], d["incidents"]["agent_marked"], d["incidents"]["care_requested"]]' < "$IT_DIR/r.json")" \
    "[3, 1, 2, 1, 1]" "... counting incidents, harassment (the agent-marked one), legitimate complaints (the example plugin's category), agent-marked and care"
tap_is "$(json 'd["by_category"]' < "$IT_DIR/r.json")" '{"example": 2}' "... per category"
tap_is "$(json 'd["by_channel"]' < "$IT_DIR/r.json")" '{"email": 3}' "... per channel"
tap_is "$(json '[r["incidents"] for r in d["repeat_customers"]]' < "$IT_DIR/r.json")" "[3]" \
    "... the repeat customer (three tickets) by pseudonym"
tap_is "$(json 'd["outcomes"]' < "$IT_DIR/r.json")" '{"取引停止": 1}' "... and the outcomes"

M report --tenant acme --from "$today" --to "$today" --format csv > "$IT_DIR/r.csv"
tap_is "$(python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], encoding="utf-8-sig"))); print(r[0], [x[2] for x in r if x[:2]==["total","incidents"]])' "$IT_DIR/r.csv")" \
    "['section', 'key', 'count', 'second', 'median_minutes'] ['3']" "csv: a header and the same totals"

M report --tenant acme --from "$today" --to "$today" --format html --output "$IT_DIR/r.html"; rc=$?
tap_is "$rc" 0 "html written to a file"
tap_like "$(cat "$IT_DIR/r.html")" "カスタマーハラスメント対応報告" "... in Japanese"
tap_unlike "$(grep -E '(src|href)="(http|//)' "$IT_DIR/r.html")" "http" "... self-contained (nothing fetched)"
python3 - "$IT_DIR/r.html" "$IT_DIR" <<'PY'
import base64, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
for m in re.finditer(r'<img class="chart" id="([^"]+)"[^>]*src="data:image/png;base64,([^"]+)"', html):
    open(f"{sys.argv[2]}/{m.group(1)}.png", "wb").write(base64.b64decode(m.group(2)))
PY
tap_ok "$([ -f "$IT_DIR/chart-month.png" ] && [ -f "$IT_DIR/chart-category.png" ]; echo $?)" \
    "... with the charts inline as PNG"
n=$(python3 "$PNG" "$IT_DIR/chart-month.png" 31 119 180 2)
tap_ok "$([ "$n" -gt 200 ]; echo $?)" "... the month chart has its bars in the chart colour ($n pixels)"
n=$(python3 "$PNG" "$IT_DIR/chart-category.png" 31 119 180 2)
tap_ok "$([ "$n" -gt 200 ]; echo $?)" "... so has the category chart ($n pixels)"

M report --tenant acme --from "$today" --to "$today" --format pdf --output "$IT_DIR/r.pdf"; rc=$?
tap_is "$rc" 0 "pdf written"
tap_is "$(head -c 5 "$IT_DIR/r.pdf")" "%PDF-" "... a PDF"
tap_like "$(grep -a -o 'IPAGothic' "$IT_DIR/r.pdf" | head -1)" "IPAGothic" "... embedding the packaged Japanese font"

# Clear answers.
out=$(M report --tenant acme --from 2026-12-31 --to 2026-01-01 2>&1); rc=$?
tap_is "$rc" 2 "a range that ends before it starts: exit 2"
tap_like "$out" "is before --from" "... saying so"
out=$(M report --tenant acme --from 2026-02-30 --to 2026-03-01 2>&1); rc=$?
tap_is "$rc" 2 "a day that does not exist: exit 2"
tap_like "$out" "not a day of the calendar" "... saying so"
out=$(M report --tenant nobody --from 2026-01-01 --to 2026-01-31 2>&1); rc=$?
tap_is "$rc" 1 "an unknown tenant: exit 1"
tap_like "$out" 'unknown tenant "nobody"' "... saying so"
out=$(M report --tenant acme --from 2001-01-01 --to 2001-01-31 --format html --output "$IT_DIR/empty.html" 2>&1); rc=$?
tap_is "$rc" 0 "an empty period is a report"
tap_like "$(cat "$IT_DIR/empty.html")" "この期間の対応記録はありません" "... that says there was nothing (and stderr: $out)"

# Export for the lawyer.
out=$(cd "$IT_DIR" && M incident export --tenant acme T-1); rc=$?
tap_is "$rc" 0 "mamori incident export succeeds"
tap_ok "$([ -s "$IT_DIR/incident-acme-T-1.json" ] && [ "$(head -c 5 "$IT_DIR/incident-acme-T-1.pdf")" = "%PDF-" ]; echo $?)" \
    "... writing a JSON and a PDF"
tap_is "$(json '[d["record_matches_audit"], d["audit_chain_verified"]["ok"], len(d["audit"][-1]["hash"])]' < "$IT_DIR/incident-acme-T-1.json")" \
    "[true, true, 64]" "... the record matching the verified chain, with the hashes"
it_sql "SELECT 1" >/dev/null
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE incidents SET outcome=? WHERE ticket_id=?", ("和解", "T-1")); c.commit()' "$IT_DIR/mamori.db"
tap_is "$(M incident show --tenant acme T-1 | json 'd["record_matches_audit"]')" false \
    "a record edited behind the chain's back no longer matches"
M incident export --tenant acme NOPE >/dev/null 2>"$IT_DIR/err"; rc=$?
tap_is "$rc" 1 "exporting a ticket without a record: exit 1"
tap_like "$(cat "$IT_DIR/err")" "has no incident record" "... saying why"
M audit verify >/dev/null; tap_is "$?" 0 "the audit chain still verifies"

# Retention: a record nothing happened to for longer than retention_days goes.
python3 -c 'import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE incidents SET updated_at=? WHERE ticket_id=?", (int(time.time()) - 40*86400, "T-2")); c.commit()' "$IT_DIR/mamori.db"
M purge --tenant acme >/dev/null; rc=$?
tap_is "$rc" 0 "mamori purge runs"
tap_is "$(it_sql "SELECT group_concat(ticket_id) FROM (SELECT ticket_id FROM incidents ORDER BY ticket_id)")" "T-1,T-3" \
    "... removing the record unchanged for 40 days, keeping the others"
tap_like "$(it_sql "SELECT data FROM audit WHERE kind='purged' ORDER BY seq DESC LIMIT 1")" '"incidents":1' \
    "... and the purge's audit entry counts it"
it_done
