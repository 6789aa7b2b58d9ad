#!/bin/bash
# Burst benchmark (not a test; issue 15): how long the notes of a burst of
# new Zendesk tickets take to reach the helpdesk.
#
# Each run starts a fresh stack the way the integration tests do
# (tests/integration/lib.sh + helpdesk_lib.sh: mamori-fcgi with the shipped
# default-ja policy behind real nginx, the Zendesk stand-in
# tests/helpdesks/standin.py answering normally with Zendesk's rate-limit
# headers, X-Rate-Limit / X-Rate-Limit-Remaining, a window of ZD_LIMIT
# requests a minute), with the deliverer's default settings ([deliver] has
# only allow_http, for the loopback stand-in), then burst.py posts N signed
# Zendesk ticket.created webhooks as fast as they are answered and reports,
# per ticket, the time from the webhook's 2xx to its note's arrival at the
# stand-in: p50, p90, p99, max, and the total (first webhook sent to last
# note arrived).
#
# Reference in the same run: the same burst with the old default
# `[deliver] rate_per_minute = 60` (one request a second: ~83 s for the
# last of 85 notes), interleaved round by round with the default.
#
#   tests/bench/burst/run.sh [BUILDDIR]      (default: this tree)
#   make bench-burst                         (from the build directory)
# Env: ROUNDS (default 3), N (webhooks per burst, default 85), CONNS
#      (connections the burst is posted on, default 16), ZD_LIMIT (the
#      stand-in's Zendesk window, requests a minute, default 700 as in
#      tests/integration/helpdesk_ratelimit.sh), MODES (default
#      "default old60"), SLOW (seconds the stand-in takes to answer each
#      write, e.g. 0.25 for a real helpdesk's latency; default: at once),
#      DELIVER_EXTRA (lines added to [deliver] in every mode, for
#      experiments, e.g. "concurrency = 8"; default none),
#      MAMORI_TEST_START_TIMEOUT (starts, default 60).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$HERE/../../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" && pwd)
export top_srcdir top_builddir
ROUNDS=${ROUNDS:-3}
N=${N:-85}
CONNS=${CONNS:-16}
ZD_LIMIT=${ZD_LIMIT:-700}
MODES=${MODES:-default old60}
SLOW=${SLOW:-}
DELIVER_EXTRA=${DELIVER_EXTRA:-}
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx not found: apt-get install nginx"; exit 1; }
[ -x "$top_builddir/adapter/mamori-fcgi" ] || { echo "no $top_builddir/adapter/mamori-fcgi: build first"; exit 1; }
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || { echo "no rules plugin in $top_builddir: build first"; exit 1; }
RESULTS=$(mktemp /tmp/mamori-bench-burst.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT

# one_run LABEL FIRST-TICKET: a fresh stack, one burst, torn down at the end.
one_run() (
    set +e
    . "$top_srcdir/tests/integration/lib.sh"
    . "$top_srcdir/tests/integration/helpdesk_lib.sh"
    it_init 0 >/dev/null
    IT_LOG_LEVEL=warning
    hd_standin_start
    # Default deliverer settings: only plain http to the loopback stand-in
    # (hd_standin_start's fast retries and short timeouts are dropped).
    IT_EXTRA_CONFIG="[deliver]
allow_http = yes
$DELIVER_EXTRA"
    [ "$1" = old60 ] && IT_EXTRA_CONFIG="$IT_EXTRA_CONFIG
rate_per_minute = 60"
    it_write_config
    hd_tenant zd zendesk
    # shellcheck disable=SC2119 # it_start takes mamori-fcgi options, none here
    it_start || { echo "$1: the stack did not start"; exit 1; }
    curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
        -d "{\"platform\": \"zendesk\", \"mode\": \"ratelimit\", \"limit\": $ZD_LIMIT, \"window\": 60}"
    [ -n "$SLOW" ] && hd_fault zendesk slow 100000 1 "$SLOW"
    python3 "$HERE/burst.py" "$IT_URL" zd "$HD_FIX" "$N" "$2" "$IT_DIR/standin.log" "$1" "$RESULTS" "$CONNS"
    rc=$?
    over=$(hd_state "s['over_limit'].get('zendesk', 0)")
    [ "$over" = 0 ] || echo "  the stand-in answered 429 $over times"
    bad=$(hd_bad_requests 2>/dev/null)
    [ "$bad" = 0 ] || echo "  $bad malformed requests at the stand-in"
    errs=$(grep -c 'level=err' "$IT_DIR/mamori.log" || true)
    [ "$errs" = 0 ] || { echo "  $errs errors in mamori's log:"; grep 'level=err' "$IT_DIR/mamori.log" | head -n 3; }
    exit $rc
)

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $N Zendesk ticket.created webhooks on $CONNS connections," \
    "stand-in window $ZD_LIMIT/min${SLOW:+, answering writes after ${SLOW} s}${DELIVER_EXTRA:+, [deliver] $DELIVER_EXTRA}, $ROUNDS interleaved rounds of: $MODES, build $top_builddir"
failed=0
ticket=7000
for _ in $(seq "$ROUNDS"); do
    for mode in $MODES; do
        one_run "$mode" "$ticket" || failed=1
        ticket=$((ticket + N))
    done
done
python3 - "$RESULTS" "$MODES" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
modes = sys.argv[2].split()
keys = ("p50", "p90", "p99", "max", "total")
print("2xx -> note arrival, seconds: median of the rounds (all rounds)")
print("%-8s %s" % ("mode", "  ".join("%-26s" % k for k in keys)))
med = {}
for m in modes:
    rs = [r for r in rows if r["label"] == m and "total" in r]
    if not rs:
        continue
    cells = []
    for k in keys:
        v = sorted(r[k] for r in rs)
        med[m, k] = v[len(v) // 2]
        cells.append("%-26s" % ("%.2f (%s)" % (med[m, k], " ".join("%.2f" % r[k] for r in rs))))
    print("%-8s %s" % (m, "  ".join(cells)))
if "default" in modes and "old60" in modes and ("default", "total") in med and ("old60", "total") in med:
    print("ratio old60/default: total %.1f, p99 %.1f" % (med["old60", "total"] / med["default", "total"],
                                                          med["old60", "p99"] / med["default", "p99"]))
PY
exit $failed
