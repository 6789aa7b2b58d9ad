#!/bin/sh
# tests/policy/dev_quality.sh -- the shipped policies keep their quality.
#
# Every shipped policy must lint without errors and pass its own test cases;
# the default policies must also keep the dev-set thresholds (issue 3):
# harassment recall >= 0.95, benign false-positive rate <= 0.05,
# escalation recall >= 0.95 and precision >= 0.80, macro-F1 >= 0.85.
# The cases are read from the labelled corpus, policies/corpus/batches/
# (one copy of each case; policies/corpus/README.md): migrated-dev is the
# labelled dev corpus (80 cases, Japanese and English), the policies' own
# cases are migrated-policy-default-{ja,en} (their "tests" in policy.json).
#
# The red-team sets (migrated-redteam*, migrated-holdout*; see
# policies/HISTORY.md, "Quality", and policies/corpus/README.md) are checked
# too, against the floors in REDTEAM below: a little under what the
# policies reach, so a regression fails.  The held-out sets were tuned on
# only after their first run was recorded; their first-run numbers are in
# policies/HISTORY.md.  migrated-redteam3-dev-* are the development batches
# of the 1.2.0 round and migrated-redteam3-probes-* its inventory probes
# (short sentences; written without escalation labels, so their escalate,
# escalation and flame_risk are stripped before the run: the corpus derives
# them from the labels, the probes measure detection only);
# migrated-redteam4-dev-* are the development batches of the 1.3.0 round.
# migrated-holdout4-* (held-out v4) was run once with 1.2.0 and once with
# 1.3.0 before anyone tuned on it (tests/policy/redteam-holdout4-runs.txt);
# its floors are under the 1.3.0 run, not under a tuned result (three of
# its false positives were fixed in 1.3.1 after that run, see
# policies/HISTORY.md).  migrated-redteam5-probes-* are the 1.3.1 probes of
# those three boundaries (asking for a superior, bystander reports of
# name-calling, firing an anonymous decision-maker), both sides, a few
# cases each, so their floors allow no miss.  migrated-holdout5-*
# (held-out v5) was run once with 1.3.1 before any rule of the 1.3.2 round
# was read or changed, and once with 1.3.2
# (tests/policy/redteam-holdout5-runs.txt); 1.3.2 was tuned on
# migrated-redteam5-dev-* only (with hard negatives), never on v5's
# failures, so v5's floors are under the 1.3.2 run and its first run is the
# estimate.  1.3.3 fixed v5's benign false positives (3 en, 1 ja) from its
# failure list (so v5 en is tuned from then on); its floor keeps them fixed.
# Five training cases that were near twins of held-out cases were dropped
# in the migration (policies/corpus/README.md).
#
# Policies 1.4.0 ship a model (policies/default-ja/policy.model, trained on
# the corpus's train and validation batches, which include migrated-dev,
# migrated-redteam*, the probes and the policies' own cases, but none of the
# migrated-holdout* sets). With a model, rules that are not "must" are
# features the model weighs, so the numbers on the sets the rules were
# tuned on fell (most: escalation precision on the held-out sets) while the
# numbers on unseen text rose (policies/corpus/README.md, first runs).
#
# Policies 1.5.0 (2026-12-07) train on the adjudicated labels: the first
# pass with resolved/ applied (tests/policy/corpus_truth.py), and every set
# here is scored against that same truth. (Against the first pass the
# escalation precision of 1.5.0 reads 0.53-0.69 on these sets: the
# adjudication raised many first-pass levels, e.g. the migrated sets' levels
# that a rule had derived.) The floors below are the 1.5.0 results less
# 0.02 (benign FP plus 0.02), taken on 2026-12-07 with engine 1.3: a
# regression guard for the shipped policy, not an estimate (the estimate is
# the first run of the w19 test batches, policies/corpus/README.md).
# Policies 1.6.0 (feature version 2, the same day): floors re-taken the same
# way. 1.6.0 fell below 1.5.0's floors on seven small-set figures (one or
# two cases each: English held-out v3 and v5, the redteam5 English probes,
# held-out v2/v4 Japanese escalation) and rose on the validation batches and
# on w20 (policies/corpus/README.md).
# Policies 1.7.0 (more training data: w19, w20, w23): eleven figures fell
# below 1.6.0's floors, all escalation figures of small sets (one or two
# cases each) but held-out v5's Japanese recall (0.964: one case) and
# English benign FP (0.136); those floors are now the 1.7.0 results less
# 0.02, the others stay. 1.7.0 rose on the held-out w21/w22 first runs.
# Policies 1.8.0 (w21, w22, w25, w26 added): two more figures re-taken the
# same way, held-out v4 Japanese benign FP (0.062: one case) and redteam5
# dev English escalation precision (0.667: one case of three).
# TAP output.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
MAMORI=${MAMORI:-$top_builddir/adapter/mamori}
P=$top_srcdir/policies
B=$top_srcdir/policies/corpus/batches
DEV=$B/migrated-dev.jsonl
out=$(mktemp "${TMPDIR:-/tmp}/mamori-policy-test.XXXXXX") || exit 99
noesc=$(mktemp "${TMPDIR:-/tmp}/mamori-policy-noesc.XXXXXX") || exit 99
tru=$(mktemp -d "${TMPDIR:-/tmp}/mamori-policy-truth.XXXXXX") || exit 99
trap 'rm -f "$out" "$noesc"; rm -rf "$tru"' EXIT
# truth BATCH: the batch with its adjudicated labels (resolved/) applied,
# the truth every figure here is scored against; prints the file's path.
truth() {
	"${PYTHON3:-python3}" "$top_srcdir/tests/policy/corpus_truth.py" --corpus "$top_srcdir/policies/corpus" "$1" >"$tru/$1.jsonl" ||
		{ echo "Bail out! corpus_truth.py $1 failed"; exit 1; }
	echo "$tru/$1.jsonl"
}

POLICIES="default-ja default-en examples/retailer examples/clinic examples/transport examples/restaurant"

# batch  min-harassment-recall  max-benign-FP  min-macro-F1  min-escalation-recall  min-escalation-precision
# ("noesc" after a batch: its escalation fields are stripped before the run, see above)
REDTEAM="
migrated-redteam-ja               0.98 0.02 0.97 0.98 0.98
migrated-redteam-en               0.98 0.03 0.95 0.98 0.93
migrated-holdout1-ja              0.92 0.12 0.86 0.93 0.93
migrated-holdout1-en              0.95 0.12 0.84 0.88 0.83
migrated-holdout2-ja              0.95 0.02 0.90 0.88 0.76
migrated-holdout2-en              0.95 0.14 0.83 0.63 0.79
migrated-holdout3-ja              0.96 0.12 0.89 0.91 0.79
migrated-holdout3-en              0.96 0.08 0.84 0.91 0.72
migrated-redteam3-dev-ja          0.98 0.03 0.97 0.98 0.97
migrated-redteam3-dev-en          0.98 0.02 0.96 0.98 0.95
migrated-redteam3-probes-ja:noesc 0.98 0.02 0.97 0.98 0.98
migrated-redteam3-probes-en:noesc 0.98 0.02 0.96 0.98 0.98
migrated-holdout4-ja              0.98 0.09 0.88 0.88 0.85
migrated-holdout4-en              0.93 0.19 0.79 0.85 0.80
migrated-redteam4-dev-ja          0.98 0.04 0.97 0.98 0.96
migrated-redteam4-dev-en          0.98 0.02 0.97 0.98 0.92
migrated-redteam5-probes-ja       0.98 0.02 0.98 0.98 0.98
migrated-redteam5-probes-en       0.98 0.02 0.73 0.98 0.98
migrated-holdout5-ja              0.94 0.12 0.79 0.78 0.64
migrated-holdout5-en              0.90 0.16 0.72 0.66 0.62
migrated-redteam5-dev-ja          0.98 0.02 0.98 0.98 0.98
migrated-redteam5-dev-en          0.98 0.02 0.98 0.83 0.64
"
nred=$(echo "$REDTEAM" | grep -c .)

n=0
for p in $POLICIES; do n=$((n + 2)); done
n=$((n + 2 * 7))
n=$((n + 2 * nred * 5))
echo "1..$n"

t=0
ok() { t=$((t + 1)); echo "ok $t - $*"; }
notok() { t=$((t + 1)); echo "not ok $t - $*"; sed 's/^/# /' "$out"; }

# 1. lint and own tests of every shipped policy
for p in $POLICIES; do
	f=$P/$p/policy.json
	if "$MAMORI" policy lint "$f" >"$out" 2>&1; then ok "lint $p"; else notok "lint $p"; fi
	own=
	case $p in default-ja | default-en) own=$(truth migrated-policy-$p) ;; esac
	# shellcheck disable=SC2086 # own is empty or one path
	if "$MAMORI" policy test "$f" $own --quiet >"$out" 2>&1; then ok "$p passes its tests.jsonl"; else notok "$p passes its tests.jsonl"; fi
done
DEV=$(truth migrated-dev)

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
# 3. the red-team sets, on both default policies (same rules, different
#    guidance): metric lines of `mamori policy test` compared with the floors
val() { # pattern of the metric line -> its first number
	sed -n "s/^$1[^0-9]*\([0-9][0-9.]*\).*/\1/p" "$out" | head -n 1
}
cmp_ok() { # value op limit -> exit status
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (v == "") exit 1; if (op == ">=") exit !(v + 0 >= l + 0); exit !(v + 0 <= l + 0) }'
}
rcheck() { # label value op limit
	if cmp_ok "$2" "$3" "$4"; then ok "$1 $2 $3 $4"; else notok "$1 $2 $3 $4"; fi
}
for p in default-ja default-en; do
	f=$P/$p/policy.json
	while read -r set rec fp mf er ep; do
		test -n "$set" || continue
		file=$B/${set%:noesc}.jsonl
		test -f "$file" && file=$(truth "${set%:noesc}")
		if test ! -f "$file"; then
			for m in 1 2 3 4 5; do t=$((t + 1)); echo "ok $t - $p $set # SKIP file not present"; done
			continue
		fi
		case $set in
		*:noesc)
			sed 's/, "escalate": [a-z]*, "escalation": "[a-z]*", "flame_risk": [a-z]*,/,/' "$file" >"$noesc"
			file=$noesc
			set=${set%:noesc}
			;;
		esac
		"$MAMORI" policy test "$f" "$file" --quiet >"$out" 2>&1
		rcheck "$p $set: harassment recall" "$(val 'harassment detected recall:')" ">=" "$rec"
		rcheck "$p $set: benign false-positive rate" "$(val 'benign false-positive rate:')" "<=" "$fp"
		rcheck "$p $set: macro-F1" "$(val 'macro-F1 ([^)]*):')" ">=" "$mf"
		rcheck "$p $set: escalation recall" "$(sed -n 's/^escalation:.*recall \([0-9.]*\).*/\1/p' "$out")" ">=" "$er"
		rcheck "$p $set: escalation precision" "$(val 'escalation: precision')" ">=" "$ep"
	done <<EOF
$REDTEAM
EOF
done
test "$t" -eq "$n" || echo "# planned $n, ran $t"
