// Calibration: does an approach's confidence mean what it says? A reliability diagram from the
// report's bins (images, mean confidence and accuracy per tenth of confidence, pooled over seeds)
// and each approach's expected calibration error (ECE), with the per-class approaches' ECE on
// their raw sigmoids. The bins are also given as tables, the chart's text alternative.
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  baseChartOptions, chartLib, dataTable, findingsOf, fixed, int, makeCaption, pct,
  setChartDefaults, waitingText,
} from './common.js';

const BINS = 10;

const hasBins = (a) => Array.isArray(a?.calibration?.bins) && a.calibration.bins.length > 0;

export function createView(container, ctx) {
  const Chart = chartLib(ctx);
  if (Chart) setChartDefaults(Chart);
  const root = el('div', { className: 'view view-calibration' });
  const canvas = el('canvas', { role: 'img', 'aria-label': 'Reliability diagram: accuracy against mean confidence per confidence bin, one line per approach; the bins are in the tables below' });
  const box = el('figure', { className: 'chart-box calibration-chart' },
    el('figcaption', { className: 'chart-title', textContent: 'Reliability: accuracy against confidence (the diagonal is perfect calibration)' }),
    el('div', { className: 'chart-wrap' }, canvas));
  const ece = el('div');
  const bins = el('details', { className: 'calibration-bins' }, el('summary', { textContent: 'The bins as tables' }));
  const binsBody = el('div');
  bins.append(binsBody);
  root.append(el('div', { className: 'calibration-row' }, box, ece), bins);
  container.append(root);
  const caption = makeCaption(root);
  let chart = null;

  function renderChart(report, approaches) {
    const datasets = [{
      label: 'perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#999', borderDash: [4, 4],
      borderWidth: 1, pointRadius: 0, reference: true,
    }, ...approaches.map((a) => ({
      label: approachLabel(a.id, report),
      data: a.calibration.bins.filter((b) => b[0] > 0).map((b) => ({ x: b[1], y: b[2], n: b[0] })),
      borderColor: approachColor(a.id), backgroundColor: approachColor(a.id), borderWidth: 2, pointRadius: 3,
    }))];
    const unit = { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(v * 100)}%` } };
    const options = {
      ...baseChartOptions(),
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: { ...unit, type: 'linear', title: { display: true, text: 'confidence (mean probability of the predicted class)' } },
        y: { ...unit, title: { display: true, text: 'accuracy' } },
      },
    };
    options.plugins.legend.labels = { boxWidth: 14, boxHeight: 3 };
    options.plugins.tooltip.filter = (item) => !item.dataset.reference;
    options.plugins.tooltip.callbacks = {
      label: (item) => `${item.dataset.label}: confidence ${pct(item.raw.x)}, accuracy ${pct(item.raw.y)} (${int(item.raw.n)} images)`,
    };
    if (!chart) {
      chart = new Chart(canvas, { type: 'line', data: { datasets }, options });
    } else {
      chart.data = { datasets };
      chart.options = options;
      chart.update('none');
    }
  }

  function renderTables(report, approaches) {
    const raw = approaches.some((a) => Number.isFinite(a.calibration.raw_ece));
    ece.replaceChildren(dataTable('Expected calibration error per approach',
      ['approach', ['ECE', 'of the probabilities it predicts from'], ...(raw ? [['raw ECE', 'top sigmoid, before scaling']] : [])],
      approaches.map((a) => [approachLabel(a.id, report), fixed(a.calibration.ece, 3), ...(raw ? [fixed(a.calibration.raw_ece, 3)] : [])]),
      'ece-table'));
    binsBody.replaceChildren(...approaches.map((a) => el('div', { className: 'calibration-bin-table' },
      el('h4', { textContent: approachLabel(a.id, report) }),
      dataTable(`${approachLabel(a.id, report)}: reliability bins`,
        ['confidence bin', 'images', 'mean confidence', 'accuracy'],
        a.calibration.bins.map((b, i) => [`${pct(i / BINS, 0)}–${pct((i + 1) / BINS, 0)}`, int(b[0]), b[0] ? pct(b[1]) : '–', b[0] ? pct(b[2]) : '–']),
        'bins-table'))));
  }

  return {
    update(report) {
      const approaches = orderedApproaches(report).filter(hasBins);
      const ok = approaches.length > 0;
      root.querySelector('.calibration-row').hidden = !ok;
      bins.hidden = !ok;
      if (!ok) {
        caption.set([waitingText('calibration')]);
        return;
      }
      if (Chart) renderChart(report, approaches);
      renderTables(report, approaches);
      caption.set([
        'A calibrated approach is right on 80% of the images it is 80% sure about: its points lie on the diagonal, below it when overconfident. ECE is the gap between confidence and accuracy, averaged over the bins weighted by their images (0 is perfect). Bins pool every seed\'s test images.',
      ], findingsOf(report, 'calibration'));
    },
    destroy() {
      chart?.destroy();
      root.remove();
    },
  };
}
