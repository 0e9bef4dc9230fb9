// What every peer benchmark worker shares with ovr-lab's `bench` (src/bench.rs), so that the
// engines are timed the same way on the same network. ovr-lab itself does all of this in Rust;
// the peers cannot call into it, hence this mirror.

/** REF-CNN: conv 5×5 ×8 (same) → ReLU → pool 2 → conv 5×5 ×16 (same) → ReLU → pool 2 → dense. */
export const REF_CNN = {
  size: 28,
  kernel: 5,
  pad: 2,
  filters: [8, 16],
  pool: 2,
  learningRate: 0.01,
  momentum: 0.9,
  inferBatch: 256,
  // Random images are cycled through this many samples, as in src/bench.rs.
  poolSamples: 512,
};

/** The output units of the benchmark model: 10 logits, or one for the one-vs-rest variant. */
export function outputsOf(model) {
  if (model === 'ref-cnn') return 10;
  if (model === 'ref-cnn-binary') return 1;
  throw new Error(`unknown benchmark model "${model}" (ref-cnn or ref-cnn-binary)`);
}

/**
 * FLOPs of one forward pass, counted like `NetSpec::flops_per_image` (multiply-adds × 2 for conv
 * and dense; ReLU and pooling are not counted). `outputs` is what the engine actually runs, since
 * ConvNetJS's binary variant has two output units.
 */
export function flopsPerImage(outputs) {
  const { size, kernel, filters } = REF_CNN;
  const conv1 = size * size * filters[0] * kernel * kernel * 1 * 2;
  const conv2 = (size / 2) * (size / 2) * filters[1] * kernel * kernel * filters[0] * 2;
  const dense = (size / 4) * (size / 4) * filters[1] * outputs * 2;
  return { conv1, total: conv1 + conv2 + dense };
}

/** Forward, weight gradients, and input gradients of every weighted layer but the first. */
export function flopsPerTrainSample(outputs) {
  const { conv1, total } = flopsPerImage(outputs);
  return 3 * total - conv1;
}

/** mulberry32: a tiny seeded PRNG, so every run of a peer sees the same random inputs. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random inputs: speed does not depend on the pixel values, so uniform noise in [0, 1) with
 * random labels 0..9 (class 0 is the positive one for the binary variant) stands in for MNIST.
 */
export function randomData(seed = 1) {
  const { size, poolSamples } = REF_CNN;
  const next = rng(seed);
  const images = new Float32Array(poolSamples * size * size);
  for (let i = 0; i < images.length; i++) images[i] = next();
  const labels = new Uint8Array(poolSamples);
  for (let i = 0; i < poolSamples; i++) labels[i] = Math.floor(next() * 10);
  return { images, labels, count: poolSamples, imageSize: size * size };
}

/** The start of the `step`-th batch, cycling through the pool like src/bench.rs. */
export function batchStart(step, batch, count) {
  return (step * batch) % (count - Math.min(batch, count) + 1);
}

/** Inference runs for as long as src/bench.rs gives it: at least half the training time. */
export function inferSeconds(seconds) {
  return Math.max(Math.min(seconds, 2), seconds / 2);
}

/**
 * Times `trainStep(step)` (returns samples done) for `seconds` after one untimed warm-up step,
 * then `inferStep()` (returns samples done) likewise. Either may be null: that phase is skipped
 * and its rate is null. Steps may be async: an engine that defers work must finish it inside.
 */
export async function measure({ trainStep, inferStep, seconds }) {
  const now = () => performance.now() / 1000;
  let train = null;
  if (trainStep) {
    await trainStep(0);
    const t0 = now();
    let samples = 0;
    for (let step = 1; now() - t0 < seconds; step++) samples += await trainStep(step);
    train = samples / (now() - t0);
  }
  let infer = null;
  if (inferStep) {
    await inferStep();
    const t1 = now();
    let samples = 0;
    while (now() - t1 < inferSeconds(seconds)) samples += await inferStep();
    infer = samples / (now() - t1);
  }
  return { train, infer };
}

/** The result document, with the same fields as ovr-lab's `BenchResult`. */
export function result({ model, batch, outputs, rates, params, simd, note }) {
  const trainFlops = flopsPerTrainSample(outputs);
  const inferFlops = flopsPerImage(outputs).total;
  return {
    model,
    batch,
    train_samples_per_s: rates.train,
    infer_samples_per_s: rates.infer,
    gflops: rates.train === null ? null : (rates.train * trainFlops) / 1e9,
    infer_gflops: rates.infer === null ? null : (rates.infer * inferFlops) / 1e9,
    params,
    simd,
    ...(note ? { note } : {}),
  };
}

/** The `{type: 'run'}` → `{type: 'result' | 'error'}` protocol of every benchmark worker. */
export function serve(run) {
  self.onmessage = async ({ data }) => {
    if (data.type !== 'run') return;
    try {
      self.postMessage({ type: 'result', result: await run(data) });
    } catch (e) {
      self.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
    }
  };
  self.postMessage({ type: 'ready' });
}
