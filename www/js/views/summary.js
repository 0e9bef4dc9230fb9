// The results table: one row per approach with its models, test accuracy and parameters, and
// whether it finished, collapsed or diverged; then the dataset, the report's notes, and the
// workers' failures (the numbers above depend on them, so they stay after the run).
import { el } from '../dom.js';
import { int, pct, pts } from './common.js';

export function createView(container) {
  const root = el('div', { className: 'view-summary' },
    el('p', { className: 'lab-empty', textContent: 'Press Train to run the experiment.' }));
  container.append(root);

  function row(a, seeds, running) {
    const acc = a.curve.length ? `${pct(a.test_accuracy)}${seeds > 1 ? ` ± ${pts(a.test_accuracy_std)}` : ''}` : '…';
    const flags = [];
    if (!a.complete) flags.push(running ? 'training' : 'incomplete');
    if (a.collapsed.length) flags.push(`${a.collapsed.length} collapsed`);
    if (a.diverged.length) flags.push(a.diverged.map((d) => `${d.label}: ${d.detail}`).join('; '));
    const tr = el('tr', { dataset: { approach: a.id } },
      el('th', { scope: 'row', textContent: a.id }),
      el('td', { textContent: String(a.models) }),
      el('td', { className: 'lab-test-accuracy', textContent: acc }),
      el('td', { textContent: int(a.params) }),
      el('td', { textContent: flags.join(', ') || 'done' }));
    if (a.curve.length) tr.dataset.testAccuracy = String(a.test_accuracy);
    return tr;
  }

  /** An approach with no model finished yet (or none before a stop) still gets its row. */
  function pendingRow(id, running) {
    return el('tr', { dataset: { approach: id } },
      el('th', { scope: 'row', textContent: id }),
      el('td', { textContent: '…' }),
      el('td', { className: 'lab-test-accuracy', textContent: '…' }),
      el('td', { textContent: '…' }),
      el('td', { textContent: running ? 'training' : 'incomplete: no model finished' }));
  }

  return {
    /** `live`: `{running, failures}` (the failures are text, one per failed attempt). */
    update(report, live) {
      if (!report?.config || !report.dataset) return;
      const running = Boolean(live?.running);
      // In the order of the settings (shared, ovr, …), then anything else the report holds.
      const order = [...new Set([...report.config.approaches, ...Object.keys(report.approaches)])];
      const seeds = report.config.seeds;
      const head = el('tr', {}, ['Approach', 'Models', seeds > 1 ? `Test accuracy (mean ± sd, ${seeds} seeds)` : 'Test accuracy (one run)', 'Parameters', 'Status']
        .map((h) => el('th', { scope: 'col', textContent: h })));
      const body = el('tbody', {}, order.map((id) => (report.approaches[id] ? row(report.approaches[id], seeds, running) : pendingRow(id, running))));
      const d = report.dataset;
      root.replaceChildren(
        el('div', { className: 'lab-table-scroll' }, el('table', { className: 'lab-summary-table' }, el('thead', {}, head), body)),
        el('p', { className: 'lab-meta', textContent: `${d.name}: ${d.class_names.length} classes, ${d.train_count} training / ${d.test_count} test images.` }),
        ...[...report.notes, ...d.notes].map((n) => el('p', { className: 'lab-note', textContent: n })),
        ...(live?.failures ?? []).map((f) => el('p', { className: 'lab-error lab-failure', textContent: f })),
      );
    },
    destroy() {
      root.remove();
    },
  };
}
