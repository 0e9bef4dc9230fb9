// The engines the benchmark page can run, declared once: the page reads it to start a worker,
// scripts/bench.mjs to know what to measure. Workers are classic where a library is a plain script.
export const ENGINES = {
  'ovr-lab': { worker: './bench-worker.js', type: 'module', label: 'ovr-lab (Rust → wasm, SIMD)' },
  convnetjs: { worker: './bench-worker-convnetjs.js', type: 'classic', label: 'ConvNetJS 0.3.0' },
  'tfjs-cpu': { worker: './bench-worker-tfjs.js', type: 'classic', label: 'TF.js 4.22, cpu backend' },
  'tfjs-wasm': { worker: './bench-worker-tfjs.js', type: 'classic', label: 'TF.js 4.22, wasm backend (inference only)' },
};

export const MODELS = ['ref-cnn', 'ref-cnn-binary'];
