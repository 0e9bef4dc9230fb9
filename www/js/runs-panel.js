// The Runs panel: the finished runs kept in this browser (runs.js), newest first, each with the
// settings on which it differs from the current ones (the engine's `config_differences`), and
// Open / Delete buttons. When the browser keeps nothing, the panel says why.
import { el } from './dom.js';
import { openRunStore, MAX_RUNS } from './runs.js';

const percent = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

/**
 * @param {object} deps `engine`, `ui` (the layout), `config()` (the current settings), `open(report,
 *   entry)` (shows a kept run), `isRunning()`
 * Resolves to `{save(report), latest(), refresh(), destroy()}`.
 */
export async function createRunsPanel({ engine, ui, config, open, isRunning }) {
  const note = el('p', { className: 'lab-note' });
  const list = el('ul', { className: 'lab-runs-list' });
  const section = el('section', { className: 'lab-panel lab-runs', dataset: { panel: 'runs' } },
    el('h2', { textContent: 'Your runs' }), note, list);
  ui.panels.after(section);

  const { store, reason } = await openRunStore();
  if (!store) {
    note.textContent = `Runs are not kept: ${reason}. Finished runs are lost when you leave the page.`;
    note.classList.add('lab-runs-off');
    return { save: async () => null, latest: async () => null, refresh: async () => {}, destroy() {} };
  }

  function differences(entry) {
    let diff;
    try {
      diff = engine.config_differences(entry.config, config());
    } catch {
      return 'settings this version cannot read';
    }
    if (diff.length === 0) return 'the current settings';
    return `differs: ${diff.map((d) => `${d.label} ${d.value || '(all)'} (now ${d.other || '(all)'})`).join(', ')}`;
  }

  async function refresh() {
    let runs;
    try {
      runs = await store.list();
    } catch (e) {
      note.textContent = `The kept runs could not be read: ${e.message || e}`;
      return;
    }
    note.textContent = runs.length ? `Kept in this browser, the last ${MAX_RUNS} at most.` : `None yet: finished runs are kept in this browser (the last ${MAX_RUNS}).`;
    list.replaceChildren(...runs.reverse().map((entry) => {
      const openButton = el('button', { type: 'button', textContent: 'Open', 'aria-label': `Open the run of ${new Date(entry.saved).toLocaleString()}` });
      const deleteButton = el('button', { type: 'button', textContent: 'Delete', 'aria-label': `Delete the run of ${new Date(entry.saved).toLocaleString()}` });
      openButton.addEventListener('click', async () => {
        if (isRunning()) {
          ui.showNotices(['Stop the run before opening a kept one.']);
          return;
        }
        const report = await store.report(entry.id);
        if (report) open(report, entry);
      });
      deleteButton.addEventListener('click', async () => {
        await store.remove(entry.id);
        refresh();
      });
      return el('li', { className: 'lab-run-entry', dataset: { runId: String(entry.id) } },
        el('span', { className: 'lab-run-when', textContent: new Date(entry.saved).toLocaleString() }),
        el('span', { className: 'lab-run-what', textContent: ` ${entry.dataset}: ${entry.accuracies.map(([a, acc]) => `${a} ${percent(acc)}`).join(', ')}` }),
        el('span', { className: 'lab-run-diff', textContent: ` — ${differences(entry)}` }),
        ' ', openButton, ' ', deleteButton);
    }));
  }

  await refresh();
  return {
    /** Keeps a finished run's report; a full or failing storage is said, not thrown. */
    async save(report) {
      try {
        const entry = await store.save(report);
        if (!entry) ui.showNotices(['This run is too large to keep in the browser.']);
      } catch (e) {
        ui.showNotices([`This run could not be kept in the browser: ${e.message || e}`]);
      }
      await refresh();
    },
    /** The newest run's list entry and report, or null. */
    async latest() {
      const runs = await store.list().catch(() => []);
      const entry = runs.at(-1);
      if (!entry) return null;
      const report = await store.report(entry.id).catch(() => null);
      return report ? { entry, report } : null;
    },
    refresh,
    destroy: () => store.close(),
  };
}
