// Benchmark worker for the Rust peers built from bench/peers/ (burn, candle) and for the SIMD
// peak microbenchmark: each is a wasm-bindgen module in www/peers/<peer>/, made by `make bench`.
// A peer that failed to compile for wasm32 has a build-error.txt there instead; its text becomes
// this worker's error, so the benchmark shows why the row is missing.
import { ENGINES } from './bench-engines.js';
import { serve } from './bench-common.js';

async function load(peer) {
  const base = new URL(`../peers/${peer}/`, import.meta.url);
  try {
    const glue = await import(new URL(`${peer}.js`, base));
    await glue.default({ module_or_path: new URL(`${peer}_bg.wasm`, base) });
    return glue;
  } catch (e) {
    const why = await fetch(new URL('build-error.txt', base)).then((r) => (r.ok ? r.text() : null), () => null);
    if (why) throw new Error(`${peer} did not build for wasm32: ${why.trim()}`, { cause: e });
    throw new Error(`${peer} is not built (make bench builds it with bench/peers/build.sh): ${e.message}`, { cause: e });
  }
}

serve(async ({ engine, model, batch, seconds }) => {
  const spec = ENGINES[engine];
  if (!spec?.peer) throw new Error(`"${engine}" is not a Rust peer`);
  if (spec.models && !spec.models.includes(model)) {
    throw new Error(`${engine} implements ${spec.models.join(', ')} only, not ${model}`);
  }
  const glue = await load(spec.peer);
  return spec.kind === 'peak' ? glue.peak(seconds, spec.kernel) : glue.bench(batch, seconds);
});
