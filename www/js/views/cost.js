// The price of K models: parameters, FLOPs and time beside the accuracy they buy, and the models
// that failed (collapsed or diverged), listed by name so a failure is never hidden by a mean.
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  accText, clear, fixed, hasApproaches, int, makeCaption, seedsOf, si, waitingText,
} from './common.js';

const COLUMNS = [
  ['approach', 'approach', null],
  ['models', 'models', 'per seed'],
  ['params', 'parameters', 'all models'],
  ['ppm', 'per model', 'parameters'],
  ['fpi', 'FLOPs / image', 'inference, all models'],
  ['tflops', 'training FLOPs', 'all models'],
  ['secs', 'train time', 'seconds, summed over models (one core)'],
  ['sps', 'samples / s', 'one core'],
  ['acc', 'test accuracy', 'mean ± std over seeds'],
  ['ece', 'ECE', 'calibration error, lower is better'],
  ['flags', 'failed models', 'collapsed or diverged'],
];

const ratio = (a, b) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(1)}×` : '–');

export function createView(container) {
  const root = el('div', { className: 'view view-cost' });
  const wrap = el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Cost table (scrolls sideways on small screens)' });
  const table = el('table', { className: 'cost-table' });
  const thead = el('thead', {}, el('tr', {}, ...COLUMNS.map(([, h, sub]) => el('th', { scope: 'col' }, h, sub ? el('span', { className: 'th-sub', textContent: sub }) : null))));
  const tbody = el('tbody');
  table.append(thead, tbody);
  wrap.append(table);
  const flags = el('div', { className: 'cost-flags' });
  const hint = el('p', { className: 'view-note scroll-hint', textContent: 'The table scrolls sideways.' });
  root.append(hint, wrap, flags);
  container.append(root);
  const caption = makeCaption(root);

  function row(a) {
    const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = approachColor(a.id);
    const failed = (a.collapsed?.length ?? 0) + (a.diverged?.length ?? 0);
    const cells = {
      approach: el('th', { scope: 'row' }, swatch, approachLabel(a.id), a.complete ? null : el('span', { className: 'badge', textContent: 'training' })),
      models: int(a.models),
      params: int(a.params),
      ppm: int(a.params_per_model),
      fpi: si(a.flops_per_image),
      tflops: si(a.train_flops),
      secs: fixed(a.train_seconds, 1),
      sps: int(a.samples_per_s),
      acc: accText(a),
      ece: fixed(a.calibration_ece, 3),
      flags: failed ? `${failed}` : 'none',
    };
    return el('tr', { className: failed ? 'has-flags' : '' }, ...COLUMNS.map(([key]) => (
      key === 'approach' ? cells[key] : el('td', { className: key === 'flags' && failed ? 'flagged' : '', textContent: cells[key] }))));
  }

  function renderFlags(approaches) {
    clear(flags);
    const items = [];
    for (const a of approaches) {
      for (const [kind, list] of [['collapsed', a.collapsed], ['diverged', a.diverged]]) {
        for (const f of list ?? []) {
          items.push(el('li', {}, el('strong', { textContent: f.label }), ` (${approachLabel(a.id)}, seed ${f.seed}) ${kind}: ${f.detail}`));
        }
      }
    }
    flags.append(el('h4', { textContent: 'Failed models' }));
    flags.append(items.length
      ? el('ul', { className: 'flag-list' }, ...items)
      : el('p', { className: 'view-note', textContent: 'No model collapsed (constant output) or diverged (loss not finite).' }));
  }

  function captionText(report, approaches) {
    if (!approaches.length) return [waitingText('costs')];
    const out = ['Claims tested: "K models have far more capacity" and "K models are not efficient".'];
    const shared = approaches.find((a) => a.id === 'shared');
    for (const a of approaches) {
      if (!shared || a === shared) continue;
      out.push(`${approachLabel(a.id)}: ${int(a.models)} model${a.models === 1 ? '' : 's'}, ${int(a.params)} parameters (${ratio(a.params, shared.params)} shared's ${int(shared.params)}), ${ratio(a.flops_per_image, shared.flops_per_image)} the FLOPs per image, ${ratio(a.train_seconds, shared.train_seconds)} the one-core training time (${fixed(a.train_seconds, 1)} s vs ${fixed(shared.train_seconds, 1)} s), for ${accText(a)} vs ${accText(shared)}.`);
    }
    if (!shared) out.push(approaches.map((a) => `${approachLabel(a.id)}: ${int(a.params)} parameters, ${fixed(a.train_seconds, 1)} s`).join('; ') + '.');
    const budget = report?.config?.budget;
    if (budget === 'per-model') out.push('Budget "per-model": each per-class model keeps the base architecture\'s widths, so K models cost about K times as much.');
    else if (budget === 'total') out.push('Budget "total": the per-class models are narrowed so that together they have about the base architecture\'s parameters.');
    out.push('Train time is summed over an approach\'s models (its cost on one core); the page trains models in parallel, so the wait is shorter.');
    const failed = approaches.flatMap((a) => [...(a.collapsed ?? []), ...(a.diverged ?? [])].map((f) => f.label));
    out.push(failed.length ? `Failed models: ${failed.join(', ')}.` : 'No model collapsed or diverged.');
    const n = Math.max(...approaches.map(seedsOf));
    if (n > 1) out.push(`Costs are means over ${n} seeds.`);
    return out;
  }

  return {
    update(report) {
      const approaches = hasApproaches(report) ? orderedApproaches(report) : [];
      wrap.hidden = !approaches.length;
      hint.hidden = !approaches.length;
      flags.hidden = !approaches.length;
      clear(tbody);
      for (const a of approaches) tbody.append(row(a));
      renderFlags(approaches);
      caption.set(...captionText(report, approaches));
    },
    destroy() {
      root.remove();
    },
  };
}
