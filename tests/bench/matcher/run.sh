#!/bin/sh
# Run the matcher benchmark: generate the data in a temporary directory,
# print the results (see tests/bench/README.md). Usage: run.sh BENCH_BINARY [MB]
set -e
BIN=${1:?usage: run.sh path/to/bench_matcher [MB]}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
echo "host: $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "grep: $(grep --version | head -1)"
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
"$BIN" "$DIR" "${2:-50}" "$SRC/policies/default-ja/policy.json" "$SRC/policies/corpus/batches/migrated-policy-default-ja.jsonl"
