// Loads the wasm engine once per thread (page or worker), relative to this module so that the
// lab works under any path of any static host.
import init, * as engine from '../pkg/ovr_lab.js';

let loading = null;
let memory = null;

/** Resolves to the engine's exports once the wasm module is instantiated. */
export function loadEngine() {
  if (!loading) {
    loading = init({ module_or_path: new URL('../pkg/ovr_lab_bg.wasm', import.meta.url) }).then((instance) => {
      memory = instance.memory;
      return engine;
    });
  }
  return loading;
}

/** Size of this thread's wasm memory in bytes (it only grows), or 0 before loading. */
export function wasmMemoryBytes() {
  return memory ? memory.buffer.byteLength : 0;
}
