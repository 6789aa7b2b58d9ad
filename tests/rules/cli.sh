#!/bin/sh
# tests/rules/cli.sh -- the lawyer's and admin's commands end to end:
# mamori policy lint|test|explain|sign|verify|keygen and mamori annotate.
# TAP output for automake's tap-driver.

: "${top_srcdir:=.}" "${top_builddir:=.}"
MAMORI="$top_builddir/adapter/mamori"
R="$top_srcdir/tests/rules"
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cli-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
    d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
has() { grep -F -q -- "$1" "$2"; }

echo "1..79"

# lint
"$MAMORI" policy lint "$R/lint/errors.json" >"$T/lint.out" 2>&1
check "lint: exit 1 on errors" test $? -eq 1
check "lint: FILE:LINE:COL: error: message -- hint" \
    has 'errors.json:8:83: error: unknown key "treshold" in a category -- did you mean "threshold"?' "$T/lint.out"
check "lint: counts" has "9 errors, 0 warnings" "$T/lint.out"
"$MAMORI" policy lint "$R/lint/warnings.json" >"$T/lint2.out" 2>&1
check "lint: warnings only: exit 0" test $? -eq 0
check "lint: warning for an unused list" \
    has 'warnings.json:8:5: warning: lexicon list "unused" is not used' "$T/lint2.out"

# annotate
"$MAMORI" annotate --policy "$R/basic/policy.json" --jsonl "$R/basic/cases.jsonl" >"$T/ann.out" 2>"$T/ann.err"
check "annotate: exit 0" test $? -eq 0
check "annotate: the stable line shape of FORMAT.md" \
    has '{"id": "b-1", "categories": ["verbal_abuse"], "escalate": false, "flame_risk": false, "severity": "medium", "escalation_level": "none", "flame_level": "none", "scores": {"verbal_abuse": 1.0}}' "$T/ann.out"
{
    echo '{"id": "z-1", "channel": "chat", "body": "ころすぞ"}'
    echo 'not json'
    echo ''
    echo '{"id": "z-3", "channel": "email", "body": "ありがとう"}'
} >"$T/in.jsonl"
"$MAMORI" annotate --policy "$R/basic/policy.json" --jsonl - <"$T/in.jsonl" >"$T/ann2.out" 2>&1
check "annotate: a bad line makes the exit status 1" test $? -eq 1
check "annotate: one output line per case, in input order" \
    test "$(sed -n 's/^{"id": \([^,]*\),.*/\1/p' "$T/ann2.out" | tr '\n' ' ')" = '"z-1" null "z-3" '
check "annotate: the bad line is reported in place" has '"error": "line 2: not JSON' "$T/ann2.out"
echo '{"id": "z-9", "body": "x", "labels": [1]}' | "$MAMORI" annotate --policy "$R/basic/policy.json" --jsonl - >"$T/ann5.out" 2>&1
check "annotate: a case whose labels are not strings is reported in place (exit 1)" \
    sh -c "test $? -eq 1 && grep -q 'line 1 (z-9): labels must be strings' '$T/ann5.out'"
check "annotate: nothing fired is [\"none\"]" \
    has '{"id": "z-3", "categories": ["none"], "escalate": false, "flame_risk": false, "severity": "none"' "$T/ann2.out"

# A veto cancels the rules' score (-inf) while the model still fires the
# category: the line must still come out, with finite scores (this once
# killed annotate with "out of memory", and the daemon at the note stage).
echo '{"id": "veto-model", "channel": "web", "body": "昨日ニュースで見た、店員さんが客に殴られた事件、御社の店舗ではないですよね？近所なので心配です。"}' |
    "$MAMORI" annotate --policy "$top_srcdir/policies/default-ja/policy.json" --jsonl - >"$T/ann3.out" 2>&1
check "annotate: a vetoed category the model fires: exit 0" test $? -eq 0
check "annotate: ... and a line whose scores are finite numbers" \
    sh -c "grep -q '^{\"id\": \"veto-model\"' '$T/ann3.out' && ! grep -q -i 'inf\|nan' '$T/ann3.out'"
"$MAMORI" annotate --plugin-dir "$T/no-such-dir" --policy "$R/basic/policy.json" --jsonl "$R/basic/cases.jsonl" \
    >"$T/ann4.out" 2>&1
check "annotate: no rules plugin in --plugin-dir: exit 1 naming the path" \
    sh -c "test $? -eq 1 && grep -q 'cannot load the rules plugin.*no-such-dir/rules.so' '$T/ann4.out'"

# test
"$MAMORI" policy test "$R/basic/policy.json" >"$T/test.out" 2>&1
check "test: the policy's own tests pass its quality thresholds" test $? -eq 0
check "test: reports macro-F1 and the benign false-positive rate" \
    sh -c "grep -q 'macro-F1' '$T/test.out' && grep -q 'benign false-positive rate' '$T/test.out'"
{
    echo '{"id": "t-1", "lang": "ja", "channel": "email", "subject": "", "body": "ありがとうございました", "labels": ["threat"], "escalate": true, "flame_risk": false}'
    echo '{"id": "t-2", "lang": "ja", "channel": "email", "subject": "", "body": "このばか", "labels": ["legitimate_complaint"], "escalate": false, "flame_risk": false}'
} >"$T/cases.jsonl"
"$MAMORI" policy test "$R/basic/policy.json" "$T/cases.jsonl" >"$T/test2.out" 2>&1
check "test: exit 1 below the quality thresholds" test $? -eq 1
check "test: a failing case shows expected vs got" \
    has 'FAIL t-2 (line 2, email): expected [legitimate_complaint], got [verbal_abuse]' "$T/test2.out"
check "test: ... and the rule and quote behind it" has 'rule abuse.words (+1) "ばか" body[6..12)' "$T/test2.out"
check "test: thresholds are shown" has "BELOW THRESHOLD" "$T/test2.out"
"$MAMORI" policy test "$R/basic/policy.json" "$T/cases.jsonl" --json >"$T/test3.out" 2>&1
check "test --json: machine-readable result" has '"passed": false' "$T/test3.out"
# Issue 14: a category without cases has no recall (and one never predicted
# no precision): n/a as FORMAT.md says, not 0.000.
check "test: a category with neither cases nor predictions prints n/a, not 0.000" \
    sh -c "awk '\$1 == \"sns_defamation\" { f = 1; if (\$6 != \"n/a\" || \$7 != \"n/a\" || \$8 != \"n/a\") bad = 1 } END { exit bad || !f }' '$T/test2.out'"
check "test: predicted without cases: precision 0.000, recall n/a" \
    sh -c "awk '\$1 == \"verbal_abuse\" { f = 1; if (\$6 != \"0.000\" || \$7 != \"n/a\" || \$8 != \"0.000\") bad = 1 } END { exit bad || !f }' '$T/test2.out'"
check "test --json: n/a is null" \
    python3 -c "import json,sys; c = json.load(open(sys.argv[1]))['categories']; sys.exit(not (c['sns_defamation']['recall'] is None and c['sns_defamation']['precision'] is None and c['sns_defamation']['f1'] is None and c['verbal_abuse']['precision'] == 0 and c['verbal_abuse']['recall'] is None))" "$T/test3.out"

# explain
"$MAMORI" policy explain "$R/basic/policy.json" --channel chat --text "おまえ　ほんと使えねーな。し　ね" >"$T/ex.out" 2>&1
check "explain: the normalized text" has "normalized: おまえほんと使えねーな。しね" "$T/ex.out"
check "explain: the match, its bytes and what the rule did with it" \
    sh -c "grep -q 'body bytes \[39..48) \"し　ね\"' '$T/ex.out' && grep -q 'rule abuse.shine via @shine_ja (verbal_abuse +1): counted' '$T/ex.out'"
# Issue 14: "+1" beside a match reads as points; only a rule that fired adds them.
"$MAMORI" policy explain "$R/basic/policy.json" --channel email --text "ネットで見ました。このばか" >"$T/ex2.out" 2>&1
check "explain: a rule that did not fire shows no weight beside its match" \
    sh -c "grep -q 'rule sns.post via .*ネット.* (sns_defamation): matched, but the rule did not fire' '$T/ex2.out' && ! grep -q 'rule sns.post via .*+1' '$T/ex2.out'"
check "explain: ... nor \"counted\"; a rule that fired still does" \
    sh -c "! grep -q 'rule sns.post via .*counted' '$T/ex2.out' && grep -q 'rule abuse.words via .* (verbal_abuse +1): counted' '$T/ex2.out'"
"$MAMORI" policy explain "$R/basic/policy.json" --channel email --text "ふざけないでください" >"$T/ex3.out" 2>&1
check "explain: a match of a \"not\" says it kept the rule from firing" \
    sh -c "grep -q 'rule abuse.not_polite via .*(verbal_abuse): matched an exception' '$T/ex3.out' && ! grep -q 'abuse.not_polite via .*+1' '$T/ex3.out'"

# keygen, sign, verify
"$MAMORI" policy keygen "$T/firm.pem" >/dev/null 2>&1
check "keygen: private key mode 0600" test "$(stat -c %a "$T/firm.pem")" = 600
cp "$R/basic/policy.json" "$T/policy.json"
"$MAMORI" policy sign --key "$T/firm.pem" "$T/policy.json" >/dev/null 2>&1 &&
    "$MAMORI" policy verify --pubkey "$T/firm.pem.pub" "$T/policy.json" >"$T/ver.out" 2>&1
check "sign + verify: OK" has "OK: every file" "$T/ver.out"
echo " " >>"$T/policy.json"
"$MAMORI" policy verify --pubkey "$T/firm.pem.pub" "$T/policy.json" >"$T/ver2.out" 2>&1
check "verify: a changed file fails (exit 1)" test $? -eq 1
SO="$top_builddir/plugins/rules/.libs/rules.so"
if command -v nm >/dev/null 2>&1 && [ -f "$SO" ]; then
    check "rules.so exports only mamori_plugin_entry_v1 (nm -D)" \
        test "$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | tr '\n' ' ')" = "mamori_plugin_entry_v1 "
else
    n=$((n + 1))
    echo "ok $n - # SKIP nm or rules.so not available"
fi
# vetoes (engine 1.2): "cancels" in lint, explain and test
"$MAMORI" policy lint "$R/lint/veto.json" >"$T/lintv.out" 2>&1
check "lint veto: exit 1 on errors" test $? -eq 1
check "lint veto: an unknown cancelled category, positioned, with the nearest id" \
    has 'veto.json:13:47: error: rule veto.typo: cancels unknown category "verbal_abuze" -- did you mean "verbal_abuse"?' "$T/lintv.out"
check "lint veto: category, weight or escalation next to cancels" \
    sh -c "grep -q 'rule veto.both: \"weight\" cannot be used with \"cancels\"' '$T/lintv.out' && grep -q 'rule veto.raise: \"escalation\" cannot be used' '$T/lintv.out'"
check "lint veto: a category cancelled twice is a warning" has 'warning: rule veto.twice: category "threat" is cancelled twice' "$T/lintv.out"
BYSTANDER="別のお客が店員さんに「ばか、ころすぞ」と叫んでいました。店員さんは大丈夫でしたか。"
"$MAMORI" policy explain "$R/veto/policy.json" --channel email --text "$BYSTANDER" >"$T/exv.out" 2>&1
check "explain veto: the veto, per cancelled category, with its evidence and why" \
    sh -c "grep -q '^  veto.bystander -> threat -inf \"別のお客\" \"大丈夫でしたか\"' '$T/exv.out' && grep -q '^  veto.bystander -> verbal_abuse -inf' '$T/exv.out' && grep -q '他の客の言動の報告' '$T/exv.out'"
check "explain veto: the cancelled categories (score -inf) and the result" \
    sh -c "grep -q 'threat *score -inf / threshold 1  below threshold' '$T/exv.out' && grep -q '\"categories\": \[\"none\"\]' '$T/exv.out'"
"$MAMORI" policy explain "$R/veto/policy.json" --channel phone_note --text "$BYSTANDER" >"$T/exv2.out" 2>&1
check "explain veto: not on a staff note (the veto's channels)" \
    sh -c "! grep -q 'veto.bystander ->' '$T/exv2.out' && grep -q 'threat *score 1 / threshold 1  FIRED' '$T/exv2.out'"
"$MAMORI" policy test "$R/veto/policy.json" >"$T/testv.out" 2>&1
check "test veto: the veto policy passes its own cases" test $? -eq 0

# train: the model from the policy's own cases; the same cases give the same bytes
P="$top_srcdir/policies/default-ja/policy.json"
"$MAMORI" policy train "$P" -o "$T/m1.model" >"$T/train1.out" 2>"$T/train1.err"
check "train: exit 0 and a model file" sh -c "test $? -eq 0 && test -s '$T/m1.model'"
"$MAMORI" policy train "$P" -o "$T/m2.model" >/dev/null 2>&1
check "train: the same cases give a byte-identical model" cmp -s "$T/m1.model" "$T/m2.model"
sum=$(sha256sum "$T/m1.model" | cut -d' ' -f1)
check "train: the summary gives the label count and the model file's own sha256" \
    sh -c "grep -q '16 labels' '$T/train1.out' && grep -q 'sha256 $sum' '$T/train1.out'"
"$MAMORI" policy train "$P" >/dev/null 2>"$T/train3.err"
check "train: without -o (and without --cv) a usage error" test $? -eq 2

# train --relabel: replacing labels by id is the same as training on the edited cases
head -n 40 "$top_srcdir/policies/corpus/batches/migrated-policy-default-ja.jsonl" >"$T/rl.jsonl"
python3 - "$T/rl.jsonl" "$T/rl-edited.jsonl" "$T/rl-resolved.jsonl" <<'PY'
import json, sys
cases = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
res = open(sys.argv[3], "w", encoding="utf-8")
for c in cases[:5]:
    new = ["none"] if c["labels"] != ["none"] else ["verbal_abuse"]
    esc = not c.get("escalate", False)
    res.write(json.dumps({"id": c["id"], "labels": new, "escalation": "lawyer" if esc else "none",
                          "flame_risk": True, "note": "test"}, ensure_ascii=False) + "\n")
    c["labels"], c["escalate"], c["flame_risk"] = new, esc, True
    c.pop("escalation", None)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
PY
"$MAMORI" policy train "$P" "$T/rl.jsonl" --relabel "$T/rl-resolved.jsonl" --c 2 -o "$T/rl1.model" >/dev/null 2>"$T/rl1.err"
check "train --relabel: exit 0, the relabelled count on standard error" \
    sh -c "test $? -eq 0 && grep -q 'rl-resolved.jsonl: 5 cases relabelled' '$T/rl1.err'"
"$MAMORI" policy train "$P" "$T/rl-edited.jsonl" --c 2 -o "$T/rl2.model" >/dev/null 2>&1
"$MAMORI" policy train "$P" "$T/rl.jsonl" --c 2 -o "$T/rl3.model" >/dev/null 2>&1
check "train --relabel: the same model as training on the edited cases, not the unedited" \
    sh -c "cmp -s '$T/rl1.model' '$T/rl2.model' && ! cmp -s '$T/rl1.model' '$T/rl3.model'"
printf '{"id": "no-such-case", "labels": ["threat"]}\n' >"$T/rl-bad.jsonl"
"$MAMORI" policy train "$P" "$T/rl.jsonl" --relabel "$T/rl-bad.jsonl" -o "$T/rl4.model" >/dev/null 2>"$T/rl4.err"
check "train --relabel: an id not among the cases: exit 1 naming FILE:LINE and the id, no model" \
    sh -c "test $? -eq 1 && grep -q 'rl-bad.jsonl:1: no case no-such-case among the cases' '$T/rl4.err' && test ! -e '$T/rl4.model'"
printf '{"id": "%s", "escalation": "sheriff"}\n' "$(head -n 1 "$T/rl.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" >"$T/rl-bad2.jsonl"
"$MAMORI" policy train "$P" "$T/rl.jsonl" --relabel "$T/rl-bad2.jsonl" -o "$T/rl5.model" >/dev/null 2>"$T/rl5.err"
check "train --relabel: a bad escalation level: exit 1 saying which are allowed" \
    sh -c "test $? -eq 1 && grep -q 'rl-bad2.jsonl:1: escalation must be one of none, supervisor' '$T/rl5.err'"

# train --cv K --cv-report FILE: a company's own cases, cross-validated alone
head -n 30 "$top_srcdir/policies/corpus/batches/w1-ja-email-01.jsonl" >"$T/company.jsonl"
"$MAMORI" policy train "$P" "$T/rl.jsonl" "$T/company.jsonl" --c 2 --cv 3 --cv-report "$T/company.jsonl" --quiet >"$T/cv.out" 2>&1
check "train --cv-report: exit 0, the overall figures, then those of the 30 company cases" \
    sh -c "test $? -eq 0 && grep -q '70 cases, 3-fold cross-validation' '$T/cv.out' && grep -q 'cross-validated figures of the 30 cases of $T/company.jsonl' '$T/cv.out'"
# policy test --cv K: the same figures for the lawyer's cases under the name a lawyer looks for
"$MAMORI" policy test "$P" "$T/company.jsonl" --cv 3 --train "$T/rl.jsonl" --c 2 --quiet >"$T/cvt.out" 2>&1
check "policy test --cv 3 --train: exit 0 and exactly train --cv-report's figures of the company's cases" \
    sh -c "test $? -eq 0 && grep -q '3-fold cross-validated figures of $T/company.jsonl' '$T/cvt.out' && \
           sed -n '/^cross-validated figures of the 30 cases/,\$p' '$T/cv.out' >'$T/cv.a' && \
           sed -n '/^cross-validated figures of the 30 cases/,\$p' '$T/cvt.out' >'$T/cv.b' && \
           test -s '$T/cv.a' && cmp -s '$T/cv.a' '$T/cv.b'"
"$MAMORI" policy test "$P" "$T/company.jsonl" --train "$T/rl.jsonl" >/dev/null 2>"$T/cvt2.err"
check "policy test --train without --cv: a usage error (exit 2)" \
    sh -c "test $? -eq 2 && grep -q 'need --cv K' '$T/cvt2.err'"
"$MAMORI" policy train "$P" "$T/rl.jsonl" --cv-report "$T/rl.jsonl" -o "$T/cv.model" >/dev/null 2>"$T/cv2.err"
check "train --cv-report without --cv: a usage error (exit 2)" \
    sh -c "test $? -eq 2 && grep -q 'needs --cv' '$T/cv2.err'"

# train replaces the policy's model, so it does not read it: a stale or broken
# model (here: not a model at all) stops lint, not training
mkdir -p "$T/stale"
printf 'not a model\n' >"$T/stale/policy.model"
stale_sum=$(sha256sum "$T/stale/policy.model" | cut -d' ' -f1)
sed "s/\"sha256\": \"[0-9a-f]*\"/\"sha256\": \"$stale_sum\"/" "$P" >"$T/stale/policy.json"
"$MAMORI" policy lint "$T/stale/policy.json" >"$T/stale-lint.out" 2>&1
check "a policy whose model is broken fails lint naming the model" \
    sh -c "test $? -eq 1 && grep -q 'not a mamori model file' '$T/stale-lint.out'"
"$MAMORI" policy train "$T/stale/policy.json" "$T/rl.jsonl" --c 2 -o "$T/stale/new.model" >/dev/null 2>"$T/stale-train.err"
check "... and policy train makes a new model for it all the same" \
    sh -c "test $? -eq 0 && test -s '$T/stale/new.model'"

# Issue 14: lint speaks about the file the lawyer wrote. A company policy
# that extends the shipped default gets only findings about its own
# directory, plus one line counting the default's warnings.
RET="$top_srcdir/policies/examples/retailer"
"$MAMORI" policy lint "$RET/policy.json" >"$T/lint-ret.out" 2>&1
check "lint retailer: exit 0" test $? -eq 0
check "lint retailer: every finding is about policies/examples/retailer/" \
    sh -c "! grep -E ': (warning|error): ' '$T/lint-ret.out' | grep -v -F '$RET/'"
check "lint retailer: one line counts the inherited warnings, names the file, says --all" \
    test "$(grep -c -E '^[0-9]+ warnings? in inherited files \((.*/)?policies/default-ja/policy.json\); --all shows them$' "$T/lint-ret.out")" = 1
check "lint retailer: the inherited file's path is tidied (no ../..)" \
    sh -c "! grep -q 'retailer/\.\./' '$T/lint-ret.out'"
"$MAMORI" policy lint --all "$RET/policy.json" >"$T/lint-ret-all.out" 2>&1
check "lint --all: the default's warnings, positioned, and no summary line" \
    sh -c "grep -q -E '^(.*/)?policies/default-ja/policy.json:[0-9]+:[0-9]+: warning: ' '$T/lint-ret-all.out' && ! grep -q 'inherited files' '$T/lint-ret-all.out'"
check "lint --all: the count line counts them" \
    sh -c "n=\$(grep -c ': warning: ' '$T/lint-ret-all.out'); grep -q \"^0 errors, \$n warnings\$\" '$T/lint-ret-all.out'"
# A category without a test case is about the company's tests file, so the
# warning points at its "tests" member, not at default-ja's category.
ABS=$(cd "$top_srcdir" && pwd)
mkdir -p "$T/co"
sed "s#\"extends\": \"[^\"]*\"#\"extends\": \"$ABS/policies/default-ja/policy.json\"#" "$RET/policy.json" >"$T/co/policy.json"
head -n 2 "$RET/tests.jsonl" >"$T/co/tests.jsonl"
"$MAMORI" policy lint "$T/co/policy.json" >"$T/lint-co.out" 2>&1
tline=$(grep -n '"tests":' "$T/co/policy.json" | head -n 1 | cut -d: -f1)
check "lint: \"no test case\" points at the company's \"tests\" member" \
    sh -c "grep -q '^$T/co/policy.json:$tline:[0-9]*: warning: category coercion has no test case in ' '$T/lint-co.out' && ! grep 'has no test case' '$T/lint-co.out' | grep -q default-ja"

# ... but a warning in the parent that this policy causes (its benign
# phrase masks a parent rule) is shown, says so, and is printed like a
# compiler's primary location at the entry of the company's that causes it
# (here "訴える", line 2 column 21), with where it shows in the parent.
printf '{"mamori_policy": 1, "id": "co", "version": "1", "extends": "%s/tests/rules/basic/policy.json",\n "benign": ["しぬほど", "訴える"]}\n' "$ABS" >"$T/co-basic.json"
"$MAMORI" policy lint "$T/co-basic.json" >"$T/lint-cob.out" 2>&1
check "lint: a parent warning caused by the company's changes is shown at the company's entry that causes it, with where it shows in the parent" \
    sh -c "grep -q '^$T/co-basic.json:2:21: warning: rule threat.sue can never match.*(shows at .*basic/policy.json:72:[0-9]*, an inherited file, because of this policy.s changes)' '$T/lint-cob.out' && grep -q '^[0-9]* warnings in inherited files' '$T/lint-cob.out' && ! grep -q 'abuse_ja\|\"かす\" is two kana' '$T/lint-cob.out'"
check "lint: ... and its hint is about that entry: drop or narrow it, or override the rule by id" \
    sh -c "grep 'rule threat.sue can never match' '$T/lint-cob.out' | grep -q -F -- '-- drop or narrow this entry, or override the rule by id: {\"id\": \"threat.sue\", \"match\": ...}' && ! grep 'rule threat.sue can never match' '$T/lint-cob.out' | grep -q 'fix the match'"
# The lawyer's lexicon_add entry "訴えてやる" (line 8, column 19) joins the
# parent's benign list "@benign_ja" and so masks the parent's rule
# threat.sue, whose match is at the parent's line 21, column 72.
"$MAMORI" policy lint "$R/caused/lexicon_add.json" >"$T/lint-cla.out" 2>&1
check "lint: a parent rule masked by the company's lexicon_add entry is reported at that entry's line and column" \
    sh -c "test \$(grep -c ': warning: rule threat.sue' '$T/lint-cla.out') = 1 && grep -q '^$R/caused/lexicon_add.json:8:19: warning: rule threat.sue can never match: every phrase of it is also a benign look-alike.* (shows at [^ ]*tests/rules/caused/parent.json:21:72, an inherited file, because of this policy.s changes) -- drop or narrow this entry' '$T/lint-cla.out'"
# Overrides by id: "unless" on threat.kill masks its only phrase (the
# unless entry, line 7 column 38), and a "match" that uses the parent's
# list "@short_ja" alone (line 9 column 15) makes its two-kana phrase
# "くず" (the parent's line 10, column 18) fire by itself.
"$MAMORI" policy lint "$R/caused/override.json" >"$T/lint-cov.out" 2>&1
check "lint: a parent rule masked by the company's override is reported at the override's unless entry" \
    sh -c "grep -q '^$R/caused/override.json:7:38: warning: rule threat.kill can never match: every phrase .* (shows at [^ ]*tests/rules/caused/parent.json:22:73, an inherited file, ' '$T/lint-cov.out'"
check "lint: a parent phrase made unsafe by the company's override is reported at the override's \"@list\"" \
    sh -c "grep -q '^$R/caused/override.json:9:15: warning: phrase \"くず\" is two kana and fires its rule .* (shows at [^ ]*tests/rules/caused/parent.json:10:18, an inherited file, ' '$T/lint-cov.out'"
# ... and a "weight" lowered by the override (line 10, column 16) leaves
# the parent's category abuse (line 16, column 12) below its threshold.
check "lint: a parent category that can no longer fire is reported at the override's lowered weight" \
    sh -c "grep -q '^$R/caused/override.json:10:16: warning: category abuse can never fire: .* (shows at [^ ]*tests/rules/caused/parent.json:16:12, an inherited file, .* -- change or drop this entry, or: raise rule weights or lower the threshold\$' '$T/lint-cov.out'"
check "lint: the company's findings are printed top to bottom of its file, then the counts" \
    sh -c "grep -o '^$R/caused/override.json:[0-9]*:[0-9]*' '$T/lint-cov.out' | tr '\\n' ' ' | grep -q -x '$R/caused/override.json:1:1 $R/caused/override.json:7:38 $R/caused/override.json:9:15 $R/caused/override.json:10:16 ' && grep -q '^0 errors, 4 warnings\$' '$T/lint-cov.out'"
# A rule removed by id (line 7, column 5) leaves the parent's list
# short_ja unused and its category abuse without rules.
"$MAMORI" policy lint "$R/caused/remove.json" >"$T/lint-crm.out" 2>&1
check "lint: a parent list and category emptied by the company's \"remove\" are reported at that entry" \
    sh -c "grep -q '^$R/caused/remove.json:7:5: warning: lexicon list \"short_ja\" is not used (shows at [^ ]*tests/rules/caused/parent.json:10:5, ' '$T/lint-crm.out' && grep -q '^$R/caused/remove.json:7:5: warning: category abuse has no rules, so it can never fire (shows at [^ ]*tests/rules/caused/parent.json:16:12, ' '$T/lint-crm.out'"
"$MAMORI" policy lint --all "$R/caused/override.json" >"$T/lint-cov-all.out" 2>&1
check "lint --all: the same findings at the parent's lines, as the parent's" \
    sh -c "grep -q '^[^ ]*tests/rules/caused/parent.json:10:18: warning: phrase \"くず\" is two kana' '$T/lint-cov-all.out' && grep -q '^[^ ]*tests/rules/caused/parent.json:22:73: warning: rule threat.kill' '$T/lint-cov-all.out'"

# Issue 14: policy lists -- the lexicon lists and where they are used.
"$MAMORI" policy lists "$top_srcdir/policies/default-ja/policy.json" >"$T/lists.out" 2>&1
check "lists: exit 0, one line per list after the two header lines" \
    sh -c "test $? -eq 0 && test \$(grep -c -v '^#' '$T/lists.out') -ge 100 && grep -q '^concern  *[0-9][0-9]*  veto.bystander' '$T/lists.out'"
awk '/^<!-- END mamori policy lists/ { f = 0 } f && !/^```/ { print } /^<!-- BEGIN mamori policy lists/ { f = 1 }' \
    "$top_srcdir/policies/FORMAT.md" >"$T/lists.doc"
check "lists: FORMAT.md's catalogue of default-ja's lists is what the command prints (make update-format-lists)" \
    cmp -s "$T/lists.out" "$T/lists.doc"
"$MAMORI" policy lists "$RET/policy.json" issue_ja >"$T/list1.out" 2>&1
check "lists NAME: the entries as merged, the company's lexicon_add included, and the rules using it" \
    sh -c "test $? -eq 0 && grep -q '^  壊れ\$' '$T/list1.out' && grep -q '^+ 賞味期限が切れ\$' '$T/list1.out' && grep -q '^used by [0-9]*:' '$T/list1.out' && grep -q '^  complaint.issue\$' '$T/list1.out'"
check "lists NAME: exactly the company's lexicon_add entries are marked +, and the header counts them" \
    sh -c "test \$(grep -c '^+ ' '$T/list1.out') = 6 && grep -q '^lexicon list \"issue_ja\" of .*, 6 added by this policy.s \"lexicon_add\" (marked +)\$' '$T/list1.out' && ! grep -q '^+ 壊れ' '$T/list1.out'"
"$MAMORI" policy lists "$top_srcdir/policies/default-ja/policy.json" issue_ja >"$T/list0.out" 2>&1
check "lists NAME: a policy without parents marks nothing" \
    sh -c "! grep -q '^+ ' '$T/list0.out' && ! grep -q 'lexicon_add' '$T/list0.out'"
"$MAMORI" policy lists "$RET/policy.json" no_such_list >/dev/null 2>"$T/list2.err"
check "lists NAME: an unknown list is exit 1, naming it" \
    sh -c "test $? -eq 1 && grep -q 'no lexicon list \"no_such_list\"' '$T/list2.err'"

"$MAMORI" policy frobnicate >/dev/null 2>&1
check "an unknown policy command is a usage error (exit 2)" test $? -eq 2

test $fails -eq 0
