// Helpers shared by the views: number formatting, the wording that compares two results against
// their spread, captions, charts and small canvases. Elements are built with dom.js's el(), never
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

/**
 * How `a` compares with `b`, judged against their seed spreads: never a winner when the
 * difference is inside the spread or when there is only one run.
 */
export function compareText(a, b) {
  const n = Math.min(seedsOf(a), seedsOf(b));
  const d = (a.test_accuracy - b.test_accuracy) * 100;
  const abs = Math.abs(d).toFixed(1);
  if (Math.abs(d) < 0.05) {
    return n < 2 ? 'the same to one decimal, in a single run (1 seed): no spread' : `the same to one decimal (${n} seeds)`;
  }
  if (n < 2) {
    return `a single run (1 seed): no spread, so a ${abs}-point difference cannot be told from seed-to-seed noise`;
  }
  const spread = (a.test_accuracy_std + b.test_accuracy_std) * 100;
  if (Math.abs(d) <= spread) {
    return `a ${abs}-point difference, inside the spread (± ${pts(a.test_accuracy_std)} and ± ${pts(b.test_accuracy_std)} over ${n} seeds)`;
  }
  const dir = d > 0 ? 'higher' : 'lower';
  const strength = n < 5 ? `only ${n} seeds: a hint, not proof` : `${n} seeds`;
  return `${abs} points ${dir}, more than the two spreads together (${strength})`;
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

/** Sentences built from ids ("one-vs-rest: …") still start with a capital. */
export function capitalise(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The caption element under a view; `set` replaces its sentences. */
export function makeCaption(parent) {
  const node = el('p', { className: 'view-caption', 'aria-live': 'polite' });
  parent.append(node);
  return {
    node,
    set(...sentences) {
      node.textContent = sentences.filter(Boolean).map(capitalise).join(' ');
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
