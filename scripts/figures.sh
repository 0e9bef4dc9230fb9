#!/usr/bin/env bash
# Regenerates the results documents the article cites (www/figures/<name>.json) with the CLI, and
# www/figures/manifest.json: for each figure, the exact command that made it and its wall time.
#   make figures                  every figure (about 10–15 minutes on 2 cores)
#   scripts/figures.sh NAME...    only these (the manifest keeps the other entries)
# Accuracies are deterministic for a build and seed; the seconds are this machine's, at the time.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${OVR_LAB:-target/release/ovr-lab}
OUT=www/figures
THREADS=${THREADS:-2}
mkdir -p "$OUT"

# name | settings (the CLI flags are the settings' URL names)
FIGURES=(
  # The main comparison, each one-vs-rest model as large as the shared one (K× the parameters).
  "animals-per-model|--dataset animals28 --approaches shared,ovr,positive-only,trunk --budget per-model --epochs 3 --seeds 3"
  # The same with the one-vs-rest models narrowed to the shared model's total parameters.
  "animals-total|--dataset animals28 --approaches shared,ovr,trunk --budget total --epochs 3 --seeds 3"
  "mnist-per-model|--dataset mnist28 --approaches shared,ovr,positive-only,trunk --budget per-model --epochs 3 --seeds 3"
  "mnist-total|--dataset mnist28 --approaches shared,ovr,trunk --budget total --epochs 3 --seeds 3"
  # Learning rates around the default 0.02 (animals-per-model is the 0.02 point).
  "animals-lr-0.005|--dataset animals28 --approaches shared,ovr --budget per-model --lr 0.005 --epochs 3 --seeds 3"
  "animals-lr-0.08|--dataset animals28 --approaches shared,ovr --budget per-model --lr 0.08 --epochs 3 --seeds 3"
  # Less data: fewer training images per class, more epochs so that small sets still get trained.
  "animals-data-30|--dataset animals28 --approaches shared,ovr,trunk --budget per-model --train_per_class 30 --epochs 8 --seeds 3"
  "animals-data-100|--dataset animals28 --approaches shared,ovr,trunk --budget per-model --train_per_class 100 --epochs 8 --seeds 3"
  "animals-data-300|--dataset animals28 --approaches shared,ovr,trunk --budget per-model --train_per_class 300 --epochs 8 --seeds 3"
  "animals-data-30-total|--dataset animals28 --approaches ovr --budget total --train_per_class 30 --epochs 8 --seeds 3"
  "animals-data-100-total|--dataset animals28 --approaches ovr --budget total --train_per_class 100 --epochs 8 --seeds 3"
  "animals-data-300-total|--dataset animals28 --approaches ovr --budget total --train_per_class 300 --epochs 8 --seeds 3"
  # Filters: every model starts from the same first-layer weights, so any difference is learned.
  "animals-filters-same|--dataset animals28 --approaches shared,ovr --budget per-model --init same --epochs 3 --seeds 1"
  "mnist-filters-same|--dataset mnist28 --approaches shared,ovr --budget per-model --init same --epochs 3 --seeds 1"
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
for entry in "${FIGURES[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  selected "$name" || continue
  cmd="ovr-lab run $args --json www/figures/$name.json"
  echo "== $name: $cmd" >&2
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # the settings are words on purpose
  "$BIN" run $args --threads "$THREADS" --quiet --json "$OUT/$name.json"
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  node -e '
    const fs = require("fs");
    const [file, name, command, seconds, threads] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(file, "utf8"));
    m[name] = { command, threads: Number(threads), wall_seconds: Math.round(Number(seconds) * 10) / 10 };
    const sorted = Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
    fs.writeFileSync(file, JSON.stringify(sorted, null, 2) + "\n");
  ' "$MANIFEST" "$name" "$cmd" "$seconds" "$THREADS"
  echo "   ${seconds%.*} s" >&2
done
