// One training worker trains one model at a time. Messages in: run, pause, resume. Messages out:
// {type: 'ready' | 'progress' | 'epoch' | 'result' | 'error', job, index, ...}; a result carries
// the looks the analyses will take at the model, when there are any. `job` identifies
// the run, so that the page ignores messages of a run it has cancelled (the pool cancels a run by
// terminating the workers busy with it). The engine's `Jobs` holds the run's prepared data and
// plan (made once per run and worker); each job is a `JobRunner` advanced a few batches at a time.
import { loadEngine, wasmMemoryBytes } from './engine.js';
import { nextTask } from './tasks.js';
import { problemOf } from './errors.js';

// A slice of training runs batches until this much time has passed, then yields so that pause
// messages get in and progress goes out; a batch of the largest models takes seconds,
// one of the smallest well under a millisecond, so slices are measured in time, not batches.
const SLICE_MS = 40;
const PROGRESS_EVERY_MS = 200;

let engine = null;
let jobs = null; // the engine's Jobs for the run `jobsKey`
let jobsKey = null;
let paused = false;
let wakeUp = null;

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

async function untilResumed() {
  while (paused) await new Promise((resolve) => { wakeUp = resolve; });
}

/** The filters of the first conv layer, for the live filter view. */
function filtersOf(runner) {
  return { filters: runner.filters(), filterShape: Array.from(runner.filter_shape()) };
}

/**
 * The looks the analyses will take at a finished model (`Jobs.looks_at`: its Gram matrices, its
 * transfer probe), taken here while the model's data is at hand, so that the analyses at the end,
 * on one core, only take the rest: `{meta, floats, ms}`, or null. One that fails is taken
 * at the end instead, where a failure is reported.
 */
function looksAt(result) {
  const started = performance.now();
  try {
    const looks = jobs.looks_at(result);
    return looks && { ...looks, ms: performance.now() - started };
  } catch {
    return null;
  }
}

async function run({ job, index, config, data, file, key }) {
  let runner = null;
  try {
    if (jobsKey !== key) {
      jobs?.free();
      jobs = null;
      jobsKey = null;
      jobs = new engine.Jobs(config, data ? new Uint8Array(data) : undefined, file);
      jobsKey = key;
    }
    runner = jobs.trainer(index);
    let active = 0;
    let lastPost = 0;
    for (;;) {
      if (paused) await untilResumed();
      const t0 = performance.now();
      let progress = runner.advance(1);
      while (!progress.done && progress.epoch_loss == null && performance.now() - t0 < SLICE_MS) progress = runner.advance(1);
      const t1 = performance.now();
      active += t1 - t0;
      // Results travel as JSON text: the engine reads and writes it in one pass, where a JS
      // array of tens of thousands of scores would be converted number by number. The final
      // result carries the model's weights.
      if (progress.done) {
        const { filters, filterShape } = filtersOf(runner);
        const result = runner.finish_json(active / 1000);
        const looks = looksAt(result);
        const transfer = looks ? [filters.buffer, looks.floats.buffer] : [filters.buffer];
        post({ type: 'result', job, index, progress, result, looks, filters, filterShape, memory: wasmMemoryBytes() }, transfer);
        return;
      }
      if (progress.epoch_loss !== undefined && progress.epoch_loss !== null) {
        const { filters, filterShape } = filtersOf(runner);
        post({ type: 'epoch', job, index, progress, snapshot: runner.snapshot_json(active / 1000), filters, filterShape, memory: wasmMemoryBytes() }, [filters.buffer]);
        lastPost = t1;
      } else if (t1 - lastPost > PROGRESS_EVERY_MS) {
        post({ type: 'progress', job, index, progress, seconds: active / 1000 });
        lastPost = t1;
      }
      await nextTask();
    }
  } catch (e) {
    post({ type: 'error', job, index, error: problemOf(e) });
  } finally {
    runner?.free();
  }
}

self.onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'run':
      run(msg);
      break;
    case 'pause':
      paused = true;
      break;
    case 'resume':
      paused = false;
      if (wakeUp) wakeUp();
      break;
    default:
      post({ type: 'error', job: msg.job, error: problemOf(`unknown message type ${msg.type}`) });
  }
};

loadEngine().then(
  (e) => {
    engine = e;
    post({ type: 'ready' });
  },
  (e) => post({ type: 'error', job: null, fatal: true, error: problemOf(`the engine failed to load: ${problemOf(e).message}`) }),
);
