#!/usr/bin/env python3
"""tests/policy/corpus_check.py -- validate the labelled corpus (policies/corpus/).

Checks every case against the corpus format (policies/corpus/README.md,
"Format"), the meta/*.tsv split table, the labels2/ second
passes, near-duplicates (character 5-gram Jaccard >= 0.5 over the normalised
body) and the label guidelines, then prints the counts table against the
targets of issue 12.

  corpus_check.py [--corpus DIR] [--tap] [--targets] [--markdown] [--quiet]
                  [--no-near-duplicates]

--no-near-duplicates skips the one slow check (most of the half minute the
whole corpus takes): for a writer checking a batch's format as they go.
The suite and CI never skip it.

Exit status: 1 when a case, a meta line, a labels2 file or a guideline is
invalid, or when two cases of different splits are near-duplicates; with
--targets also when a count target is not met.  Near-duplicates inside one
split and per-batch quality hints are warnings.  Python 3 standard library
only.
"""
import argparse
import bisect
import collections
import datetime
import json
import math
import os
import re
import sys
import time
import unicodedata

HARASSMENT = ("threat", "violence", "verbal_abuse", "coercion", "excessive_demand", "time_binding",
              "repeat_contact", "authority", "off_site_binding", "sns_defamation", "sexual_harassment",
              "privacy_intrusion", "discrimination")
BENIGN = ("legitimate_complaint", "none")
LABELS = HARASSMENT + BENIGN
LEVELS = ("none", "supervisor", "legal", "lawyer", "police")
ESCALATING = ("legal", "lawyer", "police")
CHANNELS = ("email", "web", "chat", "phone", "phone_note", "sns")
SHAPES = ("short", "email", "email_thread", "form", "chat", "call_note", "sns_dm", "line", "voicemail")
SPLITS = ("train", "validation", "test")
LANGS = ("ja", "en")
KEYS = ("id", "lang", "channel", "shape", "subject", "body", "labels", "escalate", "escalation", "flame_risk",
        "repeat_contacts_30d", "note", "batch")
LABELS2_KEYS = ("id", "labels", "escalation", "flame_risk")
RESOLVED_KEYS = ("id", "labels", "escalation", "flame_risk", "note")
MIGRATED_AUTHOR = "migrated"

LONG = 600            # a long case: body over 600 characters
NEAR_DUP = 0.5        # Jaccard of character 5-grams
SHINGLE = 5
SAMPLE = 4            # candidate search on a 1/SAMPLE sample of the shingles
CANDIDATE = 0.35      # ... with a lower threshold, so that sampling misses nothing near 0.5
SPLIT_AT = 200        # texts from 200 shingles on are sampled; under 400 compared in full
MAX_BODY = 20000
MAX_SUBJECT = 300
MAX_NOTE = 2000
MAX_CONTACTS = 1000
BATCH_MIN, BATCH_MAX = 40, 120

TARGETS = {
    "cases": 20000,
    "ja_share": (0.65, 0.75),   # "about 70 % Japanese"
    "long_share": 1 / 3,
    "benign_share": 0.40,
    "per_category": 600,
    "per_level": 400,
}

SURROGATE = re.compile("[\ud800-\udfff]")
NOT_WORD = re.compile(r"[\W_]+")   # whitespace, punctuation, symbols
BATCH_NAME = re.compile(r"^[a-z0-9]+-(ja|en)-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Report:
    def __init__(self, quiet):
        self.errors = collections.defaultdict(list)    # group -> messages
        self.warnings = collections.defaultdict(list)
        self.quiet = quiet

    def error(self, group, msg):
        self.errors[group].append(msg)

    def warn(self, group, msg):
        self.warnings[group].append(msg)


def normalise(text):
    """NFKC, case folding, no whitespace or punctuation: what a near-duplicate compares."""
    return NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingles(text):
    n = len(text)
    if n <= SHINGLE:
        return {text} if text else set()
    return {text[i:i + SHINGLE] for i in range(n - SHINGLE + 1)}


def sampled(text, mod=SAMPLE):
    """The shingles whose hash is 0 modulo mod, as hashes (Broder's mod-m sample).

    Jaccard of two samples estimates the Jaccard of the full sets; the
    candidate search runs on these (a quarter of the shingles) and the
    exact Jaccard on the full sets of the candidates only.  Texts too short
    to leave a sample keep all their shingles."""
    n = len(text)
    if n <= SHINGLE:
        return {hash(text)} if text else set()
    hs = {hash(text[i:i + SHINGLE]) for i in range(n - SHINGLE + 1)}
    return {h for h in hs if h % mod == 0} or hs


def near_duplicates(docs, threshold=NEAR_DUP, texts=None):
    """docs: list of shingle sets.  Returns [(i, j, jaccard)] with jaccard >= threshold.

    Candidates by prefix filtering (Chaudhuri et al. / AllPairs): order each
    set's shingles from rarest to commonest; two sets with Jaccard >= t share
    a shingle among the first |x| - ceil(t * |x|) + 1 of each.  Only those
    prefix shingles are indexed, so candidates come from rare shared
    shingles; the exact Jaccard is computed for the candidates that the
    sizes (t * |x| <= |y|) and the position of the first shared shingle
    (PPJoin's positional filter) still allow.  Shingles no other case has
    end the search for a case early.  Shingles in more than 50 cases (or
    0.25 % of the cases, whichever is more: common words, greetings,
    signatures, form labels) are not used to find candidates: this keeps
    the search near linear, and can only miss a pair whose rarest half
    shares nothing rarer than that.
    Identical normalised texts (texts) are always found.
    """
    df = collections.Counter()
    for s in docs:
        df.update(s)
    common = max(50, len(docs) // 400)
    order = sorted(range(len(docs)), key=lambda i: len(docs[i]))
    index = collections.defaultdict(lambda: ([], []))   # shingle -> (sizes, [(doc, position)]), by size
    pairs = []
    found = set()
    if texts is not None:
        first = {}
        for i in order:
            if texts[i] in first:
                pairs.append((first[texts[i]], i, 1.0))
                found.add((first[texts[i]], i))
            else:
                first[texts[i]] = i
    for i in order:
        s = docs[i]
        n = len(s)
        if n == 0:
            continue
        p = n - math.ceil(threshold * n) + 1
        u = [df[g] for g in s].count(1)
        rest = p - u
        if rest <= 0:
            continue
        # the rarest shared shingles, in the global order (df, shingle); the
        # ones past `common` would end the scan, so they are not sorted
        rare = [g for g in s if 1 < df[g] <= common]
        rare.sort(key=lambda g: (df[g], g))
        seen = set()
        for k, g in enumerate(rare[:rest]):
            sizes, lst = index[g]
            for q in range(bisect.bisect_left(sizes, threshold * n), len(lst)):
                j, pj = lst[q]
                if j in seen:
                    continue
                seen.add(j)
                m = sizes[q]
                need = math.ceil(threshold / (1 + threshold) * (n + m) - 1e-9)
                if 1 + min(n - u - k - 1, m - pj - 1) < need:
                    continue
                inter = len(s & docs[j])
                jac = inter / (n + m - inter)
                if jac >= threshold and (j, i) not in found:
                    pairs.append((j, i, jac))
            sizes.append(n)
            lst.append((i, u + k))
    return pairs


def near_duplicate_pairs(norm):
    """[(i, j, jaccard >= NEAR_DUP)] over the normalised texts.

    Texts under SPLIT_AT * 2 shingles are compared with their full shingle
    sets; texts from SPLIT_AT shingles on with a 1/SAMPLE sample (threshold
    CANDIDATE), then exactly.  A pair with Jaccard >= 0.5 has sizes within a
    factor of two, so it falls wholly into one of the two groups."""
    n = len(norm)
    size = [max(len(t) - SHINGLE + 1, 1) for t in norm]
    found = {}
    small = [i for i in range(n) if size[i] < 2 * SPLIT_AT]
    sets = [shingles(norm[i]) for i in small]
    for a, b, jac in near_duplicates(sets, texts=[norm[i] for i in small]):
        found[(small[a], small[b])] = jac
    large = [i for i in range(n) if size[i] >= SPLIT_AT]
    full = {}

    def exact(i):
        if i not in full:
            full[i] = shingles(norm[i])
        return full[i]

    for a, b, jac in near_duplicates([sampled(norm[i]) for i in large], threshold=CANDIDATE,
                                     texts=[norm[i] for i in large]):
        i, j = large[a], large[b]
        if (i, j) in found or (j, i) in found:
            continue
        if norm[i] != norm[j]:
            si, sj = exact(i), exact(j)
            inter = len(si & sj)
            jac = inter / (len(si) + len(sj) - inter)
        if jac >= NEAR_DUP:
            found[(i, j)] = jac
    return [(i, j, jac) for (i, j), jac in found.items()]


def load_meta(corpus, rep):
    meta = {}
    d = os.path.join(corpus, "meta")
    names = sorted(f for f in os.listdir(d) if f.endswith(".tsv")) if os.path.isdir(d) else []
    if not names:
        rep.error("meta", "meta/: no .tsv file")
    for name in names:
        author = name[:-4]
        path = os.path.join(d, name)
        raw = open(path, "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            rep.error("meta", f"meta/{name}: not UTF-8 ({e})")
            continue
        if "\r" in text:
            rep.error("meta", f"meta/{name}: CR in file (LF line ends only)")
        for lineno, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            f = line.split("\t")
            where = f"meta/{name}:{lineno}"
            if len(f) != 6:
                rep.error("meta", f"{where}: {len(f)} fields, want 6 (batch split lang written author description)")
                continue
            batch, split, lang, written, who, desc = f
            if split not in SPLITS:
                rep.error("meta", f"{where}: split {split!r} not one of {', '.join(SPLITS)}")
            langs = LANGS + (("mixed",) if who == MIGRATED_AUTHOR else ())
            if lang not in langs:
                rep.error("meta", f"{where}: lang {lang!r} not one of {', '.join(langs)}")
            if not DATE.match(written):
                rep.error("meta", f"{where}: written {written!r} is not an ISO date (YYYY-MM-DD)")
            else:
                try:
                    datetime.date.fromisoformat(written)
                except ValueError:
                    rep.error("meta", f"{where}: written {written!r} is not a date")
            if who != author:
                rep.error("meta", f"{where}: author {who!r} but the file is meta/{author}.tsv")
            if not desc.strip():
                rep.warn("meta", f"{where}: empty description")
            if batch in meta:
                rep.error("meta", f"{where}: batch {batch} also listed in {meta[batch]['where']}")
                continue
            meta[batch] = {"split": split, "lang": lang, "written": written, "author": who, "where": where,
                           "desc": desc}
    return meta


def check_case(c, batch, meta_b, where, rep):
    """Returns nothing; reports errors on c (a parsed JSON value)."""
    g = "cases"
    if not isinstance(c, dict):
        rep.error(g, f"{where}: a case is a JSON object")
        return False
    keys = tuple(c.keys())
    if keys != KEYS:
        missing = [k for k in KEYS if k not in c]
        extra = [k for k in keys if k not in KEYS]
        if missing or extra:
            rep.error(g, f"{where}: keys: missing {missing or '-'}, unknown {extra or '-'}")
        else:
            rep.error(g, f"{where}: keys out of order (want {', '.join(KEYS)})")
    cid = c.get("id")

    def typed(k, t, name):
        if k in c and not isinstance(c[k], t) or (t is int and isinstance(c.get(k), bool)):
            rep.error(g, f"{where}: {k} must be {name}")
            return False
        return k in c

    if typed("id", str, "a string") and not cid:
        rep.error(g, f"{where}: empty id")
    if typed("lang", str, "a string") and c["lang"] not in LANGS:
        rep.error(g, f"{where}: lang {c['lang']!r} not one of {', '.join(LANGS)}")
    if typed("channel", str, "a string") and c["channel"] not in CHANNELS:
        rep.error(g, f"{where}: channel {c['channel']!r} not one of {', '.join(CHANNELS)}")
    if typed("shape", str, "a string") and c["shape"] not in SHAPES:
        rep.error(g, f"{where}: shape {c['shape']!r} not one of {', '.join(SHAPES)}")
    if typed("subject", str, "a string") and len(c["subject"]) > MAX_SUBJECT:
        rep.error(g, f"{where}: subject longer than {MAX_SUBJECT} characters")
    if typed("body", str, "a string"):
        if not c["body"].strip():
            rep.error(g, f"{where}: empty body")
        elif len(c["body"]) > MAX_BODY:
            rep.error(g, f"{where}: body longer than {MAX_BODY} characters")
        if "\ufffd" in c["body"] or SURROGATE.search(c["body"]):
            rep.error(g, f"{where}: body has a replacement character or a lone surrogate (not clean UTF-8)")
    labels = c.get("labels")
    if "labels" in c:
        if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
            rep.error(g, f"{where}: labels must be a non-empty list of strings")
            labels = None
        else:
            bad = [x for x in labels if x not in LABELS]
            if bad:
                rep.error(g, f"{where}: unknown label(s) {', '.join(bad)}")
            if len(set(labels)) != len(labels):
                rep.error(g, f"{where}: a label is repeated")
            h = [x for x in labels if x in HARASSMENT]
            b = [x for x in labels if x in BENIGN]
            if h and b:
                rep.error(g, f"{where}: harassment label(s) {', '.join(h)} mixed with {', '.join(b)}")
            if len(b) > 1:
                rep.error(g, f"{where}: legitimate_complaint and none together")
    esc_ok = typed("escalate", bool, "true or false")
    lvl_ok = typed("escalation", str, "a string")
    if lvl_ok and c["escalation"] not in LEVELS:
        rep.error(g, f"{where}: escalation {c['escalation']!r} not one of {', '.join(LEVELS)}")
    elif esc_ok and lvl_ok and c["escalate"] != (c["escalation"] in ESCALATING):
        rep.error(g, f"{where}: escalate {str(c['escalate']).lower()} but escalation {c['escalation']}"
                     " (escalate is true exactly for legal, lawyer, police)")
    if (lvl_ok and labels and c["escalation"] in ESCALATING and meta_b and meta_b["author"] != MIGRATED_AUTHOR and not any(x in HARASSMENT for x in labels)):
        rep.warn("escalation", f"{where}: {labels[0]} with escalation {c['escalation']} (allowed: the customer's"
                               " lawyer or an injury with a liability question; LABELING.md §6)")
    typed("flame_risk", bool, "true or false")
    if typed("repeat_contacts_30d", int, "an integer") and not 0 <= c["repeat_contacts_30d"] <= MAX_CONTACTS:
        rep.error(g, f"{where}: repeat_contacts_30d {c['repeat_contacts_30d']} not in 0..{MAX_CONTACTS}")
    if typed("note", str, "a string") and len(c["note"]) > MAX_NOTE:
        rep.error(g, f"{where}: note longer than {MAX_NOTE} characters")
    if typed("batch", str, "a string") and c["batch"] != batch:
        rep.error(g, f"{where}: batch {c['batch']!r} but the file is batches/{batch}.jsonl")
    if meta_b and meta_b["author"] != MIGRATED_AUTHOR:
        if isinstance(cid, str) and not re.fullmatch(re.escape(batch) + r"-[0-9]{4}", cid):
            rep.error(g, f"{where}: id {cid!r} is not {batch}-NNNN")
        if meta_b["lang"] in LANGS and c.get("lang") in LANGS and c["lang"] != meta_b["lang"]:
            rep.error(g, f"{where}: lang {c['lang']} in a batch listed as {meta_b['lang']}")
    elif meta_b and meta_b["lang"] in LANGS and c.get("lang") in LANGS and c["lang"] != meta_b["lang"]:
        rep.error(g, f"{where}: lang {c['lang']} in a batch listed as {meta_b['lang']}")
    return True


def check_decision(v, where, group, rep):
    """The labels, escalation and flame_risk of a labels2 or resolved line."""
    ls = v.get("labels")
    if not isinstance(ls, list) or not ls or any(x not in LABELS for x in ls):
        rep.error(group, f"{where}: labels must be a non-empty list of the 15 ids")
    elif any(x in HARASSMENT for x in ls) and any(x in BENIGN for x in ls) or sum(x in BENIGN for x in ls) > 1:
        rep.error(group, f"{where}: harassment ids mixed with legitimate_complaint/none")
    if v.get("escalation") not in LEVELS:
        rep.error(group, f"{where}: escalation {v.get('escalation')!r} not one of {', '.join(LEVELS)}")
    if not isinstance(v.get("flame_risk"), bool):
        rep.error(group, f"{where}: flame_risk must be true or false")


def read_jsonl(path, rel, rep, group):
    """Yields (lineno, value or None).  Reports encoding and line-end problems."""
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        rep.error(group, f"{rel}: starts with a BOM")
        raw = raw[3:]
    if b"\r" in raw:
        rep.error(group, f"{rel}: CR in file (LF line ends only)")
    if raw and not raw.endswith(b"\n"):
        rep.error(group, f"{rel}: no newline at the end")
    for lineno, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            if line and lineno:
                rep.error(group, f"{rel}:{lineno}: blank line")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            rep.error(group, f"{rel}:{lineno}: not valid UTF-8 ({e})")
            yield lineno, None
            continue
        try:
            yield lineno, json.loads(text)
        except ValueError as e:
            rep.error(group, f"{rel}:{lineno}: not JSON ({e})")
            yield lineno, None


def check_guidelines(corpus, rep):
    for name in ("LABELING.md", "LABELING.ja.md"):
        path = os.path.join(corpus, name)
        if not os.path.exists(path):
            rep.error("guidelines", f"{name}: missing")
            continue
        text = open(path, encoding="utf-8").read()
        for word in LABELS + LEVELS + ("flame_risk", "repeat_contacts_30d"):
            if not re.search(r"(?<![A-Za-z_])" + re.escape(word) + r"(?![A-Za-z_])", text):
                rep.error("guidelines", f"{name}: does not mention {word}")


def pct(a, b):
    return f"{100.0 * a / b:5.1f} %" if b else "    -"


def counts_table(cases, meta, markdown=False):
    """cases: list of dicts with at least lang, shape, labels, escalation, body, batch.  Returns (lines, unmet)."""
    n = len(cases)
    rows = []     # (section, key, count, share, target text, met or None)
    unmet = []

    def add(section, key, count, target=None, met=None, share=None):
        rows.append((section, key, count, share if share is not None else pct(count, n), target or "", met))
        if met is False:
            unmet.append(f"{section} {key}: {count} ({target})")

    add("total", "cases", n, f">= {TARGETS['cases']}", n >= TARGETS["cases"], share="")
    lab = collections.Counter(x for c in cases for x in c["labels"])
    for x in HARASSMENT:
        add("category", x, lab[x], f">= {TARGETS['per_category']}", lab[x] >= TARGETS["per_category"])
    for x in BENIGN:
        add("category", x, lab[x])
    lvl = collections.Counter(c["escalation"] for c in cases)
    for x in LEVELS:
        add("escalation", x, lvl[x], f">= {TARGETS['per_level']}", lvl[x] >= TARGETS["per_level"])
    shp = collections.Counter(c["shape"] for c in cases)
    for x in SHAPES:
        add("shape", x, shp[x])
    lang = collections.Counter(c["lang"] for c in cases)
    lo, hi = TARGETS["ja_share"]
    ja = lang["ja"] / n if n else 0
    add("language", "ja", lang["ja"], f"{lo:.0%}-{hi:.0%}", lo <= ja <= hi)
    add("language", "en", lang["en"], f"{1 - hi:.0%}-{1 - lo:.0%}", lo <= ja <= hi)
    spl = collections.Counter(meta.get(c["batch"], {}).get("split", "?") for c in cases)
    for x in SPLITS:
        add("split", x, spl[x])
    if spl["?"]:
        add("split", "(unlisted)", spl["?"])
    long_n = sum(1 for c in cases if len(c["body"]) > LONG)
    add("share", f"long (body > {LONG} chars)", long_n, ">= 33.3 %", n > 0 and long_n / n >= TARGETS["long_share"])
    ben = sum(1 for c in cases if any(x in BENIGN for x in c["labels"]))
    add("share", "benign (legitimate_complaint or none)", ben, ">= 40.0 %",
        n > 0 and ben / n >= TARGETS["benign_share"])
    out = []
    if markdown:
        out.append("| section | key | cases | share | target | status |")
        out.append("|---|---|---:|---:|---|---|")
        for s, k, cnt, sh, t, met in rows:
            st = "" if met is None else ("ok" if met else "**target not met**")
            out.append(f"| {s} | {k} | {cnt} | {sh.strip()} | {t} | {st} |")
    else:
        out.append(f"{'section':<11} {'key':<38} {'cases':>6} {'share':>8}  {'target':<10} status")
        for s, k, cnt, sh, t, met in rows:
            st = "" if met is None else ("ok" if met else "target not met")
            out.append(f"{s:<11} {k:<38} {cnt:>6} {sh:>8}  {t:<10} {st}".rstrip())
    return out, unmet


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, "..", "..", "policies", "corpus"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=default, help="the corpus directory (default: %(default)s)")
    ap.add_argument("--tap", action="store_true", help="TAP output (the test suite)")
    ap.add_argument("--targets", action="store_true", help="fail when a count target of issue 12 is not met")
    ap.add_argument("--markdown", action="store_true", help="print the counts table as Markdown (for README.md)")
    ap.add_argument("--quiet", action="store_true", help="no warnings, only errors and the table")
    ap.add_argument("--no-near-duplicates", action="store_true",
                    help="skip the near-duplicate search (fast; the suite never skips it)")
    ap.add_argument("--max-messages", type=int, default=50, help="messages shown per check (default %(default)s)")
    a = ap.parse_args(argv)
    t0 = time.time()
    rep = Report(a.quiet)
    corpus = a.corpus
    bdir = os.path.join(corpus, "batches")
    meta = load_meta(corpus, rep)
    batches = sorted(f[:-6] for f in os.listdir(bdir) if f.endswith(".jsonl")) if os.path.isdir(bdir) else []
    if not batches:
        rep.error("cases", "batches/: no .jsonl file")
    for f in (os.listdir(bdir) if os.path.isdir(bdir) else []):
        if not f.endswith(".jsonl"):
            rep.error("cases", f"batches/{f}: not a .jsonl file")
    cases = []      # valid enough to count
    ids = {}
    per_batch = collections.defaultdict(list)
    for b in batches:
        rel = f"batches/{b}.jsonl"
        mb = meta.get(b)
        if mb is None:
            rep.error("meta", f"{rel}: batch not listed in any meta/*.tsv")
        elif mb["author"] != MIGRATED_AUTHOR and not BATCH_NAME.match(b):
            rep.warn("batches", f"{rel}: name is not <author>-<lang>-<theme>-<NN>")
        for lineno, c in read_jsonl(os.path.join(bdir, b + ".jsonl"), rel, rep, "cases"):
            if c is None:
                continue
            where = f"{rel}:{lineno}"
            if not check_case(c, b, mb, where, rep):
                continue
            cid = c.get("id")
            if isinstance(cid, str):
                if cid in ids:
                    rep.error("cases", f"{where}: id {cid} also at {ids[cid]}")
                else:
                    ids[cid] = where
            if (isinstance(c.get("body"), str) and isinstance(c.get("labels"), list)
                    and c.get("lang") in LANGS and c.get("shape") in SHAPES and c.get("escalation") in LEVELS):
                c["_where"] = where
                cases.append(c)
                per_batch[b].append(c)
    for b in sorted(meta):
        if b not in per_batch and not os.path.exists(os.path.join(bdir, b + ".jsonl")):
            rep.error("meta", f"{meta[b]['where']}: batch {b} has no batches/{b}.jsonl")

    # per-batch quality hints (warnings; the corpus-wide targets are in the table)
    for b, cs in sorted(per_batch.items()):
        mb = meta.get(b)
        if not mb or mb["author"] == MIGRATED_AUTHOR:
            continue
        n = len(cs)
        if not BATCH_MIN <= n <= BATCH_MAX:
            rep.warn("batches", f"batches/{b}.jsonl: {n} cases (spec: {BATCH_MIN}-{BATCH_MAX})")
        lg = sum(1 for c in cs if len(c["body"]) > LONG)
        bn = sum(1 for c in cs if any(x in BENIGN for x in c["labels"]))
        if 3 * lg < n:
            rep.warn("batches", f"batches/{b}.jsonl: {lg} of {n} long, under a third")
        if 10 * bn < 4 * n:
            rep.warn("batches", f"batches/{b}.jsonl: {bn} of {n} benign, under 40 %")

    # labels2: the second pass covers exactly the batch's ids
    l2dir = os.path.join(corpus, "labels2")
    l2 = sorted(f for f in os.listdir(l2dir) if f.endswith(".jsonl")) if os.path.isdir(l2dir) else []
    for f in l2:
        b = f[:-6]
        rel = f"labels2/{f}"
        if b not in batches:
            rep.error("labels2", f"{rel}: no batch {b}")
            continue
        want = [c["id"] for c in per_batch.get(b, [])]
        got = []
        for lineno, v in read_jsonl(os.path.join(l2dir, f), rel, rep, "labels2"):
            where = f"{rel}:{lineno}"
            if not isinstance(v, dict):
                if v is not None:
                    rep.error("labels2", f"{where}: not a JSON object")
                continue
            if tuple(v.keys()) != LABELS2_KEYS:
                rep.error("labels2", f"{where}: keys {list(v.keys())}, want {list(LABELS2_KEYS)}")
            got.append(v.get("id"))
            check_decision(v, where, "labels2", rep)
        dup = [i for i, k in collections.Counter(got).items() if k > 1]
        if dup:
            rep.error("labels2", f"{rel}: ids repeated: {', '.join(map(str, dup[:5]))}")
        if set(got) != set(want):
            miss = sorted(set(want) - set(got))
            extra = sorted(set(x for x in got if x is not None) - set(want))
            rep.error("labels2", f"{rel}: ids differ from batches/{b}.jsonl (missing {len(miss)}"
                                 f"{': ' + ', '.join(miss[:3]) if miss else ''}; unknown {len(extra)}"
                                 f"{': ' + ', '.join(extra[:3]) if extra else ''})")

    # resolved: the adjudication of the cases where the two passes differ
    rdir = os.path.join(corpus, "resolved")
    rs = sorted(f for f in os.listdir(rdir) if f.endswith(".jsonl")) if os.path.isdir(rdir) else []
    nresolved = 0
    for f in rs:
        b = f[:-6]
        rel = f"resolved/{f}"
        if f not in l2:
            rep.error("resolved", f"{rel}: batch {b} has no labels2/{f} (only a labelled-twice batch is resolved)")
            continue
        first = {c["id"]: c for c in per_batch.get(b, [])}
        second = {}
        for _, v in read_jsonl(os.path.join(l2dir, f), f"labels2/{f}", Report(True), "labels2"):
            if isinstance(v, dict):
                second[v.get("id")] = v
        differ = {i for i, c in first.items() if i in second and (
            set(c["labels"]) != set(second[i].get("labels") or []) or c["escalation"] != second[i].get("escalation")
            or c["flame_risk"] != second[i].get("flame_risk"))}
        got = []
        for lineno, v in read_jsonl(os.path.join(rdir, f), rel, rep, "resolved"):
            where = f"{rel}:{lineno}"
            if not isinstance(v, dict):
                if v is not None:
                    rep.error("resolved", f"{where}: not a JSON object")
                continue
            if tuple(v.keys()) != RESOLVED_KEYS:
                rep.error("resolved", f"{where}: keys {list(v.keys())}, want {list(RESOLVED_KEYS)}")
            got.append(v.get("id"))
            if v.get("id") not in differ:
                rep.error("resolved", f"{where}: {v.get('id')!r} is not a case where batches/ and labels2/ differ")
            check_decision(v, where, "resolved", rep)
            if not isinstance(v.get("note"), str) or not v.get("note", "").strip():
                rep.error("resolved", f"{where}: note must say why (non-empty string)")
        dup = [i for i, k in collections.Counter(got).items() if k > 1]
        if dup:
            rep.error("resolved", f"{rel}: ids repeated: {', '.join(map(str, dup[:5]))}")
        miss = sorted(differ - set(got))
        if miss:
            rep.error("resolved", f"{rel}: {len(miss)} disagreement(s) not resolved: {', '.join(miss[:3])}")
        nresolved += len(got)

    # near-duplicates
    t1 = time.time()
    if a.no_near_duplicates:
        pairs = []
    else:
        norm = [normalise(c["body"]) for c in cases]
        pairs = near_duplicate_pairs(norm)
    t_dup = time.time() - t1
    cross = within = 0
    for i, j, jac in sorted(pairs, key=lambda p: -p[2]):
        ci, cj = cases[i], cases[j]
        si = meta.get(ci["batch"], {}).get("split", "?")
        sj = meta.get(cj["batch"], {}).get("split", "?")
        msg = f"{ci['id']} ({ci['batch']}, {si}) ~ {cj['id']} ({cj['batch']}, {sj}): Jaccard {jac:.2f}"
        if si != sj:
            cross += 1
            rep.error("near-duplicates", "across splits: " + msg)
        else:
            within += 1
            rep.warn("near-duplicates", "same split: " + msg)

    check_guidelines(corpus, rep)
    table, unmet = counts_table(cases, meta, a.markdown)
    elapsed = time.time() - t0

    groups = [
        ("cases", f"every case is valid ({len(cases)} cases in {len(batches)} batches)"),
        ("meta", f"every batch is listed once in meta/*.tsv with a valid split ({len(meta)} lines)"),
        ("labels2", f"labels2/ files match their batches ({len(l2)} files)"),
        ("resolved", f"resolved/ files settle every disagreement of their batch ({len(rs)} files, {nresolved} cases)"),
        ("near-duplicates", "near-duplicates not searched (--no-near-duplicates)" if a.no_near_duplicates else
                            f"no near-duplicate across splits (Jaccard >= {NEAR_DUP}; "
                            f"{cross} across, {within} within a split)"),
        ("guidelines", "LABELING.md and LABELING.ja.md mention every label id and escalation level"),
    ]
    failed = False
    out = sys.stdout
    if a.tap:
        print(f"1..{len(groups) + 1}")
    for k, (g, title) in enumerate(groups, 1):
        errs = rep.errors.get(g, [])
        failed |= bool(errs)
        if a.tap:
            print(f"{'not ok' if errs else 'ok'} {k} - {title}")
        elif errs:
            print(f"FAIL: {title}", file=sys.stderr)
        for m in errs[:a.max_messages]:
            print(f"# error: {m}" if a.tap else f"error: {m}", file=out if a.tap else sys.stderr)
        if len(errs) > a.max_messages:
            print(f"# ... and {len(errs) - a.max_messages} more", file=out if a.tap else sys.stderr)
    if not a.quiet:
        for g, ws in sorted(rep.warnings.items()):
            for m in ws[:a.max_messages]:
                print(f"# warning: {m}" if a.tap else f"warning: {m}", file=out if a.tap else sys.stderr)
            if len(ws) > a.max_messages:
                print(f"# ... and {len(ws) - a.max_messages} more {g} warnings",
                      file=out if a.tap else sys.stderr)
    k = len(groups) + 1
    title = f"count targets of issue 12 ({len(unmet)} not met)"
    if a.tap:
        if unmet and a.targets:
            print(f"not ok {k} - {title}")
        elif unmet:
            print(f"not ok {k} - {title} # TODO target not met; the corpus is still growing")
        else:
            print(f"ok {k} - {title}")
    prefix = "# " if a.tap else ""
    cpu = time.process_time()
    print(prefix + f"counts ({len(cases)} cases; near-duplicate search {t_dup:.1f} s, whole check {elapsed:.1f} s"
                   f" wall, {cpu:.1f} s CPU):")
    for line in table:
        print(prefix + line)
    for u in unmet:
        print(prefix + "target not met: " + u)
    if a.targets and unmet:
        failed = True
    if not a.tap and not failed:
        print("corpus-check: ok" + (" (targets not checked: --targets)" if unmet and not a.targets else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
