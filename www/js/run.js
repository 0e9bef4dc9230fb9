// A run, from the page's side. The report worker holds the run session (reporter-client.js): it
// plans the jobs, records each model's results as they arrive, and makes the report and the
// analyses; the pool of workers trains the jobs; the engine's `RunProgress` turns the models'
// fractions into the run's. This module only passes messages along, asks for a report at most
// every REPORT_MS while models train, and hands it to the views.
import { problemOf } from './errors.js';
import { nextTask } from './tasks.js';

const REPORT_MS = 500;
const PROGRESS_MS = 250;
let runCounter = 0;

/**
 * @param {object} deps `engine`, `pool` (WorkerPool), `reporter` (reporter-client.js), `sources`
 *   (sources.js), `progress` (progress.js), `ui` (the layout: showError, setRunning, setPaused),
 *   `draw(report, live)` (the panels), `emit(type, detail)`, `setState(state)`, and
 *   `onSettingError(problem)` (marks the setting an engine error names)
 */
export function createRunner({ engine, pool, reporter, sources, progress, ui, draw, emit, setState, onSettingError }) {
  let session = null; // {key, dataset, testLabels} of the run the report worker holds
  let running = null; // the current run's bookkeeping
  let report = null;
  let modelCount = 0; // models that answer drawings (trained here or loaded)
  let loadedInput = null; // the input of loaded models, when they answer drawings
  let lastFailures = [];
  let peakWorkerMemory = 0;

  const buttons = () => ui.setRunning(Boolean(running), { canExport: Boolean(report), canSave: modelCount > 0 });

  function fail(e) {
    const problem = problemOf(e);
    setState('error');
    ui.showError(problem.message);
    if (problem.setting) onSettingError(problem);
    emit('error', { message: problem.message, setting: problem.setting ?? undefined });
  }

  const elapsedOf = (r) => (performance.now() - r.started - r.pausedFor - (r.paused ? performance.now() - r.pauseStarted : 0)) / 1000;

  // The progress panel is redrawn at most every PROGRESS_MS: every redraw of the page costs a frame.
  let progressTimer = null;
  let progressDrawn = -Infinity;

  /** The run's overall progress, from the engine, now. */
  function measure(r) {
    r.overall = r.progress.overall(elapsedOf(r));
    return r.overall;
  }

  function updateProgress() {
    clearTimeout(progressTimer);
    progressTimer = null;
    if (!running?.progress || running.analysing) return;
    progressDrawn = performance.now();
    progress.show({ run: measure(running), fractions: running.fractions, elapsed: elapsedOf(running), paused: running.paused });
    performance.measure('ovr-lab:progress', { start: progressDrawn });
  }

  function scheduleProgress() {
    if (progressTimer) return;
    progressTimer = setTimeout(updateProgress, Math.max(0, progressDrawn + PROGRESS_MS - performance.now()));
  }

  /** What the views draw beside the report: live filters while training, and the failures. */
  function live() {
    if (!running) return { running: false, filters: new Map(), models: [], failures: lastFailures };
    const { jobs, filters, filterShapes, failures } = running;
    const models = jobs.map((j) => ({ index: j.index, label: j.label, approach: j.approach, member: j.member, role: j.role, filter_shape: filterShapes.get(j.index) || null }));
    return { running: true, filters, models, failures };
  }

  // Reports are made in the report worker, at most one per REPORT_MS while training; only the
  // latest is drawn, and none while the page is hidden.
  let redrawing = null;
  let redrawAgain = false;
  let redrawTimer = null;
  let lastAsked = -Infinity;

  async function redrawOnce() {
    if (!session) return;
    lastAsked = performance.now();
    let json;
    try {
      json = await reporter.report(session.key);
    } catch (e) {
      ui.showError(`could not make the report: ${problemOf(e).message}`);
      return;
    }
    performance.measure('ovr-lab:report', { start: lastAsked });
    // Reading a report of many models takes tens of milliseconds: in a task of its own, not in
    // the one that received it, nor in the first of the drawing.
    await nextTask();
    const parsing = performance.now();
    report = JSON.parse(json);
    performance.measure('ovr-lab:parse', { start: parsing });
    await nextTask();
    await draw(report, live());
    performance.mark('ovr-lab:drawn');
  }

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

  function scheduleRedraw() {
    if (redrawTimer || document.hidden) return;
    redrawTimer = setTimeout(() => {
      redrawTimer = null;
      redraw();
    }, Math.max(0, lastAsked + REPORT_MS - performance.now()));
  }
  const onVisible = () => {
    if (!document.hidden && running) scheduleRedraw();
  };
  document.addEventListener('visibilitychange', onVisible);

  /** Passes a model's result (JSON text) to the session; a refusal is shown, not thrown. */
  function record(current, text) {
    reporter.record(current.key, text).catch((e) => {
      if (running === current) current.failures.push(problemOf(e).message);
    });
  }

  /** Events from the pool about the run `current`. */
  function handlers(current) {
    const { jobs } = current;
    const keep = (index, fraction, msg) => {
      current.fractions.set(index, fraction);
      current.progress.set(index, fraction);
      current.filters.set(index, msg.filters);
      current.filterShapes.set(index, msg.filterShape);
      peakWorkerMemory = Math.max(peakWorkerMemory, msg.memory || 0);
    };
    // Every message that moves a model on is a `progress` event: a small model can finish an epoch,
    // or its whole run, within one of its worker's slices and send no progress message of its own.
    const moved = (index, fraction) => {
      scheduleProgress();
      emit('progress', { index, label: jobs[index].label, fraction, overall: measure(current).fraction });
    };
    return {
      progress(index, p) {
        current.fractions.set(index, p.fraction);
        current.progress.set(index, p.fraction);
        moved(index, p.fraction);
      },
      epoch(index, p, snapshot, msg) {
        keep(index, p.fraction, msg);
        record(current, snapshot);
        moved(index, p.fraction);
        emit('epoch', { index, label: jobs[index].label, epoch: p.epoch, loss: p.epoch_loss });
        scheduleRedraw();
      },
      result(index, result, msg) {
        keep(index, 1, msg);
        record(current, result);
        moved(index, 1);
        scheduleRedraw();
        if (msg.looks) keepLooks(current, msg.looks);
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
  }

  /** Starts the session in the report worker; returns the payload for the trainers, or null. */
  async function open(config, key) {
    try {
      const [{ bytes, file }, ood] = await Promise.all([sources.bytesFor(config), sources.oodBytesFor(config)]);
      const buffer = (b) => (b ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : null);
      const payload = { config, data: buffer(bytes), file, key };
      const init = await reporter.init({ run: key, config, data: payload.data, file, oodData: buffer(ood.bytes), oodFile: ood.file });
      session = { key, dataset: init.dataset, testLabels: init.testLabels };
      loadedInput = null;
      modelCount = 0;
      return { payload, jobs: init.jobs };
    } catch (e) {
      fail(e);
      return null;
    }
  }

  /**
   * The looks the analyses will take at a model, taken by its worker as it finished (on a core
   * that would otherwise wait for the report worker at the end): kept by the report worker after the
   * model's result. One the worker could not take is taken at the end.
   */
  function keepLooks(current, { meta, floats, ms }) {
    performance.measure('ovr-lab:looks', { start: performance.now() - ms, duration: ms });
    reporter.addLooks(current.key, meta, floats).catch(() => {
      // Nothing lost: the analyses at the end take every look not kept here.
    });
  }

  /** The analyses of a complete run, in the report worker (seconds; the page stays responsive). */
  async function analyse(current) {
    updateProgress();
    current.analysing = true;
    ui.setAnalysing(true);
    progress.say('Analysing representations…');
    try {
      const { ms } = await reporter.analyse(current.key);
      performance.measure('ovr-lab:analyse', { start: performance.now() - ms, duration: ms });
    } catch (e) {
      current.failures.push(`the analyses failed: ${problemOf(e).message}`);
    }
    current.analysing = false;
    ui.setAnalysing(false);
  }

  /** Trains with `config`; resolves with the report when the run ends (null if it cannot start). */
  async function start(config) {
    if (running) return running.finished;
    ui.showError('');
    runCounter += 1;
    const key = `run${runCounter}-${Date.now()}`;
    let ended;
    const current = {
      key, config, jobs: [], fractions: new Map(), filters: new Map(), filterShapes: new Map(), failures: [],
      started: performance.now(), pausedFor: 0, paused: false, overall: { fraction: 0, models_done: 0, models: 0, seconds_left: null },
      finished: new Promise((resolve) => { ended = resolve; }),
    };
    running = current;
    setState('running');
    buttons();
    const opened = await open(config, key);
    let outcome = { cancelled: true };
    if (opened && !current.stopRequested) {
      current.jobs = opened.jobs;
      current.progress = new engine.RunProgress(opened.jobs);
      current.started = performance.now();
      progress.start(opened.jobs, config.seeds);
      emit('start', { jobs: opened.jobs.length, config });
      const timer = setInterval(updateProgress, 500);
      outcome = await pool.start(key, opened.jobs.map((j) => j.index), opened.payload, handlers(current));
      clearInterval(timer);
      if (!outcome.cancelled && !current.fatal) await analyse(current);
    }
    const result = opened ? await end(current, outcome) : null;
    if (!opened) {
      running = null;
      buttons();
    }
    ended(result);
    return result;
  }

  /** Ends the run `current`: the last report, drawn, and the run's end announced. */
  async function end(current, outcome) {
    const seconds = elapsedOf(current);
    lastFailures = current.failures;
    if (current.progress) updateProgress(); // every bar as it ended
    running = null;
    current.progress?.free();
    clearTimeout(redrawTimer);
    redrawTimer = null;
    await redraw();
    modelCount = await reporter.count().catch(() => 0);
    buttons();
    if (current.fatal) {
      fail(current.fatal);
      return report;
    }
    if (outcome.cancelled) {
      progress.say('Stopped: the results show what had finished.');
      setState('idle');
      emit('stopped', report);
      return report;
    }
    progress.done(seconds);
    setState('done');
    emit('done', report);
    return report;
  }

  function pause() {
    if (!running || running.paused || running.analysing) return;
    running.paused = true;
    running.pauseStarted = performance.now();
    pool.pause();
    ui.setPaused(true);
    updateProgress();
    emit('paused');
  }

  function resume() {
    if (!running || !running.paused) return;
    running.pausedFor += performance.now() - running.pauseStarted;
    running.paused = false;
    pool.resume();
    ui.setPaused(false);
    updateProgress();
    emit('resumed');
  }

  return {
    start,
    pause,
    resume,
    /** Stops the run (not its analyses, which take seconds); resolves once it has ended. */
    stop() {
      if (!running) return Promise.resolve(report);
      running.stopRequested = true;
      if (!running.analysing) pool.cancel();
      return running.finished;
    },
    get running() {
      return Boolean(running);
    },
    get paused() {
      return Boolean(running?.paused);
    },
    get report() {
      return report;
    },
    /** The largest wasm memory any worker reported (bytes): what one worker needs. */
    get peakWorkerMemory() {
      return peakWorkerMemory;
    },
    /** How many trained models can answer a drawing or be saved. */
    get modelCount() {
      return modelCount;
    },
    /** The models file (JSON text, its format defined by the engine). */
    modelsFile: () => reporter.models(),
    /**
     * Loads a models file (text, file name): its models answer drawings from now on. Resolves
     * with `{count, stub}`: `stub` is a report for the draw panel, which learns the image size
     * and class names from it.
     */
    async loadModels(text, name) {
      const { count, input, config } = await reporter.load(text, name);
      modelCount = count;
      loadedInput = input;
      buttons();
      const dataset = { ...input, name: config.dataset, train_count: 0, test_count: 0, train_per_class: [], validation_count: 0, notes: [], source: '', license: '' };
      const stub = { version: 2, config, dataset, approach_order: [], approaches: {}, comparisons: [], similarity: null, findings: {}, notes: [], complete: true };
      return { count, stub };
    },
    /** The views' context (views/README.md): the run's classes, test set and scoring. */
    viewContext: {
      get classNames() {
        return loadedInput?.class_names ?? session?.dataset.class_names ?? [];
      },
      get testLabels() {
        return session?.testLabels ?? new Uint8Array();
      },
      /** Test images `indices` of the run: `{pixels, width, height, channels}`. */
      async testImages(indices) {
        if (!session) return { pixels: new Uint8Array(), width: 0, height: 0, channels: 1 };
        const { width, height, channels } = session.dataset;
        const pixels = await reporter.testImages(session.key, [...indices]);
        return { pixels, width, height, channels };
      },
      /** Every approach's answer for a drawing: `[{label, approach, seed, probabilities, predicted}]`. */
      score: (pixels) => (session || loadedInput ? reporter.score(pixels) : Promise.resolve([])),
      onError: (message) => ui.showError(message),
    },
    destroy() {
      if (running) pool.cancel();
      running = null;
      clearTimeout(redrawTimer);
      clearTimeout(progressTimer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
