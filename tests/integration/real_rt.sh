#!/bin/bash
# Real Request Tracker 5 (Debian's request-tracker5, SQLite): a ticket
# created through REST2 fires the scrip we ship (packaging/rt/, stage
# TransactionBatch), the webhook reaches mamori through nginx, and the
# internal comment appears on the ticket -- read back through REST2 and
# checked to be a Comment, never mail to the requestor. Slow tier:
# `make check-real-helpdesks` (packaging/run-tests.sh installs RT first).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
RT_DB=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
[ -x "$RT_SERVER" ] && [ -f "$RT_DB" ] || skip_all "request-tracker5 with SQLite is not installed (packaging/run-tests.sh installs it)"
[ "$(id -u)" = 0 ] || skip_all "needs root (RT runs as www-data)"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
it_init 12
RT_PORT=$(free_port)
RTD="$IT_DIR/rt"
mkdir -p "$RTD/site.d"
WEBHOOK_SECRET="rt-real-webhook-secret-$(openssl rand -hex 8)"
printf '%s\n' "$WEBHOOK_SECRET" > "$RTD/mamori-webhook.secret"
echo "1;" > "$RTD/base.pm"
cat > "$RTD/site.d/90-mamori.pm" <<PM
Set(\$WebPath, '');
Set(\$WebBaseURL, 'http://127.0.0.1:$RT_PORT');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$RT_DB');
Set(\$LogToSTDERR, 'info');
Set(\$LogToSyslog, undef);
Set(\$MailCommand, 'mbox');
Set(\$MamoriWebhookURL, '$IT_URL/hooks/rt/rt');
Set(\$MamoriWebhookSecretFile, '$RTD/mamori-webhook.secret');
1;
PM
chown -R www-data:www-data "$RTD"
chmod 600 "$RTD/mamori-webhook.secret"
as_rt() { setpriv --reuid=www-data --regid=www-data --init-groups env RT_SITE_CONFIG="$RTD/base.pm" RT_SITE_CONFIG_DIR="$RTD/site.d" HOME=/tmp "$@"; }
MAMORI_TOKEN=$(as_rt perl "$top_srcdir/packaging/rt/mamori-rt-setup.pl" --scrip "$top_srcdir/packaging/rt/mamori-scrip.pl" \
    --user mamori --superuser --token-secret "$(openssl rand -hex 16)" --custom-field Harassment 2>"$RTD/setup.log")
ROOT_TOKEN=$(as_rt perl "$top_srcdir/packaging/rt/mamori-rt-setup.pl" --scrip "$top_srcdir/packaging/rt/mamori-scrip.pl" \
    --user root --token-secret "$(openssl rand -hex 16)" 2>>"$RTD/setup.log")
tap_like "$MAMORI_TOKEN" "1-" "setup: the scrip, custom field and mamori's RT user are installed"
# exec, so that $! is the server itself and the cleanup stops it.
(exec setpriv --reuid=www-data --regid=www-data --init-groups env RT_SITE_CONFIG="$RTD/base.pm" \
    RT_SITE_CONFIG_DIR="$RTD/site.d" HOME=/tmp /usr/bin/perl "$RT_SERVER" --host 127.0.0.1 --port "$RT_PORT" \
    --max-workers 3) >"$RTD/server.log" 2>&1 &
IT_PIDS="$IT_PIDS $!"
rt() { curl -s -H "Authorization: token $ROOT_TOKEN" -H 'Content-Type: application/json' "$@"; }
it_until '[ "$(rt -o /dev/null -w "%{http_code}" "http://127.0.0.1:$RT_PORT/REST/2.0/rt")" = 200 ]'
tap_is "$(rt -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RT_PORT/REST/2.0/rt")" 200 "RT answers REST2"

it_secret rt.webhook "$WEBHOOK_SECRET" >/dev/null
it_secret rt.creds "$MAMORI_TOKEN" >/dev/null
cat > "$IT_DIR/tenants.d/rt.conf" <<CONF
[tenant]
connector = rt
webhook_secret_file = $IT_DIR/secrets/rt.webhook
note_on_legitimate = calm

[helpdesk]
url = http://127.0.0.1:$RT_PORT
credentials_file = $IT_DIR/secrets/rt.creds
api_user = mamori
tags_custom_field = Harassment

[plugin rules]
path = rules.so
policy = $top_srcdir/policies/default-ja/policy.json
CONF
IT_EXTRA_CONFIG="[deliver]
allow_http = yes
retry_base = 1
timeout = 10"
it_write_config
it_start || { echo "Bail out! mamori did not start"; exit 1; }

mbox_before=$(cat /var/lib/request-tracker5/*.mbox 2>/dev/null | grep -c "mamori-ref:")
id=$(rt -X POST "http://127.0.0.1:$RT_PORT/REST/2.0/ticket" --data-binary @- <<'J' | json 'd["id"]'
{"Queue": "General", "Subject": "返金の件 いい加減にしろ", "Requestor": "taro@example.com", "ContentType": "text/plain",
 "Content": "何度言えば分かるんだ。今日中に全額返金しろ。できないなら明日お前の会社の前で待ってるからな。担当者の名前もSNSで晒してやる。"}
J
)
tap_ok "$([ -n "$id" ] && echo 0 || echo 1)" "a ticket is created through REST2 (#$id)"
it_until 'rt "http://127.0.0.1:$RT_PORT/REST/2.0/ticket/$id/history?fields=Type&per_page=100" | grep -q "\"Comment\""'
hist=$(rt "http://127.0.0.1:$RT_PORT/REST/2.0/ticket/$id/history?fields=Type,Creator&per_page=100")
tap_like "$(grep -c "hooks/rt/rt" "$IT_DIR/nginx-access.log")" "1" "the scrip's webhook reached mamori through nginx"
comments=$(echo "$hist" | python3 -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin)["items"] if i.get("Type")=="Comment"))')
tap_is "$comments" 1 "exactly one Comment transaction on the ticket"
corr=$(echo "$hist" | python3 -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin)["items"] if i.get("Type")=="Correspond"))')
tap_is "$corr" 0 "no Correspond (nothing is sent to the requestor)"
txn=$(echo "$hist" | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin)["items"] if i.get("Type")=="Comment"][0])')
content=$(rt "http://127.0.0.1:$RT_PORT/REST/2.0/transaction/$txn/attachments?fields=Content" | json '" ".join(i.get("Content") or "" for i in d["items"])')
tap_like "$content" "[mamori]" "the comment is mamori's note, read back through REST2"
tap_like "$content" "重大度" "... with the severity in plain words"
tap_like "$(rt "http://127.0.0.1:$RT_PORT/REST/2.0/ticket/$id")" "kasuhara" "the Harassment custom field holds the tags"
sleep 2
tap_is "$(it_sql "select count(*) from events where tenant='rt'")" 1 "the comment fired no second webhook (the scrip skips comments)"
mbox_after=$(cat /var/lib/request-tracker5/*.mbox 2>/dev/null | grep -c "mamori-ref:")
tap_is "$mbox_after" "$mbox_before" "the note was never mailed"
tap_is "$(it_sql "select state from outbox where tenant='rt'")" done "the outbox job is done"
it_done
