// The article's page script. Three jobs, none of which computes a result:
// 1. Fill every <span data-figure="NAME" data-path="a.b.c" data-format="pct"> from the committed
//    results document www/figures/NAME.json (made by the CLI, see scripts/figures.sh), so that the
//    numbers and verdict sentences in the text are those of the runs, never typed by hand.
// 2. Check every claim the prose makes (<… data-claim="NAME:path = value">) against those files: a
//    claim the data no longer supports is marked on the page and reported as an error.
// 3. Run the embedded labs (<div class="article-lab" data-lab="ID" data-settings="query">) when
//    they scroll into view, one after another; when a lab is done, its finding
//    (<p data-finding="ID">) prints the sentences its report states (data-findings: keys of the
//    report's `findings`).
import { createLab } from './lab.js';
import { registerServiceWorker } from './offline.js';

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

/**
 * `a.b.0.c` in `obj`: a number indexes an array (negative from the end); `@key=value` picks the
 * array element whose `key` is `value` (e.g. `comparisons.@approach=ovr.text`).
 */
export function getPath(obj, path) {
  let v = obj;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v) && part.startsWith('@')) {
      const [key, value] = part.slice(1).split('=');
      v = v.find((x) => String(x?.[key]) === value);
    } else if (Array.isArray(v) && /^-?\d+$/.test(part)) {
      v = v.at(Number(part));
    } else {
      v = v[part];
    }
  }
  return v;
}

const num = (x) => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`not a number: ${JSON.stringify(x)}`);
  return x;
};
const points = (x) => (100 * num(x)).toFixed(1);
const signed = (x) => {
  const s = points(Math.abs(x));
  if (s === '0.0') return '±0.0';
  return `${x < 0 ? '−' : '+'}${s}`;
};

/**
 * How a value is printed (formatting only: every number is the file's).
 * pct: 91.4% · pct2: 91.35% · pp: 0.4 (points) · signed: +1.2 (points, with sign) · interval:
 * −0.2 to +2.9 (points) · int: 42,090 · secs: 5.2 · num2 / num3: 0.94 / 0.935 · times: 3.7× ·
 * verdict: ahead / behind / no difference shown · pcts: 91.4 · 92.3 (a list, in %) · sentences:
 * a list of the report's sentences, one after the other · text: as is.
 */
export function formatValue(format, value) {
  switch (format) {
    case 'pct': return `${points(value)}%`;
    case 'pct2': return `${(100 * num(value)).toFixed(2)}%`;
    case 'pp': return points(value);
    case 'signed': return signed(value);
    case 'interval': return `${signed(value[0])} to ${signed(value[1])}`;
    case 'int': return Math.round(num(value)).toLocaleString('en');
    case 'secs': return num(value).toFixed(1);
    case 'num2': return num(value).toFixed(2);
    case 'num3': return num(value).toFixed(3);
    case 'times': return `${num(value).toFixed(1)}×`;
    case 'verdict': return String(value).replaceAll('_', ' ');
    case 'pcts': return value.map(points).join(' · ');
    case 'sentences': return value.join(' ');
    case 'text': return String(value);
    default: throw new Error(`unknown format ${format}`);
  }
}

async function fillFigure(span) {
  const name = span.dataset.figure;
  try {
    const value = getPath(await loadFigure(name), span.dataset.path);
    if (value === undefined || value === null) throw new Error(`${span.dataset.path} is not in figures/${name}.json`);
    span.textContent = formatValue(span.dataset.format || 'text', value);
    span.dataset.filled = '1';
    span.title = `from figures/${name}.json: ${span.dataset.path}`;
  } catch (e) {
    span.textContent = '(missing)';
    span.dataset.filled = 'error';
    console.error(`figure ${name}: ${e.message}`);
  }
}

/** `NAME:path OP value` with OP one of `=`, `!=`, `<`, `>`; true when the data supports it. */
export function parseClaim(text) {
  const m = /^([\w-]+):(\S+)\s*(!=|=|<|>)\s*(.+)$/.exec(text.trim());
  if (!m) throw new Error(`unreadable claim "${text}"`);
  return { name: m[1], path: m[2], op: m[3], value: m[4].trim() };
}

export function holds(actual, op, expected) {
  const n = Number(expected);
  switch (op) {
    case '=': return String(actual) === expected;
    case '!=': return String(actual) !== expected;
    case '<': return num(actual) < n;
    case '>': return num(actual) > n;
    default: return false;
  }
}

async function checkClaim(node) {
  for (const text of node.dataset.claim.split(';').filter((t) => t.trim())) {
    try {
      const c = parseClaim(text);
      const actual = getPath(await loadFigure(c.name), c.path);
      if (!holds(actual, c.op, c.value)) throw new Error(`figures/${c.name}.json has ${c.path} = ${JSON.stringify(actual)}`);
    } catch (e) {
      node.dataset.claimState = 'failed';
      node.title = `This sentence disagrees with the data: ${e.message}`;
      console.error(`claim "${text}": ${e.message}`);
      return;
    }
  }
  node.dataset.claimState = 'ok';
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
  body.replaceChildren(...Object.entries(manifest).map(([name, entry]) => {
    const tr = document.createElement('tr');
    const a = document.createElement('a');
    a.href = `figures/${name}.json`;
    a.textContent = name;
    const code = document.createElement('code');
    code.textContent = entry.command;
    for (const c of [a, code, `${entry.wall_seconds} s`]) {
      const td = document.createElement('td');
      td.append(c);
      tr.append(td);
    }
    return tr;
  }));
}

// ---------------------------------------------------------------------------------------------
// Embedded labs: created when scrolled into view, run one at a time

const queue = [];
let busy = false;

function fullLabUrl(query) {
  const url = new URL('index.html', location.href);
  url.search = query;
  return url.href;
}

function setFinding(id, sentences, state) {
  for (const p of document.querySelectorAll(`[data-finding="${id}"]`)) {
    p.textContent = sentences.join(' ');
    p.dataset.state = state;
  }
}

/** The sentences the report states under the lab's keys (data-findings, comma-separated). */
export function labFindings(report, keys) {
  return keys.split(',').map((k) => k.trim()).filter(Boolean).flatMap((k) => report.findings?.[k] ?? []);
}

async function runLab(spec) {
  const { root, mount, link } = spec;
  const id = root.dataset.lab;
  const settings = Object.fromEntries(new URLSearchParams(root.dataset.settings));
  let lab;
  try {
    lab = await createLab(mount, { ...settings, hide: root.dataset.hide || 'controls,actions,export,draw', workers: 2 });
  } catch (e) {
    root.dataset.labState = 'error';
    setFinding(id, [`The lab could not start: ${e.message || e}`], 'error');
    return;
  }
  // lab.link() may keep this page's path; the full lab is index.html with the same query.
  link.href = fullLabUrl(new URL(lab.link()).search);
  lab.on('state', (state) => { root.dataset.labState = state; });
  lab.on('start', () => setFinding(id, ['Training… the finding appears here when the lab is done.'], 'running'));
  lab.on('done', (report) => setFinding(id, labFindings(report, root.dataset.findings || 'summary'), 'done'));
  lab.on('error', (e) => setFinding(id, [`The run failed: ${e.message}`], 'error'));
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
  if (busy || queue.length) setFinding(spec.root.dataset.lab, ['Queued: this lab starts when the one above has finished.'], 'queued');
  queue.push(spec);
  pump();
}

function labShell(root) {
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
  return { root, mount, link };
}

function setUpLabs() {
  const specs = [...document.querySelectorAll('.article-lab[data-lab]')].map(labShell);
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
  for (const node of document.querySelectorAll('[data-claim]')) checkClaim(node);
  fillCommands().catch((e) => console.error(`manifest: ${e.message}`));
  setUpLabs();
  // The article works offline after a first visit, with the labs the reader ran (js/offline.js).
  registerServiceWorker();
}
