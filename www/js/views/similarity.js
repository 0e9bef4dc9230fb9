// Filter similarity across models, after training beside the same at initialisation, with the
// spread of unrelated random filters: a similarity number means nothing without those two
// baselines, so they are always drawn next to it.
import { el } from '../dom.js';
import { viridis } from './palette.js';
import {
  clear, dataTable, findingsOf, fixed, makeCaption, waitingText,
} from './common.js';

const isMatrix = (m, n) => Array.isArray(m) && m.length === n && m.every((r) => Array.isArray(r) && r.length === n);

function heatmap(title) {
  const canvas = el('canvas', { className: 'sim-canvas', role: 'img', 'aria-label': title });
  const readout = el('p', { className: 'sim-readout', textContent: 'Hover a cell for the pair and its value.' });
  const fig = el('figure', { className: 'sim-block' }, el('figcaption', { className: 'chart-title', textContent: title }), canvas, readout);
  return { fig, canvas, readout, layout: null };
}

function draw(h, labels, matrix, domain, widthCss) {
  const n = labels.length;
  const dpr = globalThis.devicePixelRatio || 1;
  const g0 = h.canvas.getContext('2d');
  const fontOf = (px) => `${px}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  const layout = (px) => {
    g0.font = fontOf(px);
    const lw = Math.min(130, Math.ceil(Math.max(0, ...labels.map((l) => g0.measureText(l).width))) + 6);
    return [lw, Math.max(6, Math.min(n <= 8 ? 36 : 20, Math.floor((widthCss - lw - 4) / n)))];
  };
  // Labels one per cell: on a narrow screen the font shrinks with the cells (down to 8 px).
  let px = 11;
  let [labelW, cell] = layout(px);
  if (cell < px) {
    px = Math.max(8, cell);
    [labelW, cell] = layout(px);
  }
  const font = fontOf(px);
  const side = cell * n;
  const w = labelW + side + 2;
  const hgt = labelW + side + 2;
  h.canvas.width = Math.round(w * dpr);
  h.canvas.height = Math.round(hgt * dpr);
  h.canvas.style.width = `${w}px`;
  h.canvas.style.height = `${hgt}px`;
  const g = h.canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, hgt);
  g.font = font;
  g.fillStyle = '#333';
  g.textBaseline = 'middle';
  const fit = (s) => {
    if (g.measureText(s).width <= labelW - 6) return s;
    let t = s;
    while (t.length > 1 && g.measureText(`${t}…`).width > labelW - 6) t = t.slice(0, -1);
    return `${t}…`;
  };
  labels.forEach((l, i) => {
    g.textAlign = 'right';
    g.fillText(fit(l), labelW - 4, labelW + i * cell + cell / 2);
    g.save();
    g.translate(labelW + i * cell + cell / 2, labelW - 4);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'left';
    g.fillText(fit(l), 0, 0);
    g.restore();
  });
  // One pixel per cell, scaled up in one drawImage: a fillRect with a colour string per cell
  // held the main thread for tens of milliseconds with 50 models (5,000 cells for two maps).
  const [lo, hi] = domain;
  const pixels = new ImageData(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      // A model with itself is 1 by definition: grey, so it does not stretch the scale.
      const rgb = i === j ? [216, 216, 216] : (Number.isFinite(v) ? viridis((v - lo) / (hi - lo || 1)) : [255, 255, 255]);
      pixels.data.set([...rgb, 255], (i * n + j) * 4);
    }
  }
  const tile = document.createElement('canvas');
  tile.width = n;
  tile.height = n;
  tile.getContext('2d').putImageData(pixels, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(tile, labelW, labelW, side, side);
  h.layout = { labelW, cell, n, labels, matrix };
}

function bindHover(h, what) {
  h.canvas.addEventListener('mousemove', (e) => {
    const L = h.layout;
    if (!L) return;
    const rect = h.canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - rect.left - L.labelW) / L.cell);
    const i = Math.floor((e.clientY - rect.top - L.labelW) / L.cell);
    if (i < 0 || j < 0 || i >= L.n || j >= L.n) return;
    h.readout.textContent = `${L.labels[i]} vs ${L.labels[j]} ${what}: ${fixed(L.matrix[i][j], 3)}`;
  });
}

export function createView(container) {
  const root = el('div', { className: 'view view-similarity' });
  const trained = heatmap('After training');
  const init = heatmap('At initialisation (the baseline)');
  bindHover(trained, 'after training');
  bindHover(init, 'at init');
  const pair = el('div', { className: 'sim-row' }, trained.fig, init.fig);
  const scale = el('canvas', { className: 'sim-scale', role: 'img', 'aria-label': 'colour scale' });
  const scaleText = el('p', { className: 'view-note' });
  const summary = el('dl', { className: 'sim-summary' });
  const measure = el('p', { className: 'view-note sim-measure' });
  const tablesBody = el('div');
  const tables = el('details', { className: 'calibration-bins sim-tables' }, el('summary', { textContent: 'The matrices as tables' }), tablesBody);
  root.append(pair, el('div', { className: 'sim-legend' }, scale, scaleText), summary, tables, measure);
  container.append(root);
  const caption = makeCaption(root);
  let last = null;

  // A new width redraws the two heatmaps and the scale, nothing else.
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => { if (last) drawMaps(last); }) : null;
  ro?.observe(root);
  // The tables (2 × K² cells for K models) are built when opened: they are the text alternative of
  // the heatmaps, and with 50 models they would cost the main thread tens of milliseconds each report.
  tables.addEventListener('toggle', () => { if (tables.open && last) fillTables(last); });

  function drawScale(domain, rp) {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.min(320, Math.max(200, root.clientWidth - 20));
    const hgt = 50;
    scale.width = Math.round(w * dpr);
    scale.height = Math.round(hgt * dpr);
    scale.style.width = `${w}px`;
    scale.style.height = `${hgt}px`;
    const g = scale.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const x0 = 10; const x1 = w - 10;
    for (let x = x0; x < x1; x++) {
      const [r, gg, b] = viridis((x - x0) / (x1 - x0));
      g.fillStyle = `rgb(${r}, ${gg}, ${b})`;
      g.fillRect(x, 22, 1, 10);
    }
    const pos = (v) => x0 + ((v - domain[0]) / (domain[1] - domain[0] || 1)) * (x1 - x0);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#333';
    g.textBaseline = 'top';
    g.textAlign = 'left';
    g.fillText(fixed(domain[0], 2), x0, 35);
    g.textAlign = 'right';
    g.fillText(fixed(domain[1], 2), x1, 35);
    if (rp) {
      // Bracket over the bar: where unrelated random filters land.
      const a = pos(rp[0]); const b = pos(rp[2]); const m = pos(rp[1]);
      g.strokeStyle = '#333';
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(a, 20); g.lineTo(a, 14); g.lineTo(b, 14); g.lineTo(b, 20);
      g.moveTo(m, 14); g.lineTo(m, 32);
      g.stroke();
      g.textAlign = 'center';
      g.textBaseline = 'bottom';
      g.fillText('random pairs', Math.max(40, Math.min(w - 40, m)), 12);
    }
  }

  function render(report) {
    const s = report?.similarity;
    const labels = s?.labels ?? [];
    const ok = labels.length > 0 && isMatrix(s.matrix, labels.length) && isMatrix(s.init_matrix, labels.length);
    pair.hidden = !ok;
    scale.parentElement.hidden = !ok;
    summary.hidden = !ok;
    measure.hidden = !ok;
    tables.hidden = !ok;
    if (!ok) return;
    const domain = drawMaps(report);
    scaleText.textContent = `Colour: similarity from ${fixed(domain[0], 2)} to ${fixed(domain[1], 2)}, the same scale for both matrices, stretched over the off-diagonal values and the random baseline; the grey diagonal is a model with itself (1 by definition). The bracket marks where pairs of unrelated random initialisations land: min ${fixed(s.random_pairs?.[0], 3)}, mean ${fixed(s.random_pairs?.[1], 3)}, max ${fixed(s.random_pairs?.[2], 3)}.`;
    clear(summary);
    const rows = [
      ['per-class (one-vs-rest) models with each other', s.ovr_within, s.ovr_within_init],
      ['shared model with each one-vs-rest model', s.shared_vs_ovr, s.shared_vs_ovr_init],
    ];
    for (const [k, a, b] of rows) {
      if (a === null || a === undefined) continue;
      summary.append(el('dt', { textContent: k }), el('dd', { textContent: `${fixed(a, 3)} after training, ${fixed(b, 3)} at init` }));
    }
    if (Number.isFinite(s.ovr_filters_total)) {
      summary.append(el('dt', { textContent: 'distinct one-vs-rest filters' }),
        el('dd', { textContent: `${s.ovr_distinct} of ${s.ovr_filters_total} after training, ${s.ovr_distinct_init} at init${Number.isFinite(s.shared_filters) ? ` (the shared model has ${s.shared_filters})` : ''}` }));
    }
    summary.append(el('dt', { textContent: 'random pairs (min – mean – max)' }),
      el('dd', { textContent: (s.random_pairs ?? []).map((v) => fixed(v, 3)).join(' – ') }));
    measure.textContent = `Measure: ${s.measure}. Models of seed ${s.seed}.`;
    if (tables.open) fillTables(report);
    else tablesBody.replaceChildren();
  }

  /** The heatmaps and the scale at the view's width; returns the colour domain. */
  function drawMaps(report) {
    const s = report.similarity;
    const labels = s?.labels ?? [];
    if (!labels.length || !isMatrix(s.matrix, labels.length) || !isMatrix(s.init_matrix, labels.length)) return [0, 1];
    const off = (m) => m.flatMap((row, i) => row.filter((_, j) => j !== i));
    const values = [...off(s.matrix), ...off(s.init_matrix), ...(s.random_pairs ?? [])].filter(Number.isFinite);
    const domain = [Math.min(...values), Math.max(...values)];
    const narrow = root.clientWidth < 640;
    const width = narrow ? root.clientWidth : Math.floor((root.clientWidth - 24) / 2);
    draw(trained, labels, s.matrix, domain, Math.max(160, width));
    draw(init, labels, s.init_matrix, domain, Math.max(160, width));
    drawScale(domain, s.random_pairs);
    return domain;
  }

  function fillTables(report) {
    const s = report.similarity;
    const labels = s?.labels ?? [];
    if (!labels.length) return;
    const asTable = (title, m) => dataTable(title, ['model', ...labels], labels.map((l, i) => [l, ...m[i].map((v) => fixed(v, 3))]), 'sim-table');
    tablesBody.replaceChildren(el('h4', { textContent: 'After training' }), asTable('Similarity after training', s.matrix),
      el('h4', { textContent: 'At initialisation' }), asTable('Similarity at initialisation', s.init_matrix));
  }

  function explain(report) {
    const s = report?.similarity;
    if (!s?.labels?.length) return [waitingText('filter similarity', 'once the models finish')];
    const out = ['Claims tested: "each per-class network\'s filters specialise" and "classes share patterns". A similarity means something only against two baselines: the same models at initialisation, and pairs of unrelated random filters.'];
    if (!Number.isFinite(s.ovr_within)) out.push('No one-vs-rest models in this run, so there is no within-class-models summary.');
    if (report?.config?.init === 'same') out.push('Every model started from the same weights (init = same): similarity at init is 1 by construction, and any drop is what training did.');
    return out;
  }

  return {
    update(report) {
      last = report;
      render(report);
      caption.set(explain(report), report?.similarity?.labels?.length ? findingsOf(report, 'similarity') : []);
    },
    destroy() {
      ro?.disconnect();
      root.remove();
    },
  };
}
