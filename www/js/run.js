// A run, from the page's side: the engine plans the jobs (one per model), the pool of workers
// trains them, and this module keeps each model's progress and results, has the report worker
// assemble the results document from them, hands it to the views, and keeps the trained models
// for drawing and saving. With reporter-client.js, this is where the page talks to the engine
// about a run.

const REDRAW_MS = 250;
let runCounter = 0;

/**
 * The run's fraction done: each model's fraction weighted by its training cost (its FLOPs per
 * epoch, plus one so that a model of no cost still counts). To come from the engine's run session.
 */
function overallFraction(jobs, fractions, epochs) {
  let done = 0;
  let total = 0;
  for (const job of jobs) {
    const cost = job.samples_per_epoch * epochs * job.flops_per_train_sample + 1;
    total += cost;
    done += cost * (fractions.get(job.index) || 0);
  }
  return total > 0 ? done / total : 0;
}

/** The models' results (JSON text each) in plan order. */
const inOrder = (map) => [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, text]) => text);

/**
 * @param {object} deps `engine`, `pool` (WorkerPool), `reporter` (reporter-client.js), `sources`
 *   (sources.js), `progress` (progress.js), `ui` (the layout: showError, setRunning, setPaused),
 *   `draw(report, live)` (the panels), `emit(type, detail)` and `setState(state)`
 */
export function createRunner({ engine, pool, reporter, sources, progress, ui, draw, emit, setState }) {
  let mainLab = null; // the engine's Lab on this thread: the plan, the test images, a fallback reporter
  let running = null; // the current run's bookkeeping
  let report = null;
  let models = []; // trained models: {plan, model (engine.Model), weights (bytes)}
  let classNames = [];
  let testLabels = new Uint8Array();
  let lastResults = [];
  let lastFailures = [];
  let peakWorkerMemory = 0;

  const buttons = () => ui.setRunning(Boolean(running), { canExport: Boolean(report), canSave: models.length > 0 });

  function fail(message) {
    setState('error');
    ui.showError(message);
    emit('error', { message });
  }

  function updateProgress() {
    if (!running) return;
    const fraction = overallFraction(running.jobs, running.fractions, running.config.epochs);
    running.overall = fraction;
    const elapsed = (performance.now() - running.started - running.pausedFor) / 1000;
    const left = fraction > 0.02 ? (elapsed * (1 - fraction)) / fraction : NaN;
    progress.show({ fraction, fractions: running.fractions, elapsed, left, paused: running.paused });
  }

  /** What the views draw beside the report: live filters while training, and the failures. */
  function live() {
    if (!running) return { running: false, filters: new Map(), models: [], failures: lastFailures };
    const { jobs, filters, filterShapes, failures } = running;
    const list = jobs.map((j) => ({ index: j.index, label: j.label, approach: j.approach, member: j.member, filter_shape: filterShapes.get(j.index) || null }));
    return { running: true, filters, models: list, failures };
  }

  // The report is assembled in a worker of its own; only the latest state is drawn.
  let redrawing = null;
  let redrawAgain = false;
  let redrawTimer = null;

  async function redrawOnce() {
    if (!mainLab) return;
    const results = `[${(running ? inOrder(running.results) : lastResults).join(',')}]`;
    const started = performance.now();
    let json;
    try {
      json = await reporter.assemble(results, () => mainLab.assemble_json(results));
    } catch (e) {
      ui.showError(`could not assemble the results: ${e.message || e}`);
      return;
    }
    performance.measure('ovr-lab:assemble', { start: started });
    report = JSON.parse(json);
    await draw(report, live());
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
    }, REDRAW_MS);
  }
  const onVisible = () => {
    if (!document.hidden && running) scheduleRedraw();
  };
  document.addEventListener('visibilitychange', onVisible);

  /** Events from the pool about the run `current`. */
  function handlers(current) {
    const { jobs } = current;
    const keep = (index, fraction, result, msg) => {
      current.fractions.set(index, fraction);
      current.results.set(index, result);
      current.filters.set(index, msg.filters);
      current.filterShapes.set(index, msg.filterShape);
      peakWorkerMemory = Math.max(peakWorkerMemory, msg.memory || 0);
    };
    return {
      progress(index, p) {
        current.fractions.set(index, p.fraction);
        updateProgress();
        emit('progress', { index, label: jobs[index].label, fraction: p.fraction, overall: current.overall });
      },
      epoch(index, p, snapshot, msg) {
        keep(index, p.fraction, snapshot, msg);
        updateProgress();
        emit('epoch', { index, label: jobs[index].label, epoch: p.epoch, loss: p.epoch_loss });
        scheduleRedraw();
      },
      result(index, result, weights, msg) {
        keep(index, 1, result, msg);
        try {
          const bytes = new Uint8Array(weights);
          models.push({ plan: jobs[index], model: new engine.Model(bytes), weights: bytes });
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
  }

  /** Trains with `config`; resolves with the report when the run ends (null if it cannot start). */
  async function start(config) {
    if (running) return report;
    ui.showError('');
    runCounter += 1;
    const jobId = `run${runCounter}-${Date.now()}`;
    let payload;
    try {
      const { bytes, file } = await sources.bytesFor(config);
      mainLab?.free();
      mainLab = null;
      mainLab = new engine.Lab(config, bytes || undefined, file);
      classNames = mainLab.dataset().class_names;
      testLabels = mainLab.test_labels();
      payload = { config, data: bytes ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : null, file, key: jobId };
      reporter.init(payload);
    } catch (e) {
      fail(e.message || String(e));
      return null;
    }
    const jobs = mainLab.jobs();
    for (const m of models) m.model.free();
    models = [];
    const current = {
      jobId, config, jobs, results: new Map(), fractions: new Map(), filters: new Map(), filterShapes: new Map(),
      failures: [], started: performance.now(), pausedFor: 0, paused: false, overall: 0,
    };
    running = current;
    progress.start(jobs, config.seeds);
    buttons();
    setState('running');
    emit('start', { jobs: jobs.length, config });
    const timer = setInterval(updateProgress, 500);
    const outcome = await pool.start(jobId, jobs.map((j) => j.index), payload, handlers(current));
    clearInterval(timer);
    if (running !== current) return report; // replaced by a newer run
    lastResults = inOrder(current.results);
    lastFailures = current.failures;
    running = null;
    await redraw();
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
    progress.done((performance.now() - current.started - current.pausedFor) / 1000);
    setState('done');
    emit('done', report);
    return report;
  }

  function pause() {
    if (!running || running.paused) return;
    running.paused = true;
    running.pauseStarted = performance.now();
    pool.pause();
    ui.setPaused(true);
    updateProgress();
    emit('paused');
  }

  function resume() {
    if (!running || !running.paused) return;
    running.paused = false;
    running.pausedFor += performance.now() - running.pauseStarted;
    pool.resume();
    ui.setPaused(false);
    updateProgress();
    emit('resumed');
  }

  return {
    start,
    pause,
    resume,
    stop() {
      if (running) pool.cancel();
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
    get models() {
      return models;
    },
    /**
     * Replaces the trained models with a models file's (models.js). Without a run on this page,
     * returns a report stub from which the draw panel learns the image size and class names.
     */
    adoptModels(bundle) {
      const loaded = [];
      try {
        for (const m of bundle.models) loaded.push({ plan: m.plan, model: new engine.Model(m.weights), weights: m.weights });
      } catch (e) {
        for (const m of loaded) m.model.free();
        throw e;
      }
      for (const m of models) m.model.free();
      models = loaded;
      const input = bundle.input;
      if ((report && report.dataset.width !== 0) || !input || !loaded.length) return null;
      const [height, width, channels] = [...loaded[0].model.input_shape()];
      const dataset = { name: String(bundle.dataset || 'loaded models'), width, height, channels, class_names: (input.class_names || []).map(String), train_count: 0, test_count: 0, train_per_class: [], notes: [], source: '', license: '' };
      classNames = dataset.class_names;
      return { version: 0, config: bundle.config, dataset, approaches: {}, notes: [], similarity: null };
    },
    /** The views' context (views/README.md): the run's classes, test set and scoring. */
    viewContext: {
      get classNames() {
        return classNames;
      },
      get testLabels() {
        return testLabels;
      },
      testImages(indices) {
        if (!mainLab) return { pixels: new Uint8Array(), width: 0, height: 0, channels: 1 };
        const info = report ? report.dataset : null;
        return { pixels: mainLab.test_images(Uint32Array.from(indices)), width: info ? info.width : 0, height: info ? info.height : 0, channels: info ? info.channels : 1 };
      },
      /** Each trained model's scores for a drawing, combined per approach by the engine. */
      async score(pixels) {
        const out = models.map(({ plan, model }) => ({ plan, scores: [...model.scores(pixels)] }));
        return engine.combine_scores(out, classNames.length);
      },
      onError: (message) => ui.showError(message),
    },
    destroy() {
      if (running) pool.cancel();
      clearTimeout(redrawTimer);
      document.removeEventListener('visibilitychange', onVisible);
      for (const m of models) m.model.free();
      models = [];
      mainLab?.free();
      mainLab = null;
    },
  };
}
