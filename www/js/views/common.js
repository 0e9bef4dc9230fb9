// Helpers shared by the views: number formatting, reading the report's findings and comparisons,
// captions, charts and small canvases. Nothing here judges a result: the report does (findings,
// comparisons), and the views print what it says. Elements are built with dom.js's el(), never
// from HTML (class names come from user files).
import { el } from '../dom.js';

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

/** The report's class names; missing names fall back to indices so nothing breaks mid-run. */
export function classNames(report, ctx) {
  return report?.dataset?.class_names ?? ctx?.classNames ?? [];
}

export function hasApproaches(report) {
  return Boolean(report?.approaches && Object.keys(report.approaches).length);
}

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

/** 0.9305 -> "93.1%". */
export function pct(x, digits = 1) {
  return finite(x) ? `${(x * 100).toFixed(digits)}%` : '–';
}

/** Points of percentage, for spreads and differences: 0.0064 -> "0.6". */
export function pts(x, digits = 1) {
  return finite(x) ? (x * 100).toFixed(digits) : '–';
}

/** Seeds behind an approach's final accuracy (fewer than configured while a run is partial). */
export function seedsOf(a) {
  return Array.isArray(a?.seed_accuracies) ? a.seed_accuracies.length : 0;
}

/** "93.1% ± 0.6" with several seeds, "93.1%" with one. */
export function accText(a) {
  if (!a || !finite(a.test_accuracy) || seedsOf(a) === 0) return '–';
  return seedsOf(a) > 1 ? `${pct(a.test_accuracy)} ± ${pts(a.test_accuracy_std)}` : pct(a.test_accuracy);
}

/** Points with a sign, for differences and interval ends: 0.0213 -> "+2.1", -0.004 -> "−0.4". */
export function signedPts(x, digits = 1) {
  if (!finite(x)) return '–';
  const s = Math.abs(x * 100).toFixed(digits);
  if (Number(s) === 0) return `±${s}`;
  return `${x > 0 ? '+' : '−'}${s}`;
}

/** The report's verdict ids (stats::Verdict) in words. */
const VERDICTS = { ahead: 'ahead', behind: 'behind', no_difference_shown: 'no difference shown' };
export function verdictWords(v) {
  return VERDICTS[v] ?? String(v ?? '–').replaceAll('_', ' ');
}

/** "+1.2 to +3.4 points": a 95% interval as the report states it (`unit` false: no "points"). */
export function intervalText(iv, unit = true) {
  return Array.isArray(iv) && iv.length === 2 ? `${signedPts(iv[0])} to ${signedPts(iv[1])}${unit ? ' points' : ''}` : '–';
}

/** The sentences the report states for view `id` (report.findings), or none. */
export function findingsOf(report, id) {
  const f = report?.findings?.[id];
  return Array.isArray(f) ? f.filter((x) => typeof x === 'string' && x) : [];
}

/** The report's comparison of approach `id` with the baseline, if any. */
export function comparisonOf(report, id) {
  return (report?.comparisons ?? []).find((c) => c.approach === id) ?? null;
}

/** Integers with thousands separators, fixed locale so captions read the same everywhere. */
export function int(x) {
  return finite(x) ? Math.round(x).toLocaleString('en-US') : '–';
}

/** 1.3e10 -> "13.3 G"; for FLOPs and rates. */
export function si(x, digits = 3) {
  if (!finite(x)) return '–';
  const units = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) {
    if (Math.abs(x) >= v) return `${Number((x / v).toPrecision(digits))} ${u}`;
  }
  return `${Number(x.toPrecision(digits))} `;
}

export function fixed(x, digits = 3) {
  return finite(x) ? x.toFixed(digits) : '–';
}

/**
 * The caption under a view: fixed text that explains what is drawn (no judgement), then the
 * report's findings for the view, printed verbatim, one per line.
 */
export function makeCaption(parent) {
  const node = el('div', { className: 'view-caption', 'aria-live': 'polite' });
  parent.append(node);
  return {
    node,
    /** `explain`: sentences of fixed text; `findings`: the report's sentences. */
    set(explain = [], findings = []) {
      const ex = explain.filter(Boolean);
      node.replaceChildren(...[
        ex.length ? el('p', { className: 'view-explain', textContent: ex.join(' ') }) : null,
        findings.length ? el('ul', { className: 'view-findings' }, findings.map((f) => el('li', { textContent: f }))) : null,
      ].filter(Boolean));
      node.hidden = !ex.length && !findings.length;
    },
  };
}

/** The one sentence every view shows before there is anything to draw. */
export function waitingText(what, when = 'as models finish their epochs') {
  return `No ${what} yet: ${what} appear${what.endsWith('s') ? '' : 's'} here ${when}.`;
}

/** Chart.js, loaded by the page as a classic script; a view without it says so instead of throwing. */
export function chartLib(ctx) {
  const lib = globalThis.Chart;
  if (!lib) ctx?.onError?.('Chart.js is not loaded (vendor/chart.umd.min.js): charts cannot be drawn.');
  return lib;
}

/** Defaults shared by every chart: system font, muted grid, no animation (updates arrive often). */
export function baseChartOptions() {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    normalized: true,
    interaction: { mode: 'nearest', intersect: false },
    plugins: {
      legend: { labels: { boxWidth: 14, boxHeight: 2, color: '#333' } },
      tooltip: { backgroundColor: 'rgba(30, 30, 30, 0.9)' },
    },
  };
}

export const SYSTEM_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export function setChartDefaults(Chart) {
  Chart.defaults.font.family = SYSTEM_FONT;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#444';
  Chart.defaults.borderColor = '#e4e4e4';
}

/**
 * Arrow-key navigation over a grid of focusable items with one tab stop (roving tabindex), so a
 * 10 × 10 matrix costs a keyboard user one Tab, not a hundred. `items[r][c]` may be ragged.
 */
export function rovingGrid(items, onMove) {
  let cur = [0, 0];
  const all = items.flat();
  all.forEach((n) => n.setAttribute('tabindex', '-1'));
  if (all.length) items[0][0].setAttribute('tabindex', '0');
  const focus = (r, c) => {
    const row = items[r];
    if (!row || !row[c]) return;
    items[cur[0]][cur[1]]?.setAttribute('tabindex', '-1');
    cur = [r, c];
    row[c].setAttribute('tabindex', '0');
    row[c].focus();
    onMove?.(r, c);
  };
  items.forEach((row, r) => row.forEach((node, c) => {
    node.addEventListener('focus', () => {
      items[cur[0]][cur[1]]?.setAttribute('tabindex', '-1');
      cur = [r, c];
      node.setAttribute('tabindex', '0');
    });
    node.addEventListener('keydown', (e) => {
      const moves = {
        ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0],
      };
      if (e.key === 'Home') { e.preventDefault(); focus(r, 0); return; }
      if (e.key === 'End') { e.preventDefault(); focus(r, items[r].length - 1); return; }
      const m = moves[e.key];
      if (!m) return;
      e.preventDefault();
      const nr = Math.max(0, Math.min(items.length - 1, r + m[0]));
      const nc = Math.max(0, Math.min(items[nr].length - 1, c + m[1]));
      focus(nr, nc);
    });
  }));
}

/**
 * Draws test images (HWC bytes, 0 background, 255 ink) as dark ink on white, one canvas each,
 * so they look like the digits a reader would write.
 */
export function imageCanvas(pixels, offset, width, height, channels, alt) {
  const canvas = el('canvas', { className: 'test-image', width, height, role: 'img', 'aria-label': alt });
  const g = canvas.getContext('2d');
  const img = g.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) {
      const v = pixels[offset + i * channels + (channels >= 3 ? k : 0)] ?? 0;
      img.data[i * 4 + k] = channels >= 3 ? v : 255 - v;
    }
    img.data[i * 4 + 3] = 255;
  }
  g.putImageData(img, 0, 0);
  return canvas;
}

/**
 * A plain data table in a sideways-scrolling region: `head` is a list of column titles (text, or
 * `[title, subtitle]`), `rows` a list of rows whose first cell is the row header; a cell is text
 * or a node.
 */
export function dataTable(label, head, rows, className = '') {
  const th = (h) => (Array.isArray(h)
    ? el('th', { scope: 'col' }, h[0], el('span', { className: 'th-sub', textContent: h[1] }))
    : el('th', { scope: 'col', textContent: h }));
  const cell = (c, i) => {
    const tag = i === 0 ? 'th' : 'td';
    const props = i === 0 ? { scope: 'row' } : {};
    return c instanceof Node ? (c.tagName === tag.toUpperCase() ? c : el(tag, props, c)) : el(tag, { ...props, textContent: c ?? '–' });
  };
  const table = el('table', { className: `data-table ${className}`.trim() },
    el('thead', {}, el('tr', {}, head.map(th))),
    el('tbody', {}, rows.map((r) => (r instanceof Node ? r : el('tr', {}, r.map(cell))))));
  return el('div', { className: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': label }, table);
}
