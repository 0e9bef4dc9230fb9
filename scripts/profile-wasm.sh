#!/usr/bin/env bash
# Where the engine's time goes in wasm: ovr-lab's `bench` (REF-CNN, batch 32: training, then
# inference) run by node's V8 under `perf`, the module built as the site's (same wasm-opt passes)
# but with its function names kept, so that the JIT's code is reported per Rust function.
# Node's V8 is older than Chromium's, but the shares are what the Worker's profile shows.
#
#   make profile                 (builds first; SECONDS_PER_WINDOW=3 ROUNDS=2 by default)
#   scripts/profile-wasm.sh      (after make build; WASM_OPT_FLAGS as the Makefile's)
#
# Needs perf (Debian: apt-get install linux-perf). Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WASM_OPT_FLAGS:?run through make profile, or set WASM_OPT_FLAGS as the Makefile does}"
command -v perf >/dev/null || { echo "profile-wasm: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
wasm=target/wasm32-unknown-unknown/release/ovr_lab.wasm
[ -f "$wasm" ] || { echo "profile-wasm: $wasm is missing (make build)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --out-dir "$tmp" --no-typescript "$wasm"
# shellcheck disable=SC2086 # the flags are words
node_modules/.bin/wasm-opt -O3 -g $WASM_OPT_FLAGS "$tmp/ovr_lab_bg.wasm" -o "$tmp/ovr_lab_bg.wasm"
cat >"$tmp/run.mjs" <<'JS'
import { readFileSync } from 'node:fs';
const glue = await import(new URL('./ovr_lab.js', import.meta.url));
await glue.default({ module_or_path: readFileSync(new URL('./ovr_lab_bg.wasm', import.meta.url)) });
const [rounds, seconds] = [+process.env.ROUNDS || 2, +process.env.SECONDS_PER_WINDOW || 3];
for (let r = 0; r < rounds; r++) {
  const o = glue.bench('ref-cnn', 32, seconds);
  console.error(`window ${r + 1}: train ${o.train_samples_per_s.toFixed(0)}/s, infer ${o.infer_samples_per_s.toFixed(0)}/s`);
}
JS
(cd "$tmp" && perf record -q -e cpu-clock -k mono -o perf.data \
  node --perf-prof --no-liftoff --no-wasm-tier-up run.mjs >/dev/null)
perf inject --jit -i "$tmp/perf.data" -o "$tmp/jit.data"
echo "share of samples, by function (training and inference windows of equal length):"
# JIT symbols read "JS:<rust path>::h<hash>-<index>-turbofan".
# (awk reads to the end, so no pipe is cut short under pipefail.)
perf report -i "$tmp/jit.data" --stdio --sort symbol 2>/dev/null |
  sed -E 's/\[\.\] JS:/[.] /; s/::h[0-9a-f]{16}-[0-9]+-turbofan//; s/[ -]+$//' |
  awk -v top="${TOP:-12}" '!/^#/ && NF && ++n <= top'
