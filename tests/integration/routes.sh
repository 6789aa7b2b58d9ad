#!/bin/bash
# Every route and every error status, through real nginx and mamori-fcgi.
. "$top_srcdir/tests/integration/lib.sh"
it_init 49
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"

http GET /healthz
tap_is "$HTTP_STATUS" 200 "GET /healthz is 200"
tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ok "healthz says ok"
http GET /healthz/details
tap_is "$(echo "$HTTP_BODY" | json 'd["tenants"]["acme"]')" ok "healthz/details lists tenant acme as loaded"

http POST /healthz
tap_is "$HTTP_STATUS" 405 "POST /healthz is 405"
tap_like "$HTTP_HEADERS" "Allow: GET, HEAD" "405 names the allowed methods"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" method_not_allowed "405 body is JSON with a reason"

http GET /nope
tap_is "$HTTP_STATUS" 404 "a path outside mamori's four is 404 (not even passed on by nginx)"
http POST /hooks/acme
tap_is "$HTTP_STATUS" 404 "an unknown path under /hooks/ is 404 from mamori"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" not_found "404 body is JSON"

http GET /hooks/acme/generic
tap_is "$HTTP_STATUS" 405 "GET on the webhook path is 405"

it_post_generic nobody "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 404 "unknown tenant is 404"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" unknown_tenant "unknown tenant is named as such"

http POST /hooks/acme/zendesk -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 404 "a connector the tenant does not use is 404"

http POST /hooks/acme/generic -H 'Content-Type: text/plain' --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 415 "wrong content type is 415"
tap_like "$HTTP_BODY" "application/json" "415 says what to send"

python3 -c 'import sys; sys.stdout.write("{\"pad\": \"" + "x" * 1500000 + "\"}")' > "$IT_DIR/big.json"
it_post_generic acme "$IT_DIR/big.json"
tap_is "$HTTP_STATUS" 413 "body over max_body (1 MiB) is 413 from mamori"
tap_like "$HTTP_BODY" "exceeds the limit of 1048576 bytes" "413 says the limit"
python3 -c 'import sys; sys.stdout.write("{\"pad\": \"" + "x" * 3000000 + "\"}")' > "$IT_DIR/huge.json"
http POST /hooks/acme/generic -H 'Content-Type: application/json' --data-binary "@$IT_DIR/huge.json"
tap_is "$HTTP_STATUS" 413 "a huge body is 413 already at nginx"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" payload_too_large "nginx's 413 is JSON too"

http POST /hooks/acme/generic -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "missing signature is 401"
tap_like "$HTTP_BODY" "missing X-Mamori-Signature" "401 says the header is missing"

http POST /hooks/acme/generic -H 'Content-Type: application/json' -H 'X-Mamori-Signature: nonsense' \
    --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "malformed signature is 401"
tap_like "$HTTP_BODY" "malformed" "401 says malformed"

old=$(( $(date +%s) - 400 ))
http POST /hooks/acme/generic -H 'Content-Type: application/json' \
    -H "X-Mamori-Signature: $(sign_generic "$D/ticket-refund.json" secret-acme $old)" --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "stale timestamp (400 s old) is 401"
tap_like "$HTTP_BODY" "replay window" "401 names the replay window"

http POST /hooks/acme/generic -H 'Content-Type: application/json' \
    -H "X-Mamori-Signature: $(sign_generic "$D/ticket-refund.json" wrong-secret)" --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "wrong signature is 401"
tap_unlike "$HTTP_BODY$HTTP_HEADERS" "secret-acme" "the 401 does not contain the secret"

printf '{"event_id": "x", ' > "$IT_DIR/bad.json"
it_post_generic acme "$IT_DIR/bad.json"
tap_is "$HTTP_STATUS" 400 "malformed JSON (signed) is 400"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" malformed_json "400 says malformed_json"

printf '{"event_id": "x", "ticket_id": "1", "body": "\xff\xfe"}' > "$IT_DIR/badutf8.json"
it_post_generic acme "$IT_DIR/badutf8.json"
tap_is "$HTTP_STATUS" 400 "invalid UTF-8 (signed) is 400"
tap_is "$(echo "$HTTP_BODY" | json 'd["error"]')" invalid_utf8 "400 says invalid_utf8"

printf '{"ticket_id": "1", "body": "hello"}' > "$IT_DIR/noevent.json"
it_post_generic acme "$IT_DIR/noevent.json"
tap_is "$HTTP_STATUS" 400 "missing event_id is 400"
tap_like "$HTTP_BODY" "event_id" "400 names the missing field"

it_post_generic acme "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "a good webhook is 200"
first="$HTTP_BODY"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["categories"][0]["id"]')" example "the plugin chain annotated it"

it_post_generic acme "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "the same event again is 200"
tap_is "$HTTP_BODY" "$first" "... with the first answer, byte for byte"
tap_is "$(it_sql 'select count(*) from annotations')" 1 "... and only one annotation is stored"

http POST /v1/annotate -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "annotate without a token is 401"
tap_like "$HTTP_HEADERS" "WWW-Authenticate: Bearer" "401 carries a Bearer challenge"
http POST /v1/annotate -H 'Authorization: Bearer wrong' -H 'Content-Type: application/json' \
    --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "annotate with a wrong token is 401"
http POST /v1/annotate -H 'Authorization: Bearer token-acme' -H 'Content-Type: application/json' \
    --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "annotate with the tenant's token is 200"
tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["categories"][0]["evidence"][0]["text"]')" refund \
    "annotate quotes the evidence exactly"
tap_is "$(it_sql 'select count(*) from annotations')" 1 "annotate stores nothing"

http GET /metrics
tap_is "$HTTP_STATUS" 200 "GET /metrics is 200"
tap_like "$HTTP_BODY" 'mamori_http_requests_total{route="hooks",status="401"} 4' "metrics count the 401s"
tap_like "$HTTP_BODY" 'mamori_annotations_total{category="example"} 1' "metrics count annotations by category"

"$MAMORI" -c "$IT_DIR/mamori.conf" audit verify > "$IT_DIR/audit.out" 2>&1
tap_is "$?" 0 "mamori audit verify passes"
if grep -q "secret-acme" "$IT_DIR/mamori.log"; then tap_ok 1 "the secret never appears in the log"; else tap_ok 0 "the secret never appears in the log"; fi
it_done
