// The article's page script. Two jobs:
// 1. Fill every <span data-figure="NAME" data-path="a.b.c" data-format="pct"> from the committed
//    results document www/figures/NAME.json (made by the CLI, see scripts/figures.sh), so that the
//    numbers in the text are the numbers of the runs, never typed by hand.
// 2. Run the embedded labs (<div class="article-lab" data-lab="ID" data-settings="query">): each is
//    created with createLab() when it scrolls into view, and they run one after another, never two
//    at once. When a lab is done, its finding (<p data-finding="ID">) is written from its report.
import { createLab } from './lab.js';

// ---------------------------------------------------------------------------------------------
// Committed figures

const figureCache = new Map();

/** The results document www/figures/NAME.json (fetched once). */
export function loadFigure(name) {
  if (!figureCache.has(name)) {
    const url = new URL(`../figures/${encodeURIComponent(name)}.json`, import.meta.url);
    figureCache.set(name, fetch(url).then((r) => {
      if (!r.ok) throw new Error(`figures/${name}.json: HTTP ${r.status}`);
      return r.json();
    }));
  }
  return figureCache.get(name);
}

/** `a.b.0.c` in `obj`; a negative index counts from the end of an array. */
export function getPath(obj, path) {
  let v = obj;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v) && /^-?\d+$/.test(part)) {
      const i = Number(part);
      v = v[i < 0 ? v.length + i : i];
    } else {
      v = v[part];
    }
  }
  return v;
}

const nf = (digits) => (x) => x.toFixed(digits);

/**
 * How a value is printed. `other` is the value named by data-minus / data-over, when given.
 * pct: 91.4% · pct2: 91.35% · pp: 0.4 (percentage points, no sign) · dpp: +1.2 (a − b in points,
 * signed) · int: 42,090 · secs: 5.2 · num2 / num3: 0.94 / 0.935 · ratio: 3.7× (a / b) ·
 * wins: 2 of 3 (seeds where a > b, seed by seed) · pcts: 91.4 · 92.3 · 90.7 (a list, in %) ·
 * text: as is.
 */
export function formatValue(format, value, other) {
  const num = (x) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`not a number: ${JSON.stringify(x)}`);
    return x;
  };
  switch (format) {
    case 'pct': return `${nf(1)(100 * num(value))}%`;
    case 'pct2': return `${nf(2)(100 * num(value))}%`;
    case 'pp': return nf(1)(100 * num(value));
    case 'dpp': {
      const d = 100 * (num(value) - num(other));
      const s = nf(1)(Math.abs(d));
      return `${d < 0 && s !== '0.0' ? '−' : d > 0 && s !== '0.0' ? '+' : '±'}${s}`;
    }
    case 'int': return Math.round(num(value)).toLocaleString('en');
    case 'secs': return nf(1)(num(value));
    case 'num2': return nf(2)(num(value));
    case 'num3': return nf(3)(num(value));
    case 'ratio': return `${nf(1)(num(value) / num(other))}×`;
    case 'wins': {
      if (!Array.isArray(value) || !Array.isArray(other) || value.length !== other.length) throw new Error('wins needs two arrays of the same length');
      return `${value.filter((a, i) => a > other[i]).length} of ${value.length}`;
    }
    case 'pcts': {
      if (!Array.isArray(value)) throw new Error('pcts needs an array');
      return value.map((x) => `${nf(1)(100 * num(x))}`).join(' · ');
    }
    case 'text': return String(value);
    default: throw new Error(`unknown format ${format}`);
  }
}

/** "name:path" or "path" (then in `defaultName`) → [name, path]. */
function reference(text, defaultName) {
  const i = text.indexOf(':');
  return i < 0 ? [defaultName, text] : [text.slice(0, i), text.slice(i + 1)];
}

async function fillFigure(span) {
  const name = span.dataset.figure;
  const format = span.dataset.format || 'text';
  try {
    const doc = await loadFigure(name);
    const value = getPath(doc, span.dataset.path);
    let other;
    const ref = span.dataset.minus || span.dataset.over;
    if (ref) {
      const [otherName, otherPath] = reference(ref, name);
      other = getPath(await loadFigure(otherName), otherPath);
    }
    if (value === undefined) throw new Error(`${span.dataset.path} is not in figures/${name}.json`);
    span.textContent = formatValue(format, value, other);
    span.dataset.filled = '1';
    span.title = `from figures/${name}.json: ${span.dataset.path}${ref ? ` and ${ref}` : ''}`;
  } catch (e) {
    span.textContent = '(missing)';
    span.dataset.filled = 'error';
    console.error(`figure ${name}: ${e.message}`);
  }
}

/** The commands that made the figures, from www/figures/manifest.json. */
async function fillCommands() {
  const manifest = await loadFigure('manifest');
  for (const code of document.querySelectorAll('[data-command]')) {
    const entry = manifest[code.dataset.command];
    code.textContent = entry ? entry.command : '(not in the manifest)';
  }
  const body = document.querySelector('[data-manifest] tbody');
  if (!body) return;
  const rows = Object.entries(manifest).map(([name, entry]) => {
    const tr = document.createElement('tr');
    const a = document.createElement('a');
    a.href = `figures/${name}.json`;
    a.textContent = name;
    const code = document.createElement('code');
    code.textContent = entry.command;
    const cells = [a, code, `${entry.wall_seconds} s`].map((c) => {
      const td = document.createElement('td');
      td.append(c);
      return td;
    });
    tr.append(...cells);
    return tr;
  });
  body.replaceChildren(...rows);
}

// ---------------------------------------------------------------------------------------------
// Sentences written from a live lab's report

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const pts = (x) => `${(100 * Math.abs(x)).toFixed(1)} points`;
const NAMES = { shared: 'the shared network', ovr: 'one-vs-rest', 'positive-only': 'positive-only', trunk: 'the shared trunk' };

/** Is the gap between two approaches' accuracies more than noise? An honest phrase either way. */
export function gapVerdict(rep, a, b) {
  const A = rep.approaches[a];
  const B = rep.approaches[b];
  const d = A.test_accuracy - B.test_accuracy;
  const seeds = rep.config.seeds;
  if (seeds > 1) {
    const spread = Math.max(A.test_accuracy_std, B.test_accuracy_std);
    const wins = A.seed_accuracies.filter((x, i) => x > B.seed_accuracies[i]).length;
    const seedText = `${NAMES[a]} was ahead on ${wins} of ${seeds} seeds`;
    if (Math.abs(d) <= spread) return `a gap of ${pts(d)}, within the spread between seeds (sd up to ${pts(spread)}); ${seedText}`;
    return `a gap of ${pts(d)}, larger than the spread between seeds (sd up to ${pts(spread)}); ${seedText}`;
  }
  // One seed: the only noise we can state is the test set's (binomial, both models on n images).
  const n = rep.dataset.test_count;
  const se = Math.sqrt((A.test_accuracy * (1 - A.test_accuracy) + B.test_accuracy * (1 - B.test_accuracy)) / n);
  if (Math.abs(d) < 2 * se) return `a gap of ${pts(d)} from a single run (one seed), smaller than the noise of a ${n}-image test set alone (about ±${pts(2 * se)}): no difference shown`;
  return `a gap of ${pts(d)} from a single run (one seed); beyond the test set's noise (about ±${pts(2 * se)}), but one seed says nothing about the spread between seeds`;
}

function member(rep, approach, name) {
  const A = rep.approaches[approach];
  const k = rep.dataset.class_names.indexOf(name);
  const m = A && A.members.find((x) => x.member === k);
  if (!m) return null;
  const support = rep.approaches[approach].per_class[k].support;
  const n = rep.dataset.test_count;
  const recall = m.positive_recall.at(-1);
  const acc = m.binary_accuracy.at(-1);
  // binary accuracy = (TP + TN) / n, so the other classes' images called positive are:
  const tp = recall * support;
  const tn = acc * n - tp;
  const falsePositive = 1 - tn / (n - support);
  return { recall, acc, falsePositive, base: 1 - support / n };
}

const classList = (rep) => rep.dataset.class_names.join(', ');

const FINDINGS = {
  'dog-only': (rep) => {
    const po = rep.approaches['positive-only'];
    const sh = rep.approaches.shared;
    const k = rep.dataset.class_names.length;
    const n = rep.dataset.test_count;
    const dog = member(rep, 'positive-only', 'Dog');
    let say;
    if (dog.falsePositive >= 0.95) say = 'it learned to answer “yes” to everything';
    else if (dog.falsePositive >= 0.5) say = 'it answers “yes” to most images, dog or not';
    else say = 'it does separate dogs from the rest to some degree';
    // Is the ensemble above chance by more than the test set's noise?
    const noise = 2 * Math.sqrt((1 / k) * (1 - 1 / k) / n);
    const vsChance = po.test_accuracy > 1 / k + noise
      ? `above chance (${pct(1 / k)}, ±${pts(noise)} on ${n} images): although every model says “yes”, how strongly it says it still carries a trace of the images it saw`
      : `no better than chance (${pct(1 / k)}, ±${pts(noise)} on ${n} images)`;
    return `In this run (${classList(rep)}), the dog-only model called ${pct(dog.recall)} of the dogs “dog” — and ${pct(dog.falsePositive)} of the other animals too: ${say}. ` +
      `Taking the class whose model gives the highest score, the ${k} positive-only models got ${pct(po.test_accuracy)}, ${vsChance}; one shared network trained on the same images got ${pct(sh.test_accuracy)}.`;
  },
  'dog-vs-rest': (rep) => {
    const dog = member(rep, 'ovr', 'Dog');
    const ovr = rep.approaches.ovr;
    const k = rep.dataset.class_names.length;
    const verdict = dog.acc > dog.base + 0.005 ? 'above' : 'no better than';
    return `In this run the dog-vs-not-dog model was right on ${pct(dog.acc)} of the test images, ${verdict} the ${pct(dog.base)} of a model that always answers “not a dog”; it found ${pct(dog.recall)} of the dogs and wrongly flagged ${pct(dog.falsePositive)} of the other animals. ` +
      `Combined by the highest score, the ${k} binary models classify ${pct(ovr.test_accuracy)} of the images correctly.`;
  },
  compare: (rep) => {
    const ids = Object.keys(rep.approaches);
    const parts = ids.map((id) => {
      const a = rep.approaches[id];
      return `${NAMES[id]} ${pct(a.test_accuracy)} (${a.params.toLocaleString('en')} parameters in ${a.models} model${a.models > 1 ? 's' : ''}, ${a.train_seconds.toFixed(1)} s of training)`;
    });
    let text = `In this run: ${parts.join('; ')}.`;
    if (rep.approaches.ovr && rep.approaches.shared) {
      const o = rep.approaches.ovr;
      const s = rep.approaches.shared;
      text += ` One-vs-rest ${o.test_accuracy >= s.test_accuracy ? 'leads' : 'trails'} the shared network by ${gapVerdict(rep, 'ovr', 'shared')}, ` +
        `with ${(o.params / s.params).toFixed(1)}× the parameters and ${(o.train_seconds / s.train_seconds).toFixed(1)}× the training time.`;
    }
    if (rep.approaches.trunk && rep.approaches.shared) {
      const t = rep.approaches.trunk;
      const s = rep.approaches.shared;
      text += ` The trunk ${t.test_accuracy >= s.test_accuracy ? 'leads' : 'trails'} the shared network by ${gapVerdict(rep, 'trunk', 'shared')}.`;
    }
    return text;
  },
  'less-data': (rep) => {
    const ids = Object.keys(rep.approaches);
    const parts = ids.map((id) => {
      const a = rep.approaches[id];
      return `${NAMES[id]} ${pct(a.train_accuracy)} on its training images and ${pct(a.test_accuracy)} on the test images (a gap of ${pts(a.train_accuracy - a.test_accuracy)})`;
    });
    return `With ${rep.config.train_per_class} training images per class: ${parts.join('; ')}. One-vs-rest against shared: ${gapVerdict(rep, 'ovr', 'shared')}.`;
  },
  filters: (rep) => {
    const s = rep.similarity;
    if (!s || s.ovr_within === null) return 'This run has no one-vs-rest filters to compare.';
    const [lo, , hi] = s.random_pairs;
    return `The ${rep.approaches.ovr.models} one-vs-rest models started from identical first-layer filters (similarity ${s.ovr_within_init.toFixed(2)}) and ended at a mutual similarity of ${s.ovr_within.toFixed(2)}; ` +
      `the shared network ended at ${s.shared_vs_ovr.toFixed(2)} from them. For scale, two unrelated random initialisations score ${lo.toFixed(2)}–${hi.toFixed(2)}. ` +
      `Counting filters that are not near-copies of another: ${s.ovr_distinct} of the ${s.ovr_filters_total} one-vs-rest filters after training, ${s.ovr_distinct_init} at the start.`;
  },
};

// ---------------------------------------------------------------------------------------------
// Embedded labs: created when scrolled into view, run one at a time

const queue = [];
let busy = false;

function fullLabUrl(query) {
  const url = new URL('index.html', location.href);
  url.search = query;
  return url.href;
}

function setFinding(id, text, state) {
  for (const p of document.querySelectorAll(`[data-finding="${id}"]`)) {
    p.textContent = text;
    p.dataset.state = state;
  }
}

async function runLab(spec) {
  const { root, mount, link } = spec;
  const settings = Object.fromEntries(new URLSearchParams(root.dataset.settings));
  const finding = FINDINGS[root.dataset.explain || root.dataset.lab];
  let lab;
  try {
    lab = await createLab(mount, { ...settings, hide: root.dataset.hide || 'controls,actions,export,draw', workers: 2 });
  } catch (e) {
    root.dataset.labState = 'error';
    setFinding(root.dataset.lab, `The lab could not start: ${e.message || e}`, 'error');
    return;
  }
  // lab.link() may keep this page's path; the full lab is index.html with the same query.
  link.href = fullLabUrl(new URL(lab.link()).search);
  lab.on('state', (state) => { root.dataset.labState = state; });
  lab.on('start', () => setFinding(root.dataset.lab, 'Training… the finding appears here when the lab is done.', 'running'));
  lab.on('done', (report) => {
    try {
      setFinding(root.dataset.lab, finding ? finding(report) : '', 'done');
    } catch (e) {
      console.error(e);
      setFinding(root.dataset.lab, `Could not read this run's report: ${e.message}`, 'error');
    }
  });
  lab.on('error', (e) => setFinding(root.dataset.lab, `The run failed: ${e.message}`, 'error'));
  await lab.run();
}

async function pump() {
  if (busy) return;
  const spec = queue.shift();
  if (!spec) return;
  busy = true;
  try {
    await runLab(spec);
  } catch (e) {
    console.error(e);
  } finally {
    busy = false;
    pump();
  }
}

function enqueue(spec) {
  if (spec.queued) return;
  spec.queued = true;
  spec.root.classList.add('article-lab-queued');
  if (busy || queue.length) setFinding(spec.root.dataset.lab, 'Queued: this lab starts when the one above has finished.', 'queued');
  queue.push(spec);
  pump();
}

function setUpLabs() {
  const specs = [];
  for (const root of document.querySelectorAll('.article-lab[data-lab]')) {
    const mount = document.createElement('div');
    mount.className = 'article-lab-mount';
    const placeholder = document.createElement('p');
    placeholder.className = 'article-lab-placeholder';
    placeholder.textContent = 'This small lab trains when you scroll to it.';
    mount.append(placeholder);
    const bar = document.createElement('p');
    bar.className = 'article-lab-bar';
    const link = document.createElement('a');
    link.href = fullLabUrl(root.dataset.settings);
    link.textContent = 'Open these settings in the full lab';
    const settings = document.createElement('code');
    settings.className = 'article-lab-settings';
    settings.textContent = root.dataset.settings.replaceAll('&', ' · ');
    bar.append(link, ' ', settings);
    root.dataset.labState = 'idle';
    root.replaceChildren(bar, mount);
    specs.push({ root, mount, link });
  }
  if (!('IntersectionObserver' in window)) {
    for (const s of specs) enqueue(s);
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const spec = specs.find((s) => s.root === entry.target);
      observer.unobserve(entry.target);
      if (spec) enqueue(spec);
    }
  }, { rootMargin: '0px 0px 200px 0px' });
  for (const s of specs) observer.observe(s.root);
}

if (typeof document !== 'undefined') {
  for (const span of document.querySelectorAll('[data-figure]')) fillFigure(span);
  fillCommands().catch((e) => console.error(`manifest: ${e.message}`));
  setUpLabs();
}
