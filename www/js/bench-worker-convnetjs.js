// Benchmark worker for ConvNetJS 0.3.0. A classic worker: convnet.js is a plain script, and it
// attaches itself to `module.exports` when `module` exists, else to `window`, which a worker lacks.
self.module = { exports: {} };
importScripts('../vendor/convnet.js');
// convnet.js also declares a global `var convnetjs`; this name keeps clear of it.
const cnn = self.module.exports;

// ConvNetJS has no sigmoid + binary cross-entropy output. Its nearest match is chosen for the
// one-vs-rest variant: a 2-class softmax, which is the same model (the sigmoid of the difference
// of two logits) with one more output unit; a regression layer would train with a squared loss.
const BINARY_AS_SOFTMAX_CLASSES = 2;

async function run({ model, batch, seconds }, common) {
  const { REF_CNN, outputsOf, randomData, batchStart, measure, result } = common;
  const binary = outputsOf(model) === 1;
  const classes = binary ? BINARY_AS_SOFTMAX_CLASSES : outputsOf(model);
  const { size, kernel, pad, filters, pool } = REF_CNN;
  const net = new cnn.Net();
  net.makeLayers([
    { type: 'input', out_sx: size, out_sy: size, out_depth: 1 },
    { type: 'conv', sx: kernel, filters: filters[0], stride: 1, pad, activation: 'relu' },
    { type: 'pool', sx: pool, stride: pool },
    { type: 'conv', sx: kernel, filters: filters[1], stride: 1, pad, activation: 'relu' },
    { type: 'pool', sx: pool, stride: pool },
    { type: 'softmax', num_classes: classes },
  ]);
  // ConvNetJS trains one sample per call and updates the weights every `batch_size` calls.
  const trainer = new cnn.Trainer(net, {
    method: 'sgd', learning_rate: REF_CNN.learningRate, momentum: REF_CNN.momentum,
    batch_size: batch, l2_decay: 0,
  });

  // The volumes are built before timing, as ovr-lab's images are laid out before its clock starts.
  const data = randomData(1);
  const vols = [];
  for (let i = 0; i < data.count; i++) {
    const v = new cnn.Vol(size, size, 1, 0);
    v.w.set(data.images.subarray(i * data.imageSize, (i + 1) * data.imageSize));
    vols.push(v);
  }
  const target = (i) => (binary ? Number(data.labels[i] === 0) : data.labels[i]);

  const rates = await measure({
    seconds,
    trainStep: (step) => {
      const start = batchStart(step, batch, data.count);
      const n = Math.min(batch, data.count);
      for (let i = start; i < start + n; i++) trainer.train(vols[i], target(i));
      return n;
    },
    inferStep: () => {
      const n = Math.min(REF_CNN.inferBatch, data.count);
      for (let i = 0; i < n; i++) net.forward(vols[i], false);
      return n;
    },
  });
  const params = net.getParamsAndGrads().reduce((sum, p) => sum + p.params.length, 0);
  return result({
    model, batch, outputs: classes, rates, params, simd: false,
    note: binary ? 'binary variant as a 2-class softmax (ConvNetJS has no sigmoid output)' : undefined,
  });
}

// Dynamic import: a classic worker cannot use static imports, but shares the module all the same.
import('./bench-common.js').then((common) => common.serve((msg) => run(msg, common)));
