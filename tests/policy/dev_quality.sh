#!/bin/sh
# tests/policy/dev_quality.sh -- the shipped policies keep their quality.
#
# Every shipped policy must lint without errors and pass its own test cases;
# the default policies must also keep the dev-set thresholds (issue 3):
# harassment recall >= 0.95, benign false-positive rate <= 0.05,
# escalation recall >= 0.95 and precision >= 0.80, macro-F1 >= 0.85.
# tests/policy/dev.jsonl is a copy of the labelled dev corpus (80 cases,
# Japanese and English).  TAP output.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
MAMORI=${MAMORI:-$top_builddir/adapter/mamori}
P=$top_srcdir/policies
DEV=$top_srcdir/tests/policy/dev.jsonl
out=$(mktemp "${TMPDIR:-/tmp}/mamori-policy-test.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT

POLICIES="default-ja default-en examples/retailer examples/clinic examples/transport"

n=0
for p in $POLICIES; do n=$((n + 2)); done
n=$((n + 2 * 7))
echo "1..$n"

t=0
ok() { t=$((t + 1)); echo "ok $t - $*"; }
notok() { t=$((t + 1)); echo "not ok $t - $*"; sed 's/^/# /' "$out"; }

# 1. lint and own tests of every shipped policy
for p in $POLICIES; do
	f=$P/$p/policy.json
	if "$MAMORI" policy lint "$f" >"$out" 2>&1; then ok "lint $p"; else notok "lint $p"; fi
	if "$MAMORI" policy test "$f" --quiet >"$out" 2>&1; then ok "$p passes its tests.jsonl"; else notok "$p passes its tests.jsonl"; fi
done

# 2. the default policies on the dev set, with the thresholds checked here
#    too (so lowering a policy's "quality" block cannot hide a regression)
check() { # policy, metric line pattern
	if grep -E "$2" "$out" >/dev/null; then ok "$1: $3"; else notok "$1: $3"; fi
}
for p in default-ja default-en; do
	f=$P/$p/policy.json
	if "$MAMORI" policy test "$f" "$DEV" --quiet >"$out" 2>&1; then ok "$p passes the dev set"; else notok "$p passes the dev set"; fi
	check $p '^ *harassment_recall +(0\.9[5-9][0-9]*|1\.0+) +>= +0\.950* +ok' "harassment recall >= 0.95"
	check $p '^ *benign_fp_rate_max +0\.0[0-5][0-9]* +<= +0\.050* +ok' "benign false-positive rate <= 0.05"
	check $p '^ *escalation_recall +(0\.9[5-9][0-9]*|1\.0+) +>= +0\.950* +ok' "escalation recall >= 0.95"
	check $p '^ *escalation_precision +(0\.[89][0-9]*|1\.0+) +>= +0\.80* +ok' "escalation precision >= 0.80"
	check $p '^ *macro_f1 +(0\.(8[5-9]|9[0-9])[0-9]*|1\.0+) +>= +0\.850* +ok' "macro-F1 >= 0.85"
	check $p '^result: PASS' "result PASS"
done
test "$t" -eq "$n" || echo "# planned $n, ran $t"
