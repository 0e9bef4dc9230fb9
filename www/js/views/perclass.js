// Per-class recall side by side: if specialised models helped, one-vs-rest should beat the shared
// network on the classes it specialises in, not just on average. Below the bars, the report's
// per-class verdicts against the baseline (the same rule as overall).
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  baseChartOptions, chartLib, classNames, dataTable, findingsOf, hasApproaches, intervalText, makeCaption,
  pct, seedsOf, setChartDefaults, signedPts, verdictWords, waitingText,
} from './common.js';

const nameOf = (names, i) => names[i] ?? `class ${i}`;

export function createView(container, ctx) {
  const Chart = chartLib(ctx);
  if (Chart) setChartDefaults(Chart);
  const root = el('div', { className: 'view view-perclass' });
  const canvas = el('canvas', { role: 'img', 'aria-label': 'Per-class test recall, one bar per approach; the numbers are in the table below' });
  const box = el('figure', { className: 'chart-box chart-wide' },
    el('figcaption', { className: 'chart-title', textContent: 'Recall per class: the share of each class\'s test images that the approach labels correctly (pooled over seeds)' }),
    el('div', { className: 'chart-wrap' }, canvas));
  const tables = el('div', { className: 'perclass-tables' });
  root.append(box, tables);
  container.append(root);
  const caption = makeCaption(root);
  let chart = null;

  function render(report) {
    const names = classNames(report, ctx);
    const approaches = orderedApproaches(report).filter((a) => a.per_class?.length);
    const datasets = approaches.map((a) => ({
      label: approachLabel(a.id, report),
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
        return `${item.dataset.label}: recall ${pct(c.recall)} of ${c.support} images, precision ${pct(c.precision)}`;
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

  /** Two tables, classes as rows: each approach's recall (the chart's numbers), then each comparison's verdict. */
  function renderTables(report) {
    const names = classNames(report, ctx);
    const approaches = orderedApproaches(report).filter((a) => a.per_class?.length && seedsOf(a) > 0);
    const comparisons = (report?.comparisons ?? []).filter((c) => c.per_class?.length);
    tables.hidden = !approaches.length;
    if (!approaches.length) { tables.replaceChildren(); return; }
    const recall = dataTable('Recall per class and approach',
      ['class', ...approaches.map((a) => [approachLabel(a.id, report), 'recall'])],
      names.map((_, i) => [nameOf(names, i), ...approaches.map((a) => pct(a.per_class[i]?.recall))]),
      'perclass-table');
    if (!comparisons.length) { tables.replaceChildren(recall); return; }
    const verdictRows = names.map((_, i) => el('tr', {},
      el('th', { scope: 'row', textContent: nameOf(names, i) }),
      comparisons.map((c) => {
        const p = c.per_class.find((x) => x.class === i);
        if (!p) return el('td', { textContent: '–' });
        return el('td', { className: 'verdict-cell', dataset: { verdict: p.verdict }, title: `difference ${signedPts(p.difference)} points, 95% interval ${intervalText(p.interval)}` },
          el('span', { className: `verdict verdict-${p.verdict}`, textContent: verdictWords(p.verdict) }),
          el('span', { className: 'th-sub', textContent: `${signedPts(p.difference)} (${intervalText(p.interval, false)})` }));
      })));
    const verdicts = dataTable('Per-class verdicts against the baseline',
      ['class', ...comparisons.map((c) => [`${approachLabel(c.approach, report)} vs ${approachLabel(c.baseline, report)}`, 'difference (95% interval), points'])],
      verdictRows, 'perclass-table verdict-table');
    tables.replaceChildren(recall, verdicts);
  }

  function explain(report) {
    const out = ['Claim tested: "a model specialised in one class recognises that class better."'];
    if ((report?.comparisons ?? []).length) {
      out.push('Each class\'s verdict compares that class\'s recall with the baseline\'s by the same rule as the overall comparison (paired over seeds, or over images with one seed); the interval is in points.');
    }
    return out;
  }

  return {
    update(report) {
      const ok = hasApproaches(report);
      box.hidden = !ok;
      if (ok && Chart) render(report);
      renderTables(report);
      const done = orderedApproaches(report).some((a) => a.per_class?.length && seedsOf(a) > 0);
      if (!done) caption.set([waitingText('per-class results')]);
      else caption.set(explain(report), findingsOf(report, 'perclass'));
    },
    destroy() {
      chart?.destroy();
      root.remove();
    },
  };
}
