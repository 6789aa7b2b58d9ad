#!/bin/bash
# How mamori-fcgi gets its socket: --listen host:port, an inherited socket on
# fd 0 (spawn-fcgi, StandardInput=socket), systemd's LISTEN_FDS; and -t.
. "$top_srcdir/tests/integration/lib.sh"
it_init 11
it_tenant acme

# -t / --check-config
"$MAMORI_FCGI" -t -c "$IT_DIR/mamori.conf" > "$IT_DIR/t.out" 2>&1
tap_is "$?" 0 "-t passes on a good configuration"
tap_like "$(cat "$IT_DIR/t.out")" "is OK" "... and says so"
cp "$IT_DIR/tenants.d/acme.conf" "$IT_DIR/acme.good"
sed -i 's/path = example.so/path = nonexistent.so/' "$IT_DIR/tenants.d/acme.conf"
"$MAMORI_FCGI" --check-config -c "$IT_DIR/mamori.conf" > "$IT_DIR/t.out" 2>&1
tap_is "$?" 1 "--check-config fails on a missing plugin"
tap_like "$(cat "$IT_DIR/t.out")" "nonexistent.so" "... naming it"
cp "$IT_DIR/acme.good" "$IT_DIR/tenants.d/acme.conf"
"$MAMORI_FCGI" --version | grep -q "plugin ABI 1.1"
tap_ok $? "--version names the plugin ABI"

# TCP
port=$(free_port)
"$MAMORI_FCGI" -c "$IT_DIR/mamori.conf" --listen "127.0.0.1:$port" >>"$IT_DIR/mamori.log" 2>&1 &
pid=$!
IT_PIDS="$IT_PIDS $pid"
it_poll -p $pid "$IT_TIMEOUT" python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null
ok=$?
[ $ok = 0 ] || it_why_not mamori-fcgi $pid "$IT_DIR/mamori.log"
tap_ok $ok "--listen host:port listens on TCP"
kill -TERM $pid; wait $pid
tap_is "$?" 0 "... and stops with 0"

# fd 0 and LISTEN_FDS: a small launcher makes the socket and execs mamori-fcgi.
launch() {  # launch MODE SOCKET
    python3 - "$1" "$2" "$MAMORI_FCGI" "$IT_DIR/mamori.conf" <<'PY' >>"$IT_DIR/mamori.log" 2>&1 &
import os, socket, sys
mode, path, exe, conf = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); os.chmod(path, 0o666); s.listen(16)
if mode == "fd0":
    os.dup2(s.fileno(), 0)
else:
    os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
    os.environ["LISTEN_FDS"] = "1"; os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(exe, [exe, "-c", conf])
PY
    LAUNCH_PID=$!
    IT_PIDS="$IT_PIDS $LAUNCH_PID"
}
sed -i "s#^listen = .*#listen =#" "$IT_DIR/mamori.conf"
for mode in fd0 systemd; do
    rm -f "$IT_SOCK"
    launch $mode "$IT_SOCK"
    it_poll -p $LAUNCH_PID "$IT_TIMEOUT" test -S "$IT_SOCK" || it_why_not "mamori-fcgi ($mode)" $LAUNCH_PID "$IT_DIR/mamori.log"
    it_start_nginx >/dev/null 2>&1 || true
    # The launcher made the socket before mamori-fcgi ran: wait for its answer.
    it_until '[ "$(curl -s -o /dev/null -w "%{http_code}" --max-time 10 "$IT_URL/healthz")" = 200 ]'
    http GET /healthz
    tap_is "$HTTP_STATUS" 200 "serves on a socket inherited via $mode"
    "$NGINX" -p "$IT_DIR" -c "$IT_DIR/nginx.conf" -s stop 2>/dev/null; sleep 0.2; rm -f "$IT_DIR/nginx.pid"
    kill -TERM $LAUNCH_PID; wait $LAUNCH_PID
done
rm -f "$IT_SOCK"
"$MAMORI_FCGI" -c "$IT_DIR/mamori.conf" < /dev/null > "$IT_DIR/nolisten.out" 2>&1
tap_is "$?" 1 "without a listen address or inherited socket it exits 1"
tap_like "$(cat "$IT_DIR/nolisten.out")" "no listen address" "... explaining why"
it_done
