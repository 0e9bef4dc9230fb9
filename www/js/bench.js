// The public benchmark page: runs one engine in a dedicated Worker and shows its rates.
// The JSON in #bench-result is what scripts/bench.mjs reads; the table is for people.
import { ENGINES, MODELS } from './bench-engines.js';

const params = new URLSearchParams(location.search);
const clampNumber = (value, lo, hi, fallback) => {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
};
const settings = {
  model: MODELS.includes(params.get('model')) ? params.get('model') : 'ref-cnn',
  batch: Math.round(clampNumber(params.get('batch'), 1, 1024, 32)),
  seconds: clampNumber(params.get('seconds'), 0.5, 60, 5),
  engine: params.get('engine') || 'ovr-lab',
};
const status = document.getElementById('bench-status');
const out = document.getElementById('bench-result');

function fail(message) {
  status.textContent = `Benchmark failed: ${message}`;
  document.body.dataset.benchState = 'error';
}

/** Links to the same page with one setting changed; the current choice is marked. */
function renderChoices() {
  const nav = document.getElementById('bench-choices');
  const row = (name, values) => {
    const p = document.createElement('p');
    p.append(`${name}: `);
    values.forEach((value, i) => {
      if (i > 0) p.append(' · ');
      const url = new URLSearchParams({ ...settings, [name]: value });
      const a = document.createElement('a');
      a.href = `?${url}`;
      a.textContent = value;
      if (settings[name] === value) a.setAttribute('aria-current', 'page');
      p.append(a);
    });
    nav.append(p);
  };
  row('engine', Object.keys(ENGINES));
  row('model', MODELS);
}

function renderSummary(result) {
  const fmt = (x, digits = 0) => (x === null || x === undefined ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const rows = [
    ['Engine', ENGINES[settings.engine].label],
    ['Model', `${result.model} (${fmt(result.params)} parameters)`],
    ['Training, batch ' + result.batch, result.train_samples_per_s === null
      ? `not measured${result.note ? `: ${result.note}` : ''}`
      : `${fmt(result.train_samples_per_s)} samples/s · ${fmt(result.gflops, 2)} GFLOP/s`],
    ['Inference, batch 256', `${fmt(result.infer_samples_per_s)} samples/s · ${fmt(result.infer_gflops, 2)} GFLOP/s`],
    ['SIMD', result.simd ? 'yes' : 'no'],
  ];
  if (result.note && result.train_samples_per_s !== null) rows.push(['Note', result.note]);
  const table = document.getElementById('bench-summary');
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = k;
    tr.append(th);
    tr.insertCell().textContent = v;
  }
  table.hidden = false;
}

function start() {
  const engine = ENGINES[settings.engine];
  if (!engine) {
    fail(`unknown engine "${settings.engine}" (one of ${Object.keys(ENGINES).join(', ')})`);
    return;
  }
  document.body.dataset.benchState = 'running';
  status.textContent = `Running ${engine.label} on ${settings.model}, batch ${settings.batch}, ${settings.seconds} s of training, then inference…`;
  const worker = new Worker(new URL(engine.worker, import.meta.url), { type: engine.type });
  // Classic workers load their shared code asynchronously, so the job is sent on `ready`.
  worker.onmessage = ({ data }) => {
    if (data.type === 'ready') {
      worker.postMessage({ type: 'run', ...settings });
    } else if (data.type === 'result') {
      const result = { engine: settings.engine, ...data.result };
      out.textContent = JSON.stringify(result, null, 2);
      renderSummary(result);
      status.textContent = 'Done.';
      document.body.dataset.benchState = 'done';
      worker.terminate();
    } else if (data.type === 'error') {
      fail(data.message);
      worker.terminate();
    }
  };
  worker.onerror = (e) => fail(e.message || 'the worker failed to start');
}

renderChoices();
start();
