#!/bin/bash
# The folders of adapter/ are the architecture (HACKING.md draws it): each
# folder is a layer, and an include may point only to its own folder or to
# one below it. This test reads every #include of the tree and fails on:
#   - a source file directly in adapter/ (each belongs to a folder);
#   - a folder without its local.mk;
#   - an include without its folder ("buf.h" instead of "base/buf.h");
#   - an include from a lower folder to a higher one, except the known
#     exceptions listed below, each with its reason (a new one fails; a
#     listed one that is gone fails too, so the list only shrinks);
#   - a connector that includes the store;
#   - a plugin that includes anything of the host (plugins see only the
#     SDK header <mamori/plugin.h> and their own files);
#   - SQL outside adapter/store/ (a sqlite3 call or header anywhere else:
#     every statement lives in the store);
# and, from the objects of the build, on two files of different folders
# that call each other.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:=.}"

# Lowest first.
LAYERS="base plugin note connector config store deliver escalation incident ingest report http daemon cli"

# Upward includes still to be removed: FILE -> HEADER   why
EXCEPTIONS='
connector/common.h -> config/tenant.h
connector/generic.c -> config/tenant.h
'
# connector -> config/tenant.h: connectors read the tenant's [helpdesk]
#   options and webhook secret; a narrow "connector view" of the tenant
#   would let config/tenant.c keep validating connector names from below.

"${PYTHON3:-python3}" - "$top_srcdir" "$top_builddir" "$LAYERS" "$EXCEPTIONS" <<'EOF'
import glob, os, re, subprocess, sys

top, build, layers, exceptions = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
rank = {d: i for i, d in enumerate(layers)}
adapter = os.path.join(top, "adapter")
allowed = {tuple(x.strip() for x in line.split("->")) for line in exceptions.strip().splitlines()}
results = []

def check(ok, what, detail=()):
    results.append((ok, what, list(detail)))

def sources(root):
    return sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "**", "*.[ch]"), recursive=True))

files = sources(adapter)
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

loose = [f for f in files if "/" not in f]
check(not loose, "every adapter source file is in a folder", loose)

folders = sorted({f.split("/")[0] for f in files})
unknown = [d for d in folders if d not in rank]
check(not unknown, "every adapter folder is a known layer", unknown)
no_mk = [d for d in folders if not os.path.exists(os.path.join(adapter, d, "local.mk"))]
check(not no_mk, "every adapter folder has its local.mk", no_mk)

bare, upward, seen, to_store = [], [], set(), []
for f in files:
    here = f.split("/")[0]
    text = open(os.path.join(adapter, f), encoding="utf-8").read()
    for inc in inc_re.findall(text):
        # The CLI links the rules engine as a library: its headers are its API.
        if inc == "config.h" or (here == "cli" and os.path.exists(os.path.join(top, "plugins", "rules", inc))):
            continue
        there = inc.split("/")[0] if "/" in inc else None
        if there is None or there not in rank or not os.path.exists(os.path.join(adapter, inc)):
            bare.append(f"{f}: {inc}")
            continue
        if here == "connector" and there == "store":
            to_store.append(f"{f} -> {inc}")
        if rank[there] > rank[here]:
            if (f, inc) in allowed:
                seen.add((f, inc))
            else:
                upward.append(f"{f} -> {inc}")
check(not bare, "every include names its folder and exists", bare)
check(not upward, "no include from a lower folder to a higher one", upward)
stale = sorted(f"{a} -> {b}" for a, b in allowed - seen)
check(not stale, "every listed exception still exists (remove fixed ones from the list)", stale)
check(not to_store, "connectors never include the store", to_store)

sql_outside = []
for f in files:
    if f.startswith("store/"):
        continue
    text = open(os.path.join(adapter, f), encoding="utf-8").read()
    for m in re.finditer(r'\bsqlite3_\w+|#\s*include\s+<sqlite3\.h>', text):
        sql_outside.append(f"{f}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}")
check(not sql_outside, "SQL only in adapter/store/ (no sqlite3 call or header elsewhere)", sql_outside)

plugin_bad = []
for root in ("plugins/rules", "plugins/example"):
    for f in sources(os.path.join(top, root)):
        text = open(os.path.join(top, root, f), encoding="utf-8").read()
        for inc in inc_re.findall(text):
            if inc == "config.h" or os.path.exists(os.path.join(top, root, os.path.dirname(f), inc)):
                continue
            plugin_bad.append(f"{root}/{f}: {inc}")
        for inc in re.findall(r'^\s*#\s*include\s+<(mamori/[^>]+)>', text, re.M):
            if inc != "mamori/plugin.h":
                plugin_bad.append(f"{root}/{f}: <{inc}>")
check(not plugin_bad, "plugins include only the SDK header and their own files", plugin_bad)

# Calls, from the build's objects: which file defines each global symbol,
# which file uses it.
objs = glob.glob(os.path.join(build, "adapter", "*", "**", ".libs", "*.o"), recursive=True)
if not objs:
    check(False, "objects of the build found (build first)", [os.path.join(build, "adapter")])
else:
    defs, uses = {}, {}
    for o in objs:
        rel = os.path.relpath(o, os.path.join(build, "adapter"))
        src = os.path.join(os.path.dirname(os.path.dirname(rel)), os.path.basename(o).split("-", 1)[-1][:-2])
        if not os.path.exists(os.path.join(adapter, src + ".c")):
            continue  # left over from a file since moved or removed
        key = src
        out = subprocess.run(["nm", "-g", o], capture_output=True, text=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBR":
                defs[p[2]] = key
            elif len(p) == 2 and p[0] == "U":
                uses.setdefault(key, set()).add(p[1])
    calls = {k: {defs[s] for s in u if s in defs and defs[s] != k} for k, u in uses.items()}
    mutual = sorted(f"{a} <-> {b}" for a, cs in calls.items() for b in cs
                    if a < b and a.split("/")[0] != b.split("/")[0] and a in calls.get(b, ()))
    check(not mutual, "no two files of different folders call each other", mutual)

print(f"1..{len(results)}")
for i, (ok, what, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    for d in detail[:40]:
        print(f"#   {d}")
EOF
