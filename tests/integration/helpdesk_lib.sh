# tests/integration/helpdesk_lib.sh -- helpers for the helpdesk tests, on
# top of lib.sh: the stand-in APIs (tests/helpdesks/standin.py), a tenant
# per connector with the shipped Japanese policy, and fixture deliveries
# re-signed with the current time.
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/helpdesk_lib.sh"
#   it_init N
#   hd_standin_start
#   hd_tenant zd zendesk            # tenant "zd" writing to the stand-in
#   it_start
#   hd_post zd zendesk-ticket_created
#   hd_wait_notes zendesk 4821 1

HD_FIX="$top_srcdir/tests/helpdesks/fixtures"

hd_standin_start() {
    : > "$IT_DIR/standin.log"
    python3 "$top_srcdir/tests/helpdesks/standin.py" --port-file "$IT_DIR/standin.port" --log "$IT_DIR/standin.log" \
        --generic-secret "${HD_GENERIC_SECRET:-secret-gen}" >>"$IT_DIR/standin.err" 2>&1 &
    HD_STANDIN_PID=$!
    IT_PIDS="$IT_PIDS $HD_STANDIN_PID"
    it_poll -p "$HD_STANDIN_PID" "$IT_TIMEOUT" test -s "$IT_DIR/standin.port" || {
        echo "# the helpdesk stand-in did not start:"
        it_why_not standin.py "$HD_STANDIN_PID" "$IT_DIR/standin.err"
        echo "Bail out! the helpdesk stand-in did not start"
        exit 1
    }
    HD_STANDIN="http://127.0.0.1:$(cat "$IT_DIR/standin.port")"
    # Fast retries for the tests; http to the loopback stand-in.
    IT_EXTRA_CONFIG="[deliver]
allow_http = yes
retry_base = 1
retry_max = ${HD_RETRY_MAX:-4}
timeout = ${HD_TIMEOUT:-3}
max_attempts = ${HD_MAX_ATTEMPTS:-12}
${HD_DELIVER_EXTRA:-}"
    it_write_config
}

# The stand-in's credentials per connector (standin.py CREDS).
hd_creds() {
    case $1 in
    zendesk) echo "agent@acme.example/token:zd-api-token" ;;
    freshdesk) echo "fd-api-key" ;;
    zammad) echo "zm-access-token" ;;
    helpscout) echo "hs-client:hs-secret" ;;
    jira) echo "bot@acme.example:jira-api-token" ;;
    redmine) echo "rm-api-key" ;;
    rt) echo "rt-auth-token" ;;
    *) echo "" ;;
    esac
}

# The webhook secret a fixture's .headers states.
hd_fixture_secret() {
    sed -n 's/^# secret: //p' "$HD_FIX/$1.headers"
}

# hd_tenant ID CONNECTOR [EXTRA-HELPDESK-LINES] -- a tenant on the stand-in.
hd_tenant() {
    local id=$1 connector=$2 extra=${3:-} secret url creds
    case $connector in
    zendesk) secret=$(hd_fixture_secret zendesk-ticket_created) ;;
    freshdesk) secret=$(hd_fixture_secret freshdesk-ticket_created) ;;
    zammad) secret=$(hd_fixture_secret zammad-ticket_created) ;;
    helpscout) secret=$(hd_fixture_secret helpscout-convo.created) ;;
    jira) secret=$(hd_fixture_secret jira-jira_issue_created) ;;
    redmine) secret=$(hd_fixture_secret redmine-issue.created) ;;
    rt) secret=$(hd_fixture_secret rt-ticket_create) ;;
    znuny) secret=$(hd_fixture_secret znuny-ticket_generic-article_create) ;;
    generic) secret=${HD_GENERIC_SECRET:-secret-gen} ;;
    esac
    it_secret "$id.webhook" "$secret" >/dev/null
    url="$HD_STANDIN/$connector"
    [ "$connector" = generic ] && url="$HD_STANDIN/generic/callback"
    creds=$(hd_creds "$connector")
    local cred_line=""
    if [ -n "$creds" ]; then
        it_secret "$id.creds" "$creds" >/dev/null
        cred_line="credentials_file = $IT_DIR/secrets/$id.creds"
    fi
    cat > "$IT_DIR/tenants.d/$id.conf" <<CONF
[tenant]
name = $id Co., Ltd.
language = ${HD_LANGUAGE:-ja}
connector = $connector
webhook_secret_file = $IT_DIR/secrets/$id.webhook
replay_window = 600
note_on_legitimate = ${HD_LEGIT:-calm}
${HD_TENANT_EXTRA:-}

[helpdesk]
url = $url
$cred_line
$extra

[plugin rules]
path = rules.so
policy = $top_srcdir/policies/default-ja/policy.json
CONF
}

# hd_post TENANT FIXTURE [BODY-FILE] -- deliver a fixture the way its
# platform does: its headers, re-signed for now where the scheme has a
# timestamp (or for a replaced body).
hd_post() {
    local tenant=$1 fx=$2 body=${3:-$HD_FIX/$2.json} secret connector args=() name value ts sig
    secret=$(hd_fixture_secret "$fx")
    connector=${fx%%-*}
    ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    local unix
    unix=$(date +%s)
    while IFS= read -r line; do
        case $line in '#'*|'') continue ;; esac
        name=${line%%:*}
        value=${line#*: }
        case $name in
        Content-Length) continue ;;
        X-Zendesk-Webhook-Signature-Timestamp) value=$ts ;;
        X-Zendesk-Webhook-Signature)
            value=$({ printf '%s' "$ts"; cat "$body"; } | openssl dgst -sha256 -hmac "$secret" -binary | openssl base64 -A) ;;
        X-Hdadapter-Timestamp) value=$unix ;;
        X-Hdadapter-Signature)
            value="sha256=$({ printf '%s.' "$unix"; cat "$body"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)" ;;
        X-Hub-Signature)
            case $value in
            sha1=*) value="sha1=$(openssl dgst -sha1 -hmac "$secret" -r < "$body" | cut -d' ' -f1)" ;;
            *) value="sha256=$(openssl dgst -sha256 -hmac "$secret" -r < "$body" | cut -d' ' -f1)" ;;
            esac ;;
        X-HelpScout-Event) value=${HD_HS_EVENT:-$value} ;;  # e.g. convo.note.created for an agent's note
        X-HelpScout-Signature) value=$(openssl dgst -sha1 -hmac "$secret" -binary < "$body" | openssl base64 -A) ;;
        X-Redmine-Signature-256) value="sha256=$(openssl dgst -sha256 -hmac "$secret" -r < "$body" | cut -d' ' -f1)" ;;
        esac
        args+=(-H "$name: $value")
    done < "$HD_FIX/$fx.headers"
    local path="/hooks/$tenant/$connector"
    [ "$connector" = znuny ] && path="$path/ArticleCreate"
    http POST "$path" "${args[@]}" --data-binary "@$body"
}

# hd_metric NAME -- the value of one sample (exact name with labels) in the
# last /metrics answer ($HTTP_BODY).
hd_metric() { printf '%s\n' "$HTTP_BODY" | awk -v k="$1" '$1 == k {print $2}'; }

# hd_wait_metric NAME MIN -- GET /metrics until NAME >= MIN (IT_TIMEOUT at
# most); $HTTP_BODY keeps the last answer. The stand-in sees a request
# before the deliverer has counted its answer, so a test polls.
hd_metric_at_least() {
    http GET /metrics
    [ "$(hd_metric "$1")" -ge "$2" ] 2>/dev/null
}
hd_wait_metric() {
    it_poll "$IT_TIMEOUT" hd_metric_at_least "$1" "$2"
}

# Recorded stand-in requests as JSON lines.
hd_log() { cat "$IT_DIR/standin.log" 2>/dev/null; }

# hd_state PY-EXPR -- evaluate on the stand-in's state `s`.
hd_state() {
    curl -s "$HD_STANDIN/_state" | python3 -c 'import json,sys; s=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$1"
}

# Number of notes on PLATFORM's TICKET at the stand-in.
hd_notes() { hd_state "len(s['notes'].get('$1:$2', []))"; }

# hd_wait_notes PLATFORM TICKET N [SECONDS] -- until the ticket has N notes
# (SECONDS, never less than IT_TIMEOUT: see it_poll).
hd_has_notes() { [ "$(hd_notes "$1" "$2")" -ge "$3" ] 2>/dev/null; }
hd_wait_notes() {
    it_poll "${4:-$IT_TIMEOUT}" hd_has_notes "$1" "$2" "$3"
}

# hd_fault PLATFORM MODE COUNT [RETRY_AFTER] [HANG]
hd_fault() {
    curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
        -d "{\"platform\": \"$1\", \"mode\": \"$2\", \"count\": $3, \"retry_after\": ${4:-1}, \"hang\": ${5:-10}}"
}

# Requests the stand-in found malformed (should be none).
hd_bad_requests() {
    python3 -c 'import json,sys
n=0
for l in open(sys.argv[1], encoding="utf-8"):
    e=json.loads(l)
    if not e["ok"]:
        n+=1; print("#", e["method"], e["platform"], e["path"], e["problem"], file=sys.stderr)
print(n)' "$IT_DIR/standin.log"
}

# mamori outbox with this test's config.
hd_outbox() { "$MAMORI" -c "$IT_DIR/mamori.conf" outbox "$@"; }

# The deliverer's pid (a child of our mamori-fcgi named mamori-deliverer).
hd_deliverer_pid() {
    ps -o pid=,comm= --ppid "$IT_MAMORI_PID" 2>/dev/null | awk '$2 ~ /^mamori-deliver/ {print $1}' | head -1
}

# Wait until the outbox has no pending job (up to N seconds, never less
# than IT_TIMEOUT).
hd_outbox_drained() { [ "$(it_sql "select count(*) from outbox where state='pending'")" = 0 ]; }
hd_wait_drained() {
    it_poll "${1:-$IT_TIMEOUT}" hd_outbox_drained
}

# hd_zendesk_comment FILE EVENT TICKET REQUESTER AUTHOR STAFF PUBLIC BODY [DESCRIPTION] [TAGS,...]
# -- a Zendesk ticket.comment_added event as the helpdesk sends it (STAFF
# and PUBLIC: true or false); DESCRIPTION is the ticket's first message,
# the customer's text an agent's note is about. Post it with
# `hd_post TENANT zendesk-comment_added FILE`.
hd_zendesk_comment() {
    python3 - "$@" <<'PY'
import json, sys
f, ev, ticket, requester, author, staff, public, body = sys.argv[1:9]
desc = sys.argv[9] if len(sys.argv) > 9 and sys.argv[9] else "ご連絡ありがとうございます。"
tags = [t for t in (sys.argv[10] if len(sys.argv) > 10 else "").split(",") if t]
d = {"account_id": 24681357, "type": "zen:event-type:ticket.comment_added", "id": ev,
     "subject": "zen:ticket:" + ticket, "time": "2026-01-10T01:00:00Z", "zendesk_event_version": "2022-11-06",
     "detail": {"id": ticket, "actor_id": author, "created_at": "2026-01-10T00:00:00Z", "description": desc,
                "requester_id": requester, "subject": "ご対応について", "tags": tags,
                "via": {"channel": "email"}, "status": "OPEN"},
     "event": {"comment": {"id": "88" + ev[-8:], "body": body, "is_public": public == "true",
                           "author": {"id": author, "is_staff": staff == "true", "name": "x"}}}}
open(f, "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
}

# hd_note_texts PLATFORM TICKET -- every note on the ticket at the stand-in, one after another.
hd_note_texts() { hd_state "'\\n'.join(n['text'] for n in s['notes'].get('$1:$2', []))"; }

# hd_wait_note_with PLATFORM TICKET TEXT -- until a note on the ticket contains TEXT (IT_TIMEOUT).
hd_has_note_with() { case "$(hd_note_texts "$1" "$2")" in *"$3"*) return 0 ;; *) return 1 ;; esac; }
hd_wait_note_with() { it_poll "$IT_TIMEOUT" hd_has_note_with "$1" "$2" "$3"; }
