#!/bin/bash
# SIGHUP and SIGTERM while the workers never go idle: the old generation
# drains by itself (not only when shutdown_timeout kills it), the daemon stops
# the same way, and every request answered 200 was committed.
. "$top_srcdir/tests/integration/lib.sh"
IT_WORKERS=2
IT_SHUTDOWN_TIMEOUT=20
it_init 6
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
# Pressure: wrk keeps the listening socket always readable (the case that
# once kept workers from ever seeing SIGTERM); the python load checks that
# each request answered 200 was stored.
python3 "$top_srcdir/tests/integration/loadgen.py" "$IT_PORT" acme secret-acme "$IT_DIR/load.txt" 4 6 &
load=$!
if command -v wrk >/dev/null; then
    python3 "$top_srcdir/tests/bench/http/gen_requests.py" 200000 secret-acme "$IT_DIR/wrk-requests.txt"
    sed -i 's/"event_id":"bench-/"event_id":"wrk-/' "$IT_DIR/wrk-requests.txt"
    python3 - "$IT_DIR/wrk-requests.txt" secret-acme <<'PY'
import hashlib, hmac, sys
path, secret = sys.argv[1], sys.argv[2].encode()
out = []
for line in open(path, encoding="utf-8"):
    sig, body = line.rstrip("\n").split("\t", 1)
    t = sig.split(",")[0][2:]
    mac = hmac.new(secret, (t + "." + body).encode(), hashlib.sha256).hexdigest()
    out.append("t=%s,v1=%s\t%s\n" % (t, mac, body))
open(path, "w", encoding="utf-8").writelines(out)
PY
    REQUESTS="$IT_DIR/wrk-requests.txt" WRK_THREADS=2 wrk -t2 -c32 -d6s -s "$top_srcdir/tests/bench/http/post.lua" \
        "$IT_URL/hooks/acme/generic" > "$IT_DIR/wrk.out" 2>&1 &
    pressure=$!
else
    echo "# wrk not found: only the python load (weaker pressure)"
    pressure=""
fi
sleep 1.5
t0=$(date +%s.%N)
kill -HUP "$IT_MAMORI_PID"
it_until '[ "$(grep -c "worker . (pid [0-9]*, generation 1) exited with status 0" "$IT_DIR/mamori.log")" -ge 2 ]'
t1=$(date +%s.%N)
tap_is "$(grep -c 'worker . (pid [0-9]*, generation 1) exited with status 0' "$IT_DIR/mamori.log")" 2 \
    "under load, both workers of the old generation exit after a reload"
# Promptly means before shutdown_timeout killed them (event=drain_timeout),
# not within some seconds: a busy machine makes any number flaky.
echo "# drained after $(python3 -c "print(round($t1 - $t0, 2))") s (shutdown_timeout is 20 s)"
tap_ok "$(grep -q 'event=drain_timeout' "$IT_DIR/mamori.log"; [ $? -ne 0 ]; echo $?)" \
    "... by themselves, not killed at shutdown_timeout"
sleep 1.5
t0=$(date +%s.%N)
kill -TERM "$IT_MAMORI_PID"
wait "$IT_MAMORI_PID"
rc=$?
t1=$(date +%s.%N)
tap_is "$rc" 0 "under load, SIGTERM stops the daemon with status 0"
echo "# stopped after $(python3 -c "print(round($t1 - $t0, 2))") s"
tap_ok "$(grep -q 'event=stop_timeout' "$IT_DIR/mamori.log"; [ $? -ne 0 ]; echo $?)" \
    "... by itself, its workers not killed at shutdown_timeout (event=stop_timeout)"
wait $load $pressure
ok=$(grep -c '^200 ' "$IT_DIR/load.txt")
stored=$(it_sql "select count(*) from events where event_id like 'load-%'")
missing=$(python3 - "$IT_DIR/load.txt" "$IT_DIR/mamori.db" <<'PY'
import sqlite3, sys
ok = {l.split()[1] for l in open(sys.argv[1]) if l.startswith("200 ")}
db = {r[0] for r in sqlite3.connect(sys.argv[2]).execute("select event_id from events")}
print(len(ok - db))
PY
)
tap_ok $([ "$ok" -gt 100 ]; echo $?) "the load went through ($ok answered 200, $stored stored)"
tap_is "$missing" 0 "every request answered 200 is in the store"
it_done
