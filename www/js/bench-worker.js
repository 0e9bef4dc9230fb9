// Benchmark worker for the ovr-lab engine.
import init, { bench } from '../pkg/ovr_lab.js';

self.onmessage = async ({ data }) => {
  try {
    await init({ module_or_path: new URL('../pkg/ovr_lab_bg.wasm', import.meta.url) });
    const result = bench(data.model, data.batch, data.seconds);
    self.postMessage({ type: 'result', result });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
};
