#!/usr/bin/env python3
"""policies/corpus/score-test-batches.py MAMORI [SRCDIR] [--group AUTHOR]

Score the shipped default policies on the corpus's test batches, the way a
first run is recorded (policies/corpus/README.md): the test batches of each
author and language, split into short (body <= 600 characters) and long
messages, each set run once through `mamori policy test --json` with
default-ja (Japanese) or default-en (English). Prints one table row per set:
harassment recall, benign false-positive rate, escalation recall and
precision, flame-risk recall and precision, macro-F1 over the 13 categories.
--group scores only that author's test batches (e.g. w8: a new round's
first run, without re-running the older sets). MAMORI in a build tree finds its rules.so under plugins/rules/.libs (unless
MAMORI_PLUGIN_DIR says otherwise). A batch's adjudicated labels
(resolved/BATCH.jsonl) replace its first pass's where they exist; the
count of such batches is printed, so a record says which truth it used.
"""
import json, os, subprocess, sys, tempfile

argv = sys.argv[1:]
only = None
if "--group" in argv:
    i = argv.index("--group")
    if i + 1 >= len(argv):
        sys.exit("score-test-batches.py: --group needs an author (e.g. w8)")
    only = argv[i + 1]
    del argv[i:i + 2]
mamori = argv[0]
# `mamori policy test` runs the rules plugin; a build tree's is not installed.
_built = os.path.join(os.path.dirname(os.path.abspath(mamori)), "..", "plugins", "rules", ".libs")
if "MAMORI_PLUGIN_DIR" not in os.environ and os.path.exists(os.path.join(_built, "rules.so")):
    os.environ["MAMORI_PLUGIN_DIR"] = os.path.abspath(_built)
src = argv[1] if len(argv) > 1 else os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
corpus = os.path.join(src, "policies", "corpus")

def group(batch):
    return "migrated-holdout" if batch.startswith("migrated-") else batch.split("-")[0]

batches = []
for name in sorted(os.listdir(os.path.join(corpus, "meta"))):
    for line in open(os.path.join(corpus, "meta", name), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3 and f[1] == "test" and (only is None or group(f[0]) == only):
            batches.append((f[0], f[2]))

# The truth: each batch with its adjudicated labels applied, by the one
# tool that does it (tests/policy/corpus_truth.py).
truth = os.path.join(src, "tests", "policy", "corpus_truth.py")
sets = {}
nresolved = 0
for batch, lang in batches:
    nresolved += os.path.exists(os.path.join(corpus, "resolved", batch + ".jsonl"))
    out = subprocess.run([sys.executable, truth, "--corpus", corpus, batch], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr.strip() or "corpus_truth.py %s failed" % batch)
    for line in out.stdout.splitlines(keepends=True):
        case = json.loads(line)
        size = "long" if len(case["body"]) > 600 else "short"
        for key in ((group(batch), case["lang"], size), (group(batch), case["lang"], "all")):
            sets.setdefault(key, []).append(line)

print(f"# {len(batches)} test batches, {nresolved} with adjudicated labels (resolved/)")
print(f"{'set':34} {'cases':>5} {'har.rec':>7} {'ben.FP':>6} {'esc.rec':>7} {'esc.prec':>8} "
      f"{'fl.rec':>6} {'fl.prec':>7} {'macroF1':>7}")
with tempfile.TemporaryDirectory() as tmp:
    for (g, lang, size), lines in sorted(sets.items()):
        path = os.path.join(tmp, f"{g}-{lang}-{size}.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(lines)
        policy = os.path.join(src, "policies", "default-ja" if lang == "ja" else "default-en", "policy.json")
        r = subprocess.run([mamori, "policy", "test", policy, path, "--json"], capture_output=True, text=True)
        try:
            d = json.loads(r.stdout)
        except ValueError:
            print(f"{g}-{lang}-{size}: mamori policy test failed: {r.stderr.strip()[:200]}")
            continue
        h, b, e, fl = d["harassment_recall"], d["benign_fp_rate"], d["escalation"], d["flame_risk"]
        num = lambda x, w: f"{x:>{w}.3f}" if isinstance(x, (int, float)) else f"{'-':>{w}}"
        print(f"{g + ' ' + lang + ' ' + size:34} {d['cases']:>5} {num(h.get('value'), 7)} {num(b.get('value'), 6)} "
              f"{num(e.get('recall'), 7)} {num(e.get('precision'), 8)} {num(fl.get('recall'), 6)} "
              f"{num(fl.get('precision'), 7)} {num(d.get('macro_f1'), 7)}")
