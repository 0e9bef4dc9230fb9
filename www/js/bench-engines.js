// The engines the benchmark page can run, declared once: the page reads it to start a worker,
// scripts/bench.mjs to know what to measure. Workers are classic where a library is a plain script.
//
// `peer` engines are Rust crates of their own workspace (bench/peers/), compiled to wasm32 with
// SIMD128 by `make bench` only (bench/peers/build.sh) into www/peers/<peer>/; `models` lists the
// models an engine implements (all of MODELS when absent). `kind: 'peak'` is not a network but a
// microbenchmark of bench/peers/peak, `kernel` naming which (the f32x4 multiply + add peak, or
// ovr-lab's own tile with its operands in L1): its result is GFLOP/s, not samples/s.
export const ENGINES = {
  'ovr-lab': { worker: './bench-worker.js', type: 'module', label: 'ovr-lab (Rust → wasm, SIMD)' },
  convnetjs: { worker: './bench-worker-convnetjs.js', type: 'classic', label: 'ConvNetJS 0.3.0' },
  'tfjs-cpu': { worker: './bench-worker-tfjs.js', type: 'classic', label: 'TF.js 4.22, cpu backend' },
  'tfjs-wasm': { worker: './bench-worker-tfjs.js', type: 'classic', label: 'TF.js 4.22, wasm backend (inference only)' },
  burn: {
    worker: './bench-worker-peer.js', type: 'module', peer: 'burn', models: ['ref-cnn'],
    label: 'burn 0.22.1, NdArray backend + Autodiff (Rust → wasm, SIMD)',
  },
  candle: {
    worker: './bench-worker-peer.js', type: 'module', peer: 'candle', models: ['ref-cnn'],
    label: 'candle 0.11.1, CPU backend + backprop (Rust → wasm, SIMD)',
  },
  peak: {
    worker: './bench-worker-peer.js', type: 'module', peer: 'peak', kind: 'peak', kernel: 'wasm-simd128',
    label: 'f32x4 multiply + add peak, one core (wasm SIMD128, no FMA)',
  },
  'peak-tile': {
    worker: './bench-worker-peer.js', type: 'module', peer: 'peak', kind: 'peak', kernel: 'wasm-tile',
    label: "ovr-lab's forward tile with its operands in L1, one core (wasm SIMD128)",
  },
};

export const MODELS = ['ref-cnn', 'ref-cnn-binary'];

/** The models `engine` can run. */
export function modelsOf(engine) {
  return ENGINES[engine]?.models ?? MODELS;
}
