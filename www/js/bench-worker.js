// Benchmark worker for the ovr-lab engine: the timing loop itself is in Rust (src/bench.rs).
// The module is instantiated before the worker says `ready`, so that the page can start several
// workers' windows together (the two-Worker scaling run) without one still compiling.
import init, { bench } from '../pkg/ovr_lab.js';
import { serve } from './bench-common.js';

await init({ module_or_path: new URL('../pkg/ovr_lab_bg.wasm', import.meta.url) });
serve(async ({ model, batch, seconds }) => bench(model, batch, seconds));
