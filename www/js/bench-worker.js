// Benchmark worker for the ovr-lab engine: the timing loop itself is in Rust (src/bench.rs).
import init, { bench } from '../pkg/ovr_lab.js';
import { serve } from './bench-common.js';

serve(async ({ model, batch, seconds }) => {
  await init({ module_or_path: new URL('../pkg/ovr_lab_bg.wasm', import.meta.url) });
  return bench(model, batch, seconds);
});
