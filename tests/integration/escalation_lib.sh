# tests/integration/escalation_lib.sh -- helpers for the escalation tests,
# on top of lib.sh (and helpdesk_lib.sh where a helpdesk stand-in is
# needed): the channel stand-ins (tests/escalation/channels_standin.py: LINE
# API, Slack, Teams, a signed-webhook receiver), the SMTP stand-in
# (tests/escalation/smtp_standin.py, STARTTLS with a throw-away
# self-signed certificate that [deliver] ca_file trusts, AUTH PLAIN/LOGIN),
# a tenant's escalation sections, and signed LINE webhook deliveries.
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/escalation_lib.sh"
#   it_init N
#   esc_standins_start
#   esc_tenant acme            # generic connector + rules + every channel
#   it_start
#   esc_post_ticket acme ev-1 T-1 "念書を書け…"
#   esc_wait_requests line 2

ESC_DIR="$top_srcdir/tests/escalation"
# The LINE fixture's channel secret (fixtures/line-*.headers), so the
# fixtures verify as they are.
ESC_LINE_SECRET=8c5e1f0a3b7d4e2f9a6c1b0d3e5f7a9c
ESC_LINE_TOKEN=FAKE-channel-access-token-for-tests
ESC_LAWYER=U4af4980629f1e2d3c4b5a6978695a4b3     # the fixtures' lawyer
ESC_GROUP=C00000000000000000000000000000001
ESC_BACKUP=Ubbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
ESC_ONCALL=Ueeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
ESC_SLACK_PATH=/slack/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
ESC_TEAMS_PATH=/teams/workflows/0123abcd/triggers/manual/paths/invoke
ESC_TEAMS_SIG=teams-sig-for-tests
ESC_HOOK_SECRET=hook-secret-for-tests
ESC_SMTP_USER=mamori
ESC_SMTP_PASS=smtp-pass-for-tests

esc_standins_start() {
    : > "$IT_DIR/channels.log"
    : > "$IT_DIR/smtp.log"
    python3 "$ESC_DIR/channels_standin.py" --port-file "$IT_DIR/channels.port" --log "$IT_DIR/channels.log" \
        --line-token "$ESC_LINE_TOKEN" --slack-path "$ESC_SLACK_PATH" --teams-path "$ESC_TEAMS_PATH" \
        --teams-sig "$ESC_TEAMS_SIG" --hook-secret "$ESC_HOOK_SECRET" >>"$IT_DIR/channels.err" 2>&1 &
    ESC_CHANNELS_PID=$!
    IT_PIDS="$IT_PIDS $!"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$IT_DIR/smtp.key" -out "$IT_DIR/smtp.crt" >/dev/null 2>&1
    python3 "$ESC_DIR/smtp_standin.py" --port-file "$IT_DIR/smtp.port" --log "$IT_DIR/smtp.log" \
        --cert "$IT_DIR/smtp.crt" --key "$IT_DIR/smtp.key" --user "$ESC_SMTP_USER" --password "$ESC_SMTP_PASS" \
        --fail-first "${ESC_SMTP_FAIL_FIRST:-0}" --drop-first "${ESC_SMTP_DROP_FIRST:-0}" >>"$IT_DIR/smtp.err" 2>&1 &
    ESC_SMTP_PID=$!
    IT_PIDS="$IT_PIDS $!"
    it_poll -p "$ESC_CHANNELS_PID" "$IT_TIMEOUT" test -s "$IT_DIR/channels.port" || {
        echo "# the channels stand-in did not start:"
        it_why_not channels_standin.py "$ESC_CHANNELS_PID" "$IT_DIR/channels.err"
        echo "Bail out! the channels stand-in did not start"
        exit 1
    }
    it_poll -p "$ESC_SMTP_PID" "$IT_TIMEOUT" test -s "$IT_DIR/smtp.port" || {
        echo "# the SMTP stand-in did not start:"
        it_why_not smtp_standin.py "$ESC_SMTP_PID" "$IT_DIR/smtp.err"
        echo "Bail out! the SMTP stand-in did not start"
        exit 1
    }
    ESC_CH="http://127.0.0.1:$(cat "$IT_DIR/channels.port")"
    ESC_SMTP="smtp://127.0.0.1:$(cat "$IT_DIR/smtp.port")"
    # Fast retries for the tests; http to the loopback stand-ins; the
    # SMTP stand-in's certificate is the only CA trusted.
    IT_EXTRA_CONFIG="[deliver]
allow_http = yes
retry_base = 1
retry_max = ${ESC_RETRY_MAX:-2}
timeout = ${HD_TIMEOUT:-3}
max_attempts = ${ESC_MAX_ATTEMPTS:-6}
ca_file = $IT_DIR/smtp.crt
${HD_DELIVER_EXTRA:-}"
    it_write_config
}

# The escalation sections for a tenant: every channel kind on the stand-ins.
# ESC_ROUTES overrides the [escalation] routes; ESC_ESCALATION_EXTRA adds keys.
esc_sections() {
    it_secret line.secret "$ESC_LINE_SECRET" >/dev/null
    it_secret line.token "$ESC_LINE_TOKEN" >/dev/null
    it_secret slack.url "$ESC_CH$ESC_SLACK_PATH" >/dev/null
    it_secret teams.url "$ESC_CH$ESC_TEAMS_PATH?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=$ESC_TEAMS_SIG" >/dev/null
    it_secret hook.secret "$ESC_HOOK_SECRET" >/dev/null
    it_secret smtp.pw "$ESC_SMTP_PASS" >/dev/null
    cat <<CONF

[escalation]
${ESC_ROUTES:-police = teamlead, lawyer-line
lawyer = lawyer-line, lawyer-mail, legal-teams, ops-hook
supervisor = teamlead}
backup = backup-line
ack_deadline = ${ESC_ACK_DEADLINE:-30m}
ticket_url = https://acme.example/tickets/{ticket_id}
${ESC_ESCALATION_EXTRA:-}

[line]
channel_secret_file = $IT_DIR/secrets/line.secret
access_token_file = $IT_DIR/secrets/line.token
api_url = $ESC_CH/line

[channel lawyer-line]
type = line
to = $ESC_LAWYER, $ESC_GROUP

[channel backup-line]
type = line
to = $ESC_BACKUP

[channel oncall]
type = line
to = $ESC_ONCALL

[channel teamlead]
type = slack
url_file = $IT_DIR/secrets/slack.url

[channel legal-teams]
type = teams
url_file = $IT_DIR/secrets/teams.url

[channel lawyer-mail]
type = smtp
url = $ESC_SMTP
from = mamori@acme.example
to = kimura@law.example, desk@law.example
username = $ESC_SMTP_USER
password_file = $IT_DIR/secrets/smtp.pw

[channel ops-hook]
type = webhook
url = $ESC_CH/hook
secret_file = $IT_DIR/secrets/hook.secret
CONF
}

# esc_tenant ID -- a generic-connector tenant (no write-back) with the
# shipped Japanese policy and every channel.
esc_tenant() {
    local id=$1
    it_secret "$id.webhook" "secret-$id" >/dev/null
    {
        cat <<CONF
[tenant]
name = Acme 株式会社
language = ${ESC_LANGUAGE:-ja}
connector = generic
webhook_secret_file = $IT_DIR/secrets/$id.webhook

[plugin rules]
path = rules.so
policy = $top_srcdir/policies/default-ja/policy.json
CONF
        esc_sections
    } > "$IT_DIR/tenants.d/$id.conf"
}

# esc_post_ticket TENANT EVENT TICKET BODY -- a generic webhook with a
# customer's name and contact details in it (for the redaction checks).
esc_post_ticket() {
    python3 -c 'import json,sys; print(json.dumps({"event_id": sys.argv[1], "ticket_id": sys.argv[2],
        "subject": "ご対応について", "body": sys.argv[3], "channel": "email",
        "requester": {"id": "cust-" + sys.argv[2], "name": "山田 太郎", "email": "taro.yamada@example.com"}},
        ensure_ascii=False))' "$2" "$3" "$4" > "$IT_DIR/ticket-$2.json"
    it_post_generic "$1" "$IT_DIR/ticket-$2.json"
}

# Requests the channel stand-in received, as JSON lines.
esc_requests() { cat "$IT_DIR/channels.log" 2>/dev/null; }

# esc_count SERVICE [PY-CONDITION on e] -- requests to SERVICE (line, slack, teams, hook).
esc_count() {
    python3 -c 'import json,sys
n=0
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]==sys.argv[2] and eval(sys.argv[3]): n+=1
print(n)' "$IT_DIR/channels.log" "$1" "${2:-True}"
}

# esc_wait SERVICE N [CONDITION] [SECONDS] -- until N such requests arrived
# (SECONDS, never less than IT_TIMEOUT: see it_poll).
esc_has() { [ "$(esc_count "$1" "$3")" -ge "$2" ]; }
esc_wait() {
    it_poll "${4:-$IT_TIMEOUT}" esc_has "$1" "$2" "${3:-True}"
}

# esc_req SERVICE INDEX PY-EXPR -- a field of the INDEX-th request to SERVICE.
esc_req() {
    python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
r=[e for e in r if e["service"]==sys.argv[2]]
e=r[int(sys.argv[3])]
v=eval(sys.argv[4])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$IT_DIR/channels.log" "$1" "$2" "$3"
}

# Malformed requests the channel stand-in saw (should be none), not
# counting those refused for a wrong token on purpose.
esc_bad_requests() {
    python3 -c 'import json,sys
n=0
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if not e["ok"] and "Bearer" not in e["problem"]:
        n+=1; print("#", e["service"], e["path"], e["problem"], file=sys.stderr)
print(n)' "$IT_DIR/channels.log"
}

# esc_fault SERVICE MODE COUNT [RETRY_AFTER]
esc_fault() {
    curl -s -o /dev/null -X POST "$ESC_CH/_control" -H 'Content-Type: application/json' \
        -d "{\"service\": \"$1\", \"mode\": \"$2\", \"count\": $3, \"retry_after\": ${4:-1}}"
}

# Mails the SMTP stand-in accepted.
esc_mails() { grep -c '"accepted": true' "$IT_DIR/smtp.log" 2>/dev/null || true; }

# esc_mail INDEX PY-EXPR -- on the INDEX-th accepted mail: m (email.message),
# e (the log entry), body (decoded text).
esc_mail() {
    python3 -c 'import json,sys,email,email.policy
r=[json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
r=[e for e in r if e["accepted"]]
e=r[int(sys.argv[2])]
m=email.message_from_string(e["data"], policy=email.policy.default)
body=m.get_content()
v=eval(sys.argv[3])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$IT_DIR/smtp.log" "$1" "$2"
}

# esc_line_body FILE TYPE USER EVENT-ID [TEXT] [QUOTED-ID] -- a LINE webhook body.
esc_line_body() {
    python3 -c 'import json,sys,time
f, typ, user, eid = sys.argv[1:5]
text = sys.argv[5] if len(sys.argv) > 5 else ""
quoted = sys.argv[6] if len(sys.argv) > 6 else ""
ev = {"type": typ, "timestamp": int(time.time() * 1000), "source": {"type": "user", "userId": user},
      "replyToken": "0f3779fba3b349968c5d07db31eab56f", "mode": "active", "webhookEventId": eid,
      "deliveryContext": {"isRedelivery": False}}
if typ == "message":
    ev["message"] = {"type": "text", "id": "5551" + eid[-6:], "quoteToken": "q", "text": text}
    if quoted:
        ev["message"]["quotedMessageId"] = quoted
if typ == "follow":
    ev["follow"] = {"isUnblocked": False}
open(f, "w", encoding="utf-8").write(json.dumps({"destination": "U0a1b2c3d4e5f60718293a4b5c6d7e8f9", "events": [ev]},
                                                 ensure_ascii=False, separators=(",", ":")))' "$@"
}

# esc_line_post TENANT FILE [SECRET] -- POST a LINE delivery signed with
# SECRET (default: the channel secret), exactly as LINE does.
esc_line_post() {
    local sig
    sig=$(openssl dgst -sha256 -hmac "${3:-$ESC_LINE_SECRET}" -binary < "$2" | openssl base64 -A)
    http POST "/hooks/$1/line" -H 'Content-Type: application/json; charset=utf-8' -H 'User-Agent: LineBotWebhook/2.0' \
        -H "X-Line-Signature: $sig" --data-binary "@$2"
}

# The escalation's audit records of a kind.
esc_audit_count() { it_sql "select count(*) from audit where kind='$1'"; }

# Wait until no escalation or note job is pending (up to N seconds, never
# less than IT_TIMEOUT).
esc_outbox_drained() { [ "$(it_sql "select count(*) from outbox where state='pending'")" = 0 ]; }
esc_wait_drained() {
    it_poll "${1:-$IT_TIMEOUT}" esc_outbox_drained
}

# esc_lawyer_msg_id [PY-CONDITION on text] -- the LINE message id of the
# first push to the lawyer ($ESC_LAWYER) whose text meets the condition
# (empty when none has one yet): what a lawyer's reply quotes.
esc_lawyer_msg_id() {
    python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if e["service"]!="line" or e["body"].get("to")!=sys.argv[2] or not e.get("message_id"): continue
    text=e["body"]["messages"][0]["text"]
    if eval(sys.argv[3]): print(e["message_id"]); break' "$IT_DIR/channels.log" "$ESC_LAWYER" "${1:-True}"
}
