#!/bin/bash
# HTTP benchmark (not a test): wrk through the same nginx, in one run, against
#   (a) mamori-fcgi  -- generic connector, the default policy, every webhook committed
#   (b) ref minimal  -- a libfcgi program that reads the body and answers 200
#   (c) ref insert   -- (b) + a jansson parse + one sqlite insert per request,
#                       at the same durability (WAL, synchronous=FULL)
#   (d) baseline     -- with BASELINE=OTHER-BUILDDIR: (a) built from other code, measured in the
#                       same rounds (to compare two versions under the same drifting load)
#   (e) pg, pg2      -- with PG=1: (a) on PostgreSQL (a throwaway cluster, tests/pg_cluster.sh):
#                       one node, then two nodes behind one nginx upstream on the same PostgreSQL
# at 16 and 64 connections. Prints requests/s, p50, p99 and the ratios.
#
#   tests/bench/http/run.sh [BUILDDIR]      (BUILDDIR: where mamori was built; default .)
# Env: DURATION per cell (default 10s), ROUNDS (default 3), WORKERS (default: cores),
#      POLICY (mamori's policy.json; default: this tree's default-ja),
#      BASELINE_POLICY (the baseline's policy.json; default: this tree's default-ja),
#      TENANTS (default 1: every webhook to tenant "bench"; N: N tenants with the same
#      policy, consecutive requests alternating among them), TARGETS (default
#      "mamori minimal insert", plus baseline with BASELINE), CONNS (default "16 64").
# The cells are interleaved round by round and the median round is reported,
# because fsync timings on shared virtual disks drift by tens of percent.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
B=$(cd "${1:-$TOP}" && pwd)
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-$(nproc)}
TENANTS=${TENANTS:-1}
BASELINE=${BASELINE:-}
CONNS=${CONNS:-16 64}
PG=${PG:-}
TARGETS=${TARGETS:-mamori${BASELINE:+ baseline}${PG:+ pg pg2} minimal insert}
T=$(mktemp -d /tmp/mamori-bench.XXXXXX)
chmod 755 "$T"
cleanup() {
    nginx -p "$T" -c "$T/nginx.conf" -s stop 2>/dev/null || true
    for p in $PIDS; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $PIDS; do kill -KILL -- "-$p" 2>/dev/null || true; done
    [ -n "$PG" ] && pg_cluster_stop
    rm -rf "$T"
}
trap cleanup EXIT
PIDS=""
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk"; exit 1; }

cc -O2 -o "$T/ref_app" "$HERE/ref_app.c" -lfcgi -ljansson -lsqlite3
setsid "$T/ref_app" minimal "$T/min.sock" "$WORKERS" & PIDS="$PIDS $!"
setsid "$T/ref_app" insert "$T/ins.sock" "$WORKERS" "$T/ref.db" FULL & PIDS="$PIDS $!"

# start_mamori DIR BUILDDIR: a mamori-fcgi of BUILDDIR serving TENANTS tenants from DIR.
start_mamori() {
    local D=$1 BD=$2 POLICY=$3 PLUGIN
    mkdir -p "$D/tenants.d" "$D/plugins"
    cp "$BD"/plugins/rules/.libs/rules.so "$D/plugins/" 2>/dev/null || true
    printf 'bench-secret\n' > "$D/secret"; chmod 600 "$D/secret"
    cat > "$D/mamori.conf" <<CONF
[server]
listen = $D/mamori.sock
listen_mode = 0666
workers = $WORKERS
log_level = warning
[store]
${STORE_LINE:-path = $D/mamori.db}
identity_key_file = ${KEY_FILE:-$D/identity.key}
[plugins]
dir = $D/plugins
[tenants]
dir = $D/tenants.d
CONF
    if [ -f "$D/plugins/rules.so" ] && [ -f "$POLICY" ]; then
        PLUGIN="[plugin rules]
path = rules.so
policy = $POLICY"
    else
        cp "$BD"/plugins/example/.libs/example.so "$D/plugins/"
        PLUGIN="[plugin example]
path = example.so"
        echo "note: rules plugin or default policy not built; benchmarking with the example plugin"
    fi
    for k in $(seq "$TENANTS"); do
        name=bench; [ "$k" -gt 1 ] && name=bench$k
        cat > "$D/tenants.d/$name.conf" <<CONF
[tenant]
connector = generic
webhook_secret_file = $D/secret
replay_window = 3600
$PLUGIN
CONF
    done
    setsid "$BD/adapter/mamori-fcgi" -c "$D/mamori.conf" 2>"$D/mamori.log" & PIDS="$PIDS $!"
    echo $! > "$D/supervisor.pid"
    for _ in $(seq 1200); do [ -S "$D/mamori.sock" ] && [ -S "$T/ins.sock" ] && break; sleep 0.05; done
    [ -S "$D/mamori.sock" ] || { echo "mamori-fcgi did not start:"; cat "$D/mamori.log"; exit 1; }
}
POLICY="${POLICY:-$TOP/policies/default-ja/policy.json}"
start_mamori "$T" "$B" "$POLICY"
if [ -n "$BASELINE" ]; then
    mkdir -p "$T/base"
    start_mamori "$T/base" "$(cd "$BASELINE" && pwd)" "${BASELINE_POLICY:-$POLICY}"
fi
if [ -n "$PG" ]; then
    top_srcdir=$TOP
    . "$TOP/tests/pg_cluster.sh"
    pg_cluster_start || { echo "PostgreSQL: $PG_SKIP"; exit 1; }
    # Each mamori process holds a connection: room for two nodes.
    mkdir -p "$T/pg" "$T/pg2a" "$T/pg2b"
    STORE_LINE="url = $(pg_cluster_newdb one)" start_mamori "$T/pg" "$B" "$POLICY"
    url2=$(pg_cluster_newdb two)
    STORE_LINE="url = $url2" KEY_FILE="$T/pg2-identity.key" start_mamori "$T/pg2a" "$B" "$POLICY"
    STORE_LINE="url = $url2" KEY_FILE="$T/pg2-identity.key" start_mamori "$T/pg2b" "$B" "$POLICY"
fi

P=$((20000 + RANDOM % 20000))
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root root;"
cat > "$T/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $T/body;
    fastcgi_temp_path $T/fcgi;
    server { listen 127.0.0.1:$P;       location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/mamori.sock; } }
    server { listen 127.0.0.1:$((P+1)); location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/min.sock; } }
    server { listen 127.0.0.1:$((P+2)); location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/ins.sock; } }
    server { listen 127.0.0.1:$((P+3)); location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/base/mamori.sock; } }
    server { listen 127.0.0.1:$((P+4)); location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$T/pg/mamori.sock; } }
    upstream pg2 { server unix:$T/pg2a/mamori.sock; server unix:$T/pg2b/mamori.sock; }
    server { listen 127.0.0.1:$((P+5)); location / { include /etc/nginx/fastcgi_params; fastcgi_pass pg2; } }
}
CONF
nginx -p "$T" -c "$T/nginx.conf"

echo "# $(date -u +%FT%TZ) $(nproc) cores, $WORKERS workers each, wrk -t2 $DURATION per cell, median of $ROUNDS interleaved rounds, nginx $(nginx -v 2>&1 | sed 's/.*\///'), $TENANTS tenant(s)${BASELINE:+, baseline $BASELINE}"
RESULTS="$T/results.txt"
: > "$RESULTS"
for round in $(seq "$ROUNDS"); do
    for c in $CONNS; do
        for target in $TARGETS; do
            case $target in
                mamori) port=$P; url="/hooks/bench/generic" ;; baseline) port=$((P+3)); url="/hooks/bench/generic" ;;
                minimal) port=$((P+1)); url=/ ;; insert) port=$((P+2)); url=/ ;;
                pg) port=$((P+4)); url="/hooks/bench/generic" ;; pg2) port=$((P+5)); url="/hooks/bench/generic" ;;
            esac
            python3 "$HERE/gen_requests.py" 400000 bench-secret "$T/requests.txt" "$TENANTS"
            out=$(REQUESTS="$T/requests.txt" WRK_THREADS=2 wrk -t2 -c$c -d"$DURATION" --latency -s "$HERE/post.lua" \
                "http://127.0.0.1:$port$url" 2>&1)
            rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
            p50=$(echo "$out" | awk '$1=="50%" {print $2}')
            p99=$(echo "$out" | awk '$1=="99%" {print $2}')
            bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
            echo "$target $c $round $rps $p50 $p99 ${bad:-0}" >> "$RESULTS"
        done
    done
done
python3 - "$RESULTS" "$CONNS" "$TARGETS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
conns, targets = sys.argv[2].split(), sys.argv[3].split()
def cell(t, c):
    rs = sorted((r for r in rows if r[0] == t and r[1] == c), key=lambda r: float(r[3]))
    return rs[len(rs) // 2], [float(r[3]) for r in rs]
print("%-8s %5s %10s %9s %9s %7s   %s" % ("target", "conns", "req/s", "p50", "p99", "non2xx", "all rounds (req/s)"))
med = {}
for c in conns:
    for t in targets:
        r, alls = cell(t, c)
        med[t, c] = float(r[3])
        print("%-8s %5s %10s %9s %9s %7s   %s" % (t, c, r[3], r[4], r[5], r[6], " ".join("%.0f" % x for x in alls)))
for c in conns:
    ratios = []
    for a, b in (("mamori", "insert"), ("mamori", "minimal"), ("insert", "minimal"), ("mamori", "baseline"),
                 ("pg", "mamori"), ("pg2", "pg")):
        if (a, c) in med and (b, c) in med:
            ratios.append("%s/%s = %.2f" % (a, b, med[a, c] / med[b, c]))
    print("ratio @%s conns: %s" % (c, "   ".join(ratios)))
PY
# CPU per webhook: the CPU time of a mamori-fcgi and all its processes (live
# ones and reaped ones), over the webhooks it committed. Unlike req/s this
# hardly moves with the load of the machine, so it compares two builds too.
cpu_per_webhook() { # DIR NAME
    python3 - "$1" "$2" <<'PY'
import os, sqlite3, sys
d, name = sys.argv[1], sys.argv[2]
root = int(open(d + "/supervisor.pid").read())
hz = os.sysconf("SC_CLK_TCK")
def stat(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[1]), sum(int(x) for x in f[11:15])  # ppid; utime stime cutime cstime
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try: procs[int(p)] = stat(int(p))
        except OSError: pass
tree, grew = {root}, True
while grew:
    grew = False
    for pid, (ppid, _) in procs.items():
        if ppid in tree and pid not in tree:
            tree.add(pid); grew = True
ticks = sum(procs[p][1] for p in tree if p in procs)
n = sqlite3.connect(d + "/mamori.db").execute("select count(*) from events").fetchone()[0]
print("%s committed %d webhooks (each with annotation, audit record and contact row); CPU per webhook %.3f ms" % (name, n, 1000.0 * ticks / hz / max(n, 1)))
PY
}
cpu_per_webhook "$T" mamori
echo "errors in mamori's log: $(grep -c 'level=err' "$T/mamori.log" || true)"
if [ -n "$BASELINE" ]; then cpu_per_webhook "$T/base" baseline; fi
