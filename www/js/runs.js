// Finished runs kept in the browser (IndexedDB), so that a reload shows the last one and the Runs
// panel (runs-panel.js) lists the others. Each run is two records: what the list shows (`runs`:
// when, its settings, each approach's test accuracy as the report gives it, its size) and its
// results document as JSON text (`reports`), read only when the run is opened. Storage is bounded:
// at most MAX_RUNS runs and MAX_BYTES of documents; the oldest go first.

const DB_NAME = 'ovr-lab-runs';
const DB_VERSION = 1;
export const MAX_RUNS = 20;
export const MAX_BYTES = 64 * 1024 * 1024;

const promised = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

const done = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error || new Error('the transaction was aborted'));
});

/**
 * Opens the store: resolves to `{store}` or, when the browser keeps nothing (storage disabled,
 * a private window that refuses IndexedDB, no IndexedDB at all), to `{store: null, reason}`.
 * `limits` ({runs, bytes}) are for the tests.
 */
export async function openRunStore({ idb = globalThis.indexedDB, limits = {} } = {}) {
  if (!idb) return { store: null, reason: 'this browser offers no IndexedDB' };
  let db;
  try {
    const request = idb.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('runs', { keyPath: 'id', autoIncrement: true });
      request.result.createObjectStore('reports');
    };
    db = await promised(request);
  } catch (e) {
    return { store: null, reason: `the browser refused its storage (${e?.message || e?.name || e})` };
  }
  return { store: createStore(db, { runs: limits.runs ?? MAX_RUNS, bytes: limits.bytes ?? MAX_BYTES }) };
}

function createStore(db, limits) {
  /** Every run's list entry, oldest first. */
  async function list() {
    const tx = db.transaction('runs', 'readonly');
    return promised(tx.objectStore('runs').getAll());
  }

  /** Drops the oldest runs until the limits hold with `extra` more bytes and one more run. */
  async function makeRoom(extra) {
    const runs = await list();
    let bytes = extra;
    for (const r of runs) bytes += r.size;
    const drop = [];
    for (const r of runs) {
      if (runs.length - drop.length < limits.runs && bytes <= limits.bytes) break;
      drop.push(r.id);
      bytes -= r.size;
    }
    if (drop.length) await remove(...drop);
  }

  async function remove(...ids) {
    const tx = db.transaction(['runs', 'reports'], 'readwrite');
    for (const id of ids) {
      tx.objectStore('runs').delete(id);
      tx.objectStore('reports').delete(id);
    }
    await done(tx);
  }

  return {
    list,
    remove,
    /**
     * Keeps the results document `report` (an object), dropping the oldest runs if needed;
     * resolves to the new run's list entry, or null when it alone is over the limit.
     */
    async save(report) {
      const text = JSON.stringify(report);
      if (text.length > limits.bytes) return null;
      await makeRoom(text.length);
      const entry = {
        saved: Date.now(),
        config: report.config,
        dataset: report.dataset?.name ?? report.config.dataset,
        // [label, test accuracy] of each approach, in the report's order, as the report gives them.
        accuracies: (report.approach_order || []).filter((a) => report.approaches?.[a.id]).map((a) => [a.label, report.approaches[a.id].test_accuracy ?? null]),
        size: text.length,
      };
      const tx = db.transaction(['runs', 'reports'], 'readwrite');
      const id = await promised(tx.objectStore('runs').add(entry));
      tx.objectStore('reports').put(text, id);
      await done(tx);
      return { ...entry, id };
    },
    /** The results document of run `id`, or null. */
    async report(id) {
      const tx = db.transaction('reports', 'readonly');
      const text = await promised(tx.objectStore('reports').get(id));
      return text ? JSON.parse(text) : null;
    },
    close: () => db.close(),
  };
}
