#!/usr/bin/env python3
"""tests/policy/corpus_blind.py -- a batch without its labels, for the blind second pass.

  corpus_blind.py [--corpus DIR] [--keep-order] [--seed N] BATCH > blind.jsonl

Writes one JSON object per case with id, lang, channel, shape, subject,
body, repeat_contacts_30d and batch: labels, escalate, escalation,
flame_risk and the writer's note are left out (the note says why the label
was chosen).  The cases are shuffled (seeded by the batch name, or --seed)
so that the writer's order, often grouped by label, gives nothing away.
The second annotator writes labels2/BATCH.jsonl, one
{"id", "labels", "escalation", "flame_risk"} per case (LABELING.md §10).
Python 3 standard library only.
"""
import argparse
import json
import os
import random
import sys

KEEP = ("id", "lang", "channel", "shape", "subject", "body", "repeat_contacts_30d", "batch")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("batch", help="batch name (batches/BATCH.jsonl) or a path to a batch file")
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(here, "..", "..", "policies", "corpus")))
    ap.add_argument("--keep-order", action="store_true", help="do not shuffle")
    ap.add_argument("--seed", help="shuffle seed (default: the batch name)")
    a = ap.parse_args(argv)
    path = a.batch if os.path.exists(a.batch) else os.path.join(a.corpus, "batches", a.batch + ".jsonl")
    if not os.path.exists(path):
        print(f"corpus_blind: no batch {a.batch} ({path})", file=sys.stderr)
        return 2
    name = os.path.basename(path)[:-6] if path.endswith(".jsonl") else os.path.basename(path)
    cases = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if not a.keep_order:
        random.Random(a.seed if a.seed is not None else name).shuffle(cases)
    out = sys.stdout
    for c in cases:
        out.write(json.dumps({k: c[k] for k in KEEP if k in c}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
