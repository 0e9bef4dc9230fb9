// createLab(): the public embed API (see docs/embedding.md). Builds a lab inside an element:
// controls, progress, and the views; trains in a pool of workers; emits progress, epoch, done,
// error and state events; and reports its state in the element's data-lab-state attribute.
import { loadEngine } from './engine.js';
import { el } from './dom.js';
import { nextTask } from './tasks.js';
import { WorkerPool } from './pool.js';
import { readSettings, hiddenSet, isTrue } from './state.js';
import { buildControls } from './controls.js';
import { BUNDLED, bundledBytes, decodeImageFolder, filesFromDrop } from './datasets.js';
import { VIEWS } from './views/index.js';
import { curvesCsv, download, panelPng } from './export.js';

const REDRAW_MS = 250;
const MAX_NOTICES = 12;
let runCounter = 0;
let chartLoading = null;

/** The lab's style sheets, next to this module, unless the page already links them. */
function ensureStyles() {
  const have = new Set([...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.href));
  for (const name of ['lab.css', 'views.css']) {
    const href = new URL(`../css/${name}`, import.meta.url).href;
    if (have.has(href)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
}

/**
 * The chart views need Chart.js as a classic script (window.Chart). index.html loads it; a page
 * that imports createLab from elsewhere gets it here, from next to this module.
 */
function ensureChartJs() {
  if (window.Chart) return Promise.resolve();
  if (!chartLoading) {
    chartLoading = new Promise((resolve) => {
      const script = document.createElement('script');
      script.src = new URL('../vendor/chart.umd.min.js', import.meta.url).href;
      script.onload = () => resolve();
      // The views say so themselves (ctx.onError) when Chart.js is missing.
      script.onerror = () => resolve();
      document.head.append(script);
    });
  }
  return chartLoading;
}

/** Bytes as base64, in chunks (spreading a large array into fromCharCode overflows the stack). */
function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function formatSeconds(s) {
  if (!Number.isFinite(s)) return '…';
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * @param {HTMLElement} element where the lab is built
 * @param {object} options settings by their schema names (e.g. {dataset: 'mnist28', epochs: 2}),
 *   plus `hide` (panels or settings to hide), `autorun`, and `workers` (pool size).
 */
export async function createLab(element, options = {}) {
  const listeners = new Map();
  const emit = (type, detail) => {
    for (const fn of listeners.get(type) || []) {
      try {
        fn(detail);
      } catch (e) {
        console.error(e);
      }
    }
  };
  const setState = (state) => {
    element.dataset.labState = state;
    emit('state', state);
  };
  setState('idle');
  element.classList.add('lab');
  ensureStyles();

  let engine;
  try {
    [engine] = await Promise.all([loadEngine(), ensureChartJs()]);
  } catch (e) {
    setState('error');
    element.append(el('p', { className: 'lab-error', role: 'alert', textContent: `The lab's engine failed to load: ${e.message || e}` }));
    throw e;
  }
  const schema = engine.schema();
  const hidden = hiddenSet(options.hide);
  const parsed = readSettings(engine, options);
  let config = parsed.config;
  let userData = null; // {name, bytes, notes}
  let report = null;
  let running = null; // the current run's bookkeeping
  let pendingRestart = false;

  // ----- layout -----
  const form = el('form', { className: 'lab-controls' });
  form.setAttribute('aria-label', 'Experiment settings');
  form.addEventListener('submit', (e) => e.preventDefault());
  const runButton = el('button', { type: 'button', className: 'lab-run', textContent: 'Train' });
  const pauseButton = el('button', { type: 'button', textContent: 'Pause', disabled: true });
  const stopButton = el('button', { type: 'button', textContent: 'Stop', disabled: true });
  const linkButton = el('button', { type: 'button', textContent: 'Copy link' });
  const jsonButton = el('button', { type: 'button', textContent: 'Results JSON', disabled: true });
  const csvButton = el('button', { type: 'button', textContent: 'Curves CSV', disabled: true });
  const saveButton = el('button', { type: 'button', textContent: 'Save models', disabled: true });
  const loadInput = el('input', { type: 'file', accept: '.json', className: 'lab-visually-hidden', id: `lab-load-${Math.random().toString(36).slice(2)}` });
  const loadLabel = el('label', { htmlFor: loadInput.id, className: 'lab-button', textContent: 'Load models' });
  const actions = el('div', { className: 'lab-actions' }, [runButton, pauseButton, stopButton]);
  const exports = el('div', { className: 'lab-exports', dataset: {} }, [linkButton, jsonButton, csvButton, saveButton, loadLabel, loadInput]);
  const notices = el('div', { className: 'lab-notices', role: 'status' });
  const errorBox = el('div', { className: 'lab-error', role: 'alert', hidden: true });
  const overall = el('progress', { max: 1, value: 0 });
  const overallText = el('span', { className: 'lab-progress-text', textContent: 'Not started' });
  const modelBars = el('div', { className: 'lab-model-bars' });
  const progressPanel = el('section', { className: 'lab-panel lab-progress', dataset: { panel: 'progress' } }, [
    el('h2', { textContent: 'Progress' }),
    el('div', { className: 'lab-progress-overall' }, [overall, overallText]),
    el('details', {}, [el('summary', { textContent: 'Every model' }), modelBars]),
    el('p', { className: 'lab-note lab-background-note', textContent: 'Training runs in background workers, so it goes on while this tab is hidden or you look at another one (the browser may slow it down); the charts catch up as soon as the tab is visible again.' }),
  ]);
  const summary = el('section', { className: 'lab-panel lab-summary', dataset: { panel: 'summary' } }, [
    el('h2', { textContent: 'Results' }),
    el('p', { className: 'lab-empty', textContent: 'Press Train to run the experiment.' }),
  ]);
  const panels = el('div', { className: 'lab-panels' });
  const controlsWrap = el('div', { className: 'lab-side', dataset: { panel: 'controls' } }, [form, actions, exports]);
  element.replaceChildren(controlsWrap, el('div', { className: 'lab-main' }, [errorBox, notices, progressPanel, summary, panels]));
  if (hidden.has('controls')) {
    form.hidden = true;
  }
  if (hidden.has('actions')) actions.hidden = true;
  if (hidden.has('export')) exports.hidden = true;
  if (hidden.has('controls') && hidden.has('actions') && hidden.has('export')) controlsWrap.hidden = true;
  if (hidden.has('progress')) progressPanel.hidden = true;
  if (hidden.has('summary')) summary.hidden = true;

  const controls = buildControls(form, schema, { onChange: onControlsChanged, onUserFiles });
  controls.hide([...hidden]);

  // ----- views -----
  let classNames = [];
  let testLabels = new Uint8Array();
  let mainLab = null; // the engine's Lab on this thread, for assembling reports
  let models = []; // trained models for the draw panel: {plan, model}
  const views = [];
  const pngButtons = []; // {png, container}: shown once the view has drawn a canvas
  const viewCtx = {
    get classNames() {
      return classNames;
    },
    get testLabels() {
      return testLabels;
    },
    testImages(indices) {
      if (!mainLab) return { pixels: new Uint8Array(), width: 0, height: 0, channels: 1 };
      const info = report ? report.dataset : null;
      return {
        pixels: mainLab.test_images(Uint32Array.from(indices)),
        width: info ? info.width : 0,
        height: info ? info.height : 0,
        channels: info ? info.channels : 1,
      };
    },
    score: async (pixels) => scoreDrawing(pixels),
    onError: (message) => showError(message),
  };
  for (const view of VIEWS) {
    if (hidden.has(view.id)) continue;
    const container = el('div', { className: 'lab-view-body' });
    const png = el('button', { type: 'button', className: 'lab-png', textContent: 'PNG', title: `Save the ${view.title.toLowerCase()} chart as a PNG image`, hidden: true });
    png.setAttribute('aria-label', `Save ${view.title} as PNG`);
    png.addEventListener('click', () => {
      if (!panelPng(container, `ovr-lab-${view.id}.png`)) showNotices([`${view.title}: nothing drawn yet to save.`]);
    });
    const section = el('section', { className: `lab-panel lab-view-${view.id}`, dataset: { panel: view.id } }, [el('div', { className: 'lab-panel-head' }, [el('h2', { textContent: view.title }), png]), container]);
    pngButtons.push({ png, container });
    panels.append(section);
    try {
      views.push({ id: view.id, instance: view.create(container, viewCtx) });
    } catch (e) {
      console.error(e);
      container.textContent = `This view failed: ${e.message}`;
    }
  }

  function showNotices(list) {
    const shown = list.slice(0, MAX_NOTICES).map((n) => el('p', { textContent: String(n) }));
    if (list.length > MAX_NOTICES) {
      const rest = list.slice(MAX_NOTICES, 500);
      shown.push(el('details', { className: 'lab-more-notices' }, [
        el('summary', { textContent: `…and ${list.length - MAX_NOTICES} more notices` }),
        ...rest.map((n) => el('p', { textContent: String(n) })),
      ]));
    }
    notices.replaceChildren(...shown);
  }

  function showError(message) {
    errorBox.hidden = !message;
    errorBox.textContent = message ? `Error: ${message}` : '';
  }

  function applyConfig(next) {
    config = next;
    controls.set(config);
    emit('config', config);
  }

  // The link opens the full lab (index.html next to this module's folder) with these settings,
  // also when the lab is embedded in another page.
  const linkBase = new URL('../index.html', import.meta.url);
  function linkFor(cfg) {
    const parsedNow = engine.check_config(cfg);
    const url = new URL(linkBase);
    url.search = parsedNow.query;
    return url;
  }

  function onControlsChanged() {
    const next = readSettings(engine, controls.values().map(([k, v]) => [k, v]).reduce((o, [k, v]) => Object.assign(o, { [k]: v }), {}));
    showNotices(next.notices);
    if (running) {
      pendingRestart = next.config;
      showRestartPrompt();
      return;
    }
    const datasetChanged = next.config.dataset !== config.dataset;
    applyConfig(next.config);
    if (datasetChanged) refreshClasses();
    emit('change', config);
  }

  let restartPrompt = null;
  function showRestartPrompt() {
    if (restartPrompt) return;
    const apply = el('button', { type: 'button', textContent: 'Stop and restart with the new settings' });
    const keep = el('button', { type: 'button', textContent: 'Keep training (discard the change)' });
    restartPrompt = el('div', { className: 'lab-restart', role: 'alertdialog' }, [
      el('p', { textContent: 'A run is in progress. Changing a setting discards its work.' }),
      apply,
      keep,
    ]);
    notices.append(restartPrompt);
    apply.addEventListener('click', async () => {
      const next = pendingRestart;
      closeRestartPrompt();
      stop();
      applyConfig(next);
      await refreshClasses();
      run();
    });
    keep.addEventListener('click', () => {
      closeRestartPrompt();
      controls.set(config);
    });
  }
  function closeRestartPrompt() {
    restartPrompt?.remove();
    restartPrompt = null;
    pendingRestart = false;
  }

  async function datasetBytes(cfg) {
    if (cfg.dataset === 'shapes') return { bytes: null, file: 'shapes' };
    if (BUNDLED[cfg.dataset]) return { bytes: await bundledBytes(cfg.dataset), file: BUNDLED[cfg.dataset] };
    if (userData && userData.name === cfg.dataset) return { bytes: userData.bytes, file: userData.file };
    throw new Error(`dataset "${cfg.dataset}" is not available: choose a bundled set or load your own file again (a link cannot carry your data)`);
  }

  // The class checkboxes need the dataset's class names.
  async function refreshClasses() {
    try {
      const { bytes, file } = await datasetBytes(config);
      const probe = new engine.Lab({ ...config, classes: [], train_per_class: 0 }, bytes || undefined, file);
      const info = probe.dataset();
      probe.free();
      controls.setClasses(info.class_names, config.classes);
      showError('');
    } catch (e) {
      showError(e.message || String(e));
    }
  }

  async function onUserFiles(source) {
    try {
      let files = source.files;
      if (source.kind === 'drop') files = await filesFromDrop(source.dataTransfer);
      const isFolder = source.kind === 'folder' || files.length > 1 || files.some((f) => (f.relativePath || f.webkitRelativePath || '').includes('/'));
      let loaded;
      if (isFolder) {
        const size = source.size || 28;
        overallText.textContent = 'Decoding images…';
        const decoded = await decodeImageFolder(files, size, (f) => { overallText.textContent = `Decoding images… ${Math.round(100 * f)}%`; }, source.channels || 1);
        const bytes = engine.dataset_from_images(decoded.name, decoded.classNames, decoded.labels, decoded.pixels, size, size, decoded.channels, BigInt(config.seed));
        loaded = { name: decoded.name, file: `${decoded.name}/`, bytes, notes: decoded.notes };
        overallText.textContent = 'Not started';
      } else {
        const file = files[0];
        const bytes = new Uint8Array(await file.arrayBuffer());
        loaded = { name: file.name.slice(0, 64), file: file.name, bytes, notes: [] };
      }
      // Check it before switching to it: a bad file leaves the current dataset in place.
      const probe = new engine.Lab({ ...config, dataset: loaded.name, classes: [], train_per_class: 0 }, loaded.bytes, loaded.file);
      const info = probe.dataset();
      probe.free();
      userData = loaded;
      controls.setUserDataset(loaded.name);
      applyConfig({ ...config, dataset: loaded.name, classes: [] });
      controls.setClasses(info.class_names, []);
      showError('');
      showNotices([...loaded.notes, ...info.notes, `Loaded ${info.train_count} training and ${info.test_count} test images in ${info.class_names.length} classes.`]);
    } catch (e) {
      showError(e.message || String(e));
    }
  }

  // ----- running -----
  const pool = new WorkerPool(Math.min(8, Math.max(1, Number(options.workers) || navigator.hardwareConcurrency || 2)));

  function setRunning(on) {
    runButton.disabled = on;
    pauseButton.disabled = !on;
    stopButton.disabled = !on;
    pauseButton.textContent = 'Pause';
    jsonButton.disabled = on || !report;
    csvButton.disabled = on || !report;
    saveButton.disabled = on || models.length === 0;
  }

  function updateProgress() {
    if (!running) return;
    const { jobs, fractions, started } = running;
    let done = 0;
    let total = 0;
    for (const job of jobs) {
      const cost = job.samples_per_epoch * config.epochs * job.flops_per_train_sample + 1;
      total += cost;
      done += cost * (fractions.get(job.index) || 0);
    }
    const f = total > 0 ? done / total : 0;
    overall.value = f;
    const elapsed = (performance.now() - started - running.pausedFor) / 1000;
    const left = f > 0.02 ? (elapsed * (1 - f)) / f : NaN;
    overallText.textContent = running.paused
      ? `Paused at ${Math.round(100 * f)}%`
      : `${Math.round(100 * f)}% · ${formatSeconds(elapsed)} elapsed · about ${formatSeconds(left)} left`;
    for (const job of jobs) {
      const bar = running.bars.get(job.index);
      if (bar) bar.value = fractions.get(job.index) || 0;
    }
  }

  let redrawTimer = null;
  function scheduleRedraw() {
    if (redrawTimer || document.hidden) return;
    redrawTimer = setTimeout(() => {
      redrawTimer = null;
      redraw();
    }, REDRAW_MS);
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && running) scheduleRedraw();
  });

  // The report is assembled in a worker of its own, and the views are updated one per task, so
  // that no main-thread task runs long while models train. Only the latest state is drawn.
  const reporter = createReporter();
  let redrawing = null;
  let redrawAgain = false;

  function redraw() {
    if (redrawing) {
      redrawAgain = true;
      return redrawing;
    }
    redrawing = (async () => {
      do {
        redrawAgain = false;
        await redrawOnce();
      } while (redrawAgain);
      redrawing = null;
    })();
    return redrawing;
  }

  async function redrawOnce() {
    if (!mainLab) return;
    const results = `[${(running ? resultsInOrder(running.results) : lastResults).join(',')}]`;
    const started = performance.now();
    let json;
    try {
      json = await reporter.assemble(results, () => mainLab.assemble_json(results));
    } catch (e) {
      showError(`could not assemble the results: ${e.message || e}`);
      return;
    }
    // Named timings, so that a profile or `make bench` can tell where the time goes.
    performance.measure('ovr-lab:assemble', { start: started });
    report = JSON.parse(json);
    renderSummary(report);
    const live = running ? { running: true, filters: running.filters, models: running.jobs.map((j) => ({ index: j.index, label: j.label, approach: j.approach, member: j.member, filter_shape: running.filterShapes.get(j.index) || null })) } : { running: false, filters: new Map(), models: [] };
    for (const v of views) {
      await nextTask();
      const viewStarted = performance.now();
      try {
        v.instance.update(report, live);
      } catch (e) {
        console.error(`view ${v.id}`, e);
      }
      performance.measure(`ovr-lab:view:${v.id}`, { start: viewStarted });
    }
    for (const { png, container } of pngButtons) png.hidden = !container.querySelector('canvas');
  }

  function createReporter() {
    let worker = null;
    let key = null;
    let nextId = 0;
    const waiting = new Map();
    const start = () => {
      try {
        worker = new Worker(pool.workerUrlFor(new URL('./reporter.js', import.meta.url)), { type: 'module' });
      } catch {
        worker = null;
        return;
      }
      worker.onmessage = ({ data }) => {
        const w = waiting.get(data.id);
        if (!w) return;
        waiting.delete(data.id);
        if (data.type === 'report') w.resolve(data.json);
        else w.reject(new Error(data.message));
      };
      worker.onerror = (e) => {
        e.preventDefault();
        // A reporter that cannot run leaves the work to the main thread.
        worker.terminate();
        worker = null;
        for (const w of waiting.values()) w.fallback();
        waiting.clear();
      };
    };
    return {
      /** Gives the reporter the run's data (once per run). */
      init(payload) {
        if (!worker) start();
        if (!worker) return;
        key = payload.key;
        // The data is copied, not transferred: the pool sends the same buffer to the trainers.
        worker.postMessage({ type: 'init', key, config: payload.config, data: payload.data, file: payload.file });
      },
      assemble(results, fallback) {
        if (!worker || !key) return Promise.resolve(fallback());
        return new Promise((resolve, reject) => {
          const id = (nextId += 1);
          waiting.set(id, { resolve, reject, fallback: () => { try { resolve(fallback()); } catch (e) { reject(e); } } });
          worker.postMessage({ type: 'assemble', key, id, results });
        });
      },
      destroy() {
        if (worker) worker.terminate();
        worker = null;
      },
    };
  }

  function renderSummary(rep) {
    // In the order of the settings (shared, ovr, …), then anything else the report holds.
    const order = [...rep.config.approaches, ...Object.keys(rep.approaches)];
    const rows = [...new Set(order)].map((id) => rep.approaches[id]).filter(Boolean);
    const seeds = rep.config.seeds;
    const table = el('table', { className: 'lab-summary-table' });
    const head = el('tr', {}, ['Approach', 'Models', seeds > 1 ? `Test accuracy (mean ± sd, ${seeds} seeds)` : 'Test accuracy (one run)', 'Parameters', 'Status'].map((h) => el('th', { scope: 'col', textContent: h })));
    table.append(el('thead', {}, [head]));
    const body = el('tbody');
    for (const a of rows) {
      const acc = a.curve.length ? `${(100 * a.test_accuracy).toFixed(2)}%${seeds > 1 ? ` ± ${(100 * a.test_accuracy_std).toFixed(2)}` : ''}` : '…';
      const flags = [];
      if (!a.complete) flags.push(running ? 'training' : 'incomplete');
      if (a.collapsed.length) flags.push(`${a.collapsed.length} collapsed`);
      if (a.diverged.length) flags.push(a.diverged.map((d) => `${d.label}: ${d.detail}`).join('; '));
      const tr = el('tr', { dataset: {} }, [
        el('th', { scope: 'row', textContent: a.id }),
        el('td', { textContent: String(a.models) }),
        el('td', { className: 'lab-test-accuracy', textContent: acc }),
        el('td', { textContent: a.params.toLocaleString('en') }),
        el('td', { textContent: flags.join(', ') || 'done' }),
      ]);
      tr.dataset.approach = a.id;
      if (a.curve.length) tr.dataset.testAccuracy = String(a.test_accuracy);
      body.append(tr);
    }
    // Approaches with no model finished yet (or none before a stop) still get their row.
    for (const id of rep.config.approaches) {
      if (rep.approaches[id]) continue;
      const tr = el('tr', {}, [
        el('th', { scope: 'row', textContent: id }),
        el('td', { textContent: '…' }),
        el('td', { className: 'lab-test-accuracy', textContent: '…' }),
        el('td', { textContent: '…' }),
        el('td', { textContent: running ? 'training' : 'incomplete: no model finished' }),
      ]);
      tr.dataset.approach = id;
      body.append(tr);
    }
    table.append(body);
    const parts = [el('h2', { textContent: 'Results' }), el('div', { className: 'lab-table-scroll' }, [table])];
    const meta = `${rep.dataset.name}: ${rep.dataset.class_names.length} classes, ${rep.dataset.train_count} training / ${rep.dataset.test_count} test images.`;
    parts.push(el('p', { className: 'lab-meta', textContent: meta }));
    for (const n of [...rep.notes, ...rep.dataset.notes]) parts.push(el('p', { className: 'lab-note', textContent: n }));
    // A worker's failure stays on the page after the run: the numbers above depend on it.
    for (const f of running ? running.failures : lastFailures) parts.push(el('p', { className: 'lab-error lab-failure', textContent: f }));
    summary.replaceChildren(...parts);
  }

  let lastResults = [];
  let lastFailures = [];
  let peakWorkerMemory = 0;

  /** The models' results (JSON text each) in plan order. */
  function resultsInOrder(map) {
    return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text);
  }

  async function scoreDrawing(pixels) {
    const out = [];
    for (const { plan, model } of models) out.push({ plan, scores: [...model.scores(pixels)] });
    return engine.combine_scores(out, classNames.length);
  }

  async function run() {
    if (running) return report;
    closeRestartPrompt();
    showError('');
    runCounter += 1;
    const jobId = `run${runCounter}-${Date.now()}`;
    let payload;
    try {
      const { bytes, file } = await datasetBytes(config);
      if (mainLab) mainLab.free();
      mainLab = new engine.Lab(config, bytes || undefined, file);
      const info = mainLab.dataset();
      classNames = info.class_names;
      testLabels = mainLab.test_labels();
      payload = { config, data: bytes ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : null, file, key: jobId };
      reporter.init(payload);
    } catch (e) {
      setState('error');
      showError(e.message || String(e));
      emit('error', { message: e.message || String(e) });
      return null;
    }
    const jobs = mainLab.jobs();
    for (const m of models) m.model.free();
    models = [];
    running = {
      jobId,
      jobs,
      results: new Map(),
      fractions: new Map(),
      filters: new Map(),
      filterShapes: new Map(),
      bars: new Map(),
      failures: [],
      started: performance.now(),
      pausedFor: 0,
      paused: false,
    };
    modelBars.replaceChildren(...jobs.map((j) => {
      const bar = el('progress', { max: 1, value: 0 });
      bar.setAttribute('aria-label', j.label);
      running.bars.set(j.index, bar);
      return el('div', { className: 'lab-model-bar' }, [el('span', { textContent: `${j.label}${config.seeds > 1 ? ` (seed ${j.seed})` : ''}` }), bar]);
    }));
    setRunning(true);
    setState('running');
    emit('start', { jobs: jobs.length, config });
    const current = running;
    const handlers = {
      progress(index, progress) {
        current.fractions.set(index, progress.fraction);
        updateProgress();
        emit('progress', { index, label: jobs[index].label, fraction: progress.fraction, overall: overall.value });
      },
      epoch(index, progress, snapshot, msg) {
        current.fractions.set(index, progress.fraction);
        current.results.set(index, snapshot);
        current.filters.set(index, msg.filters);
        current.filterShapes.set(index, msg.filterShape);
        peakWorkerMemory = Math.max(peakWorkerMemory, msg.memory || 0);
        updateProgress();
        emit('epoch', { index, label: jobs[index].label, epoch: progress.epoch, loss: progress.epoch_loss });
        scheduleRedraw();
      },
      result(index, result, weights, msg) {
        current.fractions.set(index, 1);
        current.results.set(index, result);
        current.filters.set(index, msg.filters);
        current.filterShapes.set(index, msg.filterShape);
        peakWorkerMemory = Math.max(peakWorkerMemory, msg.memory || 0);
        try {
          models.push({ plan: jobs[index], model: new engine.Model(new Uint8Array(weights)), weights: new Uint8Array(weights) });
        } catch (e) {
          console.error(e);
        }
        updateProgress();
        scheduleRedraw();
      },
      retry(index, message) {
        current.failures.push(`${jobs[index].label}: the worker failed (${message}); retrying once`);
      },
      failed(index, message) {
        current.failures.push(`${jobs[index].label} failed twice and was left out: ${message}`);
        emit('error', { message, index });
      },
      fatal(message) {
        current.fatal = message;
      },
    };
    const progressTimer = setInterval(updateProgress, 500);
    const outcome = await pool.start(jobId, jobs.map((j) => j.index), payload, handlers);
    clearInterval(progressTimer);
    if (running !== current) return report; // replaced by a newer run
    lastResults = resultsInOrder(current.results);
    lastFailures = current.failures;
    running = null;
    await redraw();
    setRunning(false);
    if (current.fatal) {
      setState('error');
      showError(current.fatal);
      emit('error', { message: current.fatal });
      return report;
    }
    if (outcome.cancelled) {
      overallText.textContent = 'Stopped: the results show what had finished.';
      setState('idle');
      emit('stopped', report);
      return report;
    }
    overall.value = 1;
    overallText.textContent = `Done in ${formatSeconds((performance.now() - current.started - current.pausedFor) / 1000)}`;
    setState('done');
    emit('done', report);
    return report;
  }

  function stop() {
    if (!running) return;
    pool.cancel();
  }

  function pause() {
    if (!running || running.paused) return;
    running.paused = true;
    running.pauseStarted = performance.now();
    pool.pause();
    pauseButton.textContent = 'Resume';
    updateProgress();
    emit('paused');
  }

  function resume() {
    if (!running || !running.paused) return;
    running.paused = false;
    running.pausedFor += performance.now() - running.pauseStarted;
    pool.resume();
    pauseButton.textContent = 'Pause';
    updateProgress();
    emit('resumed');
  }

  runButton.addEventListener('click', () => run());
  pauseButton.addEventListener('click', () => (running && running.paused ? resume() : pause()));
  stopButton.addEventListener('click', () => stop());
  linkButton.addEventListener('click', async () => {
    const url = linkFor(config).href;
    try {
      await navigator.clipboard.writeText(url);
      showNotices([`Link copied: ${url}`]);
    } catch {
      showNotices([`Copy this link: ${url}`]);
    }
  });
  jsonButton.addEventListener('click', () => report && download('ovr-lab-results.json', JSON.stringify(report, null, 2), 'application/json'));
  csvButton.addEventListener('click', () => report && download('ovr-lab-curves.csv', curvesCsv(report), 'text/csv'));
  saveButton.addEventListener('click', () => {
    const info = report ? report.dataset : null;
    const bundle = {
      format: 'ovr-lab-models',
      version: 1,
      config,
      dataset: info ? info.name : config.dataset,
      // What the draw panel needs to test the models on a page that has not trained them.
      input: info ? { width: info.width, height: info.height, channels: info.channels, class_names: info.class_names } : null,
      models: models.map((m) => ({ plan: m.plan, weights: base64(m.weights) })),
    };
    download('ovr-lab-models.json', JSON.stringify(bundle), 'application/json');
  });
  loadInput.addEventListener('change', async () => {
    const file = loadInput.files[0];
    if (!file) return;
    try {
      const bundle = JSON.parse(await file.text());
      if (bundle.format !== 'ovr-lab-models' || bundle.version !== 1 || !Array.isArray(bundle.models)) throw new Error(`${file.name}: not an ovr-lab models file of version 1`);
      const loaded = bundle.models.map((m) => {
        const bytes = Uint8Array.from(atob(m.weights), (c) => c.charCodeAt(0));
        return { plan: m.plan, model: new engine.Model(bytes), weights: bytes };
      });
      for (const m of models) m.model.free();
      models = loaded;
      showNotices([`Loaded ${loaded.length} trained models from ${file.name}; draw an image in "Draw and classify" to test them.`]);
      saveButton.disabled = false;
      // Without a run on this page, the draw panel learns the image size and classes from the file.
      const input = bundle.input;
      if ((!report || report.dataset.width === 0) && input && loaded.length) {
        const [height, width, channels] = [...loaded[0].model.input_shape()];
        const dataset = { name: String(bundle.dataset || 'loaded models'), width, height, channels, class_names: (input.class_names || []).map(String), train_count: 0, test_count: 0, train_per_class: [], notes: [], source: '', license: '' };
        const stub = { version: 0, config: bundle.config, dataset, approaches: {}, notes: [], similarity: null };
        classNames = dataset.class_names;
        for (const v of views) if (v.id === 'draw') v.instance.update(stub, { running: false, filters: new Map(), models: [] });
      }
    } catch (e) {
      showError(e.message || String(e));
    } finally {
      loadInput.value = '';
    }
  });

  applyConfig(config);
  showNotices(parsed.notices.map((n) => `Setting changed: ${n}`));
  refreshClasses();
  pool.onFatal = (message) => {
    showError(message);
    setState('error');
    emit('error', { message });
  };
  pool.ensureWorkers();

  const lab = {
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, []);
      listeners.get(type).push(fn);
      return lab;
    },
    off(type, fn) {
      listeners.set(type, (listeners.get(type) || []).filter((f) => f !== fn));
      return lab;
    },
    run,
    stop,
    pause,
    resume,
    get config() {
      return config;
    },
    get report() {
      return report;
    },
    /** The largest wasm memory any worker reported (bytes): what one worker needs. */
    get peakWorkerMemory() {
      return peakWorkerMemory;
    },
    get state() {
      return element.dataset.labState;
    },
    /** Changes settings (same names as the options); refused while running. */
    set(settings) {
      if (running) throw new Error('stop the run before changing settings');
      const next = readSettings(engine, { ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])), ...settings });
      applyConfig(next.config);
      refreshClasses();
      return next.notices;
    },
    link() {
      return linkFor(config).href;
    },
    destroy() {
      stop();
      pool.destroy();
      reporter.destroy();
      for (const v of views) v.instance.destroy?.();
      for (const m of models) m.model.free();
      if (mainLab) mainLab.free();
      element.replaceChildren();
      listeners.clear();
    },
    /** For the fault-injection tests: kills a busy worker as a crash would. */
    _killBusyWorker: () => pool.killBusyWorker(),
  };
  if (isTrue(options.autorun)) queueMicrotask(() => run());
  return lab;
}
