#!/bin/bash
# Issue 13 (8): what an unauthenticated client learns. /healthz answers only
# ok / not ok (no tenant names, failure texts or paths); the details are at
# /healthz/details for the local metrics allowance (the snippet's allow list,
# like /metrics) or with the health token; /v1/annotate answers an unknown
# tenant exactly as it answers a wrong token.
. "$top_srcdir/tests/integration/lib.sh"
it_init 21
IT_EXTRA_CONFIG="[server]
health_token_file = $(it_secret health "health-token-1")"
it_write_config
it_tenant acme
it_tenant broken generic "[plugin example]
path = no-such-plugin.so"
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"

for from in 127.0.0.1 127.0.0.2; do
    HTTP_STATUS=$(curl -s -o "$IT_DIR/h.body" -w '%{http_code}' --interface $from "$IT_URL/healthz")
    HTTP_BODY=$(cat "$IT_DIR/h.body")
    tap_is "$HTTP_STATUS" 503 "/healthz from $from is 503 while a tenant is not loaded"
    tap_is "$HTTP_BODY" '{"status":"unhealthy"}' "... and says only that (no tenants, reasons or paths)"
done
tap_unlike "$HTTP_BODY" "no-such-plugin" "the public /healthz has no failure text"

HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$IT_URL/healthz/details")
tap_is "$HTTP_STATUS" 403 "/healthz/details from 127.0.0.2 (outside the allow list) is refused by nginx"
http GET /healthz/details
tap_is "$HTTP_STATUS" 503 "/healthz/details from 127.0.0.1 (the metrics allowance) is served"
tap_like "$HTTP_BODY" "no-such-plugin.so" "... with the reason"
tap_is "$(echo "$HTTP_BODY" | json 'd["tenants"]["acme"]')" ok "... and every tenant"

HTTP_STATUS=$(curl -s -o "$IT_DIR/h.body" -w '%{http_code}' --interface 127.0.0.2 \
    -H 'Authorization: Bearer health-token-1' "$IT_URL/healthz")
tap_is "$HTTP_STATUS" 503 "/healthz with the health token from 127.0.0.2 is answered"
tap_like "$(cat "$IT_DIR/h.body")" "no-such-plugin.so" "... with the details"
HTTP_STATUS=$(curl -s -o "$IT_DIR/h.body" -w '%{http_code}' --interface 127.0.0.2 \
    -H 'Authorization: Bearer wrong' "$IT_URL/healthz")
tap_is "$HTTP_STATUS" 401 "/healthz with a wrong token is 401"
tap_unlike "$(cat "$IT_DIR/h.body")" "broken" "... and names no tenant"
# Without the web server's word (a catch-all config that passes everything),
# mamori itself does not hand out the details.
python3 - "$IT_SOCK" > "$IT_DIR/direct.out" <<'PY'
import socket, struct, sys
def rec(t, rid, content):
    return struct.pack('>BBHHBx', 1, t, rid, len(content), 0) + content
def nv(k, v):
    k, v = k.encode(), v.encode()
    return bytes([len(k)]) + bytes([len(v)]) + k + v
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
params = nv('REQUEST_METHOD', 'GET') + nv('REQUEST_URI', '/healthz/details')
s.sendall(rec(1, 1, struct.pack('>HB5x', 1, 0)) + rec(4, 1, params) + rec(4, 1, b'') + rec(5, 1, b''))
out = b''
while True:
    d = s.recv(65536)
    if not d: break
    out += d
print(out.decode('utf-8', 'replace'))
PY
tap_like "$(tr -d "\0" < "$IT_DIR/direct.out")" "Status: 403" "/healthz/details without the web server's allowance is 403 from mamori"
tap_unlike "$(tr -d "\0" < "$IT_DIR/direct.out")" "no-such-plugin" "... without the details"

# /v1/annotate: an unknown tenant and a wrong token look the same.
http POST /v1/annotate -H 'Authorization: Bearer wrong' -H 'X-Mamori-Tenant: nobody' \
    -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
s1=$HTTP_STATUS b1=$(echo "$HTTP_BODY" | json 'd["error"] + "|" + d["message"]')
http POST /v1/annotate -H 'Authorization: Bearer wrong' -H 'X-Mamori-Tenant: acme' \
    -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
s2=$HTTP_STATUS b2=$(echo "$HTTP_BODY" | json 'd["error"] + "|" + d["message"]')
tap_is "$s1" 401 "/v1/annotate naming an unknown tenant is 401"
tap_is "$s1" "$s2" "... the same status as a wrong token for a tenant that exists"
tap_is "$b1" "$b2" "... and the same body"
tap_unlike "$b1" "nobody" "... which does not echo the tenant"
http POST "/v1/annotate?tenant=nobody" -H 'Authorization: Bearer token-acme' -H 'Content-Type: application/json' \
    --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "a valid token of another tenant naming an unknown one is 401 too"
http POST /v1/annotate -H 'Authorization: Bearer token-acme' -H 'X-Mamori-Tenant: acme' \
    -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "the right token and tenant still annotate"
it_done
