#!/bin/sh
# policies/corpus/train-default-model.sh MAMORI OUT [SRCDIR]
#
# Train the default policies' model from the labelled corpus, the one way
# it is made (`make policy-model` runs it). Training cases: every batch
# whose split is "train" in policies/corpus/meta/*.tsv; thresholds are
# chosen on the "validation" batches; "test" batches are never read. A
# batch's adjudicated labels (resolved/BATCH.jsonl: the cases whose two
# labelling passes differ) replace the first pass's (--relabel).
#
# The batches used are written to OUT.batches (one "SPLIT BATCH" line
# each, in training order, then one "relabel BATCH" line per resolved file
# applied), shipped beside the model: the corpus grows
# between model releases, and tests/policy/model_reproducible.sh retrains
# from that list (MAMORI_MODEL_BATCHES=FILE reads it instead of the meta
# files) to check the shipped model is exactly what it makes.
set -eu
MAMORI=$1
OUT=$2
SRC=${3:-$(cd "$(dirname "$0")/../.." && pwd)}
C="$SRC/policies/corpus"

if [ -n "${MAMORI_MODEL_BATCHES:-}" ]; then
    list=$(cat "$MAMORI_MODEL_BATCHES")
    # A batch the list trains on must still be a train or validation batch:
    # a test batch is never trained on, whatever a list says.
    for b in $(echo "$list" | awk '{print $2}'); do
        split=$(cat "$C"/meta/*.tsv | awk -F'\t' -v b="$b" '$1 == b {print $2}')
        case $split in
        train | validation) ;;
        *) echo "$MAMORI_MODEL_BATCHES: batch $b is not a train or validation batch of the corpus (split: ${split:-none})" >&2; exit 1 ;;
        esac
    done
else
    list=$(sort "$C"/meta/*.tsv | awk -F'\t' '$2 == "train" {print "train " $1}'
        sort "$C"/meta/*.tsv | awk -F'\t' '$2 == "validation" {print "validation " $1}')
    for b in $(echo "$list" | awk '{print $2}'); do
        if [ -f "$C/resolved/$b.jsonl" ]; then
            list="$list
relabel $b"
        fi
    done
fi
train=$(echo "$list" | awk -v c="$C" '$1 == "train" {print c "/batches/" $2 ".jsonl"}')
valid=$(echo "$list" | awk -v c="$C" '$1 == "validation" {print "--validation " c "/batches/" $2 ".jsonl"}')
relabel=$(echo "$list" | awk -v c="$C" '$1 == "relabel" {print "--relabel " c "/resolved/" $2 ".jsonl"}')
[ -n "$train" ] || { echo "no train batches in $C/meta" >&2; exit 1; }
[ -n "${MAMORI_MODEL_BATCHES:-}" ] || echo "$list" > "$OUT.batches"
# --min-df 3: features seen in fewer than three cases are left out. On the
# 1.5.0 corpus this made the same validation figures as 2 (macro-F1 0.862
# both) with a 37 MB model instead of 48 MB (every webhook reads it).
# shellcheck disable=SC2086 # word splitting of the lists is intended
exec "$MAMORI" policy train "$SRC/policies/default-ja/policy.json" $train $valid $relabel --seed 1 --min-df 3 -o "$OUT"
