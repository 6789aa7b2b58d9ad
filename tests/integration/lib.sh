# tests/integration/lib.sh -- start real nginx and mamori-fcgi on loopback in
# a temporary directory, send signed requests, and report TAP.
#
# Source it from a test script run by `make check` (top_srcdir and
# top_builddir are exported by the harness):
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   it_init 12                 # plan 12 assertions (skips all without nginx)
#   it_tenant acme             # write tenant acme (generic connector, example plugin)
#   it_start                   # mamori-fcgi + nginx
#   it_post_generic acme body.json
#   tap_is "$HTTP_STATUS" 200 "annotated"
#
# Everything runs from $IT_DIR; it is removed at exit unless KEEP_TMP=1.
#
# Starts and waits poll until a deadline of MAMORI_TEST_START_TIMEOUT
# seconds (default 60): `make distcheck` runs the suites in parallel on a
# machine other jobs load too, and a wait that succeeds returns at once, so
# only a failure costs the whole deadline. A start that fails says why: the
# process's exit status and the last lines of its log.

set -u

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"

MAMORI_FCGI="$top_builddir/adapter/mamori-fcgi"
MAMORI="$top_builddir/adapter/mamori"
NGINX="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
unset NGINX_BIN  # nginx reads $NGINX as a list of inherited sockets
TAP_N=0
TAP_FAILED=0
IT_PIDS=""

tap_plan() { echo "1..$1"; }
tap_ok() {  # tap_ok CONDITION-STATUS MESSAGE  (0 = pass)
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
tap_is() {  # tap_is GOT WANT MESSAGE
    if [ "$1" = "$2" ]; then tap_ok 0 "$3"; else tap_ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
tap_like() {  # tap_like TEXT SUBSTRING MESSAGE
    case "$1" in *"$2"*) tap_ok 0 "$3" ;; *) tap_ok 1 "$3"; echo "#   '$(printf '%s' "$1" | head -c 400)'"; echo "#   does not contain '$2'" ;; esac
}
tap_unlike() {
    case "$1" in *"$2"*) tap_ok 1 "$3"; echo "#   unexpectedly contains '$2'" ;; *) tap_ok 0 "$3" ;; esac
}
tap_diag() { sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

IT_TIMEOUT=${MAMORI_TEST_START_TIMEOUT:-60}

# it_poll [-p PID] SECONDS COMMAND [ARGS]... -- run COMMAND every 0.05 s
# until it succeeds (0), or until SECONDS -- never less than IT_TIMEOUT, so
# a loaded machine does not fail a test -- have passed (1). With -p, stop
# early (2) once process PID has exited and COMMAND still fails: a daemon
# that died will not become ready, and the test should say so at once.
it_poll() {
    local pid="" limit end
    if [ "$1" = -p ]; then pid=$2; shift 2; fi
    limit=$1
    shift
    [ "$limit" -ge "$IT_TIMEOUT" ] 2>/dev/null || limit=$IT_TIMEOUT
    end=$((SECONDS + limit))
    while :; do
        "$@" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            "$@" && return 0  # it got there just before exiting
            return 2
        fi
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# it_until 'SHELL-CONDITION' -- it_poll for a condition written inline.
it_until() {
    it_poll "$IT_TIMEOUT" eval "$1"
}

# it_why_not NAME PID LOG [nochild] -- explain, as TAP comments, why
# process PID (NAME) did not become ready: its exit status if it exited
# (known only for a child of this shell; nginx daemonizes: "nochild"), else
# that the deadline passed; then the last lines of LOG.
it_why_not() {
    local name=$1 pid=$2 log=$3 st
    if [ -z "$pid" ]; then
        echo "# $name did not become ready within ${IT_TIMEOUT} s (MAMORI_TEST_START_TIMEOUT)"
    elif kill -0 "$pid" 2>/dev/null; then
        echo "# $name (pid $pid) runs but was not ready within ${IT_TIMEOUT} s (MAMORI_TEST_START_TIMEOUT)"
    elif [ "${4:-}" = nochild ]; then
        echo "# $name (pid $pid) has exited"
    else
        wait "$pid" 2>/dev/null
        st=$?
        if [ "$st" -gt 128 ] && [ "$st" -ne 255 ]; then
            echo "# $name (pid $pid) was killed by signal $((st - 128)) ($(kill -l $((st - 128)) 2>/dev/null))"
        else
            echo "# $name (pid $pid) exited with status $st"
        fi
    fi
    echo "# last lines of $log:"
    tail -n 20 "$log" 2>/dev/null | tap_diag
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

it_cleanup() {
    local rc=$?
    [ -n "${IT_DIR:-}" ] || return
    if [ -f "$IT_DIR/nginx.pid" ]; then
        "$NGINX" -p "$IT_DIR" -c "$IT_DIR/nginx.conf" -s stop 2>/dev/null
    fi
    for p in $IT_PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $IT_PIDS; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    if [ "$TAP_FAILED" -gt 0 ] || [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# mamori log (last 40 lines of $IT_DIR/mamori.log):"
        tail -n 40 "$IT_DIR/mamori.log" 2>/dev/null | tap_diag
    fi
    if [ "${KEEP_TMP:-0}" != 1 ]; then rm -rf "$IT_DIR"; else echo "# kept $IT_DIR"; fi
    return $rc
}

it_init() {  # it_init PLAN
    [ -x "$NGINX" ] || skip_all "nginx not found (apt-get install nginx)"
    command -v curl >/dev/null || skip_all "curl not found"
    command -v python3 >/dev/null || skip_all "python3 not found"
    IT_DIR=$(mktemp -d /tmp/mamori-it.XXXXXX)
    chmod 755 "$IT_DIR"
    trap it_cleanup EXIT
    mkdir -p "$IT_DIR/tenants.d" "$IT_DIR/secrets" "$IT_DIR/plugins" "$IT_DIR/nginx-tmp"
    chmod 700 "$IT_DIR/secrets"
    for so in "$top_builddir"/plugins/*/.libs/*.so "$top_builddir"/tests/plugins/.libs/*.so; do
        [ -f "$so" ] && cp "$so" "$IT_DIR/plugins/"
    done
    chmod 644 "$IT_DIR"/plugins/*.so 2>/dev/null
    IT_SOCK="$IT_DIR/mamori.sock"
    IT_PORT=$(free_port)
    IT_URL="http://127.0.0.1:$IT_PORT"
    IT_WORKERS=${IT_WORKERS:-2}
    it_write_config
    tap_plan "$1"
}

it_write_config() {  # the main config; call again after changing IT_* settings
    cat > "$IT_DIR/mamori.conf" <<CONF
[server]
listen = $IT_SOCK
listen_mode = 0666
workers = $IT_WORKERS
log_level = ${IT_LOG_LEVEL:-info}
max_body = ${IT_MAX_BODY:-1M}
shutdown_timeout = ${IT_SHUTDOWN_TIMEOUT:-10}

[store]
path = $IT_DIR/mamori.db
identity_key_file = $IT_DIR/identity.key

[plugins]
dir = $IT_DIR/plugins

[tenants]
dir = $IT_DIR/tenants.d
${IT_EXTRA_CONFIG:-}
CONF
}

it_secret() {  # it_secret NAME VALUE -> path
    printf '%s\n' "$2" > "$IT_DIR/secrets/$1"
    chmod 600 "$IT_DIR/secrets/$1"
    echo "$IT_DIR/secrets/$1"
}

# it_training_links -- the notes' training links become signed redirects
# to this stack (a fresh [server] training_key_file, public_url = IT_URL).
# Call it after anything that sets IT_EXTRA_CONFIG (the stand-ins' starts).
it_training_links() {
    local key
    key=$(it_secret training.key "$(openssl rand -hex 32)")
    IT_EXTRA_CONFIG="${IT_EXTRA_CONFIG:-}
[server]
training_key_file = $key
public_url = $IT_URL"
    it_write_config
}

# it_tenant ID [CONNECTOR] [PLUGIN-SECTION-TEXT] -- writes tenants.d/ID.conf
# with webhook secret "secret-ID" and API token "token-ID".
it_tenant() {
    local id=$1 connector=${2:-generic}
    local plugins=${3:-"[plugin example]
path = example.so
word = refund"}
    it_secret "$id.webhook" "secret-$id" >/dev/null
    it_secret "$id.token" "token-$id" >/dev/null
    cat > "$IT_DIR/tenants.d/$id.conf" <<CONF
[tenant]
name = $id Co., Ltd.
language = ${IT_LANGUAGE:-ja}
connector = $connector
webhook_secret_file = $IT_DIR/secrets/$id.webhook
api_token_file = $IT_DIR/secrets/$id.token
${IT_TENANT_EXTRA:-}

$plugins
CONF
}

it_start_mamori() {
    "$MAMORI_FCGI" -c "$IT_DIR/mamori.conf" "$@" >>"$IT_DIR/mamori.log" 2>&1 &
    IT_MAMORI_PID=$!
    IT_PIDS="$IT_PIDS $IT_MAMORI_PID"
    # Policies with a model load slowly under sanitizers, and the machine
    # may be busy: IT_TIMEOUT.
    it_poll -p "$IT_MAMORI_PID" "$IT_TIMEOUT" test -S "$IT_SOCK" && return 0
    echo "# mamori-fcgi did not start:"
    it_why_not mamori-fcgi "$IT_MAMORI_PID" "$IT_DIR/mamori.log"
    return 1
}

# it_nginx_reload: nginx re-reads its configuration (-s reload) and this
# returns once the workers that served the old one have exited. Until then
# a new connection may still reach an old worker and get the old answer,
# so polling for one new answer is not enough on a busy machine.
it_pids_gone() { local p; for p; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
it_nginx_reload() {
    local master old
    master=$(cat "$IT_DIR/nginx.pid" 2>/dev/null) || return 1
    old=$(ps -o pid= --ppid "$master" | tr -d ' ' | tr '\n' ' ')
    "$NGINX" -p "$IT_DIR" -c "$IT_DIR/nginx.conf" -s reload 2>/dev/null || return 1
    # shellcheck disable=SC2086 # one pid per word
    it_poll "$IT_TIMEOUT" it_pids_gone $old
}

# The health answer through nginx: any HTTP answer will do (a 503 of a
# degraded daemon too); curl fails only without one.
it_healthz_answers() {
    curl -s -o /dev/null --max-time 10 "$IT_URL/healthz"
}

# it_nginx_conf [HTTP-LINES] -- nginx.conf: one server on IT_PORT including
# mamori-snippet.conf; HTTP-LINES (an access_log format, an upstream) go
# into the http block in place of the default access log.
it_nginx_conf() {
    local user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root root;"
    cat > "$IT_DIR/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon on;
pid $IT_DIR/nginx.pid;
error_log $IT_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    ${1:-access_log $IT_DIR/nginx-access.log;}
    client_body_temp_path $IT_DIR/nginx-tmp/body;
    fastcgi_temp_path $IT_DIR/nginx-tmp/fastcgi;
    proxy_temp_path $IT_DIR/nginx-tmp/proxy;
    uwsgi_temp_path $IT_DIR/nginx-tmp/uwsgi;
    scgi_temp_path $IT_DIR/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$IT_PORT;
        server_name localhost;
        include $IT_DIR/mamori-snippet.conf;
    }
}
CONF
}

it_start_nginx() {
    sed "s#unix:/run/mamori/mamori.sock#unix:$IT_SOCK#g" "$top_srcdir/packaging/web/nginx/mamori.conf" \
        > "$IT_DIR/mamori-snippet.conf"
    it_nginx_conf
    # fastcgi_params lives next to the system nginx.conf.
    cp /etc/nginx/fastcgi_params "$IT_DIR/fastcgi_params"
    sed -i "s#include fastcgi_params;#include $IT_DIR/fastcgi_params;#" "$IT_DIR/mamori-snippet.conf"
    "$NGINX" -p "$IT_DIR" -c "$IT_DIR/nginx.conf" 2>>"$IT_DIR/nginx-error.log" || {
        echo "# nginx did not start:"; tap_diag < "$IT_DIR/nginx-error.log"; return 1; }
    # Without mamori-fcgi nginx still answers (502); the wait stops early
    # only when the daemon behind it died.
    it_poll -p "${IT_MAMORI_PID:-}" "$IT_TIMEOUT" it_healthz_answers && return 0
    echo "# no answer from $IT_URL/healthz:"
    if [ -n "${IT_MAMORI_PID:-}" ] && ! kill -0 "$IT_MAMORI_PID" 2>/dev/null; then
        it_why_not mamori-fcgi "$IT_MAMORI_PID" "$IT_DIR/mamori.log"
    else
        it_why_not nginx "$(cat "$IT_DIR/nginx.pid" 2>/dev/null)" "$IT_DIR/nginx-error.log" nochild
    fi
    return 1
}

it_start() {
    it_start_mamori "$@" && it_start_nginx
}

# it_log_has TEXT: whether mamori.log contains TEXT.
it_log_has() {
    grep -q -- "$1" "$IT_DIR/mamori.log" 2>/dev/null
}

# Wait until the log contains TEXT (up to IT_TIMEOUT).
it_wait_log() {
    it_poll "$IT_TIMEOUT" it_log_has "$1"
}

# it_log_count PATTERN: how many lines of mamori.log contain PATTERN.
it_log_count() {
    grep -c -- "$1" "$IT_DIR/mamori.log" 2>/dev/null || true
}

# it_log_more PATTERN COUNT: whether more than COUNT lines contain PATTERN.
it_log_more() {
    [ "$(it_log_count "$1")" -gt "$2" ]
}

# it_wait_log_more PATTERN COUNT: wait (up to IT_TIMEOUT: the machine may be
# busy) until more than COUNT lines of mamori.log contain PATTERN.
it_wait_log_more() {
    it_poll "$IT_TIMEOUT" it_log_more "$1" "$2"
}

# X-Mamori-Signature for FILE with SECRET at time T (default now).
sign_generic() {
    local file=$1 secret=$2 t=${3:-$(date +%s)} mac
    mac=$({ printf '%s.' "$t"; cat "$file"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
    echo "t=$t,v1=$mac"
}

# http METHOD PATH [curl args...] -> HTTP_STATUS, HTTP_BODY, HTTP_HEADERS
http() {
    local method=$1 path=$2
    shift 2
    HTTP_STATUS=$(curl -s -X "$method" -D "$IT_DIR/last.headers" -o "$IT_DIR/last.body" -w '%{http_code}' \
        --max-time 20 "$@" "$IT_URL$path")
    HTTP_BODY=$(cat "$IT_DIR/last.body")
    HTTP_HEADERS=$(cat "$IT_DIR/last.headers")
}

# it_post_generic TENANT FILE [curl args...] -- signed with secret-TENANT
it_post_generic() {
    local tenant=$1 file=$2
    shift 2
    http POST "/hooks/$tenant/generic" -H 'Content-Type: application/json' \
        -H "X-Mamori-Signature: $(sign_generic "$file" "secret-$tenant")" --data-binary "@$file" "$@"
}

# json FIELD-EXPRESSION < JSON  (a python expression on `d`)
json() {
    python3 -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$1"
}

# sqlite query against the test store
it_sql() {
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print("|".join(str(x) for x in r)) for r in c.execute(sys.argv[2])]' \
        "$IT_DIR/mamori.db" "$1"
}

it_done() {
    [ "$TAP_FAILED" -eq 0 ]
}
