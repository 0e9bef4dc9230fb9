// Representation similarity at every compared layer (linear CKA, computed in Rust on a fixed set
// of test images): the shared network against the one-vs-rest networks, the one-vs-rest networks
// with each other, each beside the same pairs at initialisation and the noise floor (two shared
// networks that differ only in their seed). Then, per layer and class, the shared network against
// that class's one-vs-rest network, as a heatmap whose colour scale spans the values it shows
// (both modes), stated beside it, with every value printed.
import { el } from '../dom.js';
import { isDark, viridis } from './palette.js';
import {
  dataTable, findingsOf, fixed, int, makeCaption, rovingGrid,
} from './common.js';

const LEGEND_STEPS = 40;

/** Cell colours on the heatmap's scale `[lo, hi]`; the text colour keeps the printed value readable. */
function paintCell(node, v, [lo, hi]) {
  if (!Number.isFinite(v)) { node.style.background = '#fff'; return; }
  const c = viridis(hi > lo ? (v - lo) / (hi - lo) : 1);
  node.style.background = `rgb(${c.join(', ')})`;
  node.classList.toggle('on-dark', isDark(c));
}

export function createView(container) {
  const root = el('div', { className: 'view view-representations' });
  const empty = el('p', { className: 'view-note' });
  const table = el('div');
  const others = el('div');
  const name = `cka-mode-${Math.random().toString(36).slice(2, 8)}`;
  const toggle = el('fieldset', { className: 'view-toggle' },
    el('legend', { textContent: 'heatmap' }),
    ...[['trained', 'after training'], ['init', 'at initialisation']].map(([v, t]) => el('label', {},
      el('input', { type: 'radio', name, value: v, checked: v === 'trained' }), ` ${t}`)));
  const lo = el('span');
  const hi = el('span');
  const scaleText = el('span', { className: 'view-note' });
  const legend = el('div', { className: 'cka-legend' },
    lo, el('span', { className: 'cka-ramp', 'aria-hidden': 'true' }), hi, scaleText);
  const ramp = legend.querySelector('.cka-ramp');
  ramp.style.background = `linear-gradient(to right, ${Array.from({ length: LEGEND_STEPS + 1 }, (_, i) => `rgb(${viridis(i / LEGEND_STEPS).join(', ')})`).join(', ')})`;
  const heat = el('div', { className: 'table-wrap cka-heat', role: 'region', tabindex: '0', 'aria-label': 'Similarity by layer and class' });
  const readout = el('p', { className: 'sim-readout', textContent: 'Hover or focus a cell for the layer, the class and both values.' });
  const heatBox = el('figure', { className: 'cka-heat-box' },
    el('figcaption', { className: 'chart-title', textContent: 'Shared network vs each class\'s one-vs-rest network, per layer (CKA)' }),
    toggle, legend, heat, readout);
  root.append(empty, table, others, heatBox);
  container.append(root);
  const caption = makeCaption(root);
  let mode = 'trained';
  let last = null;

  toggle.addEventListener('change', (e) => {
    if (e.target.name !== name) return;
    mode = e.target.value;
    if (last) renderHeat(last);
  });

  function renderTable(rep) {
    const has = (key) => rep.layers.some((l) => Number.isFinite(l[key]));
    const cols = [
      ['shared_vs_members_mean', ['shared vs one-vs-rest', 'mean over classes']],
      ['shared_vs_members_mean_init', ['the same at init', 'before training']],
      ['member_pairs_mean', ['one-vs-rest pairs', 'mean over pairs']],
      ['member_pairs_mean_init', ['the same at init', 'before training']],
      ['shared_floor', ['noise floor', 'two shared networks, different seeds']],
      ['member_floor', ['one-vs-rest floor', 'same class, next seed']],
    ].filter(([key]) => has(key));
    const rows = rep.layers.map((l) => [l.name, int(l.features), ...cols.map(([key]) => fixed(l[key], 3))]);
    table.replaceChildren(dataTable('CKA per layer and pair of models', ['layer', ['features', 'per image'], ...cols.map((c) => c[1])], rows, 'cka-table'));
    const other = rep.layers.flatMap((l) => (l.others ?? []).map((o) => [l.name, `shared vs ${o.label}`, fixed(o.trained, 3), fixed(o.init, 3)]));
    others.hidden = !other.length;
    others.replaceChildren(...(other.length ? [
      el('h4', { textContent: 'Other single networks against the shared one' }),
      dataTable('CKA of other single networks against the shared one', ['layer', 'pair', 'after training', 'at init'], other, 'cka-table')] : []));
  }

  function renderHeat(rep) {
    const names = rep.member_names ?? [];
    const key = mode === 'init' ? 'shared_vs_members_init' : 'shared_vs_members';
    const ok = names.length > 0 && rep.layers.some((l) => l.shared_vs_members?.length === names.length);
    heatBox.hidden = !ok;
    if (!ok) { heat.replaceChildren(); return; }
    // Drawing: one scale for both modes, stretched over the values they show.
    const shown = rep.layers.flatMap((l) => [...(l.shared_vs_members ?? []), ...(l.shared_vs_members_init ?? [])]).filter(Number.isFinite);
    const domain = [Math.min(...shown), Math.max(...shown)];
    lo.textContent = fixed(domain[0], 2);
    hi.textContent = fixed(domain[1], 2);
    scaleText.textContent = `Colour: CKA from ${fixed(domain[0], 3)} to ${fixed(domain[1], 3)}, the lowest and highest values of the heatmap after training and at init (one scale for both); CKA itself runs from 0 (unrelated) to 1 (the same up to rotation and scale). Each cell prints its value.`;
    const cells = [];
    const body = rep.layers.map((l) => {
      const row = names.map((n, i) => {
        const v = l[key]?.[i];
        const other = (mode === 'init' ? l.shared_vs_members : l.shared_vs_members_init)?.[i];
        const label = `${l.name}, class "${n}": CKA shared vs one-vs-rest ${fixed(v, 3)} ${mode === 'init' ? 'at init' : 'after training'} (${fixed(other, 3)} ${mode === 'init' ? 'after training' : 'at init'})`;
        const td = el('td', { className: 'cka-cell', textContent: fixed(v, 2), title: label, 'aria-label': label });
        paintCell(td, v, domain);
        td.addEventListener('mouseenter', () => { readout.textContent = label; });
        td.addEventListener('focus', () => { readout.textContent = label; });
        return td;
      });
      cells.push(row);
      return el('tr', {}, el('th', { scope: 'row', textContent: l.name }), row);
    });
    heat.replaceChildren(el('table', { className: 'cka-heat-table', 'aria-label': 'CKA heatmap: rows are layers, columns are classes; arrow keys move between cells' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', textContent: 'layer' }), names.map((n) => el('th', { scope: 'col', textContent: n, title: n })))),
      el('tbody', {}, body)));
    rovingGrid(cells);
  }

  function explain(rep) {
    return [
      'Claim tested: "classes share patterns", layer by layer. CKA compares what two networks compute on the same images (1: the same representation up to rotation and scale). Each value means something only beside its value at initialisation and the noise floor, two shared networks that differ only in their seed.',
      `Measure: ${rep.measure}. Models of seed ${rep.seed}.`,
    ];
  }

  return {
    update(report) {
      const rep = report?.representations;
      const ok = Boolean(rep?.layers?.length);
      last = ok ? rep : null;
      for (const n of [table, others, heatBox]) n.hidden = !ok;
      empty.hidden = ok;
      if (!ok) {
        empty.textContent = report?.complete === false
          ? 'Representation similarity (CKA) is measured once every model has finished.'
          : 'This run has no representation similarity: it needs a shared network or at least two one-vs-rest networks with hidden layers, and probe images (probe_size above 0).';
        caption.set([]);
        return;
      }
      renderTable(rep);
      renderHeat(rep);
      caption.set(explain(rep), findingsOf(report, 'representations'));
    },
    destroy() {
      root.remove();
    },
  };
}
