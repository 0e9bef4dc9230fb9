// The public benchmark page: runs one engine in a dedicated Worker and shows its rates.
// The JSON in #bench-result is what scripts/bench.mjs reads; the table is for people.
// `workers=N` runs the same benchmark in N Workers at once and reports their sum (scaling).
import { ENGINES, MODELS, modelsOf } from './bench-engines.js';

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
  workers: Math.round(clampNumber(params.get('workers'), 1, 8, 1)),
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
      const { workers, ...rest } = settings;
      const url = new URLSearchParams({ ...rest, ...(workers > 1 ? { workers } : {}), [name]: value });
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

const fmt = (x, digits = 0) => (x === null || x === undefined ? '—'
  : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function summaryRows(result) {
  if (ENGINES[settings.engine].kind === 'peak') {
    return [
      ['Kernel', `${result.description}, ${result.chains} independent accumulators`],
      ['Peak (best chunk)', `${fmt(result.gflops, 1)} GFLOP/s`],
      ['Sustained (whole window)', `${fmt(result.sustained_gflops, 1)} GFLOP/s`],
    ];
  }
  const rows = [
    ['Engine', ENGINES[settings.engine].label],
    ['Model', `${result.model} (${fmt(result.params)} parameters)`],
    ['Training, batch ' + result.batch, result.train_samples_per_s === null
      ? `not measured${result.note ? `: ${result.note}` : ''}`
      : `${fmt(result.train_samples_per_s)} samples/s · ${fmt(result.gflops, 2)} GFLOP/s`],
    ['Inference, batch 256', `${fmt(result.infer_samples_per_s)} samples/s · ${fmt(result.infer_gflops, 2)} GFLOP/s`],
    ['SIMD', result.simd ? 'yes' : 'no'],
  ];
  if (result.workers > 1) {
    rows.push(['Workers', `${result.workers} at once (rates are their sum; windows overlap ${fmt(result.overlap * 100)}%)`]);
  }
  if (result.note && result.train_samples_per_s !== null) rows.push(['Note', result.note]);
  return rows;
}

function renderSummary(result) {
  const table = document.getElementById('bench-summary');
  for (const [k, v] of summaryRows(result)) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = k;
    tr.append(th);
    tr.insertCell().textContent = v;
  }
  table.hidden = false;
}

/** The sum of several workers' rates, with each worker's result and how much their windows overlapped. */
function combine(results, spans) {
  const sum = (key) => (results.every((r) => typeof r[key] === 'number') ? results.reduce((a, r) => a + r[key], 0) : null);
  const start = Math.max(...spans.map((s) => s.start));
  const end = Math.min(...spans.map((s) => s.end));
  const whole = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
  return {
    ...results[0],
    workers: results.length,
    train_samples_per_s: sum('train_samples_per_s'),
    infer_samples_per_s: sum('infer_samples_per_s'),
    gflops: sum('gflops'),
    infer_gflops: sum('infer_gflops'),
    overlap: whole > 0 ? Math.max(0, end - start) / whole : 1,
    per_worker: results,
  };
}

function start() {
  const engine = ENGINES[settings.engine];
  if (!engine) {
    fail(`unknown engine "${settings.engine}" (one of ${Object.keys(ENGINES).join(', ')})`);
    return;
  }
  if (engine.kind !== 'peak' && !modelsOf(settings.engine).includes(settings.model)) {
    fail(`${settings.engine} implements ${modelsOf(settings.engine).join(', ')} only, not ${settings.model}`);
    return;
  }
  document.body.dataset.benchState = 'running';
  const many = settings.workers > 1 ? ` in ${settings.workers} Workers at once` : '';
  status.textContent = engine.kind === 'peak'
    ? `Running ${engine.label} for ${settings.seconds} s…`
    : `Running ${engine.label} on ${settings.model}, batch ${settings.batch}, ${settings.seconds} s of training, then inference${many}…`;
  const workers = Array.from({ length: settings.workers }, () => new Worker(new URL(engine.worker, import.meta.url), { type: engine.type }));
  const results = new Array(workers.length);
  const spans = workers.map(() => ({ start: null, end: null }));
  let ready = 0;
  let finished = 0;
  const stop = () => workers.forEach((w) => w.terminate());
  const job = { engine: settings.engine, model: settings.model, batch: settings.batch, seconds: settings.seconds };
  workers.forEach((worker, i) => {
    // Classic workers load their shared code asynchronously, so jobs are sent on `ready`, and all
    // at once when several workers run together.
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') {
        ready += 1;
        if (ready === workers.length) {
          workers.forEach((w, j) => {
            spans[j].start = performance.now();
            w.postMessage({ type: 'run', ...job });
          });
        }
      } else if (data.type === 'result') {
        spans[i].end = performance.now();
        // The page's engine id names the row (a peer's own `engine` field may be shared, as the peaks').
        results[i] = { ...data.result, engine: settings.engine };
        finished += 1;
        if (finished < workers.length) return;
        const result = workers.length > 1 ? combine(results, spans) : results[0];
        out.textContent = JSON.stringify(result, null, 2);
        renderSummary(result);
        status.textContent = 'Done.';
        document.body.dataset.benchState = 'done';
        stop();
      } else if (data.type === 'error') {
        fail(data.message);
        stop();
      }
    };
    worker.onerror = (e) => {
      fail(e.message || 'the worker failed to start');
      stop();
    };
  });
}

renderChoices();
start();
