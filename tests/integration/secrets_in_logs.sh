#!/bin/bash
# Issue 13 (6): a path token (Redmine's redmine_webhook plugin cannot sign,
# so its URL may carry the tenant's secret: /hooks/<t>/redmine/<secret>)
# reaches no log: not mamori's at any level (debug logs every request, 5xx
# are logged at warning), not the shipped nginx snippet's access log.
. "$top_srcdir/tests/integration/lib.sh"
it_init 12
IT_LOG_LEVEL=debug
it_write_config
TOK=PathTok3n-9f8e7d6c5b4a
TOK2=BrokenTok-1a2b3c4d5e6f
it_tenant rm redmine
it_secret rm.webhook "$TOK" >/dev/null
it_tenant rmbroken redmine "[plugin example]
path = no-such-plugin.so"
it_secret rmbroken.webhook "$TOK2" >/dev/null
it_start || { echo "Bail out! stack did not start"; exit 1; }
FX="$top_srcdir/tests/helpdesks/fixtures/redmine-plugin_redmine_webhook-opened.json"

http POST "/hooks/rm/redmine/$TOK" -H 'Content-Type: application/json' --data-binary "@$FX"
tap_is "$HTTP_STATUS" 200 "a webhook with the path token is accepted"
http POST "/hooks/rmbroken/redmine/$TOK2" -H 'Content-Type: application/json' --data-binary "@$FX"
tap_is "$HTTP_STATUS" 503 "a tenant that is not loaded answers 503 (logged at warning)"
http POST "/hooks/rm/redmine/${TOK}x" -H 'Content-Type: application/json' --data-binary "@$FX"
tap_is "$HTTP_STATUS" 401 "a near-miss token is 401"
http POST "/hooks/rm/redmine/$TOK/extra" -H 'Content-Type: application/json' --data-binary "@$FX"
tap_is "$HTTP_STATUS" 404 "a token followed by more path is 404"
# The answers have gone out; give the log lines written after them a moment.
it_wait_log_more "event=request" 3
sleep 0.2

tap_is "$(grep -c -e "$TOK" -e "$TOK2" "$IT_DIR/mamori.log")" 0 "mamori's log (debug level) has no path token"
tap_like "$(grep 'event=request' "$IT_DIR/mamori.log")" "/hooks/rm/redmine/*** -> 200" \
    "... the request line shows the path with the token masked"
tap_like "$(grep 'event=request' "$IT_DIR/mamori.log" | grep -- '-> 503')" "level=warning" \
    "... also on the 5xx line (written at warning)"
tap_like "$(grep 'event=request' "$IT_DIR/mamori.log")" "/hooks/rm/redmine/*** -> 404" \
    "... and on a path that does not route"
tap_is "$(grep -c -e "$TOK" -e "$TOK2" "$IT_DIR/nginx-access.log")" 0 "nginx's access log (shipped snippet) has no path token"
tap_is "$(grep -c -e "$TOK" -e "$TOK2" "$IT_DIR/nginx-error.log")" 0 "nor its error log"

# The header form (X-Mamori-Token) is logged like any other request.
http POST "/hooks/rm/redmine" -H 'Content-Type: application/json' -H "X-Mamori-Token: $TOK" \
    --data-binary "@$FX"
tap_is "$HTTP_STATUS" 200 "the token in X-Mamori-Token is accepted too (the same event again)"
sleep 0.2
tap_is "$(grep -c -e "$TOK" "$IT_DIR/nginx-access.log" "$IT_DIR/mamori.log" | awk -F: '{s+=$2} END {print s}')" 0 \
    "... and reaches no log either"
it_done
