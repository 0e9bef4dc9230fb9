// The public benchmark page: runs one engine in a dedicated Worker and shows its rates.
const params = new URLSearchParams(location.search);
const clampNumber = (value, lo, hi, fallback) => {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
};
const settings = {
  model: params.get('model') === 'ref-cnn-binary' ? 'ref-cnn-binary' : 'ref-cnn',
  batch: Math.round(clampNumber(params.get('batch'), 1, 1024, 32)),
  seconds: clampNumber(params.get('seconds'), 0.5, 60, 5),
  engine: params.get('engine') || 'ovr-lab',
};
const status = document.getElementById('bench-status');
const out = document.getElementById('bench-result');
const workers = { 'ovr-lab': './bench-worker.js' };

function fail(message) {
  status.textContent = `Benchmark failed: ${message}`;
  document.body.dataset.benchState = 'error';
}

if (!workers[settings.engine]) {
  fail(`unknown engine "${settings.engine}"`);
} else {
  document.body.dataset.benchState = 'running';
  status.textContent = `Running ${settings.engine} on ${settings.model}, batch ${settings.batch}, ${settings.seconds} s per phase…`;
  const worker = new Worker(new URL(workers[settings.engine], import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'result') {
      out.textContent = JSON.stringify({ engine: settings.engine, ...data.result }, null, 2);
      status.textContent = 'Done.';
      document.body.dataset.benchState = 'done';
      worker.terminate();
    } else if (data.type === 'error') {
      fail(data.message);
      worker.terminate();
    }
  };
  worker.onerror = (e) => fail(e.message || 'the worker failed to start');
  worker.postMessage({ type: 'run', ...settings });
}
