// Per-class recall side by side: if specialised models helped, one-vs-rest should beat the shared
// network on the classes it specialises in, not just on average.
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  baseChartOptions, chartLib, classNames, hasApproaches, makeCaption, pct, seedsOf,
  setChartDefaults, waitingText,
} from './common.js';

const nameOf = (names, i) => names[i] ?? `class ${i}`;

function gapSentence(a, shared, names) {
  const rows = [];
  a.per_class.forEach((c, i) => {
    const s = shared.per_class[i];
    if (s && Number.isFinite(c.recall) && Number.isFinite(s.recall)) rows.push({ i, a: c.recall, s: s.recall, n: c.support });
  });
  if (!rows.length) return '';
  // Differences of less than one image are rounding, not a difference.
  const tie = (r) => Math.abs(r.a - r.s) * Math.max(r.n, 1) < 0.5;
  const up = rows.filter((r) => !tie(r) && r.a > r.s).length;
  const down = rows.filter((r) => !tie(r) && r.a < r.s).length;
  const same = rows.length - up - down;
  const biggest = [...rows].sort((x, y) => Math.abs(y.a - y.s) - Math.abs(x.a - x.s)).slice(0, 2)
    .filter((r) => !tie(r))
    .map((r) => `"${nameOf(names, r.i)}" ${pct(r.a)} vs ${pct(r.s)}`);
  return `${approachLabel(a.id)} vs shared: higher recall on ${up} of ${rows.length} classes, lower on ${down}${same ? `, equal on ${same}` : ''}${biggest.length ? ` (largest gaps: ${biggest.join(', ')})` : ''}.`;
}

export function createView(container, ctx) {
  const Chart = chartLib(ctx);
  if (Chart) setChartDefaults(Chart);
  const root = el('div', { className: 'view view-perclass' });
  const canvas = el('canvas', { role: 'img', 'aria-label': 'Per-class test recall, one bar per approach' });
  const box = el('figure', { className: 'chart-box chart-wide' },
    el('figcaption', { className: 'chart-title', textContent: 'Recall per class: the share of each class\'s test images that the approach labels correctly' }),
    el('div', { className: 'chart-wrap' }, canvas));
  root.append(box);
  container.append(root);
  const caption = makeCaption(root);
  let chart = null;

  function render(report) {
    const names = classNames(report, ctx);
    const approaches = orderedApproaches(report).filter((a) => a.per_class?.length);
    const datasets = approaches.map((a) => ({
      label: approachLabel(a.id),
      data: names.map((_, i) => a.per_class[i]?.recall ?? null),
      extra: a.per_class,
      backgroundColor: approachColor(a.id),
      borderWidth: 0,
    }));
    const options = {
      ...baseChartOptions(),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: { display: true, text: 'true class' }, grid: { display: false } },
        y: { min: 0, max: 1, title: { display: true, text: 'recall (test)' }, ticks: { callback: (v) => `${Math.round(v * 100)}%` } },
      },
    };
    options.plugins.legend.labels = { boxWidth: 12, boxHeight: 12 };
    options.plugins.tooltip.callbacks = {
      title: (items) => (items.length ? `class "${nameOf(names, items[0].dataIndex)}"` : ''),
      label: (item) => {
        const c = item.dataset.extra[item.dataIndex];
        if (!c) return `${item.dataset.label}: –`;
        const hits = Math.round(c.recall * c.support);
        return `${item.dataset.label}: ${pct(c.recall)} (${hits} of ${c.support}), precision ${pct(c.precision)}`;
      },
    };
    const labels = names.map((n, i) => nameOf(names, i));
    if (!chart) {
      chart = new Chart(canvas, { type: 'bar', data: { labels, datasets }, options });
    } else {
      chart.data = { labels, datasets };
      chart.options = options;
      chart.update('none');
    }
  }

  function captionText(report) {
    const names = classNames(report, ctx);
    const all = orderedApproaches(report).filter((a) => a.per_class?.length && seedsOf(a) > 0);
    if (!all.length) return [waitingText('per-class results')];
    const out = ['Claim tested: "a model specialised in one class recognises that class better."'];
    const shared = all.find((a) => a.id === 'shared');
    if (shared) {
      for (const a of all) {
        if (a !== shared && a.id !== 'positive-only') out.push(gapSentence(a, shared, names));
      }
    }
    const po = all.find((a) => a.id === 'positive-only');
    if (po) {
      const seen = po.per_class.filter((c) => c.recall > 0).map((c) => `"${nameOf(names, c.class)}"`);
      out.push(`Positive-only finds ${seen.length} of ${names.length} classes at all${seen.length ? ` (${seen.join(', ')})` : ''}: its models never saw a negative, so their scores say nothing about which class is likelier.`);
    }
    const seeds = Math.max(...all.map(seedsOf));
    const support = all[0].per_class[0]?.support;
    out.push(seeds > 1
      ? `Recall is pooled over ${seeds} seeds (${support} test images per class); the report gives no per-class spread, so gaps of a few images are noise.`
      : `One seed (${support} test images per class): a single run, so gaps of a few images are noise.`);
    return out;
  }

  return {
    update(report) {
      const ok = hasApproaches(report);
      box.hidden = !ok;
      if (ok && Chart) render(report);
      caption.set(...captionText(report));
    },
    destroy() {
      chart?.destroy();
      root.remove();
    },
  };
}
