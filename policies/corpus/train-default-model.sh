#!/bin/sh
# policies/corpus/train-default-model.sh MAMORI OUT [SRCDIR]
#
# Train the default policies' model from the labelled corpus, the one way
# it is made (`make policy-model` runs it; tests/policy/model_reproducible.sh
# checks the shipped policies/default-ja/policy.model is exactly what it
# makes). Training cases: every batch whose split is "train" in
# policies/corpus/meta/*.tsv; thresholds are chosen on the "validation"
# batches; "test" batches are never read.
set -eu
MAMORI=$1
OUT=$2
SRC=${3:-$(cd "$(dirname "$0")/../.." && pwd)}
C="$SRC/policies/corpus"

train=$(sort "$C"/meta/*.tsv | awk -F'\t' -v c="$C" '$2 == "train" {print c "/batches/" $1 ".jsonl"}')
valid=$(sort "$C"/meta/*.tsv | awk -F'\t' -v c="$C" '$2 == "validation" {print "--validation " c "/batches/" $1 ".jsonl"}')
[ -n "$train" ] || { echo "no train batches in $C/meta" >&2; exit 1; }
# shellcheck disable=SC2086 # word splitting of the lists is intended
exec "$MAMORI" policy train "$SRC/policies/default-ja/policy.json" $train $valid --seed 1 -o "$OUT"
