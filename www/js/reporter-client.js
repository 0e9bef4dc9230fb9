// The page's side of the report worker (reporter.js): the worker holds the engine's Lab for the
// current run and turns the models' results (JSON text) into the results document (JSON text),
// so that assembling a report never blocks the page. A page where the worker cannot run falls
// back to assembling on the main thread (the `fallback` given to `assemble`).

/**
 * @param {(url: URL) => string|URL} workerUrlFor how to start a module worker from this origin
 *   (the pool's `workerUrlFor`, which handles a lab imported from another origin)
 */
export function createReporter(workerUrlFor) {
  let worker = null;
  let key = null;
  let nextId = 0;
  const waiting = new Map();

  function start() {
    try {
      worker = new Worker(workerUrlFor(new URL('./reporter.js', import.meta.url)), { type: 'module' });
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
  }

  return {
    /** Gives the reporter the run's data (once per run): `{key, config, data, file}`. */
    init(payload) {
      if (!worker) start();
      if (!worker) return;
      key = payload.key;
      // The data is copied, not transferred: the pool sends the same buffer to the trainers.
      worker.postMessage({ type: 'init', key, config: payload.config, data: payload.data, file: payload.file });
    },
    /** The report (JSON text) for `results` (a JSON array of the models' results, in plan order). */
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
