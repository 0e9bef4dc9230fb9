// Two kept runs side by side (the Runs panel, two ticked): the engine's comparison of them
// (`compare_runs`: the settings that differ, each approach's accuracy and each verdict in both,
// one sentence) as tables, and both runs' test-accuracy curves on one chart, run A solid and run
// B dashed, in the approaches' colours. Everything shown comes from the engine or the documents.
import { el } from './dom.js';
import { dataTable, pct, baseChartOptions } from './views/common.js';
import { approachColor } from './views/palette.js';

const SIDES = [['A', []], ['B', [6, 4]]];

/** The title a run goes by: its name, else when it was saved. */
export function runTitle(entry) {
  const when = new Date(entry.saved).toLocaleString();
  return entry.name ? `${entry.name} (${when})` : when;
}

function curveDatasets(reports) {
  const out = [];
  reports.forEach((report, i) => {
    const [side, dash] = SIDES[i];
    for (const a of report.approach_order || []) {
      const curve = report.approaches?.[a.id]?.curve || [];
      if (!curve.length) continue;
      out.push({
        label: `${side}: ${a.label}`,
        data: curve.map((p) => ({ x: p.epoch, y: p.test_accuracy })),
        borderColor: approachColor(a.id),
        backgroundColor: approachColor(a.id),
        borderDash: dash,
        borderWidth: 2,
        pointRadius: 2,
      });
    }
  });
  return out;
}

function chart(canvas, reports) {
  const Chart = globalThis.Chart;
  if (!Chart) return null;
  const options = baseChartOptions();
  options.scales = {
    x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
    y: { min: 0, max: 1, title: { display: true, text: 'test accuracy' }, ticks: { callback: (v) => `${Math.round(v * 100)}%` } },
  };
  options.plugins.tooltip = { ...options.plugins.tooltip, callbacks: { label: (item) => `${item.dataset.label}: ${pct(item.parsed.y)}` } };
  return new Chart(canvas, { type: 'line', data: { datasets: curveDatasets(reports) }, options });
}

const sideText = (s) => (s ? s.text : 'not compared in this run');

/**
 * Builds the comparison of runs `a` and `b` (`{entry, report}`, A the older) in `container`;
 * resolves to a function that frees its chart.
 */
export function showComparison(container, engine, a, b) {
  const c = engine.compare_runs(a.report, b.report);
  const canvas = el('canvas', { role: 'img', 'aria-label': `Test accuracy by epoch of every approach, run A solid, run B dashed; the tables above give the final values` });
  const approaches = dataTable('Each approach in both runs', ['approach', ['A', 'test accuracy'], ['B', 'test accuracy']],
    c.approaches.map((p) => [p.label, pct(p.a), pct(p.b)]), 'lab-compare-approaches');
  const verdicts = c.verdicts.length
    ? dataTable('Each verdict in both runs', ['comparison', 'A', 'B'],
      c.verdicts.map((v) => el('tr', { dataset: { same: String(v.same) } },
        el('th', { scope: 'row' }, v.label, v.same === false ? el('span', { className: 'lab-compare-changed', textContent: ' (verdict changed)' }) : null),
        el('td', { textContent: sideText(v.a) }),
        el('td', { textContent: sideText(v.b) }))), 'lab-compare-verdicts')
    : null;
  container.replaceChildren(el('figure', { className: 'lab-compare' },
    el('figcaption', { className: 'lab-compare-title', textContent: `A: ${runTitle(a.entry)} · B: ${runTitle(b.entry)}` }),
    el('p', { className: 'lab-compare-text', textContent: c.text }),
    approaches, verdicts,
    el('div', { className: 'lab-compare-chart' }, canvas)));
  const drawn = chart(canvas, [a.report, b.report]);
  return () => drawn?.destroy();
}
