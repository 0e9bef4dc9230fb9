// The page's side of the report worker (reporter.js), which holds the run session: every call is
// a message `{type, id, ...}` and resolves with the worker's answer (or rejects with the engine's
// error, `{kind, setting, message}` on an Error). The worker answers in order, so a report asked
// for after some results were recorded includes them.
import { asError } from './errors.js';

/**
 * @param {(url: URL) => string|URL} workerUrlFor how to start a module worker from this origin
 *   (the pool's `workerUrlFor`, which handles a lab imported from another origin)
 */
export function createReporter(workerUrlFor) {
  let worker = null;
  let nextId = 0;
  const waiting = new Map();

  function failAll(message) {
    for (const w of waiting.values()) w.reject(new Error(message));
    waiting.clear();
  }

  function start() {
    worker = new Worker(workerUrlFor(new URL('./reporter.js', import.meta.url)), { type: 'module' });
    worker.onmessage = ({ data }) => {
      const w = waiting.get(data.id);
      if (!w) return;
      waiting.delete(data.id);
      if (data.type === 'reply') w.resolve(data.value);
      else w.reject(asError(data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      // The session went with the worker: the next run starts a new one.
      worker.terminate();
      worker = null;
      failAll(`the report worker stopped: ${e.message || 'an error'}`);
    };
  }

  /** Sends `{type, ...fields}` and resolves with the answer. */
  function call(type, fields = {}, transfer = []) {
    if (!worker) {
      if (type !== 'init' && type !== 'load') return Promise.reject(new Error('the report worker holds no run'));
      try {
        start();
      } catch (e) {
        worker = null;
        return Promise.reject(new Error(`the report worker could not be created: ${e.message || e}`));
      }
    }
    return new Promise((resolve, reject) => {
      const id = (nextId += 1);
      waiting.set(id, { resolve, reject });
      worker.postMessage({ type, id, ...fields }, transfer);
    });
  }

  return {
    /**
     * Starts the session of run `run`: `{run, config, data, file, oodData, oodFile}` (data as
     * ArrayBuffers, copied: the pool sends the same buffer to the trainers). Resolves with
     * `{jobs, dataset, testLabels}`.
     */
    init: (payload) => call('init', payload),
    /** Records a model's result (JSON text from its worker); resolves once recorded. */
    record: (run, json) => call('record', { run, json }),
    /** The results document as JSON text. */
    report: (run) => call('report', { run }),
    /** Keeps the looks a training worker took at a recorded model (its floats are moved). */
    addLooks: (run, meta, floats) => call('looks', { run, meta, floats }, [floats.buffer]),
    /** Runs the analyses of a complete run; resolves with `{ms}` they took in the worker. */
    analyse: (run) => call('analyse', { run }),
    /** The models file (JSON text) of the models that answer drawings. */
    models: () => call('models'),
    /** How many models answer drawings. */
    count: () => call('count'),
    /** Every approach's answer for one image: `[{label, approach, seed, probabilities, predicted}]`. */
    score: (pixels) => call('score', { pixels }),
    /** Pixels of test images `indices` of run `run`, back to back. */
    testImages: (run, indices) => call('images', { run, indices }),
    /** Loads a models file; resolves with `{count, input, config}`. */
    load: (text, name) => call('load', { text, name }),
    destroy() {
      worker?.terminate();
      worker = null;
      failAll('the lab was destroyed');
    },
  };
}
