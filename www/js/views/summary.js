// The results table: one row per approach in the run's order, with its models, test accuracy
// (± sd over seeds), the learning rate it was tuned to, parameters, the report's verdict against
// the baseline with its 95% interval, and whether it finished, collapsed or diverged; then the
// report's summary sentences, the dataset, the notes, and the workers' failures (the numbers
// above depend on them, so they stay after the run).
import { el } from '../dom.js';
import { approachLabel } from './palette.js';
import {
  comparisonOf, findingsOf, int, intervalText, makeCaption, pct, pts, seedsOf, verdictWords,
} from './common.js';

export function createView(container) {
  const root = el('div', { className: 'view view-summary' },
    el('p', { className: 'lab-empty', textContent: 'Press Train to run the experiment.' }));
  container.append(root);

  function verdictCell(report, id) {
    const baseline = report.config?.baseline;
    if (id === baseline) return el('td', { className: 'lab-verdict', textContent: 'baseline' });
    const c = comparisonOf(report, id);
    if (!c) return el('td', { className: 'lab-verdict', textContent: '–' });
    return el('td', { className: 'lab-verdict', dataset: { verdict: c.verdict } },
      el('span', { className: `verdict verdict-${c.verdict}`, textContent: verdictWords(c.verdict) }),
      el('span', { className: 'lab-interval', textContent: ` (${intervalText(c.interval)})` }));
  }

  function row(report, a, tuned, running) {
    const n = seedsOf(a);
    const acc = a.curve.length && n ? `${pct(a.test_accuracy)}${n > 1 ? ` ± ${pts(a.test_accuracy_std)}` : ''}` : '…';
    const flags = [];
    if (!a.complete) flags.push(running ? 'training' : 'incomplete');
    if (a.collapsed.length) flags.push(`${a.collapsed.length} collapsed`);
    if (a.diverged.length) flags.push(a.diverged.map((d) => `${d.label}: ${d.detail}`).join('; '));
    const tr = el('tr', { dataset: { approach: a.id } },
      el('th', { scope: 'row', textContent: approachLabel(a.id, report) }),
      el('td', { className: 'lab-test-accuracy', textContent: acc }),
      verdictCell(report, a.id),
      el('td', { textContent: String(a.models) }),
      el('td', { className: 'lab-seeds', textContent: n ? String(n) : '…' }),
      tuned ? el('td', { className: 'lab-lr', textContent: a.tuning ? String(a.lr) : '–' }) : null,
      el('td', { textContent: int(a.params) }),
      el('td', { textContent: flags.join(', ') || 'done' }));
    if (a.curve.length && n) tr.dataset.testAccuracy = String(a.test_accuracy);
    return tr;
  }

  /** An approach with no model finished yet (or none before a stop) still gets its row. */
  function pendingRow(report, id, tuned, running) {
    return el('tr', { dataset: { approach: id } },
      el('th', { scope: 'row', textContent: approachLabel(id, report) }),
      el('td', { className: 'lab-test-accuracy', textContent: '…' }),
      el('td', { textContent: '…' }),
      el('td', { textContent: '…' }),
      el('td', { textContent: '…' }),
      tuned ? el('td', { textContent: '…' }) : null,
      el('td', { textContent: '…' }),
      el('td', { textContent: running ? 'training' : 'incomplete: no model finished' }));
  }

  return {
    /** `live`: `{running, failures}` (the failures are text, one per failed attempt). */
    update(report, live) {
      if (!report?.config || !report.dataset) return;
      const running = Boolean(live?.running);
      const approaches = report.approaches ?? {};
      // In the run's order (approach_order), then anything else the report holds.
      const order = [...new Set([
        ...(report.approach_order ?? []).map((a) => a.id), ...(report.config.approaches ?? []), ...Object.keys(approaches)])];
      const tuned = (report.config.lr_grid ?? []).length > 0;
      const baseline = report.config.baseline;
      const head = el('tr', {}, [
        'Approach', 'Test accuracy', `Against ${approachLabel(baseline, report)}`, 'Models', 'Seeds',
        tuned ? 'Learning rate' : null, 'Parameters', 'Status',
      ].filter(Boolean).map((h) => el('th', { scope: 'col', textContent: h })));
      const key = el('p', { className: 'lab-note', textContent: `Test accuracy: mean ± sd over seeds. ${tuned ? 'Learning rate: chosen on validation from the grid. ' : ''}Against ${approachLabel(baseline, report)}: the report's verdict and the 95% interval of the difference in test accuracy.` });
      const body = el('tbody', {}, order.map((id) => (approaches[id]
        ? row(report, approaches[id], tuned, running)
        : pendingRow(report, id, tuned, running))));
      const d = report.dataset;
      const captionBox = el('div');
      const caption = makeCaption(captionBox);
      caption.set([], findingsOf(report, 'summary'));
      root.replaceChildren(
        el('div', { className: 'lab-table-scroll', role: 'region', tabindex: '0', 'aria-label': 'Results table' }, el('table', { className: 'lab-summary-table' }, el('thead', {}, head), body)),
        key,
        captionBox,
        el('p', { className: 'lab-meta', textContent: `${d.name}: ${d.class_names.length} classes, ${d.train_count} training / ${d.test_count} test images.` }),
        ...[...(report.notes ?? []), ...(d.notes ?? [])].map((n) => el('p', { className: 'lab-note', textContent: n })),
        ...(live?.failures ?? []).map((f) => el('p', { className: 'lab-error lab-failure', textContent: f })),
      );
    },
    destroy() {
      root.remove();
    },
  };
}
