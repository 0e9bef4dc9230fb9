// createLab(): the public embed API (see docs/embedding.md). Builds a lab inside an element and
// wires its parts: the layout (layout.js), the settings (settings.js), the run (run.js, with the
// worker pool and the report worker), the results (panels.js) and the exports (export.js). It
// reports its state in the element's data-lab-state attribute and resolves to the object of api.js.
import { loadEngine } from './engine.js';
import { el } from './dom.js';
import { ensureChartJs, ensureStyles } from './assets.js';
import { createEvents, publicLab } from './api.js';
import { buildLayout } from './layout.js';
import { createSettings } from './settings.js';
import { createSources } from './sources.js';
import { createProgress } from './progress.js';
import { createPanels } from './panels.js';
import { createReporter } from './reporter-client.js';
import { createRunner } from './run.js';
import { bindExports } from './export.js';
import { WorkerPool } from './pool.js';
import { readSettings, hiddenSet, isTrue } from './state.js';
import { createRunsPanel } from './runs-panel.js';

/** Workers in a lab's pool: `workers` if given (1–8), else the number of cores (at most 8). */
export function poolSize(workers) {
  return Math.min(8, Math.max(1, Number(workers) || navigator.hardwareConcurrency || 2));
}

/**
 * @param {HTMLElement} element where the lab is built
 * @param {object} options settings by their schema names (e.g. {dataset: 'mnist28', epochs: 2}),
 *   plus `hide` (panels or settings to hide), `autorun`, `workers` (pool size), `scenario` (a
 *   scenario's name: its settings, under the others given), `test_hooks` (for the browser
 *   tests only: adds `lab.testHooks`) and `keep_runs` (keep finished runs in the browser)
 * @param {object} [parts] for ovr-lab.js: `pool`, a lease of a pool shared by the labs of a page
 *   (pool.js, SharedPool) instead of a pool of the lab's own
 */
export async function createLab(element, options = {}, parts = {}) {
  const events = createEvents();
  const emit = events.emit;
  const setState = (state) => {
    element.dataset.labState = state;
    emit('state', state);
  };
  setState('idle');
  element.classList.add('lab');
  // Inside a shadow root (the <ovr-lab> element), the style sheets go into it.
  const styled = ensureStyles(element.getRootNode());

  let engine;
  try {
    [engine] = await Promise.all([loadEngine(), ensureChartJs(), styled]);
  } catch (e) {
    setState('error');
    element.append(el('p', { className: 'lab-error', role: 'alert', textContent: `The lab's engine failed to load: ${e.message || e}` }));
    throw e;
  }
  const hidden = hiddenSet(options.hide);
  const catalog = engine.catalog();
  // `scenario` starts from a scenario's settings (as `ovr-lab run --scenario NAME` does); settings
  // given beside it win.
  const scenario = options.scenario ? catalog.scenarios.find((s) => s.name === String(options.scenario)) : null;
  const parsed = readSettings(engine, scenario ? { ...Object.fromEntries(scenario.settings), ...options } : options);
  const ui = buildLayout(element, hidden);
  const progress = createProgress(ui.progress);
  const sources = createSources(engine, catalog);
  const pool = parts.pool ?? new WorkerPool(poolSize(options.workers));
  const reporter = createReporter((url) => pool.workerUrlFor(url));

  const settings = createSettings({
    engine, catalog, ui, hidden, initial: parsed.config, sources, progress, emit,
    isRunning: () => runner.running,
    restart: async (next) => {
      await runner.stop();
      settings.apply(next);
      await settings.refreshClasses();
      run();
    },
  });
  const runner = createRunner({
    engine, pool, reporter, sources, progress, ui, emit, setState,
    draw: (report, live) => panels.update(report, live),
    onSettingError: (problem) => settings.markInvalid(problem),
  });
  const panels = createPanels(ui, hidden, runner.viewContext);

  function run() {
    if (runner.running) return Promise.resolve(runner.report);
    settings.closeRestartPrompt();
    return runner.start(settings.config);
  }

  ui.buttons.run.addEventListener('click', () => run());
  // A scenario fills the form with its settings (the others at their defaults), which updates the
  // address, and runs; a run in progress is stopped first.
  ui.setScenarios(catalog.scenarios, async (scenario) => {
    const next = readSettings(engine, Object.fromEntries(scenario.settings));
    settings.closeRestartPrompt();
    await runner.stop();
    settings.apply(next.config);
    ui.showNotices(next.notices);
    ui.setQuestion(scenario.question);
    await settings.refreshClasses();
    run();
  });
  events.on('change', () => ui.setQuestion(''));
  ui.buttons.pause.addEventListener('click', () => (runner.paused ? runner.resume() : runner.pause()));
  ui.buttons.stop.addEventListener('click', () => runner.stop());
  bindExports(ui, {
    link: () => settings.link(),
    get report() {
      return runner.report;
    },
    modelsFile: () => runner.modelsFile(),
    async loadModels(text, name) {
      const { count, stub } = await runner.loadModels(text, name);
      panels.updateOne('draw', stub, { running: false, filters: new Map(), models: [], failures: [] });
      return count;
    },
  });

  settings.apply(parsed.config);
  ui.showNotices([
    ...parsed.notices.map((n) => `Setting changed: ${n}`),
    ...(options.scenario && !scenario ? [`No scenario is named "${String(options.scenario).slice(0, 64)}"; the scenarios are ${catalog.scenarios.map((s) => s.name).join(', ')}.`] : []),
  ]);
  if (scenario) ui.setQuestion(scenario.question);
  settings.refreshClasses();
  pool.onFatal = (message) => {
    ui.showError(message);
    setState('error');
    emit('error', { message });
  };
  pool.ensureWorkers();

  // keep_runs: finished runs are kept in the browser, listed in the Runs panel, and the last one
  // is shown again when the page is reloaded (index.html sets it).
  // Their scope (runs.js): `keep_runs=shared` (index.html) lists the runs of every such lab of the
  // site; any other lab keeping runs lists only those of its own page.
  let runs = null;
  const sharedRuns = String(options.keep_runs) === 'shared';
  if ((sharedRuns || isTrue(options.keep_runs)) && !hidden.has('runs')) {
    const idle = { running: false, filters: new Map(), models: [], failures: [] };
    const open = (report, entry) => {
      settings.apply(report.config);
      settings.refreshClasses();
      panels.update(report, idle);
      ui.showNotices([`Showing your run of ${new Date(entry.saved).toLocaleString()}; Train runs it again.`]);
    };
    runs = createRunsPanel({
      engine, ui, config: () => settings.config, open, isRunning: () => runner.running,
      scope: sharedRuns ? 'shared' : `page:${location.pathname}`,
    });
    events.on('done', (report) => runs.then((r) => r.save(report)));
    events.on('config', () => runs?.then((r) => r.refresh()));
    // A reload (the address carries the settings) shows the last run again, if it had these
    // settings: a page opened with other settings starts empty.
    if (!isTrue(options.autorun)) {
      runs.then((r) => r.latest()).then((last) => {
        if (!last || runner.running || runner.report) return;
        if (engine.config_differences(last.report.config, settings.config).length === 0) open(last.report, last.entry);
      }).catch((e) => console.warn('the last run could not be restored', e));
    }
  }

  const lab = publicLab({
    element, events, settings, runner, run,
    runs: () => (runs ? runs.then((r) => r.list()) : Promise.resolve([])),
    destroy() {
      runs?.then((r) => r.destroy());
      runner.destroy();
      pool.destroy();
      reporter.destroy();
      panels.destroy();
      element.replaceChildren();
      events.clear();
    },
    testHooks: isTrue(options.test_hooks) ? { killBusyWorker: () => pool.killBusyWorker() } : null,
  });
  if (isTrue(options.autorun)) queueMicrotask(() => run());
  return lab;
}
