// Learning curves: does one-vs-rest learn faster or reach higher test accuracy than the shared
// network, per epoch and per FLOP spent? Three charts: accuracy, each approach's own loss, and
// the per-class models' own yes/no accuracy (kept apart because it is a different metric).
import { approachColor, approachLabel, orderedApproaches, withAlpha } from './palette.js';
import { el } from '../dom.js';
import { nextTask } from '../tasks.js';
import {
  baseChartOptions, chartLib, findingsOf, hasApproaches, makeCaption, pct, pts, seedsOf,
  setChartDefaults, si, waitingText,
} from './common.js';

const LOG_TICKS = new Set([1, 2, 5]);

function logTick(v) {
  const m = Number((v / 10 ** Math.floor(Math.log10(v))).toPrecision(2));
  return LOG_TICKS.has(m) ? `${si(v, 2)}FLOP` : '';
}

function xScale(axis, title, epochs) {
  if (axis === 'flops') {
    return { type: 'logarithmic', title: { display: true, text: 'training compute spent (FLOPs, log scale)' }, ticks: { callback: logTick, autoSkip: true, maxRotation: 0 } };
  }
  // The run's full length from the start, so the axis does not jump as epochs arrive.
  return { type: 'linear', suggestedMin: 1, suggestedMax: epochs || 1, title: { display: true, text: title }, ticks: { stepSize: 1, precision: 0 } };
}

const xOf = (axis, p) => (axis === 'flops' ? p.flops : p.epoch);

/** Legend items: one per approach; clicking one hides every line of that approach. */
function approachLegend() {
  return {
    labels: {
      boxWidth: 14,
      boxHeight: 3,
      filter: (item, data) => data.datasets[item.datasetIndex]?.legend === true,
    },
    onClick: (e, item, legend) => {
      const chart = legend.chart;
      const key = chart.data.datasets[item.datasetIndex].approach;
      const hide = chart.isDatasetVisible(item.datasetIndex);
      chart.data.datasets.forEach((d, i) => {
        if (d.approach === key) chart.setDatasetVisibility(i, !hide);
      });
      chart.update('none');
    },
  };
}

function accuracyDatasets(report, approaches, axis) {
  const sets = [];
  for (const a of approaches) {
    const color = approachColor(a.id);
    const name = approachLabel(a.id, report);
    const pts0 = (a.curve ?? []).filter((p) => Number.isFinite(xOf(axis, p)) && xOf(axis, p) > 0);
    if (seedsOf(a) > 1 || pts0.some((p) => p.test_accuracy_std > 0)) {
      // The band is two invisible lines with the area between them filled: mean ± one std.
      sets.push({
        label: `${name} +std`, approach: a.id, band: true, data: pts0.map((p) => ({ x: xOf(axis, p), y: p.test_accuracy + p.test_accuracy_std })),
        borderWidth: 0, pointRadius: 0, fill: false,
      });
      sets.push({
        label: `${name} −std`, approach: a.id, band: true, data: pts0.map((p) => ({ x: xOf(axis, p), y: p.test_accuracy - p.test_accuracy_std })),
        borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: withAlpha(color, 0.15),
      });
    }
    sets.push({
      label: name, approach: a.id, legend: true, kind: 'test', std: pts0.map((p) => p.test_accuracy_std), seeds: seedsOf(a),
      data: pts0.map((p) => ({ x: xOf(axis, p), y: p.test_accuracy })),
      borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3,
    });
    sets.push({
      label: `${name} (train)`, approach: a.id, kind: 'train',
      data: pts0.map((p) => ({ x: xOf(axis, p), y: p.train_accuracy })),
      borderColor: color, backgroundColor: color, borderDash: [5, 4], borderWidth: 1.5, pointRadius: 2,
    });
    if (pts0.some((p) => Number.isFinite(p.val_accuracy))) {
      sets.push({
        label: `${name} (validation)`, approach: a.id, kind: 'validation',
        data: pts0.map((p) => ({ x: xOf(axis, p), y: p.val_accuracy ?? null })),
        borderColor: color, backgroundColor: color, borderDash: [1, 3], borderWidth: 2, pointRadius: 2, pointStyle: 'rect',
      });
    }
  }
  return sets;
}

function lossDatasets(report, approaches, axis) {
  const sets = [];
  for (const a of approaches) {
    const color = approachColor(a.id);
    const name = approachLabel(a.id, report);
    const pts0 = (a.curve ?? []).filter((p) => Number.isFinite(xOf(axis, p)) && xOf(axis, p) > 0);
    const positive = (v) => (Number.isFinite(v) && v > 0 ? v : null);
    sets.push({
      label: name, approach: a.id, legend: true, kind: 'test',
      data: pts0.map((p) => ({ x: xOf(axis, p), y: positive(p.test_loss) })),
      borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3,
    });
    sets.push({
      label: `${name} (train)`, approach: a.id, kind: 'train',
      data: pts0.map((p) => ({ x: xOf(axis, p), y: positive(p.train_loss) })),
      borderColor: color, backgroundColor: color, borderDash: [5, 4], borderWidth: 1.5, pointRadius: 2,
    });
  }
  return sets;
}

function memberDatasets(report, approaches, axis) {
  const sets = [];
  for (const a of approaches) {
    if (!a.members?.length) continue;
    const color = approachColor(a.id);
    a.members.forEach((m, i) => {
      const data = [];
      (m.binary_accuracy ?? []).forEach((y, j) => {
        // Each value's epoch (a run scored only at the end has one, where the model ended).
        const epoch = m.epochs?.[j] ?? j + 1;
        const x = axis === 'flops' ? a.curve?.find((p) => p.epoch === epoch)?.flops : epoch;
        if (Number.isFinite(x) && x > 0) data.push({ x, y });
      });
      sets.push({
        label: `${approachLabel(a.id, report)} · ${m.name}`, approach: a.id, legend: i === 0, member: true,
        data, borderColor: withAlpha(color, 0.45), backgroundColor: color, borderWidth: 1, pointRadius: 1.5,
      });
    });
  }
  // The legend shows one item per approach; name it after the approach, not its first class.
  for (const s of sets) if (s.legend) s.label = approachLabel(s.approach, report);
  return sets;
}

export function createView(container, ctx) {
  const Chart = chartLib(ctx);
  if (Chart) setChartDefaults(Chart);
  let axis = 'epoch';
  let last = null;

  const root = el('div', { className: 'view view-curves' });
  const axisId = `curves-axis-${Math.random().toString(36).slice(2, 8)}`;
  const toggle = el('fieldset', { className: 'view-toggle' },
    el('legend', { textContent: 'x axis' }),
    ...[['epoch', 'epochs'], ['flops', 'training compute (FLOPs)']].map(([v, t]) => el('label', {},
      el('input', { type: 'radio', name: axisId, value: v, checked: v === axis }), ` ${t}`)));
  const note = el('p', { className: 'view-note' });
  const grid = el('div', { className: 'chart-grid' });
  const boxes = {};
  for (const [key, title, sub] of [
    ['acc', 'Test accuracy (solid, ± one sd over seeds when shaded), train accuracy (dashed) and validation accuracy (dotted, with a validation split)', ''],
    ['loss', 'Loss, each approach on its own objective (log scale)', 'Cross-entropy for shared, summed binary cross-entropy for the others: compare epochs within an approach, not approaches with each other.'],
    ['members', 'Each per-class model\'s own yes/no test accuracy (faint: one line per class)', 'A binary model that answers "no" to everything already scores 1 − 1/K: read these against that.'],
  ]) {
    const canvas = el('canvas', { role: 'img', 'aria-label': title });
    const box = el('figure', { className: `chart-box chart-${key}` },
      el('figcaption', { className: 'chart-title', textContent: title }),
      sub ? el('p', { className: 'chart-sub', textContent: sub }) : null,
      el('div', { className: 'chart-wrap' }, canvas));
    boxes[key] = { box, canvas, chart: null };
    grid.append(box);
  }
  root.append(toggle, note, grid);
  container.append(root);
  const caption = makeCaption(root);

  toggle.addEventListener('change', (e) => {
    if (e.target.name !== axisId) return;
    axis = e.target.value;
    for (const b of Object.values(boxes)) { b.chart?.destroy(); b.chart = null; }
    if (last) render(last);
  });

  // Creating a Chart.js chart takes tens of milliseconds: while models train, at most one chart
  // is created per update, so that no single main-thread task runs long.
  let mayCreate = true;

  /** Runs `fn` under a named timing, so that a profile can tell the charts apart. */
  function timed(name, fn) {
    const started = performance.now();
    fn();
    performance.measure(`ovr-lab:chart:${name}`, { start: started });
  }

  function chartOptions(yScale, tooltipLabel) {
    const options = {
      ...baseChartOptions(),
      scales: { x: xScale(axis, 'epoch', last?.config?.epochs), y: yScale },
    };
    options.plugins.legend = approachLegend();
    options.plugins.tooltip = {
      ...options.plugins.tooltip,
      filter: (item) => !item.dataset.band,
      callbacks: {
        title: (items) => (items.length ? (axis === 'flops' ? `${si(items[0].parsed.x)}FLOP spent` : `epoch ${items[0].parsed.x}`) : ''),
        label: tooltipLabel,
      },
    };
    return options;
  }

  /**
   * Draws chart `key`. A new chart is created empty in one task and given its lines in the next
   * (each half is tens of milliseconds). Resolves to true when a newer render made this one stale.
   */
  async function drawChart(key, datasets, yScale, tooltipLabel, stale) {
    const b = boxes[key];
    const options = chartOptions(yScale, tooltipLabel);
    const optionsKey = `${axis}|${last?.config?.epochs}`;
    if (!b.chart) {
      if (!mayCreate) return false;
      timed(`${key}:create`, () => {
        b.chart = new Chart(b.canvas, { type: 'line', data: { datasets: [] }, options });
      });
      b.optionsKey = optionsKey;
      if (training) mayCreate = false;
      if (await stale()) return true;
    }
    timed(key, () => {
      b.chart.data.datasets = datasets;
      // New options make Chart.js resolve every scale and plugin again (tens of milliseconds at
      // the end of a run): only when the axis or the run's length changed.
      if (optionsKey !== b.optionsKey) {
        b.chart.options = options;
        b.optionsKey = optionsKey;
      }
      b.chart.update('none');
    });
    return false;
  }

  // Each chart is drawn in its own task (a chart with one line per class model takes tens of
  // milliseconds); a newer report or axis abandons the rest of an older render.
  let generation = 0;

  async function render(report) {
    const approaches = orderedApproaches(report).filter((a) => a.curve?.length);
    if (!Chart) return;
    const mine = ++generation;
    // Tests and readers of the DOM wait on this: the charts are drawn over several tasks.
    root.dataset.drawn = '';
    const stale = async () => {
      await nextTask();
      return mine !== generation;
    };
    const pctAxis = (title) => ({
      min: 0, max: 1, title: { display: true, text: title },
      ticks: { callback: (v) => `${Math.round(v * 100)}%` },
    });
    // Not in the task that called update(): panels.js draws one view per task, and a chart is
    // the costly part of this one.
    if (await stale()) return;
    const accLabel = (item) => {
      const d = item.dataset;
      let t = `${d.label}: ${pct(item.parsed.y)}`;
      if (d.kind === 'test' && d.seeds > 1) t += ` ± ${pts(d.std[item.dataIndex])} (${d.seeds} seeds)`;
      return d.kind === 'test' ? `${t} test` : t; // train and validation are in the label
    };
    let acc;
    timed('acc:data', () => { acc = accuracyDatasets(report, approaches, axis); });
    if (await drawChart('acc', acc, pctAxis('accuracy'), accLabel, stale)) return;
    if (await stale()) return;
    const lossAxis = {
      type: 'logarithmic', title: { display: true, text: 'loss (own objective, log scale)' },
      ticks: { callback: (v) => (LOG_TICKS.has(Number((v / 10 ** Math.floor(Math.log10(v))).toPrecision(2))) ? String(Number(v.toPrecision(2))) : '') },
    };
    const lossLabel = (item) => `${item.dataset.label}${item.dataset.kind === 'test' ? ' (test)' : ''}: ${item.parsed.y.toPrecision(3)}`;
    let loss;
    timed('loss:data', () => { loss = lossDatasets(report, approaches, axis); });
    if (await drawChart('loss', loss, lossAxis, lossLabel, stale)) return;
    if (await stale()) return;
    let members;
    timed('members:data', () => { members = memberDatasets(report, approaches, axis); });
    boxes.members.box.hidden = members.length === 0;
    if (members.length) {
      const memberLabel = (item) => `${item.dataset.label}: ${pct(item.parsed.y)}`;
      if (await drawChart('members', members, pctAxis('binary accuracy'), memberLabel, stale)) return;
    }
    root.dataset.drawn = axis;
  }

  function explain(report) {
    const all = orderedApproaches(report);
    const done = all.filter((a) => seedsOf(a) > 0 && a.curve?.length);
    if (!done.length) return [waitingText('learning curves')];
    const out = ['Claim tested: "one network per class, with specialised filters, is more accurate." A large gap between train and test accuracy means a model is limited by its data rather than its capacity.'];
    const partial = all.filter((a) => !a.complete).map((a) => approachLabel(a.id, report));
    if (partial.length) out.push(`Still training: ${partial.join(', ')} (numbers will change).`);
    return out;
  }

  let training = false;

  function update(report, live) {
    last = report;
    training = Boolean(live?.running);
    mayCreate = true;
    const ok = hasApproaches(report);
    grid.hidden = !ok;
    toggle.hidden = !ok;
    const seeds = report?.config?.seeds;
    note.textContent = ok && seeds === 1 ? 'One seed: a single run, so no spread is shown.' : '';
    note.hidden = !note.textContent;
    if (ok) render(report);
    const done = orderedApproaches(report).some((a) => seedsOf(a) > 0 && a.curve?.length);
    caption.set(explain(report), done ? findingsOf(report, 'curves') : []);
  }

  return {
    update,
    destroy() {
      for (const b of Object.values(boxes)) b.chart?.destroy();
      root.remove();
    },
  };
}
