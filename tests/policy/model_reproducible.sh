#!/bin/sh
# The default policies' model is what `make policy-model` makes from the
# labelled corpus batches it lists in policy.model.batches (byte for byte;
# none of them a test batch), and both default policies pin it by its
# sha256. Retraining takes a minute or two, so the sanitizer build skips it
# (the release build runs it).
: "${top_srcdir:=.}" "${top_builddir:=.}"
if [ "${MAMORI_SANITIZERS:-no}" = yes ]; then
    echo "1..0 # SKIP retraining under AddressSanitizer is too slow; the release build checks the model"
    exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mamori-model-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
M="$top_srcdir/policies/default-ja/policy.model"
echo "1..4"
sum=$(sha256sum "$M" | cut -d' ' -f1)
n=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
check "default-ja pins its model's sha256" "grep -q '\"sha256\": \"$sum\"' '$top_srcdir/policies/default-ja/policy.json'"
check "default-en pins the same model" "grep -q '\"sha256\": \"$sum\"' '$top_srcdir/policies/default-en/policy.json'"
# From the batches the shipped model lists (policy.model.batches): the
# corpus grows between model releases.
MAMORI_MODEL_BATCHES="$M.batches" \
    "$top_srcdir/policies/corpus/train-default-model.sh" "$top_builddir/adapter/mamori" "$T/policy.model" "$top_srcdir" \
    >"$T/train.out" 2>"$T/train.err"
check "the training target runs" "test $? -eq 0"
check "the shipped model is exactly what it makes" "cmp -s '$M' '$T/policy.model'"
sed 's/^/# /' "$T/train.out" | tail -25
tail -5 "$T/train.err" | sed 's/^/# /'
