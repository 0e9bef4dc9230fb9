// The price of K models: parameters, FLOPs and time beside the accuracy they buy, and the models
// that failed (collapsed or diverged), listed by name so a failure is never hidden by a mean.
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  accText, clear, comparisonOf, findingsOf, fixed, hasApproaches, int, makeCaption, seedsOf, si,
  waitingText,
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
  ['ece', 'ECE', 'expected calibration error'],
  ['rparams', '× parameters', 'of the baseline\'s (measured)'],
  ['rfpi', '× FLOPs / image', 'of the baseline\'s'],
  ['rtflops', '× training FLOPs', 'of the baseline\'s'],
  ['flags', 'failed models', 'collapsed or diverged'],
];

/** A ratio the report states (comparisons), as "3.1×". */
const times = (x) => (Number.isFinite(x) ? `${fixed(x, 1)}×` : '–');

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

  function row(report, a) {
    const c = comparisonOf(report, a.id);
    const base = a.id === report?.config?.baseline;
    const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = approachColor(a.id);
    const failed = (a.collapsed?.length ?? 0) + (a.diverged?.length ?? 0);
    const cells = {
      approach: el('th', { scope: 'row' }, swatch, approachLabel(a.id, report), a.complete ? null : el('span', { className: 'badge', textContent: 'training' })),
      models: int(a.models),
      params: int(a.params),
      ppm: int(a.params_per_model),
      fpi: si(a.flops_per_image),
      tflops: si(a.train_flops),
      secs: fixed(a.train_seconds, 1),
      sps: int(a.samples_per_s),
      acc: accText(a),
      ece: fixed(a.calibration?.ece, 3),
      rparams: base ? 'baseline' : times(c?.params_ratio),
      rfpi: base ? 'baseline' : times(c?.flops_per_image_ratio),
      rtflops: base ? 'baseline' : times(c?.train_flops_ratio),
      flags: failed ? `${failed}` : 'none',
    };
    return el('tr', { className: failed ? 'has-flags' : '' }, ...COLUMNS.map(([key]) => (
      key === 'approach' ? cells[key] : el('td', { className: key === 'flags' && failed ? 'flagged' : '', textContent: cells[key] }))));
  }

  function renderFlags(report, approaches) {
    clear(flags);
    const items = [];
    for (const a of approaches) {
      for (const [kind, list] of [['collapsed', a.collapsed], ['diverged', a.diverged]]) {
        for (const f of list ?? []) {
          items.push(el('li', {}, el('strong', { textContent: f.label }), ` (${approachLabel(a.id, report)}, seed ${f.seed}) ${kind}: ${f.detail}`));
        }
      }
    }
    flags.append(el('h4', { textContent: 'Failed models' }));
    flags.append(items.length
      ? el('ul', { className: 'flag-list' }, ...items)
      : el('p', { className: 'view-note', textContent: 'No model collapsed (constant output) or diverged (loss not finite).' }));
  }

  function explain(report, approaches) {
    if (!approaches.length) return [waitingText('costs')];
    const out = ['Claims tested: "K models have far more capacity" and "K models are not efficient".'];
    const budget = report?.config?.budget;
    if (budget === 'per-model') out.push('Budget "per-model": each per-class model keeps the base architecture\'s widths.');
    else if (budget === 'total') out.push('Budget "total": the per-class models are narrowed so that together they have about the base architecture\'s parameters.');
    out.push('Train time is summed over an approach\'s models (its cost on one core); the page trains models in parallel, so the wait is shorter. The ratios are the report\'s, against the baseline.');
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
      for (const a of approaches) tbody.append(row(report, a));
      renderFlags(report, approaches);
      caption.set(explain(report, approaches), approaches.length ? findingsOf(report, 'cost') : []);
    },
    destroy() {
      root.remove();
    },
  };
}
