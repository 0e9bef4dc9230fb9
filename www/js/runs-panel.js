// The Runs panel: the finished runs kept in this browser (runs.js), newest first, each with the
// settings on which it differs from the current ones (the engine's `config_differences`) and
// Open / Rename / Pin / Delete; two ticked are compared (runs-compare.js); Export all / Import
// move them between browsers as one JSON file. When the browser keeps nothing, the panel says why.
import { el } from './dom.js';
import { openRunStore, MAX_RUNS } from './runs.js';
import { showComparison } from './runs-compare.js';
import { createRunEntry } from './runs-entry.js';

/**
 * @param {object} deps `engine`, `ui` (the layout), `config()` (the current settings), `open(report,
 *   entry)` (shows a kept run), `isRunning()`, `scope` (runs.js: 'shared' or the page's path)
 * Resolves to `{save(report), latest(), list(), refresh(), destroy()}`.
 */
export async function createRunsPanel({ engine, ui, config, open, isRunning, scope }) {
  const note = el('p', { className: 'lab-note' });
  const list = el('ul', { className: 'lab-runs-list' });
  const tools = el('div', { className: 'lab-runs-tools' });
  const comparison = el('div', { className: 'lab-runs-compare', 'aria-live': 'polite' });
  const section = el('section', { className: 'lab-panel lab-runs', dataset: { panel: 'runs' } },
    el('h2', { textContent: 'Your runs' }), note, tools, list, comparison);
  ui.panels.after(section);

  const { store, reason } = await openRunStore({ scope });
  if (!store) {
    note.textContent = `Runs are not kept: ${reason}. Finished runs are lost when you leave the page.`;
    note.classList.add('lab-runs-off');
    return { save: async () => null, latest: async () => null, list: async () => [], refresh: async () => {}, destroy() {} };
  }

  const ticked = new Set();
  let freeChart = () => {};
  const say = (message) => ui.showNotices([message]);

  async function compareTicked() {
    freeChart();
    freeChart = () => {};
    if (ticked.size !== 2) {
      comparison.replaceChildren(el('p', { className: 'lab-note', textContent: ticked.size ? 'Tick one more run to compare the two.' : 'Tick two runs to compare their curves and verdicts.' }));
      return;
    }
    const runs = (await store.list()).filter((r) => ticked.has(r.id)); // oldest first: A, then B
    try {
      const [a, b] = await Promise.all(runs.map(async (entry) => ({ entry, report: await store.report(entry.id) })));
      freeChart = showComparison(comparison, engine, a, b);
    } catch (e) {
      comparison.replaceChildren(el('p', { className: 'lab-error', role: 'alert', textContent: `These two runs cannot be compared: ${e.message || e}` }));
    }
  }

  const actions = {
    engine,
    config,
    async open(entry) {
      if (isRunning()) return say('Stop the run before opening a kept one.');
      const report = await store.report(entry.id);
      if (report) open(report, entry);
      return undefined;
    },
    async rename(entry, name) {
      await store.rename(entry.id, name);
      await refresh();
    },
    async pin(entry) {
      await store.pin(entry.id, !entry.pinned);
      await refresh();
    },
    async remove(entry) {
      await store.remove(entry.id);
      ticked.delete(entry.id);
      await refresh();
    },
    tick(entry, on) {
      if (on) ticked.add(entry.id);
      else ticked.delete(entry.id);
      compareTicked();
    },
    isTicked: (entry) => ticked.has(entry.id),
  };

  async function refresh() {
    let runs;
    try {
      runs = await store.list();
    } catch (e) {
      note.textContent = `The kept runs could not be read: ${e.message || e}`;
      return;
    }
    for (const id of [...ticked]) if (!runs.some((r) => r.id === id)) ticked.delete(id);
    note.textContent = runs.length
      ? `Kept in this browser: ${MAX_RUNS} runs at most, the oldest unpinned go first.`
      : `None yet: finished runs are kept in this browser (${MAX_RUNS} at most).`;
    list.replaceChildren(...runs.reverse().map((entry) => createRunEntry(entry, actions)));
    tools.hidden = false;
    exportButton.disabled = runs.length === 0;
    if (runs.length >= 2) compareTicked();
    else comparison.replaceChildren();
  }

  const exportButton = bindTransfer({ tools, store, engine, config, say, refresh });

  await refresh();
  return {
    /** Keeps a finished run's report; a full or failing storage is said, not thrown. */
    async save(report) {
      try {
        const entry = await store.save(report);
        if (!entry) say('This run is too large to keep in the browser.');
      } catch (e) {
        say(`This run could not be kept in the browser: ${e.message || e}`);
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
    /** This scope's kept runs, newest first: `{id, saved, name, pinned, dataset, config, accuracies, size}`. */
    list: async () => (await store.list()).reverse(),
    refresh,
    destroy() {
      freeChart();
      store.close();
    },
  };
}

/**
 * Export all (one JSON file of this scope's runs) and Import (a file Export all wrote; the engine
 * reads each run's settings first, so a bad file adds nothing) in `tools`; returns the export button.
 */
function bindTransfer({ tools, store, engine, config, say, refresh }) {
  const exportButton = el('button', { type: 'button', textContent: 'Export all' });
  exportButton.addEventListener('click', async () => {
    const file = await store.exportAll();
    const url = URL.createObjectURL(new Blob([JSON.stringify(file)], { type: 'application/json' }));
    const a = el('a', { href: url, download: `ovr-lab-runs-${new Date().toISOString().slice(0, 10)}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  const importInput = el('input', { type: 'file', accept: '.json,application/json', className: 'lab-runs-import', 'aria-label': 'Import runs from a file that Export all wrote' });
  importInput.addEventListener('change', async () => {
    const file = importInput.files?.[0];
    importInput.value = '';
    if (!file) return;
    try {
      let parsed;
      try {
        parsed = JSON.parse(await file.text());
      } catch {
        throw new Error('it is not JSON');
      }
      // The engine reads each run's settings: a document this version cannot read is refused.
      const kept = await store.importAll(parsed, (report) => engine.config_differences(report.config, config()));
      say(`Imported ${kept} run${kept === 1 ? '' : 's'} from ${file.name}.`);
    } catch (e) {
      say(`Nothing was imported from ${file.name}: ${e.message || e}`);
    }
    await refresh();
  });
  tools.append(exportButton, ' ', el('label', { className: 'lab-runs-import-label' }, 'Import: ', importInput));
  return exportButton;
}
