#!/usr/bin/env python3
"""tests/policy/corpus_agreement.py -- agreement between the two labelling passes.

  corpus_agreement.py [--corpus DIR] [--markdown] [BATCH ...]

Compares batches/BATCH.jsonl (the first pass, after resolution) with
labels2/BATCH.jsonl (the independent second pass) and prints Cohen's kappa
per label (each label as a yes/no decision over the batch's cases), for
the escalation level (five classes) and for flame risk, per batch and
pooled over all the batches given.  Without BATCH: every batch that has a
labels2 file.  A kappa is "n/a" when both passes gave every case the same
value (no variation to agree on); the raw agreement is shown beside it.
Python 3 standard library only.
"""
import argparse
import collections
import json
import os
import sys

HARASSMENT = ("threat", "violence", "verbal_abuse", "coercion", "excessive_demand", "time_binding",
              "repeat_contact", "authority", "off_site_binding", "sns_defamation", "sexual_harassment",
              "privacy_intrusion", "discrimination")
LABELS = HARASSMENT + ("legitimate_complaint", "none")
LEVELS = ("none", "supervisor", "legal", "lawyer", "police")


def kappa(a, b):
    """Cohen's kappa of two equally long sequences of categories: (kappa or None, observed agreement)."""
    n = len(a)
    if n == 0:
        return None, None
    po = sum(1 for x, y in zip(a, b) if x == y) / n
    ca, cb = collections.Counter(a), collections.Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe >= 1.0:
        return None, po
    return (po - pe) / (1 - pe), po


def load(path):
    return {c["id"]: c for c in (json.loads(line) for line in open(path, encoding="utf-8") if line.strip())}


def rows_for(pairs):
    """pairs: [(first, second)] of case dicts.  Returns table rows."""
    rows = []
    for lab in LABELS + ("(any harassment)",):
        if lab == "(any harassment)":
            f = [any(x in HARASSMENT for x in p["labels"]) for p, _ in pairs]
            s = [any(x in HARASSMENT for x in q["labels"]) for _, q in pairs]
        else:
            f = [lab in p["labels"] for p, _ in pairs]
            s = [lab in q["labels"] for _, q in pairs]
        k, po = kappa(f, s)
        rows.append((lab, len(pairs), sum(f), sum(s), po, k))
    f = [p["escalation"] for p, _ in pairs]
    s = [q["escalation"] for _, q in pairs]
    k, po = kappa(f, s)
    rows.append(("escalation level", len(pairs), sum(x != "none" for x in f), sum(x != "none" for x in s), po, k))
    f = [bool(p["flame_risk"]) for p, _ in pairs]
    s = [bool(q["flame_risk"]) for _, q in pairs]
    k, po = kappa(f, s)
    rows.append(("flame_risk", len(pairs), sum(f), sum(s), po, k))
    return rows


def show(title, rows, markdown):
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"
    if markdown:
        print(f"\n**{title}**\n")
        print("| label | cases | first pass | second pass | agreement | kappa |")
        print("|---|---:|---:|---:|---:|---:|")
        for lab, n, a, b, po, k in rows:
            print(f"| {lab} | {n} | {a} | {b} | {fmt(po)} | {fmt(k)} |")
    else:
        print(f"\n{title}")
        print(f"{'label':<22} {'cases':>6} {'first':>6} {'second':>7} {'agree':>7} {'kappa':>7}")
        for lab, n, a, b, po, k in rows:
            print(f"{lab:<22} {n:>6} {a:>6} {b:>7} {fmt(po):>7} {fmt(k):>7}")
    print("(first/second: cases with the label, or with a level other than none, in each pass)"
          if not markdown else "\nfirst/second: cases with the label (for the level: other than none) in each pass.")


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("batches", nargs="*")
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(here, "..", "..", "policies", "corpus")))
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    l2dir = os.path.join(a.corpus, "labels2")
    names = a.batches or sorted(f[:-6] for f in os.listdir(l2dir) if f.endswith(".jsonl")) if os.path.isdir(l2dir) else a.batches
    if not names:
        print("corpus_agreement: no labels2/*.jsonl yet: no batch has a second pass, so there is no agreement figure.")
        return 0
    pooled = []
    status = 0
    for b in names:
        p1 = os.path.join(a.corpus, "batches", b + ".jsonl")
        p2 = os.path.join(l2dir, b + ".jsonl")
        if not os.path.exists(p1) or not os.path.exists(p2):
            print(f"corpus_agreement: {b}: {'no batch' if not os.path.exists(p1) else 'no second pass (labels2)'}",
                  file=sys.stderr)
            status = 1
            continue
        first, second = load(p1), load(p2)
        missing = [i for i in first if i not in second]
        if missing:
            print(f"corpus_agreement: {b}: {len(missing)} cases without a second label (e.g. {missing[0]})",
                  file=sys.stderr)
            status = 1
        pairs = [(first[i], second[i]) for i in first if i in second]
        pooled += pairs
        show(f"{b} ({len(pairs)} cases)", rows_for(pairs), a.markdown)
    if len(names) > 1 and pooled:
        show(f"all {len(names)} batches pooled ({len(pooled)} cases)", rows_for(pooled), a.markdown)
    return status


if __name__ == "__main__":
    sys.exit(main())
