// Loads the wasm engine once per thread (page or worker), relative to this module so that the
// lab works under any path of any static host.
import init, * as engine from '../pkg/ovr_lab.js';

let loading = null;

/** Resolves to the engine's exports once the wasm module is instantiated. */
export function loadEngine() {
  if (!loading) {
    loading = init({ module_or_path: new URL('../pkg/ovr_lab_bg.wasm', import.meta.url) }).then(() => engine);
  }
  return loading;
}
