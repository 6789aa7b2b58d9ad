#!/bin/bash
# mamori quick start -- one command on a fresh Debian 12 machine (as root):
#
#   packaging/quickstart.sh          install dependencies, build, start nginx and
#                                    mamori-fcgi on 127.0.0.1, send the sample
#                                    webhooks and show each annotation
#   packaging/quickstart.sh stop     stop what the quick start started
#   packaging/quickstart.sh status   show whether it is running
#
#   packaging/quickstart.sh --policy DIR
#                                    the same with a company policy: DIR is a
#                                    policy directory (its policy.json, e.g.
#                                    policies/examples/restaurant) instead of
#                                    the default Japanese policy
#   packaging/quickstart.sh reload [--policy DIR]
#                                    after editing the policy: lint it, then
#                                    reload mamori-fcgi (SIGHUP, as `systemctl
#                                    reload mamori` does); with --policy, switch
#                                    the demo tenant to another policy first.
#                                    If the new policy does not load, the old
#                                    one keeps serving and the reason is shown.
#
# Everything lives in .quickstart/ in the checkout (build, install, config,
# store, logs); nothing under /etc is touched. Port: MAMORI_QUICKSTART_PORT
# (default 8080). MAMORI_QUICKSTART_DIR puts that state elsewhere (the
# tests use it).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
QS=${MAMORI_QUICKSTART_DIR:-"$TOP/.quickstart"}
PREFIX="$QS/prefix"
# The configuration where this build's tools look without -c
# (SYSCONFDIR/mamori/mamori.conf), as /etc/mamori is for the package: a
# plain `mamori status` then works.
ETC="$QS/etc/mamori"
RUN="$QS/run"
PORT=${MAMORI_QUICKSTART_PORT:-8080}
# The policy the demo tenant uses (a policy.json), kept here across runs so
# that `reload` knows what to lint.
POLICY_FILE="$QS/policy"
MAMORI="$PREFIX/bin/mamori"
. "$TOP/packaging/deps.sh"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }
usage() {
    printf 'usage: %s [start] [--policy DIR]\n       %s reload [--policy DIR]\n       %s stop|status\n' "$0" "$0" "$0" >&2
    exit 2
}

# policy_json DIR-OR-FILE: the absolute path of the policy.json it names.
policy_json() {
    local p=$1
    [ -d "$p" ] && p="$p/policy.json"
    [ -f "$p" ] || die "no policy at $1 (a policy directory holds a policy.json; see policies/README.ja.md)"
    echo "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
}

running() { [ -f "$RUN/mamori.pid" ] && kill -0 "$(cat "$RUN/mamori.pid")" 2>/dev/null; }

# lint_policy FILE: lint errors stop here (the daemon would refuse the
# policy); failing test cases are shown as a warning only.
lint_policy() {
    say "Checking the policy: mamori policy lint $1"
    # Shown: every error, the policy file's own warnings and the summary;
    # the inherited files' warnings are in the full output.
    local rc=0
    "$MAMORI" policy lint "$1" >"$QS/lint.log" 2>&1 || rc=$?
    grep -F -e "$1:" -e ': error:' -e ' errors, ' "$QS/lint.log" || true
    echo "(full output: $QS/lint.log)"
    [ "$rc" = 0 ] || die "the policy has errors (above); fix them and run this again"
    say "Running its test cases: mamori policy test $1"
    if ! "$MAMORI" policy test "$1" --quiet; then
        printf 'quickstart: warning: some of the policy'"'"'s test cases fail (above: mamori policy test %s)\n' "$1" >&2
    fi
}

# set_policy FILE: point the demo tenant at FILE.
set_policy() {
    printf '%s\n' "$1" > "$POLICY_FILE"
    if [ -f "$ETC/tenants.d/demo.conf" ]; then
        sed -i "s#^policy = .*#policy = $1#" "$ETC/tenants.d/demo.conf"
    fi
}

reload() {
    running || die "mamori is not running; start it: $0 [--policy DIR]"
    local policy pid before
    if [ -n "$POLICY_ARG" ]; then
        policy=$(policy_json "$POLICY_ARG")
    else
        policy=$(cat "$POLICY_FILE" 2>/dev/null) || die "no policy recorded in $POLICY_FILE"
    fi
    lint_policy "$policy"
    set_policy "$policy"
    pid=$(cat "$RUN/mamori.pid")
    local pat='event=reloaded \|event=reload_failed '
    before=$(grep -c "$pat" "$QS/mamori.log" 2>/dev/null || true)
    say "Reloading mamori-fcgi (pid $pid, SIGHUP) with $policy"
    kill -HUP "$pid"
    local line=""
    for _ in $(seq 600); do
        line=$(grep "$pat" "$QS/mamori.log" 2>/dev/null | tail -n +$((before + 1)) | head -n 1) || true
        [ -n "$line" ] && break
        sleep 0.1
    done
    local msg=${line#*msg=\"}
    msg=${msg%\"}
    case "$line" in
    *event=reloaded*) echo "reloaded: $msg" ;;
    *event=reload_failed*) die "reload failed, the previous policy keeps serving: $msg" ;;
    *) die "no answer to the reload within 60 s; see $QS/mamori.log" ;;
    esac
}

CMD=start
POLICY_ARG=""
case "${1:-}" in
start | stop | status | reload) CMD=$1; shift ;;
esac
while [ $# -gt 0 ]; do
    case "$1" in
    --policy) [ $# -ge 2 ] || usage; POLICY_ARG=$2; shift 2 ;;
    --policy=*) POLICY_ARG=${1#--policy=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
    esac
done
case $CMD in start | reload) ;; *) [ -z "$POLICY_ARG" ] || usage ;; esac

stop() {
    if [ -f "$RUN/nginx.pid" ]; then
        nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -s stop 2>/dev/null || true
        rm -f "$RUN/nginx.pid"
    fi
    if [ -f "$RUN/mamori.pid" ]; then
        local pid
        pid=$(cat "$RUN/mamori.pid")
        if kill -TERM "$pid" 2>/dev/null; then
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$RUN/mamori.pid"
    fi
}

case $CMD in
stop) stop; echo "mamori quick start stopped (state kept in $QS; remove it to start fresh)"; exit 0 ;;
status)
    if [ -f "$RUN/mamori.pid" ] && kill -0 "$(cat "$RUN/mamori.pid")" 2>/dev/null; then
        echo "running: mamori-fcgi pid $(cat "$RUN/mamori.pid")"
        if [ -f "$RUN/port" ]; then
            echo "health: http://127.0.0.1:$(cat "$RUN/port")/healthz"
            curl -s "http://127.0.0.1:$(cat "$RUN/port")/healthz" || echo "(nginx does not answer)"
            echo
        fi
        [ -f "$POLICY_FILE" ] && echo "policy: $(cat "$POLICY_FILE")  (after editing it: $0 reload)"
    else
        echo "not running"
    fi
    exit 0 ;;
reload) reload; exit 0 ;;
start) ;;
esac

# The policy: --policy, else the default Japanese policy (installed below).
POLICY=$PREFIX/share/mamori/policies/default-ja/policy.json
[ -z "$POLICY_ARG" ] || POLICY=$(policy_json "$POLICY_ARG")

say "Debian packages"
mamori_install_deps $MAMORI_BUILD_DEPS $MAMORI_RUN_DEPS

stop
say "Building mamori (log: $QS/build.log)"
mkdir -p "$QS/build" "$ETC/tenants.d" "$ETC/secrets" "$RUN" "$QS/state"
chmod 755 "$QS" "$RUN"
chmod 700 "$QS/state" "$ETC/secrets" # the store (case data) and the secrets are private
( cd "$TOP" && ./autogen.sh ) >"$QS/build.log" 2>&1 || die "autogen failed, see $QS/build.log"
if [ -f "$TOP/config.status" ]; then
    die "the source tree is configured in place; run 'make distclean' in $TOP first"
fi
( cd "$QS/build" && "$TOP/configure" --prefix="$PREFIX" --sysconfdir="$(dirname "$ETC")" --localstatedir="$QS/state" \
    && make -j"$(nproc)" && make install ) >>"$QS/build.log" 2>&1 || die "build failed, see $QS/build.log"

[ -z "$POLICY_ARG" ] || lint_policy "$POLICY"
say "Configuring tenant \"demo\" (generic connector, policy $POLICY, sqlite store)"
SECRET=$(openssl rand -hex 24)
TOKEN=$(openssl rand -hex 24)
printf '%s\n' "$SECRET" > "$ETC/secrets/demo.webhook"
printf '%s\n' "$TOKEN" > "$ETC/secrets/demo.token"
chmod 600 "$ETC/secrets/"*
cat > "$ETC/mamori.conf" <<CONF
# mamori quick start configuration (see mamori.conf(5))
[server]
listen = $RUN/mamori.sock
# Only nginx (www-data) and mamori may connect.
listen_mode = 0660
listen_group = www-data
workers = 2
log_level = info

[store]
path = $QS/state/mamori.db
identity_key_file = $QS/state/identity.key

[plugins]
dir = $PREFIX/lib/mamori/plugins

[tenants]
dir = $ETC/tenants.d
CONF
cat > "$ETC/tenants.d/demo.conf" <<CONF
[tenant]
name = デモ株式会社
language = ja
connector = generic
webhook_secret_file = $ETC/secrets/demo.webhook
api_token_file = $ETC/secrets/demo.token

[plugin rules]
path = rules.so
policy = $POLICY
CONF
printf '%s\n' "$POLICY" > "$POLICY_FILE"
"$PREFIX/sbin/mamori-fcgi" -t -c "$ETC/mamori.conf" || die "configuration check failed"

say "Starting mamori-fcgi (log: $QS/mamori.log)"
rm -f "$RUN/mamori.sock"
nohup "$PREFIX/sbin/mamori-fcgi" -c "$ETC/mamori.conf" >>"$QS/mamori.log" 2>&1 &
echo $! > "$RUN/mamori.pid"
for _ in $(seq 1200); do [ -S "$RUN/mamori.sock" ] && break; sleep 0.05; done
[ -S "$RUN/mamori.sock" ] || die "mamori-fcgi did not start; see $QS/mamori.log"

say "Starting nginx on 127.0.0.1:$PORT with the shipped snippet"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
echo "$PORT" > "$RUN/port"
mkdir -p "$RUN/nginx/tmp"
sed -e "s#unix:/run/mamori/mamori.sock#unix:$RUN/mamori.sock#g" \
    -e "s#include fastcgi_params;#include /etc/nginx/fastcgi_params;#" \
    "$TOP/packaging/web/nginx/mamori.conf" > "$RUN/nginx/mamori-snippet.conf"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user www-data;"
cat > "$RUN/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
pid $RUN/nginx.pid;
error_log $QS/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log $QS/nginx-access.log;
    client_body_temp_path $RUN/nginx/tmp/body;
    fastcgi_temp_path $RUN/nginx/tmp/fastcgi;
    proxy_temp_path $RUN/nginx/tmp/proxy;
    uwsgi_temp_path $RUN/nginx/tmp/uwsgi;
    scgi_temp_path $RUN/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        include $RUN/nginx/mamori-snippet.conf;
    }
}
CONF
nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" || die "nginx did not start; see $QS/nginx-error.log"
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf -o /dev/null "$URL/healthz" && break; sleep 0.05; done
curl -sf "$URL/healthz" >/dev/null || die "mamori is not healthy: $(curl -s "$URL/healthz")"

say "Sending the sample webhooks (signed with X-Mamori-Signature)"
n=0
for f in "$TOP"/packaging/quickstart/samples/*.json; do
    n=$((n + 1))
    # A fresh event id per run, so re-running annotates again instead of
    # returning the stored answer.
    body="$QS/sample-$n.json"
    sed "s/\"event_id\": \"\([^\"]*\)\"/\"event_id\": \"\1-$(date +%s%N)\"/" "$f" > "$body"
    t=$(date +%s)
    sig=$( { printf '%s.' "$t"; cat "$body"; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
    status=$(curl -s -o "$QS/answer-$n.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-Mamori-Signature: t=$t,v1=$sig" --data-binary "@$body" "$URL/hooks/demo/generic")
    subject=$(sed -n 's/.*"subject": "\([^"]*\)".*/\1/p' "$body")
    printf '\n\033[1m── sample %d: %s  (HTTP %s)\033[0m\n' "$n" "${subject:-(no subject)}" "$status"
    printf '%s\n' "$(sed -n 's/.*"body": "\(.*\)"}*$/\1/p' "$body" | head -c 300)" | sed 's/\\n/\n/g; s/^/  > /'
    echo
    # Show the note an agent would read, rendered from the full annotation
    # (the synchronous API returns evidence quotes; nothing is written).
    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "@$body" \
        "$URL/v1/annotate" > "$QS/annotate-$n.json"
    "$PREFIX/bin/mamori" note --lang ja --ticket "$body" "$QS/annotate-$n.json" | sed 's/^/  /'
done

cat <<DONE

$(printf '\033[1m')mamori is running$(printf '\033[0m'): nginx on $URL -> mamori-fcgi ($RUN/mamori.sock)
  health:    curl $URL/healthz
  metrics:   curl $URL/metrics
  annotate:  curl -H "Authorization: Bearer \$(cat $ETC/secrets/demo.token)" -H 'Content-Type: application/json' \\
               -d '{"ticket_id":"1","body":"ふざけるな、土下座しろ"}' $URL/v1/annotate
  answers:   $QS/answer-*.json    store: $QS/state/mamori.db    log: $QS/mamori.log
  status:    $PREFIX/bin/mamori status        (the config: $ETC/mamori.conf, this build's default)
  audit:     $PREFIX/bin/mamori audit verify
  stop:      $TOP/packaging/quickstart.sh stop

The mamori command: $PREFIX/bin/mamori   (to type just \`mamori\`: export PATH="$PREFIX/bin:\$PATH")
  read a note: the note an agent sees for sample 1 (the ticket and mamori's annotation of it):
             $PREFIX/bin/mamori note --lang ja --ticket $QS/sample-1.json $QS/annotate-1.json
             (an annotation of your own text: save the annotate answer above to a file and pass it
             the same way; mamori note --help)
  policy:    $POLICY
             after editing it:  $TOP/packaging/quickstart.sh reload
             (lints it, then reloads mamori; a policy that does not load leaves the old one serving)
             its own test cases: $PREFIX/bin/mamori policy test $POLICY
DONE
