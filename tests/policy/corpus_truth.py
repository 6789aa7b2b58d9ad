#!/usr/bin/env python3
"""tests/policy/corpus_truth.py BATCH [--corpus DIR]

Print a batch of the labelled corpus with its adjudicated labels applied:
batches/BATCH.jsonl, where each case named in resolved/BATCH.jsonl takes
that file's labels, escalation (and escalate) and flame_risk. A batch
without a resolved file is printed as it is. This is the truth the tests
and first runs score against (policies/corpus/README.md, "Resolution");
`mamori policy train --relabel` applies the same files for training.
"""
import argparse, json, os, sys

LEVELS = ("none", "supervisor", "legal", "lawyer", "police")

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("batch")
ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                 "policies", "corpus"))
a = ap.parse_args()
resolved = {}
rpath = os.path.join(a.corpus, "resolved", a.batch + ".jsonl")
if os.path.exists(rpath):
    for line in open(rpath, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            resolved[r["id"]] = r
try:
    src = open(os.path.join(a.corpus, "batches", a.batch + ".jsonl"), encoding="utf-8")
except OSError as e:
    sys.exit("corpus_truth.py: %s" % e)
out = sys.stdout
for line in src:
    if not line.strip():
        continue
    case = json.loads(line)
    r = resolved.pop(case["id"], None)
    if r is not None:
        case["labels"], case["flame_risk"] = r["labels"], r["flame_risk"]
        case["escalation"] = r["escalation"]
        case["escalate"] = LEVELS.index(r["escalation"]) > 0
        line = json.dumps(case, ensure_ascii=False) + "\n"
    out.write(line if line.endswith("\n") else line + "\n")
if resolved:
    sys.exit("corpus_truth.py: %s names cases not in the batch: %s" % (rpath, ", ".join(sorted(resolved))))
