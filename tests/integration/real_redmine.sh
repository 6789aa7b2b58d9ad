#!/bin/bash
# Real Redmine 5.0 (Debian's redmine, SQLite; no webhooks): mamori's
# poller picks up a new issue, and the private note (private_notes) and
# the tags (a custom field) appear on it -- read back and checked private
# (a Reporter does not see the note). Slow tier: `make check-real-helpdesks`.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
[ -f /usr/share/redmine/config.ru ] && dpkg-query -W -f='${Status}' thin 2>/dev/null | grep -q "ok installed" ||
    skip_all "redmine and thin are not installed (packaging/run-tests.sh installs them)"
[ "$(id -u)" = 0 ] || skip_all "needs root (Redmine runs as www-data)"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
it_init 12
RM_PORT=$(free_port)
KEY=$(openssl rand -hex 20)
cp "$top_srcdir/tests/integration/real_redmine_setup.rb" "$IT_DIR/setup.rb"
chmod 644 "$IT_DIR/setup.rb"
as_rm() { (cd /usr/share/redmine && setpriv --reuid=www-data --regid=www-data --init-groups \
    env REDMINE_INSTANCE=default RAILS_ENV=production HOME=/tmp REDMINE_API_KEY="$KEY" "$@"); }
cf=$(as_rm bundle exec rails runner "$IT_DIR/setup.rb" 2>"$IT_DIR/redmine-setup.log" | sed -n 's/^CF=//p')
tap_ok "$([ -n "$cf" ] && echo 0 || echo 1)" "setup: REST enabled, API key set, custom field $cf"
# exec, so that $! is the server itself (bundle execs thin) and the cleanup stops it.
(cd /usr/share/redmine && exec setpriv --reuid=www-data --regid=www-data --init-groups \
    env REDMINE_INSTANCE=default RAILS_ENV=production HOME=/tmp REDMINE_API_KEY="$KEY" \
    bundle exec thin start -R config.ru -a 127.0.0.1 -p "$RM_PORT" -e production) >"$IT_DIR/redmine-server.log" 2>&1 &
IT_PIDS="$IT_PIDS $!"
RM="http://127.0.0.1:$RM_PORT"
rm_api() { curl -s -H "X-Redmine-API-Key: $KEY" -H 'Content-Type: application/json' "$@"; }
it_until '[ "$(rm_api -o /dev/null -w "%{http_code}" "$RM/projects.json")" = 200 ]'
tap_is "$(rm_api -o /dev/null -w '%{http_code}' "$RM/projects.json")" 200 "Redmine answers REST"
rm_api -X POST "$RM/projects.json" -d '{"project": {"name": "Support", "identifier": "support", "is_public": false,
    "enabled_module_names": ["issue_tracking"], "tracker_ids": [1, 2, 3]}}' >/dev/null
reporter=$(rm_api "$RM/users.json?name=reporter" | json '[u["id"] for u in d["users"] if u["login"]=="reporter"][:1]' | tr -d '[]')
if [ -z "$reporter" ]; then
    reporter=$(rm_api -X POST "$RM/users.json" -d '{"user": {"login": "reporter", "firstname": "Re", "lastname": "Porter",
        "mail": "reporter@example.com", "password": "reporter-pw-123456"}}' | json 'd["user"]["id"]')
    rm_api -X POST "$RM/projects/support/memberships.json" -d "{\"membership\": {\"user_id\": $reporter, \"role_ids\": [5]}}" >/dev/null
fi

it_secret rm.webhook "redmine-unused-webhook-secret" >/dev/null
it_secret rm.creds "$KEY" >/dev/null
cat > "$IT_DIR/tenants.d/rm.conf" <<CONF
[tenant]
connector = redmine
webhook_secret_file = $IT_DIR/secrets/rm.webhook
note_on_legitimate = calm

[helpdesk]
url = $RM
credentials_file = $IT_DIR/secrets/rm.creds
api_user_id = 1
tags_custom_field_id = $cf
poll_interval = 1
poll_project = support

[plugin rules]
path = rules.so
policy = $top_srcdir/policies/default-ja/policy.json
CONF
IT_EXTRA_CONFIG="[deliver]
allow_http = yes
retry_base = 1
timeout = 15"
it_write_config
it_start || { echo "Bail out! mamori did not start"; exit 1; }
sleep 1.5 # the poller's first round sets the cursor to "now"

issue=$(rm_api -X POST "$RM/issues.json" --data-binary @- <<'J' | json 'd["issue"]["id"]'
{"issue": {"project_id": "support", "tracker_id": 3, "subject": "返金の件 いい加減にしろ",
 "description": "何度言えば分かるんだ。今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。担当者の名前もSNSで晒してやる。"}}
J
)
tap_ok "$([ -n "$issue" ] && echo 0 || echo 1)" "an issue is created through REST (#$issue)"
it_until 'rm_api "$RM/issues/$issue.json?include=journals" | grep -q mamori-ref:'
got=$(rm_api "$RM/issues/$issue.json?include=journals")
note=$(echo "$got" | json '[j for j in d["issue"]["journals"] if "mamori-ref:" in (j.get("notes") or "")]')
tap_like "$note" "重大度" "the poller picked the issue up and the note is on it"
tap_is "$(echo "$note" | json 'd[0]["private_notes"]')" true "the note is private (private_notes)"
tap_like "$(echo "$got" | json '[c.get("value") for c in d["issue"]["custom_fields"] if c["name"]=="mamori tags"]')" "kasuhara" \
    "the tags are in the custom field"
seen=$(curl -s -H "X-Redmine-API-Key: $KEY" -H "X-Redmine-Switch-User: reporter" "$RM/issues/$issue.json?include=journals")
tap_like "$seen" "返金の件" "a Reporter of the project sees the issue"
tap_unlike "$seen" "mamori-ref:" "... but not the note (no view_private_notes)"
sleep 3 # several more polls: our own journal must not start a new annotation
tap_is "$(rm_api "$RM/issues/$issue.json?include=journals" | json 'sum(1 for j in d["issue"]["journals"] if "mamori-ref:" in (j.get("notes") or ""))')" 1 \
    "exactly one note after more polls (mamori's own journal is ignored)"
tap_is "$(it_sql "select count(*) from outbox where tenant='rm'")" 1 "one write-back job"
tap_like "$(it_sql "select cursor from poll_cursor where tenant='rm'")" "T" "the poll cursor is kept in the store"
tap_is "$(it_sql "select state from outbox where tenant='rm'")" done "the job is done"
it_done
