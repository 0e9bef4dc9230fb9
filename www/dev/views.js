// Development page: renders every view from a fixture report with a stub context, so the views
// can be looked at and tested without training. The fixtures are the browser tests'
// (tests/e2e/fixtures), served under /dev/fixtures/ by `make serve-dev` and by views.test.mjs.
// Test images and labels come from the real dataset through the wasm module when it is built,
// else from a fake stand-in.
import { views, VIEW_IDS } from '../js/views/index.js';
import * as summary from '../js/views/summary.js';

/**
 * `?report=` names a fixture of tests/e2e/fixtures (report-<name>.json); `?figure=` one of the
 * site's committed results documents (figures/<name>.json), the article's.
 */
const FIXTURES = { mnist: 'mnist-2seeds', shapes: 'shapes-1seed', tuned: 'mnist-tuned' };

const params = new URLSearchParams(location.search);
const status = document.getElementById('dev-status');
const errors = document.getElementById('dev-errors');
const HOSTILE = '<img src=x onerror=alert(1)>';

function onError(msg) {
  const li = document.createElement('li');
  li.textContent = msg;
  errors.append(li);
  console.error(msg);
}

/** Puts a hostile class name everywhere a class name can appear in a report, findings included. */
function inject(report) {
  const k = 0;
  const old = report.dataset.class_names[k];
  const swap = (text) => text.replaceAll(`"${old}"`, `"${HOSTILE}"`).replaceAll(` · ${old}`, ` · ${HOSTILE}`);
  report.dataset.class_names[k] = HOSTILE;
  for (const a of Object.values(report.approaches)) {
    if (a.per_class[k]) a.per_class[k].name = HOSTILE;
    for (const m of a.members) if (m.member === k) m.name = HOSTILE;
    for (const f of [...a.collapsed, ...a.diverged, ...(a.training ?? [])]) f.label = swap(f.label);
  }
  for (const c of report.comparisons ?? []) for (const p of c.per_class) if (p.class === k) p.name = HOSTILE;
  for (const [id, list] of Object.entries(report.findings ?? {})) report.findings[id] = list.map(swap);
  const s = report.similarity;
  if (s) {
    s.labels = s.labels.map(swap);
    for (const f of s.filter_sets) f.label = swap(f.label);
  }
  if (report.representations?.member_names?.length) report.representations.member_names[k] = HOSTILE;
  for (const m of report.transfer?.models ?? []) m.label = swap(m.label);
  // A failed model, so the cost view's failure list is exercised too.
  const ovr = report.approaches.ovr;
  if (ovr) ovr.collapsed.push({ seed: 1, member: k, label: `ovr · ${HOSTILE}`, detail: 'constant output: scores every image 0.100 (injected by the dev page)' });
}

async function realData(report) {
  const wasm = await import('../pkg/ovr_lab.js');
  await wasm.default();
  let bytes;
  const file = `${report.config.dataset}.bin.gz`;
  if (report.config.dataset !== 'shapes') {
    const res = await fetch(`../data/${file}`);
    if (!res.ok) throw new Error(`${file}: ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  // The report worker's session of the same configuration (without its other dataset, which the
  // test images do not need).
  const session = new wasm.Session({ ...report.config, ood_dataset: '' }, bytes, file, undefined, '');
  const d = report.dataset;
  return {
    source: 'real test images (wasm)',
    labels: session.test_labels(),
    images: async (idx) => ({ pixels: session.test_images(Uint32Array.from(idx)), width: d.width, height: d.height, channels: d.channels }),
  };
}

/** A stand-in when the wasm module is not built: shared's predictions play the true labels. */
function fakeData(report) {
  const d = report.dataset;
  const first = Object.values(report.approaches)[0];
  const labels = Uint8Array.from(first?.test_predictions ?? []);
  const images = async (idx) => {
    const size = d.width * d.height * d.channels;
    const pixels = new Uint8Array(idx.length * size);
    idx.forEach((n, j) => {
      // A ring whose radius depends on the label and a tick whose angle depends on the index.
      const r = 3 + ((labels[n] ?? 0) % 6);
      const a = (n * 2.399) % (2 * Math.PI);
      for (let y = 0; y < d.height; y++) {
        for (let x = 0; x < d.width; x++) {
          const dx = x - d.width / 2; const dy = y - d.height / 2;
          const ring = Math.abs(Math.hypot(dx, dy) - r) < 1.2;
          const tick = Math.abs(dx * Math.sin(a) - dy * Math.cos(a)) < 1 && dx * Math.cos(a) + dy * Math.sin(a) > 0;
          const v = ring || tick ? 255 : 0;
          for (let c = 0; c < d.channels; c++) pixels[j * size + (y * d.width + x) * d.channels + c] = v;
        }
      }
    });
    return { pixels, width: d.width, height: d.height, channels: d.channels };
  };
  return { source: 'fake test images (wasm not built); labels are the first approach\'s predictions', labels, images };
}

/**
 * Stub scores: a report holds no weights, so the rows (as `ctx.score` gives them: one per approach,
 * `{label, approach, seed, probabilities, predicted}`) are made up from the drawing's moments.
 */
function stubScore(report) {
  const k = report.dataset.class_names.length;
  return async (pixels) => {
    let m = 0; let mx = 0; let my = 0;
    const w = report.dataset.width;
    pixels.forEach((v, i) => { m += v; mx += v * (i % w); my += v * Math.floor(i / w); });
    const seed = (m + 7 * mx + 13 * my) % 997;
    return (report.approach_order ?? []).filter((a) => report.approaches[a.id]).map(({ id, label }) => {
      const raw = Array.from({ length: k }, (_, c) => 1 + Math.sin(seed * (c + 1) + id.length));
      const total = raw.reduce((a, b) => a + b, 0);
      const probabilities = raw.map((v) => v / total);
      const predicted = probabilities.indexOf(Math.max(...probabilities));
      return { label: `${label} (stub)`, approach: id, seed: report.config.seed, probabilities, predicted };
    });
  };
}

/** Partial reports as a run produces them, ending with the full one. */
function partials(full) {
  const clone = (x) => JSON.parse(JSON.stringify(x));
  // As in report.rs, an unfinished approach's headline numbers are those of its last curve point.
  const cut = (a, epochs) => {
    a.complete = false;
    a.curve = a.curve.slice(0, epochs);
    const p = a.curve.at(-1);
    Object.assign(a, { test_accuracy: p.test_accuracy, test_accuracy_std: p.test_accuracy_std, train_accuracy: p.train_accuracy, train_flops: p.flops });
  };
  // The analyses come once every model has finished; findings and comparisons would be the
  // partial report's own, so the replay leaves them out.
  const partial = (r) => Object.assign(r, {
    similarity: null, representations: null, transfer: null, ood: null, comparisons: [], findings: {}, complete: false,
  });
  const steps = [{}];
  const a = partial(clone(full));
  for (const id of Object.keys(a.approaches)) {
    if (id !== 'shared') delete a.approaches[id];
  }
  if (a.approaches.shared) {
    cut(a.approaches.shared, 1);
    a.approaches.shared.seed_accuracies = [a.approaches.shared.test_accuracy];
    a.approaches.shared.test_accuracy_std = 0;
  }
  steps.push(a);
  const b = partial(clone(full));
  for (const x of Object.values(b.approaches)) {
    cut(x, 1);
    x.members = x.members.slice(0, Math.ceil(x.members.length / 2));
  }
  steps.push(b);
  steps.push(full);
  return steps;
}

function liveFilters(report, t) {
  const sets = report.similarity?.filter_sets ?? [];
  const filters = new Map();
  for (const s of sets) filters.set(s.index, Float32Array.from(s.init, (v, i) => v + (s.trained[i] - v) * t));
  return {
    running: true,
    filters,
    models: sets.map((s) => ({ index: s.index, label: s.label, approach: s.approach, member: s.member, filter_shape: s.shape })),
  };
}

async function main() {
  const which = FIXTURES[params.get('report')] ?? FIXTURES.mnist;
  const figure = params.get('figure');
  const url = figure && /^[\w-]+$/.test(figure) ? `../figures/${figure}.json` : `fixtures/report-${which}.json`;
  const report = await (await fetch(url)).json();
  if (params.has('xss')) inject(report);
  let data;
  try {
    data = await realData(report);
  } catch (e) {
    data = fakeData(report);
    data.why = String(e.message ?? e);
  }
  const ctx = {
    classNames: report.dataset.class_names,
    testLabels: data.labels,
    testImages: data.images,
    score: stubScore(report),
    onError,
  };
  const panels = document.getElementById('panels');
  const hidden = new Set((params.get('hide') ?? '').split(',').filter(Boolean));
  const made = [];
  const entries = [{ id: 'summary', title: 'Results', createView: summary.createView }, ...VIEW_IDS.map((id) => views[id])];
  for (const v of entries) {
    if (hidden.has(v.id)) continue;
    const body = document.createElement('div');
    body.className = 'view-panel-body';
    const h = document.createElement('h2');
    h.textContent = v.title;
    const section = document.createElement('section');
    section.className = 'view-panel';
    section.id = v.id;
    section.append(h, body);
    panels.append(section);
    made.push(v.createView(body, ctx));
  }
  status.textContent = `Fixture ${which}; ${data.source}${data.why ? ` (${data.why})` : ''}; draw panel scores are a stub.`;
  if (params.has('replay')) {
    const steps = partials(report);
    // `step=N` stops the replay at step N, to look at a partial state at leisure.
    const stop = params.has('step') ? Math.min(Number(params.get('step')), steps.length - 1) : steps.length - 1;
    for (let i = 0; i <= stop; i++) {
      const live = i < steps.length - 1 ? liveFilters(report, i / steps.length) : { running: false, filters: new Map(), models: [], failures: [] };
      for (const v of made) v.update(steps[i], live);
      document.body.dataset.replayStep = String(i);
      await new Promise((r) => setTimeout(r, 250));
    }
  } else {
    for (const v of made) v.update(report, { running: false, filters: new Map(), models: [], failures: [] });
  }
  document.body.dataset.viewsState = 'ready';
}

main().catch((e) => {
  onError(`dev page: ${e.stack ?? e}`);
  document.body.dataset.viewsState = 'error';
});
