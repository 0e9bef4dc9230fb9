// Benchmark worker for TensorFlow.js 4.22 on its `cpu` or `wasm` backend (engine tfjs-cpu or
// tfjs-wasm). A classic worker: the ES-module build of the wasm backend imports the bare
// specifier '@tensorflow/tfjs-core', which a worker cannot resolve without a bundler, while the
// UMD builds share the global `tf`.
importScripts('../vendor/tf.min.js');

const VENDOR = new URL('../vendor/', self.location.href).href;

async function useBackend(engine) {
  if (engine === 'tfjs-wasm') {
    importScripts('../vendor/tf-backend-wasm.min.js');
    // Served from our own origin (no CDN); without cross-origin isolation there are no threads,
    // so the backend picks the single-threaded SIMD build when the browser has SIMD.
    tf.wasm.setWasmPaths(VENDOR);
    await tf.setBackend('wasm');
    return { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) };
  }
  if (engine === 'tfjs-cpu') {
    await tf.setBackend('cpu');
    return { simd: false };
  }
  throw new Error(`unknown TF.js engine "${engine}"`);
}

function refCnn(REF_CNN, outputs) {
  const { size, kernel, filters, pool } = REF_CNN;
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [size, size, 1], filters: filters[0], kernelSize: kernel, padding: 'same', activation: 'relu',
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: pool }));
  model.add(tf.layers.conv2d({ filters: filters[1], kernelSize: kernel, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: pool }));
  model.add(tf.layers.flatten());
  // Logits: the losses below apply the softmax / sigmoid themselves, as ovr-lab's do.
  model.add(tf.layers.dense({ units: outputs }));
  return model;
}

async function run({ engine, model: modelName, batch, seconds }, common) {
  const { REF_CNN, outputsOf, randomData, batchStart, measure, result } = common;
  const { simd } = await useBackend(engine);
  const outputs = outputsOf(modelName);
  const binary = outputs === 1;
  const model = refCnn(REF_CNN, outputs);
  const data = randomData(1);
  const { size } = REF_CNN;

  // tfjs-backend-wasm registers Conv2D and Conv2DBackpropInput but not Conv2DBackpropFilter, so
  // gradients of conv weights cannot be computed there; asked at run time rather than assumed.
  const canTrain = Boolean(tf.getKernel('Conv2DBackpropFilter', tf.getBackend()));
  const optimizer = tf.train.momentum(REF_CNN.learningRate, REF_CNN.momentum);
  const trainStep = (step) => {
    const start = batchStart(step, batch, data.count);
    const n = Math.min(batch, data.count);
    const cost = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(start * data.imageSize, (start + n) * data.imageSize), [n, size, size, 1]);
      const labels = data.labels.subarray(start, start + n);
      const y = binary
        ? tf.tensor2d(Array.from(labels, (l) => Number(l === 0)), [n, 1])
        : tf.oneHot(tf.tensor1d(labels, 'int32'), outputs);
      return optimizer.minimize(() => {
        const logits = model.apply(x, { training: true });
        return binary ? tf.losses.sigmoidCrossEntropy(y, logits) : tf.losses.softmaxCrossEntropy(y, logits);
      }, true);
    });
    // Reading the loss back makes sure the step has run, on any backend.
    cost.dataSync();
    cost.dispose();
    return n;
  };

  const n = Math.min(REF_CNN.inferBatch, data.count);
  const x256 = tf.tensor4d(data.images.subarray(0, n * data.imageSize), [n, size, size, 1]);
  const inferStep = () => {
    const y = model.predict(x256);
    y.dataSync();
    y.dispose();
    return n;
  };

  const rates = await measure({ seconds, trainStep: canTrain ? trainStep : null, inferStep });
  x256.dispose();
  return result({
    model: modelName, batch, outputs, rates, params: model.countParams(), simd,
    note: canTrain ? undefined
      : `the TF.js ${tf.getBackend()} backend ${tf.version.tfjs} has no Conv2DBackpropFilter kernel`,
  });
}

import('./bench-common.js').then((common) => common.serve((msg) => run(msg, common)));
