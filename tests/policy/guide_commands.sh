#!/bin/bash
# tests/policy/guide_commands.sh -- every command of the policy guide runs
# as written.
#
# The guide (policies/README.ja.md, and policies/README.md) marks the
# commands a lawyer runs with fenced blocks tagged `sh`; this test extracts
# them and runs each block, in order, with `bash -e -o pipefail` in one
# working directory per file, against the build: `mamori` on PATH is the built one
# (plugins from MAMORI_PLUGIN_DIR) and POLICIES is a directory laid out like
# the installed policies (policies/local.mk). A block that fails fails the
# test, with its output. Blocks tagged `sh-quickstart` (the quick start:
# tests/packaging/quickstart.sh covers --policy and reload) and `sh-server`
# (root on the server; packaging/debian/tests/smoke runs them on the
# installed package after this guide's `sh` blocks) are not run here; a
# fenced block that is none of these and has a line starting with `mamori `
# fails too: an untagged command would escape every test.
# TAP output.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
PY=${PYTHON3:-python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-guide.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
S=$top_srcdir/policies

# The installed layout of the policies ($(policydir), policies/local.mk).
P=$T/share/mamori/policies
mkdir -p "$P/default-ja" "$P/default-en" "$P/corpus/batches" "$T/bin"
cp "$S/FORMAT.md" "$S/README.md" "$S/README.ja.md" "$P/"
cp "$S/default-ja/policy.json" "$S/default-ja/policy.model" "$P/default-ja/"
cp "$S/default-en/policy.json" "$P/default-en/"
cp "$S/corpus/batches/migrated-policy-default-ja.jsonl" "$S/corpus/batches/migrated-policy-default-en.jsonl" "$P/corpus/batches/"
for d in "$S"/examples/*/; do
	e=$(basename "$d")
	mkdir -p "$P/examples/$e"
	cp "$d/policy.json" "$d/tests.jsonl" "$P/examples/$e/"
done

abs_builddir=$(cd "$top_builddir" && pwd)
printf '#!/bin/sh\nexec "%s" "$@"\n' "$abs_builddir/adapter/mamori" >"$T/bin/mamori"
chmod 755 "$T/bin/mamori"
export PATH="$T/bin:$PATH"
export POLICIES="$P"
export MAMORI_PLUGIN_DIR=${MAMORI_PLUGIN_DIR:-$abs_builddir/plugins/rules/.libs}

# Extract: one file per sh block (T/blocks/FILE-N.sh, with its first line
# as the name), and one line per untagged command block (T/untagged).
mkdir -p "$T/blocks"
"$PY" - "$T/blocks" "$T/untagged" "$S/README.ja.md" "$S/README.md" <<'PY' || { echo "Bail out! extraction failed"; exit 1; }
import os, re, sys
out, untagged = sys.argv[1], sys.argv[2]
bad = []
for path in sys.argv[3:]:
    name = os.path.basename(path)
    lines = open(path, encoding="utf-8").read().split("\n")
    n, i = 0, 0
    while i < len(lines):
        m = re.match(r"^(`{3,})(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        fence, tag, start = m.group(1), m.group(2), i + 1
        j = start
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        body = lines[start:j]
        if tag == "sh":
            n += 1
            with open(os.path.join(out, "%s-%02d.sh" % (name, n)), "w", encoding="utf-8") as f:
                f.write("# %s line %d\n" % (name, start) + "\n".join(body) + "\n")
        elif tag not in ("sh-server", "sh-quickstart") and any(re.match(r"^\s*(\$ )?mamori ", l) for l in body):
            bad.append("%s line %d: a block with mamori commands is tagged %r, not sh (or sh-server, sh-quickstart)" % (name, start, tag))
        i = j + 1
open(untagged, "w", encoding="utf-8").write("".join(b + "\n" for b in bad))
PY

nblocks=$(ls "$T/blocks" | wc -l)
nbad=$(grep -c . "$T/untagged")
[ "$nblocks" -gt 0 ] || { echo "Bail out! no sh blocks in the guide"; exit 1; }
echo "1..$((nblocks + nbad + 1))"
t=0
fail=0
while IFS= read -r line; do
	t=$((t + 1)); fail=1; echo "not ok $t - $line"
done <"$T/untagged"
for b in $(ls "$T/blocks" | sort); do
	t=$((t + 1))
	where=$(head -n 1 "$T/blocks/$b" | sed 's/^# //')
	first=$(sed -n '2{s/^ *//;p}' "$T/blocks/$b" | cut -c1-70)
	w=$T/work/${b%-*}
	mkdir -p "$w"
	if (cd "$w" && bash -e -o pipefail "$T/blocks/$b") >"$T/out" 2>&1; then
		echo "ok $t - $where: $first"
	else
		fail=1
		echo "not ok $t - $where: $first"
		sed 's/^/#   /' "$T/blocks/$b"
		echo "# output:"
		tail -n 30 "$T/out" | sed 's/^/# /'
	fi
done
t=$((t + 1))
# The guide's worked example is the shipped restaurant policy.
if [ -f "$T/work/README.ja.md/policies/examples/himawari/policy.json.sig" ]; then
	echo "ok $t - the guide's steps signed the worked example"
else
	echo "not ok $t - the guide's steps signed the worked example"
fi
exit 0
