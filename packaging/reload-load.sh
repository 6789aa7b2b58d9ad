#!/bin/bash
# packaging/reload-load.sh MODE [NEWER.deb] -- reload or upgrade the
# INSTALLED mamori under a steady webhook load and count what was lost.
#
#   sighup    SIGHUP every 2 s, the way `systemctl reload mamori` does it
#             (ExecReload=: the config check, then kill -HUP $MAINPID)
#   upgrade   `apt-get install NEWER.deb` (a newer version of the package:
#             dpkg replaces the files under the running daemon and runs the
#             maintainer scripts), then `systemctl restart mamori.service`
#             with mamori.socket held, twice
#
# systemd need not be PID 1: packaging/systemd/unit-run.py runs the
# installed units as systemd would (socket held by the manager, the
# service started with it, ExecReload=, restart). Load: wrk through nginx
# with the installed snippet, 16 connections, every request a signed
# webhook with a unique event id (tests/bench/http). As root.
# Prints one summary line and exits 1 if any request failed or was lost.
set -uo pipefail
MODE=${1:?usage: reload-load.sh sighup|upgrade [NEWER.deb]}
NEWER=${2:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-20}
T=$(mktemp -d /tmp/mamori-load.XXXXXX)
chmod 755 "$T"
cleanup() {
    [ -f "$T/nginx.pid" ] && nginx -p "$T" -c "$T/nginx.conf" -s stop 2>/dev/null
    if [ -f "$T/unit-run.pid" ]; then
        kill -TERM "$(cat "$T/unit-run.pid")" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$(cat "$T/unit-run.pid")" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f /etc/mamori/tenants.d/load.conf /etc/mamori/secrets/load.webhook
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "reload-load: wrk not installed (apt-get install wrk)"; exit 1; }

install -m 0640 -g mamori /dev/null /etc/mamori/secrets/load.webhook
echo load-secret > /etc/mamori/secrets/load.webhook
cat > /etc/mamori/tenants.d/load.conf <<CONF
[tenant]
connector = generic
webhook_secret_file = /etc/mamori/secrets/load.webhook
[plugin rules]
path = rules
policy = /usr/share/mamori/policies/default-ja/policy.json
CONF
python3 "$TOP/packaging/systemd/unit-run.py" --units /lib/systemd/system --log "$T/service.log" \
    --pidfile "$T/unit-run.pid" 2>"$T/unit-run.log" &
for _ in $(seq 200); do [ -f "$T/unit-run.pid" ] && [ -S /run/mamori/mamori.sock ] && break; sleep 0.05; done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/tmp"
cp /etc/nginx/fastcgi_params "$T/fastcgi_params"
cat > "$T/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log $T/access.log;
    client_body_temp_path $T/tmp/body;
    fastcgi_temp_path $T/tmp/fastcgi;
    proxy_temp_path $T/tmp/proxy;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    server { listen 127.0.0.1:$PORT; include /usr/share/mamori/web/nginx/mamori.conf; }
}
CONF
nginx -p "$T" -c "$T/nginx.conf" || { echo "reload-load: nginx did not start"; exit 1; }
for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ] && break; sleep 0.1; done
before=$(sqlite3 /var/lib/mamori/mamori.db "SELECT count(*) FROM events WHERE tenant='load'")

python3 "$TOP/tests/bench/http/gen_requests.py" 200000 load-secret "$T/requests.tsv"
REQUESTS="$T/requests.tsv" WRK_THREADS=2 wrk -t2 -c16 -d"${DURATION}s" --timeout 10s \
    -s "$TOP/tests/bench/http/post.lua" "http://127.0.0.1:$PORT/hooks/load/generic" >"$T/wrk.txt" 2>&1 &
wrk_pid=$!
events=0
case "$MODE" in
sighup)
    sleep 1
    while kill -0 "$wrk_pid" 2>/dev/null && [ $events -lt $((DURATION / 2 - 1)) ]; do
        kill -HUP "$(cat "$T/unit-run.pid")"
        events=$((events + 1))
        sleep 2
    done ;;
upgrade)
    t_start=$(date +%s)
    sleep 3
    if [ -n "$NEWER" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades "$NEWER" >"$T/apt.log" 2>&1 ||
            { echo "reload-load: apt-get install $NEWER failed"; tail "$T/apt.log"; }
    fi
    # What the postinst's deb-systemd-invoke restart does under systemd.
    kill -USR1 "$(cat "$T/unit-run.pid")"; events=$((events + 1))
    # A second restart two thirds into the run, still under load.
    while [ $(( $(date +%s) - t_start )) -lt $((DURATION * 2 / 3)) ]; do sleep 0.2; done
    kill -USR1 "$(cat "$T/unit-run.pid")"; events=$((events + 1)) ;;
*) echo "reload-load: unknown mode $MODE"; exit 2 ;;
esac
wait "$wrk_pid"
# Let the last reload or restart finish before counting.
if [ "$MODE" = upgrade ]; then want=$((events + 1)); else want=1; fi
for _ in $(seq 100); do
    [ "$(grep -c 'event=started' "$T/service.log")" -ge "$want" ] && break
    sleep 0.1
done
sleep 1
after=$(sqlite3 /var/lib/mamori/mamori.db "SELECT count(*) FROM events WHERE tenant='load'")
stored=$((after - before))
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T/wrk.txt")
sockerr=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$T/wrk.txt")
sockerr=$(( ${sockerr:-0} ))
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/wrk.txt")
p99=$(sed -n 's/^ *Latency *[0-9.a-z]* *[0-9.a-z]* *\([0-9.a-z]*\).*/\1/p' "$T/wrk.txt")
n5xx=$(awk '$9 ~ /^5/ {n++} END {print n+0}' "$T/access.log")
reloads_seen=$(grep -c 'event=reloaded' "$T/service.log")
starts_seen=$(grep -c 'event=started' "$T/service.log")
echo "reload-load: mode=$MODE duration=${DURATION}s connections=16 ${MODE}_events=$events" \
     "reloads_logged=$reloads_seen starts_logged=$starts_seen requests=${total:-0} rps=${rps:-0}" \
     "non2xx=${non2xx:-0} nginx_5xx=$n5xx socket_errors=$sockerr stored=$stored max_latency=${p99:-?}"
ok=1
[ "${total:-0}" -gt 0 ] || ok=0
[ "${non2xx:-0}" -eq 0 ] && [ "$n5xx" -eq 0 ] && [ "$sockerr" -eq 0 ] || ok=0
# Every answered request is stored; a request cut off by wrk's end may be
# stored without being counted, never the other way round.
[ "$stored" -ge "${total:-0}" ] || ok=0
if [ $ok = 0 ]; then
    echo "reload-load: FAILED"; cat "$T/wrk.txt"; tail -20 "$T/service.log"; tail -20 "$T/unit-run.log"; exit 1
fi
echo "reload-load: OK (no request failed, none lost)"
