#!/usr/bin/env bash
# Regenerates the results documents the article cites (www/figures/<name>.json) with the CLI, and
# www/figures/manifest.json: for each figure, the exact command that made it, its wall time and the
# machine's load while it ran.
#   make figures                  every figure (39.6 min of runs on 2 otherwise idle cores, 2026-12-02,
#                                 16 of them the glyphs sweep; each figure's time and load are in the
#                                 manifest)
#   scripts/figures.sh NAME...    only these (the manifest keeps the other entries)
# Accuracies are deterministic for a build and seed; the seconds are this machine's, at the time.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${OVR_LAB:-target/release/ovr-lab}
OUT=www/figures
THREADS=${THREADS:-2}
mkdir -p "$OUT"

# Convergence: models train until validation accuracy stops improving for two epochs (at most
# 12), keeping their best weights; the held-out 10% of each class's training images makes every
# choice. Tuned: each approach at the better of two learning rates, chosen on that validation.
CONVERGED="--validation_fraction 0.1 --patience 2 --epochs 12"
TUNED="--lr_grid 0.01,0.05 $CONVERGED"
# Glyph classes for the sweep: prefixes of one fixed shuffle of the 55 classes, so each K holds
# the smaller ones.
K2=3,34
K5=1,3,9,13,34
K10=1,3,9,13,24,27,34,43,50,53
K20=1,2,3,4,9,13,16,17,19,22,23,24,25,27,34,42,43,48,50,53
K50=0,1,2,3,4,5,6,8,9,10,11,12,13,14,15,16,17,18,19,21,22,23,24,25,26,27,28,29,30,31,33,34,35,36,37,38,39,40,42,43,44,45,46,47,48,49,50,51,53,54
# The article shows no curves, only where models ended: every figure scores its test and training
# images once, with the weights each model ends with (the same accuracies as scoring every epoch,
# bit for bit, in about a quarter less time: tests/method.rs).
AT_END="--curves false"
SWEEP="--dataset glyphs --train_per_class 100 --epochs 3 --seeds 3 --probe_size 0"

# name | settings (the CLI flags are the settings' URL names)
FIGURES=(
  # The four contestants of the question, and the dog-only model, at the first experiment's settings.
  "animals-contestants|--dataset animals28 --approaches shared,ovr,positive-only,trunk --epochs 3 --seeds 3 --probe_size 0"
  # Controls at those settings: parameters, compute, ensembling.
  "animals-controls|--dataset animals28 --approaches shared,ovr,shared-wide,shared-long,shared-ensemble --epochs 3 --seeds 3"
  # The same total parameters: K narrow binary models.
  "animals-total|--dataset animals28 --approaches shared,ovr --budget total $CONVERGED --seeds 3 --probe_size 0"
  # Less data, each run to convergence (a fifth of the fitting images held out).
  "animals-data-30|--dataset animals28 --approaches shared,ovr --train_per_class 30 --validation_fraction 0.2 --patience 3 --epochs 30 --seeds 3 --probe_size 0"
  "animals-data-100|--dataset animals28 --approaches shared,ovr --train_per_class 100 --validation_fraction 0.2 --patience 3 --epochs 30 --seeds 3 --probe_size 0"
  "animals-data-300|--dataset animals28 --approaches shared,ovr --train_per_class 300 --validation_fraction 0.2 --patience 3 --epochs 30 --seeds 3 --probe_size 0"
  # Filters: every model starts from the same first-layer weights, so any difference is learned.
  "animals-filters-same|--dataset animals28 --approaches shared,ovr --init same $CONVERGED --seeds 1"
  # Calibration and images from another dataset.
  "mnist-ood|--dataset mnist28 --approaches shared,ovr,trunk --ood_dataset fashion28 --epochs 3 --seeds 3 --probe_size 0"
  # Many classes: the question's contestants; the ensemble control (K shared networks); one-vs-rest
  # with each imbalance remedy. Each run has the shared baseline (the same model in all four).
  "glyphs-k2|$SWEEP --approaches shared,ovr,trunk --classes $K2"
  "glyphs-k5|$SWEEP --approaches shared,ovr,trunk --classes $K5"
  "glyphs-k10|$SWEEP --approaches shared,ovr,trunk --classes $K10"
  "glyphs-k20|$SWEEP --approaches shared,ovr,trunk --classes $K20"
  "glyphs-k50|$SWEEP --approaches shared,ovr,trunk --classes $K50"
  "glyphs-k2-ensemble|$SWEEP --approaches shared,shared-ensemble --classes $K2"
  "glyphs-k5-ensemble|$SWEEP --approaches shared,shared-ensemble --classes $K5"
  "glyphs-k10-ensemble|$SWEEP --approaches shared,shared-ensemble --classes $K10"
  "glyphs-k20-ensemble|$SWEEP --approaches shared,shared-ensemble --classes $K20"
  "glyphs-k50-ensemble|$SWEEP --approaches shared,shared-ensemble --classes $K50"
  "glyphs-k2-weight|$SWEEP --approaches shared,ovr --balance weight --classes $K2"
  "glyphs-k5-weight|$SWEEP --approaches shared,ovr --balance weight --classes $K5"
  "glyphs-k10-weight|$SWEEP --approaches shared,ovr --balance weight --classes $K10"
  "glyphs-k20-weight|$SWEEP --approaches shared,ovr --balance weight --classes $K20"
  "glyphs-k50-weight|$SWEEP --approaches shared,ovr --balance weight --classes $K50"
  "glyphs-k2-batches|$SWEEP --approaches shared,ovr --balance batches --classes $K2"
  "glyphs-k5-batches|$SWEEP --approaches shared,ovr --balance batches --classes $K5"
  "glyphs-k10-batches|$SWEEP --approaches shared,ovr --balance batches --classes $K10"
  "glyphs-k20-batches|$SWEEP --approaches shared,ovr --balance batches --classes $K20"
  "glyphs-k50-batches|$SWEEP --approaches shared,ovr --balance batches --classes $K50"
  # Headline: shared against one-vs-rest, each tuned and trained to convergence, five paired seeds.
  "animals-headline|--dataset animals28 --approaches shared,ovr $TUNED --seeds 5"
  "mnist-headline|--dataset mnist28 --approaches shared,ovr $CONVERGED --seeds 5 --probe_size 0"
  # Imbalance remedies, tuned and trained to convergence like the headline: each approach at the
  # better of the same two rates (no remedy changes shared, the same model, bit for bit, in both).
  "animals-weight|--dataset animals28 --approaches shared,ovr --balance weight $TUNED --seeds 3 --probe_size 0"
  "animals-batches|--dataset animals28 --approaches shared,ovr --balance batches $TUNED --seeds 3 --probe_size 0"
)

if [ ! -x "$BIN" ]; then cargo build --release --bin ovr-lab; fi

want=("$@")
selected() {
  [ ${#want[@]} -eq 0 ] && return 0
  local w
  for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

MANIFEST=$OUT/manifest.json
[ -f "$MANIFEST" ] || echo '{}' > "$MANIFEST"
record() { # name command seconds
  node -e '
    const fs = require("fs");
    const [file, name, command, seconds, threads, load] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(file, "utf8"));
    m[name] = { command, threads: Number(threads), wall_seconds: Math.round(Number(seconds) * 10) / 10, load_average: Number(load) };
    const sorted = Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
    fs.writeFileSync(file, JSON.stringify(sorted, null, 2) + "\n");
  ' "$MANIFEST" "$1" "$2" "$3" "$THREADS" "$(cut -d' ' -f1 /proc/loadavg)"
}

for entry in "${FIGURES[@]}"; do
  name=${entry%%|*}
  args="${entry#*|} $AT_END"
  selected "$name" || continue
  cmd="ovr-lab run $args --json www/figures/$name.json"
  echo "== $name: $cmd" >&2
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # the settings are words on purpose
  "$BIN" run $args --threads "$THREADS" --quiet --json "$OUT/$name.json" > /dev/null
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  record "$name" "$cmd" "$seconds"
  echo "   ${seconds%.*} s" >&2
done

# The class sweep, from the glyph documents (four per K).
if selected glyphs-sweep || [ ${#want[@]} -eq 0 ]; then
  cmd="ovr-lab sweep --json www/figures/glyphs-sweep.json www/figures/glyphs-k{2,5,10,20,50}{,-ensemble,-weight,-batches}.json"
  start=$(date +%s.%N)
  "$BIN" sweep --json "$OUT/glyphs-sweep.json" "$OUT"/glyphs-k{2,5,10,20,50}{,-ensemble,-weight,-batches}.json
  record glyphs-sweep "$cmd" "$(echo "$(date +%s.%N) - $start" | bc)"
fi
