#!/usr/bin/env bash
# Builds the Rust peers of `make bench` and the SIMD peak microbenchmark, twice each:
#   - for wasm32 with SIMD128 (.cargo/config.toml), through wasm-bindgen --target web and wasm-opt
#     (the same passes as the ovr-lab module) into www/peers/<name>/, for the benchmark page;
#   - natively, as target/release/<crate>, for the command line.
# A peer that fails to build does not stop the others or `make bench`: its error (the compiler's
# `error` lines with their context) is written where the benchmark looks for the peer, in
# www/peers/<name>/build-error.txt or target/release/<crate>.build-error.txt, and shows as that
# peer's row in the results.
#
#   bench/peers/build.sh WASM_OPT     (make bench passes node_modules/.bin/wasm-opt)
set -u
WASM_OPT=${1:?usage: build.sh path/to/wasm-opt}
case "$WASM_OPT" in /*) ;; *) WASM_OPT="$PWD/$WASM_OPT" ;; esac
cd "$(dirname "$0")"
OUT=../../www/peers
LOGS=target/build-logs
mkdir -p "$LOGS" target/release

# The compiler's errors, without the progress lines, for a build-error.txt.
summarise() {
  local log=$1 what=$2
  echo "$what failed:"
  if grep -q -E '^error' "$log"; then
    grep -v -E '^\s+(Compiling|Checking|Downloaded|Downloading|Updating|Locking|Adding|Blocking)' "$log" |
      grep -A14 -E '^error' | head -80
  else
    tail -30 "$log"
  fi
}

for crate in peer-burn peer-candle peak; do
  name=${crate#peer-}
  lib=${crate//-/_}
  dir="$OUT/$name"
  mkdir -p "$dir"

  echo "== $crate (wasm32, SIMD128)"
  # Only the library, as a cdylib: the rlib the native binary links is not built again for wasm.
  if cargo rustc --release --target wasm32-unknown-unknown -p "$crate" --lib --crate-type cdylib \
      >"$LOGS/$name-wasm.log" 2>&1; then
    wasm=target/wasm32-unknown-unknown/release/$lib.wasm
    if [ ! -f "$dir/${name}_bg.wasm" ] || [ "$wasm" -nt "$dir/${name}_bg.wasm" ] || [ -f "$dir/build-error.txt" ]; then
      rm -f "$dir/build-error.txt"
      wasm-bindgen --target web --out-dir "$dir" --out-name "$name" --no-typescript "$wasm" &&
        "$WASM_OPT" -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
          --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
          "$dir/${name}_bg.wasm" -o "$dir/${name}_bg.wasm" ||
        { rm -f "$dir/${name}.js" "$dir/${name}_bg.wasm"
          echo "wasm-bindgen or wasm-opt failed for $crate (see the make output)" >"$dir/build-error.txt"; }
    fi
    ls -l "$dir/${name}_bg.wasm" 2>/dev/null | awk '{print "   " $9 ": " $5 " bytes"}'
  else
    rm -f "$dir/${name}.js" "$dir/${name}_bg.wasm"
    summarise "$LOGS/$name-wasm.log" \
      "cargo rustc --release --target wasm32-unknown-unknown -p $crate --lib --crate-type cdylib" \
      >"$dir/build-error.txt"
    sed 's/^/   /' "$dir/build-error.txt" | head -20
  fi

  echo "== $crate (native)"
  if cargo build --release -p "$crate" --bin "$crate" >"$LOGS/$name-native.log" 2>&1; then
    rm -f "target/release/$crate.build-error.txt"
  else
    rm -f "target/release/$crate"
    summarise "$LOGS/$name-native.log" "cargo build --release -p $crate --bin $crate" \
      >"target/release/$crate.build-error.txt"
    sed 's/^/   /' "target/release/$crate.build-error.txt" | head -20
  fi
done
# Failures are reported by the benchmark itself (the rows show the errors), so they do not stop make.
exit 0
