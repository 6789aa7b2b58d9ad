#!/bin/bash
# tests/bench/report/run.sh BENCH_REPORT [N] -- the report benchmark (see
# tests/bench/README.md, "Reports"): fill a store with N incidents, time
# the report's build and each format, then time chromium loading the HTML
# (a cold browser start included) when chromium is installed.
set -eu
bench=$1
n=${2:-100000}
dir=$(mktemp -d /tmp/mamori-bench-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$bench" "$dir/bench.db" "$n" "$dir"
if command -v chromium >/dev/null; then
    for i in 1 2 3; do
        t0=$(date +%s.%N)
        HOME="$dir" timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
            --user-data-dir="$dir/chromium" --window-size=1000,2400 --screenshot="$dir/page.png" \
            "file://$dir/report.html" >/dev/null 2>&1
        t1=$(date +%s.%N)
        echo "chromium: load + screenshot of report.html $(echo "$t1 - $t0" | bc) s (browser start included)"
    done
    t0=$(date +%s.%N)
    HOME="$dir" timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$dir/chromium" "about:blank" --screenshot="$dir/blank.png" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "chromium: about:blank, for the browser's own start: $(echo "$t1 - $t0" | bc) s"
    # The page alone, in the running browser (tests/integration/loadtime.html).
    here=$(cd "$(dirname "$0")/../../integration" && pwd)
    for i in 1 2 3; do
        ms=$(HOME="$dir" timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
            --user-data-dir="$dir/chromium" --allow-file-access-from-files --dump-dom \
            "file://$here/loadtime.html?u=file://$dir/report.html" 2>/dev/null | sed -n 's/.*data-load-ms="\([0-9.]*\)".*/\1/p')
        echo "chromium: report.html loaded in ${ms:-?} ms (navigation to load event, browser running)"
    done
fi
