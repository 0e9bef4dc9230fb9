// One worker trains one model at a time. Messages in: run, pause, resume. Messages out:
// {type: 'ready' | 'progress' | 'epoch' | 'result' | 'error', job, index, ...}. `job` identifies
// the run, so that the page ignores messages of a run it has cancelled (the pool cancels a run by
// terminating the workers busy with it).
import { loadEngine, wasmMemoryBytes } from './engine.js';
import { nextTask } from './tasks.js';

// A slice of training runs batches until this much time has passed, then yields so that pause
// messages get in and progress goes out; a batch of the largest models takes seconds,
// one of the smallest well under a millisecond, so slices are measured in time, not batches.
const SLICE_MS = 40;
const PROGRESS_EVERY_MS = 200;

let engine = null;
let lab = null;
let labKey = null;
let paused = false;
let wakeUp = null;

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function errorText(e) {
  return String(e && e.message ? e.message : e);
}

async function untilResumed() {
  while (paused) await new Promise((resolve) => { wakeUp = resolve; });
}

async function run({ job, index, config, data, file, key }) {
  let runner = null;
  try {
    if (labKey !== key) {
      if (lab) lab.free();
      lab = null;
      lab = new engine.Lab(config, data ? new Uint8Array(data) : undefined, file);
      labKey = key;
    }
    runner = lab.trainer(index);
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
      // array of tens of thousands of scores would be converted number by number.
      if (progress.done) {
        const weights = runner.weights();
        const filters = runner.filters();
        const filterShape = Array.from(runner.filter_shape());
        const result = runner.finish_json(active / 1000);
        post({ type: 'result', job, index, progress, result, filters, filterShape, weights, memory: wasmMemoryBytes() }, [weights.buffer, filters.buffer]);
        return;
      }
      if (progress.epoch_loss !== undefined && progress.epoch_loss !== null) {
        const filters = runner.filters();
        const filterShape = Array.from(runner.filter_shape());
        post({ type: 'epoch', job, index, progress, snapshot: runner.snapshot_json(active / 1000), filters, filterShape, memory: wasmMemoryBytes() }, [filters.buffer]);
        lastPost = t1;
      } else if (t1 - lastPost > PROGRESS_EVERY_MS) {
        post({ type: 'progress', job, index, progress, seconds: active / 1000 });
        lastPost = t1;
      }
      await nextTask();
    }
  } catch (e) {
    post({ type: 'error', job, index, message: errorText(e) });
  } finally {
    if (runner) runner.free();
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
      post({ type: 'error', job: msg.job, message: `unknown message type ${msg.type}` });
  }
};

loadEngine().then(
  (e) => {
    engine = e;
    post({ type: 'ready' });
  },
  (e) => post({ type: 'error', job: null, fatal: true, message: `the engine failed to load: ${errorText(e)}` }),
);
