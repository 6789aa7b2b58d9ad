#!/bin/sh
# tests/policy/corpus_check_errors.sh -- the corpus checker catches what it
# promises to: a copy of policies/corpus is broken one way at a time and
# tests/policy/corpus_check.py must fail, naming the problem.
top_srcdir=${top_srcdir:-.}
PY=${PYTHON3:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
CHECK="$top_srcdir/tests/policy/corpus_check.py"
SRC="$top_srcdir/policies/corpus"
T=$(mktemp -d /tmp/corpus_check_errors.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fresh() { rm -rf "$T/c"; cp -R "$SRC" "$T/c"; }
# expect DESCRIPTION PATTERN [OPTION]: the checker fails and prints
# PATTERN. Breakages other than a near-duplicate pass --no-near-duplicates:
# that search is most of a run's time, and the last case runs it.
expect() {
	n=$((n + 1))
	if "$PY" "$CHECK" --corpus "$T/c" --quiet ${3:-} >"$T/out" 2>&1; then
		echo "not ok $n - $1: the checker passed"
		sed 's/^/# /' "$T/out" | tail -5
	elif grep -q -- "$2" "$T/out"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: failed without \"$2\""
		sed 's/^/# /' "$T/out" | tail -5
	fi
}
echo "1..6"

# A resolved file to write (over the batch's own, if it has one): the first
# labelled-twice batch with two disagreements and an agreement.
fresh
b=$("$PY" - "$T/c" <<'PY'
import json, os, sys
c = sys.argv[1]
for f in sorted(os.listdir(os.path.join(c, "labels2"))):
    if not f.endswith(".jsonl"):
        continue
    first = {json.loads(l)["id"]: json.loads(l) for l in open(os.path.join(c, "batches", f), encoding="utf-8")}
    same = differ = None
    ndiffer = 0
    for l in open(os.path.join(c, "labels2", f), encoding="utf-8"):
        v = json.loads(l)
        a = first[v["id"]]
        d = set(a["labels"]) != set(v["labels"]) or a["escalation"] != v["escalation"] or a["flame_risk"] != v["flame_risk"]
        ndiffer += d
        if d and differ is None:
            differ = v
        if not d and same is None:
            same = v
    if same and ndiffer >= 2:
        print(f[:-6], differ["id"], same["id"])
        break
PY
)
set -- $b
batch=$1 differ=$2 same=$3
if [ -z "$same" ]; then
	for i in 1 2 3 4 5 6; do echo "ok $i # SKIP no labelled-twice batch with two disagreements"; done
	exit 0
fi
mkdir -p "$T/c/resolved"
printf '{"id": "%s", "labels": ["none"], "escalation": "none", "flame_risk": false, "note": "test"}\n' "$differ" >"$T/c/resolved/$batch.jsonl"
expect "a resolved file that misses a disagreement" "disagreement(s) not resolved" --no-near-duplicates

printf '{"id": "%s", "labels": ["none"], "escalation": "none", "flame_risk": false, "note": "test"}\n' "$same" >"$T/c/resolved/$batch.jsonl"
expect "a resolved case where the two passes agree" "is not a case where batches/ and labels2/ differ" --no-near-duplicates

printf '{"id": "%s", "labels": ["threat", "none"], "escalation": "none", "flame_risk": false, "note": "test"}\n' "$differ" >"$T/c/resolved/$batch.jsonl"
expect "resolved labels mixing harassment and none" "harassment ids mixed" --no-near-duplicates

printf '{"id": "%s", "labels": ["threat"], "escalation": "police", "flame_risk": false, "note": ""}\n' "$differ" >"$T/c/resolved/$batch.jsonl"
expect "a resolution without a reason" "note must say why" --no-near-duplicates

fresh
f=$(ls "$T/c/labels2" | grep jsonl | head -1)
sed -i '1d' "$T/c/labels2/$f"
expect "a labels2 file missing a case" "ids differ from batches" --no-near-duplicates

fresh
# A test case copied into a train batch: a near-duplicate across splits.
"$PY" - "$T/c" <<'PY'
import json, os, sys
c = sys.argv[1]
meta = {}
for m in os.listdir(os.path.join(c, "meta")):
    for line in open(os.path.join(c, "meta", m), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 2:
            meta[f[0]] = f[1]
test = next(b for b, s in sorted(meta.items()) if s == "test" and not b.startswith("migrated"))
train = next(b for b, s in sorted(meta.items()) if s == "train" and not b.startswith("migrated"))
src = json.loads(open(os.path.join(c, "batches", test + ".jsonl"), encoding="utf-8").readline())
path = os.path.join(c, "batches", train + ".jsonl")
lines = open(path, encoding="utf-8").read().splitlines()
first = json.loads(lines[0])
first["body"] = src["body"] + " 追記。"
lines[0] = json.dumps(first, ensure_ascii=False)
open(path, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
expect "a test case's text in a train batch" "across splits"
