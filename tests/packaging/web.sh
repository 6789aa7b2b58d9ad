# tests/packaging/web.sh -- one suite, run against each shipped web server
# snippet (packaging/web/<server>/mamori.conf): the server starts on
# loopback with the snippet, and signed webhooks, /v1/annotate with its
# bearer token, /healthz and /metrics go through it to mamori-fcgi and back.
# Sourced by nginx.sh, apache.sh and lighttpd.sh with WEB_SERVER set.
. "$top_srcdir/tests/integration/lib.sh"

WEB_PLAN=25
APACHE_BIN=$(command -v apache2 || echo /usr/sbin/apache2)
LIGHTTPD_BIN=$(command -v lighttpd || echo /usr/sbin/lighttpd)

web_stop() {
    # A failure may be the server's own (a proxy error, a refused socket):
    # its error log says which.
    if [ "$TAP_FAILED" -gt 0 ]; then
        echo "# $WEB_SERVER error log (last 30 lines):"
        tail -n 30 "$IT_DIR/$WEB_SERVER-error.log" "$IT_DIR/nginx-error.log" 2>/dev/null | tap_diag
    fi
    case "$WEB_SERVER" in
    apache) [ -f "$IT_DIR/apache.pid" ] && kill -TERM "$(cat "$IT_DIR/apache.pid")" 2>/dev/null ;;
    lighttpd) [ -f "$IT_DIR/lighttpd.pid" ] && kill -TERM "$(cat "$IT_DIR/lighttpd.pid")" 2>/dev/null ;;
    esac
    return 0
}

# The shipped snippet, pointed at the test's socket.
web_snippet() {
    sed "s#/run/mamori/mamori.sock#$IT_SOCK#g" "$top_srcdir/packaging/web/$1/mamori.conf" > "$IT_DIR/$1-snippet.conf"
}

web_start_apache() {
    local m=/usr/lib/apache2/modules user_lines=""
    web_snippet apache
    [ "$(id -u)" = 0 ] && user_lines="User www-data
Group www-data"
    mkdir -p "$IT_DIR/apache-run" "$IT_DIR/www"
    cat > "$IT_DIR/apache.conf" <<CONF
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_host_module $m/mod_authz_host.so
LoadModule proxy_module $m/mod_proxy.so
LoadModule proxy_fcgi_module $m/mod_proxy_fcgi.so
LoadModule headers_module $m/mod_headers.so
LoadModule unique_id_module $m/mod_unique_id.so
$user_lines
ServerName localhost
Listen 127.0.0.1:$IT_PORT
PidFile $IT_DIR/apache.pid
DefaultRuntimeDir $IT_DIR/apache-run
Mutex file:$IT_DIR/apache-run default
ErrorLog $IT_DIR/apache-error.log
LogLevel warn
DocumentRoot $IT_DIR/www
<VirtualHost 127.0.0.1:$IT_PORT>
    Include $IT_DIR/apache-snippet.conf
</VirtualHost>
CONF
    "$APACHE_BIN" -t -f "$IT_DIR/apache.conf" >"$IT_DIR/apache-t.log" 2>&1 || {
        echo "# apache2 -t:"; tap_diag < "$IT_DIR/apache-t.log"; return 1; }
    "$APACHE_BIN" -f "$IT_DIR/apache.conf" -k start 2>>"$IT_DIR/apache-error.log" || return 1
}

web_start_lighttpd() {
    local user_lines=""
    web_snippet lighttpd
    [ "$(id -u)" = 0 ] && user_lines='server.username = "www-data"
server.groupname = "www-data"'
    mkdir -p "$IT_DIR/www"
    # lighttpd opens its error log after dropping privileges.
    touch "$IT_DIR/lighttpd-error.log"
    [ "$(id -u)" = 0 ] && chown www-data "$IT_DIR/lighttpd-error.log"
    cat > "$IT_DIR/lighttpd.conf" <<CONF
server.document-root = "$IT_DIR/www"
server.bind = "127.0.0.1"
server.port = $IT_PORT
server.pid-file = "$IT_DIR/lighttpd.pid"
server.errorlog = "$IT_DIR/lighttpd-error.log"
$user_lines
include "$IT_DIR/lighttpd-snippet.conf"
CONF
    "$LIGHTTPD_BIN" -tt -f "$IT_DIR/lighttpd.conf" >"$IT_DIR/lighttpd-t.log" 2>&1 || {
        echo "# lighttpd -tt:"; tap_diag < "$IT_DIR/lighttpd-t.log"; return 1; }
    "$LIGHTTPD_BIN" -f "$IT_DIR/lighttpd.conf" 2>>"$IT_DIR/lighttpd-error.log" || return 1
}

web_start() {
    case "$WEB_SERVER" in
    nginx) it_start_nginx || return 1 ;;
    apache) web_start_apache || return 1 ;;
    lighttpd) web_start_lighttpd || return 1 ;;
    esac
    it_poll -p "$IT_MAMORI_PID" "$IT_TIMEOUT" it_healthz_answers && return 0
    echo "# no answer from $IT_URL/healthz through $WEB_SERVER"
    kill -0 "$IT_MAMORI_PID" 2>/dev/null || it_why_not mamori-fcgi "$IT_MAMORI_PID" "$IT_DIR/mamori.log"
    return 1
}

web_suite() {
    local D="$top_srcdir/tests/integration/data" big
    case "$WEB_SERVER" in
    nginx) [ -x "$NGINX" ] || skip_all "nginx not installed (apt-get install nginx)" ;;
    apache) [ -x "$APACHE_BIN" ] && [ -f /usr/lib/apache2/modules/mod_proxy_fcgi.so ] ||
                skip_all "Apache not installed (apt-get install apache2)" ;;
    lighttpd) [ -x "$LIGHTTPD_BIN" ] || skip_all "lighttpd not installed (apt-get install lighttpd)" ;;
    esac
    it_init $WEB_PLAN
    trap 'web_stop; it_cleanup' EXIT
    it_tenant acme
    it_start_mamori || { echo "Bail out! mamori-fcgi did not start"; exit 1; }
    web_start || {
        echo "Bail out! $WEB_SERVER did not start with the shipped snippet"
        tail -20 "$IT_DIR/$WEB_SERVER-error.log" 2>/dev/null | tap_diag
        exit 1
    }

    http GET /healthz
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: GET /healthz reaches mamori"
    tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" ok "$WEB_SERVER: ... and mamori answers it"

    it_post_generic acme "$D/ticket-refund.json"
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: a signed webhook goes through"
    tap_is "$(echo "$HTTP_BODY" | json 'd["status"]')" annotated "$WEB_SERVER: ... and comes back annotated"
    tap_is "$(echo "$HTTP_BODY" | json 'd["event_id"]')" evt-1001 "$WEB_SERVER: ... for the event sent"
    tap_is "$(it_sql "SELECT count(*) FROM events WHERE event_id='evt-1001'")" 1 "$WEB_SERVER: ... and is stored once"
    it_post_generic acme "$D/ticket-refund.json"
    tap_like "$HTTP_HEADERS" "X-Mamori-Duplicate: 1" "$WEB_SERVER: mamori's own headers pass back (duplicate)"

    http POST /hooks/acme/generic -H 'Content-Type: application/json' \
        -H "X-Mamori-Signature: $(sign_generic "$D/ticket-refund.json" wrong-secret)" --data-binary "@$D/ticket-refund.json"
    tap_is "$HTTP_STATUS" 401 "$WEB_SERVER: a bad signature is mamori's 401"
    tap_like "$HTTP_BODY" '"error"' "$WEB_SERVER: ... with mamori's JSON reason"

    http POST /v1/annotate -H 'Content-Type: application/json' --data-binary "@$D/ticket-refund.json"
    tap_is "$HTTP_STATUS" 401 "$WEB_SERVER: /v1/annotate without a token is 401"
    http POST /v1/annotate -H 'Authorization: Bearer token-acme' -H 'Content-Type: application/json' \
        --data-binary "@$D/ticket-refund.json"
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: the Authorization header reaches mamori (/v1/annotate 200)"
    tap_is "$(echo "$HTTP_BODY" | json 'd["annotation"]["categories"][0]["id"]')" example \
        "$WEB_SERVER: ... with the annotation"

    http GET /metrics
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: /metrics from 127.0.0.1 is served"
    tap_like "$HTTP_BODY" "mamori_" "$WEB_SERVER: ... by mamori"
    HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$IT_URL/metrics")
    tap_is "$HTTP_STATUS" 403 "$WEB_SERVER: /metrics from another address (127.0.0.2) is refused"
    HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$IT_URL/healthz")
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: ... while /healthz is open to it"
    tap_is "$(curl -s --interface 127.0.0.2 "$IT_URL/healthz")" '{"status":"ok"}' \
        "$WEB_SERVER: ... saying only ok (issue 13: no tenants to the public)"
    HTTP_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$IT_URL/healthz/details")
    tap_is "$HTTP_STATUS" 403 "$WEB_SERVER: /healthz/details from 127.0.0.2 is refused"
    http GET /healthz/details
    tap_is "$HTTP_STATUS" 200 "$WEB_SERVER: /healthz/details from 127.0.0.1 is served (the snippet vouches)"
    tap_is "$(echo "$HTTP_BODY" | json 'd["tenants"]["acme"]')" ok "$WEB_SERVER: ... with the tenants"
    http GET /healthz -H 'Authorization: Bearer wrong'
    tap_is "$HTTP_STATUS" 401 "$WEB_SERVER: the Authorization header reaches /healthz (a wrong health token is 401)"

    http GET /etc/passwd
    tap_unlike "$HTTP_STATUS" 200 "$WEB_SERVER: other paths are not passed to mamori"
    http GET /hooksx
    tap_unlike "$HTTP_BODY" '"error"' "$WEB_SERVER: ... not even ones that start alike"

    big="$IT_DIR/big.json"
    head -c 3000000 /dev/zero | tr '\0' a > "$big"
    http POST /hooks/acme/generic -H 'Content-Type: application/json' --data-binary "@$big"
    tap_is "$HTTP_STATUS" 413 "$WEB_SERVER: a 3 MB body is refused with 413"

    grep -q 'event=annotated req=[^ ]* tenant=acme' "$IT_DIR/mamori.log"
    tap_ok $? "$WEB_SERVER: mamori logged the webhook with a request id"
    it_done
}
