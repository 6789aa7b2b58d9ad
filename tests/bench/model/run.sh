#!/bin/bash
# Learned-judgement benchmark (not a test), three measurements in one run:
#   1. per-ticket evaluation time: the default policy's rules alone, then
#      rules + feature extraction + model scoring (bench_model), on short
#      messages and on long real-format ones;
#   2. worker memory: a mamori-fcgi worker serving the default policy with
#      its model, against the same policy with the model removed;
#   3. training time of `mamori policy train` on 20,000 cases.
#
#   tests/bench/model/run.sh [BUILDDIR]     (default .; after `make tests/bench/model/bench_model`)
# Env: ROUNDS (bench_model rounds, default 5), TRAIN_CASES (default 20000),
# PARTS (which measurements, default "1 2 3").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
B=$(cd "${1:-$TOP}" && pwd)
ROUNDS=${ROUNDS:-5}
TRAIN_CASES=${TRAIN_CASES:-20000}
PARTS=${PARTS:-1 2 3}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
C="$TOP/policies/corpus/batches"
POLICY="$TOP/policies/default-ja/policy.json"
MODEL="$TOP/policies/default-ja/policy.model"
T=$(mktemp -d /tmp/mamori-bench-model.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    rm -rf "$T"
}
trap cleanup EXIT
[ -x "$B/tests/bench/model/bench_model" ] || { echo "build it first: make -C $B tests/bench/model/bench_model"; exit 1; }

echo "# $(date -u +%FT%TZ) $(nproc) cores; policy $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['version'])" "$POLICY")"

# The cases of every batch, split by body length (600 characters: the
# corpus's "long"). Timing only: labels are not read.
python3 - "$C" "$T" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
short = open(os.path.join(out, "short.jsonl"), "w", encoding="utf-8")
long_ = open(os.path.join(out, "long.jsonl"), "w", encoding="utf-8")
for name in sorted(os.listdir(src)):
    for line in open(os.path.join(src, name), encoding="utf-8"):
        if line.strip():
            (long_ if len(json.loads(line)["body"]) > 600 else short).write(line)
PY
part 1 && echo "## 1. per-ticket evaluation (bench_model, $ROUNDS rounds over every corpus case)"
part 1 && for set in short long; do
    echo "### $set messages ($(wc -l < "$T/$set.jsonl") cases)"
    "$B/tests/bench/model/bench_model" "$POLICY" "$MODEL" "$T/$set.jsonl" --rounds "$ROUNDS"
done

part 2 && echo "## 2. worker memory (smaps_rollup of one idle worker after 200 webhooks)"
python3 - "$POLICY" "$T/nomodel.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1], encoding="utf-8"))
p.pop("model", None)
p.pop("tests", None)
json.dump(p, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
mkdir -p "$T/plugins"
cp "$B/plugins/rules/.libs/rules.so" "$T/plugins/"
printf 'bench-secret\n' > "$T/secret"
chmod 600 "$T/secret"
memory() { # memory NAME POLICYFILE
    local d="$T/$1" pid w
    mkdir -p "$d/tenants.d"
    cat > "$d/mamori.conf" <<CONF
[server]
listen = $d/mamori.sock
workers = 1
log_level = warning
[store]
path = $d/mamori.db
identity_key_file = $d/identity.key
[plugins]
dir = $T/plugins
[tenants]
dir = $d/tenants.d
CONF
    cat > "$d/tenants.d/bench.conf" <<CONF
[tenant]
connector = generic
webhook_secret_file = $T/secret
replay_window = 3600
[plugin rules]
path = rules.so
policy = $2
CONF
    "$B/adapter/mamori-fcgi" -c "$d/mamori.conf" 2>"$d/log" &
    pid=$!
    PIDS="$PIDS $pid"
    for _ in $(seq 1200); do [ -S "$d/mamori.sock" ] && break; sleep 0.05; done
    [ -S "$d/mamori.sock" ] || { echo "mamori-fcgi did not start:"; cat "$d/log"; exit 1; }
    python3 "$TOP/tests/bench/http/gen_requests.py" 200 bench-secret "$d/req.txt"
    python3 - "$d/mamori.sock" "$d/req.txt" <<'PY'
import socket, struct, sys
def rec(t, rid, content):
    return struct.pack(">BBHHBx", 1, t, rid, len(content), 0) + content
def params(d):
    out = b""
    for k, v in d.items():
        k, v = k.encode(), v.encode()
        for x in (k, v):
            out += bytes([len(x)]) if len(x) < 128 else struct.pack(">I", len(x) | 0x80000000)
        out += k + v
    return out
for line in open(sys.argv[2], encoding="utf-8"):
    sig, body = line.rstrip("\n").split("\t", 1)
    body = body.encode()
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    env = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "/hooks/bench/generic", "REQUEST_URI": "/hooks/bench/generic",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "HTTP_X_MAMORI_SIGNATURE": sig,
           "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    s.sendall(rec(1, 1, struct.pack(">HB5x", 1, 0)) + rec(4, 1, params(env)) + rec(4, 1, b"") + rec(5, 1, body) + rec(5, 1, b""))
    while s.recv(65536):
        pass
    s.close()
PY
    w=$(pgrep -P "$pid" mamori-worker | head -1 || true) # the worker's process name
    [ -n "$w" ] || { echo "no worker process under $pid"; exit 1; }
    awk -v n="$1" '/^(Rss|Pss|Private_Dirty):/ {printf "%s %s %d kB  ", n, $1, $2} END {print ""}' "/proc/$w/smaps_rollup"
    awk -v n="$1" '/^VmHWM:/ {print n " peak RSS (VmHWM) " $2 " kB"}' "/proc/$w/status"
    echo "$1 committed $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$d/mamori.db") webhooks"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}
if part 2; then
    memory rules-only "$T/nomodel.json"
    memory with-model "$POLICY"
fi
part 3 || exit 0

echo "## 3. training on $TRAIN_CASES cases (mamori policy train, default options)"
python3 - "$C" "$T/train.jsonl" "$TRAIN_CASES" <<'PY'
import json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = [json.loads(l) for name in sorted(os.listdir(src)) for l in open(os.path.join(src, name), encoding="utf-8") if l.strip()]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        c = dict(cases[i % len(cases)])
        if i >= len(cases):  # past the corpus: the same text again, as another batch
            c["id"] = "%s-r%d" % (c["id"], i // len(cases))
            c["batch"] = "%s-r%d" % (c["batch"], i // len(cases))
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print("%d cases (%d distinct texts)" % (n, min(n, len(cases))))
PY
/usr/bin/time -f "training: %e s wall, %U s user, %S s system, peak RSS %M kB" \
    "$B/adapter/mamori" policy train "$POLICY" "$T/train.jsonl" -o "$T/train.model" --quiet
ls -l "$T/train.model" | awk '{print "model file: " $5 " bytes"}'
