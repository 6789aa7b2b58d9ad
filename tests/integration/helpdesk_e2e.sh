#!/bin/bash
# End to end for every connector: the fixture webhook -> nginx ->
# mamori-fcgi -> outbox -> deliverer -> the stand-in API receives the right
# note and tags (checked against the documented request shape).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
it_init 93
hd_standin_start
hd_tenant zd zendesk "api_user_id = 39011229999"
hd_tenant zt zendesk "tags_via = tags_endpoint"
hd_tenant fd freshdesk
hd_tenant zm zammad
hd_tenant hs helpscout
hd_tenant ji jira
hd_tenant rm redmine "tags_custom_field_id = 7
api_user_id = 1"
hd_tenant rt rt "tags_custom_field = Harassment
api_user = mamori"
hd_tenant zn znuny "utc_offset = +09:00"
HD_LEGIT=none hd_tenant gen generic
# A tenant whose url is not loopback: with allow_http its plain-http
# requests must still be refused before any connection is made.
hd_tenant far zendesk
sed -i "s#^url = .*#url = http://192.0.2.10/zendesk#" "$IT_DIR/tenants.d/far.conf"
it_start || { echo "Bail out! stack did not start"; exit 1; }

# One harassment ticket per platform: annotated, then the note arrives.
check_note() {  # PLATFORM TICKET FORMAT-NEEDLE MESSAGE
    local text
    hd_wait_notes "$1" "$2" 1 20
    hd_wait_drained 20 # the tags step follows the note
    tap_is "$(hd_notes "$1" "$2")" 1 "$1: exactly one note on ticket $2"
    text=$(hd_state "s['notes']['$1:$2'][0]['text']")
    tap_like "$text" "重大度" "$1: the note's first line says the severity in plain words"
    tap_like "$text" "mamori-ref:" "$1: the note carries its reference"
    tap_like "$text" "$3" "$1: the note is in the platform's markup ($3)"
}

hd_post zd zendesk-ticket_created
tap_is "$HTTP_STATUS" 200 "zendesk: ticket.created is annotated"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["is_harassment"]')" true "zendesk: the threat is harassment"
check_note zendesk 4821 "■"
tap_like "$(hd_state "s['tags']['zendesk:4821']")" "kasuhara" "zendesk: tags were added (additional_tags)"

python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["id"]="zt-1"; d["detail"]["id"]="4900"; open(sys.argv[2],"w").write(json.dumps(d, ensure_ascii=False))' \
    "$HD_FIX/zendesk-ticket_created.json" "$IT_DIR/zt.json"
hd_post zt zendesk-ticket_created "$IT_DIR/zt.json"
hd_wait_notes zendesk 4900 1 20
hd_wait_drained 20
tap_is "$(hd_log | grep -c '/api/v2/tickets/4900/tags.json')" 1 "zendesk (tags_via = tags_endpoint): tags through PUT tags.json"

hd_post fd freshdesk-ticket_created
tap_is "$HTTP_STATUS" 200 "freshdesk: webhook with Basic auth is annotated"
check_note freshdesk 1207 "<p><b>"
tap_like "$(hd_state "s['tags']['freshdesk:1207']")" '"existing"' "freshdesk: existing tags kept (read, merge, write)"
tap_like "$(hd_state "s['tags']['freshdesk:1207']")" "kasuhara" "freshdesk: new tags written"

hd_post zm zammad-ticket_created
tap_is "$HTTP_STATUS" 200 "zammad: webhook is annotated"
check_note zammad 233 "<p><b>"
tap_like "$(hd_state "s['tags']['zammad:233']")" "kasuhara" "zammad: tags added one by one"

hd_post hs helpscout-convo.created
tap_is "$HTTP_STATUS" 200 "helpscout: webhook is annotated"
check_note helpscout 2391938111 "<p><b>"
tap_like "$(hd_state "s['tags']['helpscout:2391938111']")" '"existing"' "helpscout: tags merged before the PUT replaces them"

hd_post ji jira-jira_issue_created
tap_is "$HTTP_STATUS" 200 "jira: webhook is annotated"
check_note jira CS-42 "■"
tap_like "$(hd_state "s['tags']['jira:CS-42']")" "kasuhara" "jira: labels added"

hd_post rm redmine-issue.created
tap_is "$HTTP_STATUS" 200 "redmine (core 7): webhook is annotated"
check_note redmine 3141 "*[mamori]"
tap_like "$(hd_state "s['tags']['redmine:3141']")" "kasuhara" "redmine: tags in the custom field"

secret=$(hd_fixture_secret redmine-issue.created)
http POST "/hooks/rm/redmine/$secret" -H 'Content-Type: application/json' \
    --data-binary "@$HD_FIX/redmine-plugin_redmine_webhook-opened.json"
tap_is "$HTTP_STATUS" 200 "redmine (plugin, unsigned): accepted with the path token"
hd_wait_notes redmine 3142 1 20
tap_is "$(hd_notes redmine 3142)" 1 "redmine (plugin): the note arrives"
http POST "/hooks/rm/redmine/wrong-token" -H 'Content-Type: application/json' \
    --data-binary "@$HD_FIX/redmine-plugin_redmine_webhook-opened.json"
tap_is "$HTTP_STATUS" 401 "redmine (plugin): a wrong path token is 401"

hd_post rt rt-ticket_create
tap_is "$HTTP_STATUS" 200 "rt: scrip payload is annotated"
check_note rt 5120 "■"
tap_like "$(hd_state "s['notes']['rt:5120'][0]['subject']")" "[mamori] 重大度: " "rt: the comment has a short subject"
tap_like "$(hd_state "s['tags']['rt:5120']")" "kasuhara" "rt: tags in the custom field"

# Znuny takes the note in the HTTP answer.
hd_post zn znuny-ticket_generic-article_create
tap_is "$HTTP_STATUS" 200 "znuny: webhook is annotated"
tap_like "$(echo "$HTTP_BODY" | json 'd["OTRS_TicketArticleAdd"]["Body"]')" "重大度" "znuny: the answer carries the internal article"
tap_is "$(echo "$HTTP_BODY" | json 'd["OTRS_TicketArticleAdd"]["IsVisibleForCustomer"]')" 0 "znuny: not visible for the customer"
tap_like "$(echo "$HTTP_BODY" | json 'list(d.keys())')" "OTRS_TicketDynamicFieldSet_HarassmentFlag" "znuny: the dynamic field is set"
tap_is "$(it_sql "select count(*) from outbox where tenant='zn'")" 0 "znuny: no outbox job (no credentials needed)"
hd_post zn znuny-ticket_generic-article_create
tap_like "$HTTP_HEADERS" "X-Mamori-Duplicate: 1" "znuny: a redelivery gets the stored answer"
tap_like "$HTTP_BODY" "OTRS_TicketArticleAdd" "... with the same article"

# Legitimate complaints: a calm note (note_on_legitimate = calm).
hd_post zd zendesk-comment_added
tap_is "$HTTP_STATUS" 200 "zendesk: a benign comment is annotated"
hd_wait_notes zendesk 4799 1 20
calm=$(hd_state "s['notes']['zendesk:4799'][0]['text']")
tap_like "$calm" "カスハラの兆候" "zendesk: the benign ticket gets a calm note"
tap_unlike "$calm" "重大度" "... without severity or alarm"
tap_is "$(printf '%s\n' "$calm" | grep -c .)" 2 "... two lines: the verdict and the footer"
for pair in "fd freshdesk-ticket_updated-public_note freshdesk 1188" "zm zammad-article_created-customer_followup zammad 219" \
            "hs helpscout-convo.customer.reply.created helpscout 2391900007" "ji jira-comment_created jira CS-38" \
            "rm redmine-issue.updated redmine 3120"; do
    set -- $pair
    hd_post "$1" "$2"
    tap_is "$HTTP_STATUS" 200 "$3: benign follow-up is annotated"
    hd_wait_notes "$3" "$4" 1 20
    tap_unlike "$(hd_state "s['notes'].get('$3:$4', [{'text': ''}])[0]['text']")" "重大度" "$3: its note is calm"
done

# The loop case: Zendesk echoes our own private comment -> ignored.
hd_post zd zendesk-comment_added-own_private_note
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ignored "zendesk: our own private comment is ignored"

# The same event twice: one note.
hd_post zd zendesk-ticket_created
tap_like "$HTTP_HEADERS" "X-Mamori-Duplicate: 1" "zendesk: a redelivery is a duplicate"
sleep 1
tap_is "$(hd_notes zendesk 4821)" 1 "zendesk: still exactly one note"

# The generic connector's signed callback (legitimate: note_on_legitimate = none).
cat > "$IT_DIR/gen.json" <<'J'
{"event_id": "gen-1", "ticket_id": "G-1", "subject": "返金の件", "body": "何度言えば分かるんだ。今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。担当者の名前もSNSで晒してやる。"}
J
http POST /hooks/gen/generic -H 'Content-Type: application/json' \
    -H "X-Mamori-Signature: $(sign_generic "$IT_DIR/gen.json" secret-gen)" --data-binary "@$IT_DIR/gen.json"
tap_is "$HTTP_STATUS" 200 "generic: annotated"
hd_wait_notes generic G-1 1 20
tap_is "$(hd_notes generic G-1)" 1 "generic: the signed callback arrived (signature and Idempotency-Key checked)"
cat > "$IT_DIR/gen2.json" <<'J'
{"event_id": "gen-2", "ticket_id": "G-2", "subject": "請求書", "body": "5月分の請求書の金額が見積もりと違っているようです。ご確認ください。"}
J
http POST /hooks/gen/generic -H 'Content-Type: application/json' \
    -H "X-Mamori-Signature: $(sign_generic "$IT_DIR/gen2.json" secret-gen)" --data-binary "@$IT_DIR/gen2.json"
tap_is "$HTTP_STATUS" 200 "generic: a legitimate ticket is annotated"
tap_is "$(it_sql "select count(*) from outbox where tenant='gen'")" 1 "generic: note_on_legitimate = none queues no note for it"

# A tenant whose url leaves loopback over plain http: refused, dead-lettered.
hd_post far zendesk-ticket_created
tap_is "$HTTP_STATUS" 200 "far: annotated"
it_until "[ \"\$(it_sql \"select state from outbox where tenant='far'\")\" = dead ]"
tap_is "$(it_sql "select state from outbox where tenant='far'")" dead "a request outside allowed URLs is refused and dead-lettered"
tap_like "$(it_sql "select last_error from outbox where tenant='far'")" "refused" "... with the reason"
tap_like "$(hd_outbox list --state dead)" "far" "mamori outbox list shows the dead letter"

# Loop test: each platform echoes mamori's own note back as a webhook (in
# the most permissive form each allows) and nothing happens.
hd_wait_drained 20
jobs_before=$(it_sql "select count(*) from outbox")
echo_hook() {  # TENANT FIXTURE PLATFORM TICKET
    local note
    note=$(hd_state "s['notes']['$3:$4'][0]['text']")
    NOTE="$note" python3 - "$HD_FIX/$2.json" "$IT_DIR/echo.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1])); n = os.environ["NOTE"]
if "zendesk" in sys.argv[1]:
    d["id"] = "echo-1"; d["event"]["comment"].update(body=n, is_public=True, id="1", author={"id": "5", "is_staff": False})
elif "freshdesk" in sys.argv[1]:
    d["freshdesk_webhook"]["ticket_latest_public_comment"] = n
elif "zammad" in sys.argv[1]:
    d["article"].update(id=99901, body=n, sender="Customer", internal=False)
elif "helpscout" in sys.argv[1]:
    d["_embedded"]["threads"][0].update(id=99902, body=n, createdAt="2030-01-01T00:00:00Z")
elif "jira" in sys.argv[1]:
    d["comment"].update(id="99903", body=n)
elif "redmine" in sys.argv[1]:
    d["data"]["journal"].update(id=99904, notes=n, private_notes=False)
elif "rt-" in sys.argv[1]:
    d["transaction"].update(id=99905, type="Correspond"); d["content"]["body"] = n
open(sys.argv[2], "w").write(json.dumps(d, ensure_ascii=False))
PY
    hd_post "$1" "$2" "$IT_DIR/echo.json"
    tap_is "$(echo "$HTTP_BODY" | json 'd.get("status")')" ignored "loop: $3 echoing our note back is ignored"
}
echo_hook zd zendesk-comment_added zendesk 4821
echo_hook fd freshdesk-ticket_updated-public_note freshdesk 1207
echo_hook zm zammad-article_created-customer_followup zammad 233
echo_hook hs helpscout-convo.customer.reply.created helpscout 2391938111
echo_hook ji jira-comment_created jira CS-42
echo_hook rm redmine-issue.updated redmine 3141
echo_hook rt rt-ticket_create rt 5120
tap_is "$(it_sql "select count(*) from outbox")" "$jobs_before" "loop: no new write-back was queued"

hd_wait_drained 20
tap_is "$(it_sql "select count(*) from outbox where state='pending'")" 0 "every job was delivered"
tap_is "$(hd_bad_requests)" 0 "the stand-in found no malformed request"
tap_unlike "$(cat "$IT_DIR/mamori.log")" "zd-api-token" "no credential in the log"
tap_unlike "$(cat "$IT_DIR/mamori.log")" "hs-secret" "no client secret in the log"
it_done
