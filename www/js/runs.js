// Finished runs kept in the browser (IndexedDB), so that a reload shows the last one and the Runs
// panel (runs-panel.js) lists the others. Each run is two records: what the list shows (`runs`:
// when, its settings, each approach's test accuracy as the report gives it, its size) and its
// results document as JSON text (`reports`), read only when the run is opened. Storage is bounded:
// at most MAX_RUNS runs and MAX_BYTES of documents; the oldest unpinned go first. A run belongs to
// a scope: the labs of one scope list each other's runs (index.html and `keep_runs=shared` use
// 'shared'; any other lab keeping runs, its page's path), while the bounds hold for all together.

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
export async function openRunStore({ idb = globalThis.indexedDB, limits = {}, scope = 'shared' } = {}) {
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
  return { store: createStore(db, { runs: limits.runs ?? MAX_RUNS, bytes: limits.bytes ?? MAX_BYTES }, scope) };
}

/** The file `exportAll` writes and `importAll` reads. */
export const RUNS_FILE_FORMAT = 'ovr-lab-runs';

function createStore(db, limits, scope) {
  /** Every run's list entry in every scope, oldest first (runs kept before scopes are 'shared'). */
  async function all() {
    const tx = db.transaction('runs', 'readonly');
    return promised(tx.objectStore('runs').getAll());
  }
  /** This scope's runs, oldest first. */
  const list = async () => (await all()).filter((r) => (r.scope ?? 'shared') === scope);

  /**
   * Drops the oldest unpinned runs until the limits hold with `extra` more bytes and one more
   * run; throws when only pinned runs are left to drop.
   */
  async function makeRoom(extra) {
    const runs = await all();
    let bytes = extra;
    for (const r of runs) bytes += r.size;
    let count = runs.length;
    const drop = [];
    for (const r of runs) {
      if (count < limits.runs && bytes <= limits.bytes) break;
      if (r.pinned) continue;
      drop.push(r.id);
      bytes -= r.size;
      count -= 1;
    }
    if (count >= limits.runs || bytes > limits.bytes) {
      throw new Error('the kept runs are all pinned and fill the storage; unpin or delete one');
    }
    if (drop.length) await remove(...drop);
  }

  async function update(id, changes) {
    const tx = db.transaction('runs', 'readwrite');
    const runs = tx.objectStore('runs');
    const entry = await promised(runs.get(id));
    if (!entry) throw new Error('that run is no longer kept');
    const next = { ...entry, ...changes };
    runs.put(next);
    await done(tx);
    return next;
  }

  /** Keeps `report` with `meta` ({saved, name, pinned}); resolves to its entry, or null if too large. */
  async function keep(report, meta = {}) {
    const text = JSON.stringify(report);
    if (text.length > limits.bytes) return null;
    await makeRoom(text.length);
    const entry = {
      saved: Number.isFinite(meta.saved) ? meta.saved : Date.now(),
      name: typeof meta.name === 'string' && meta.name.trim() ? meta.name.trim().slice(0, 80) : null,
      pinned: meta.pinned === true,
      scope,
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
  }

  async function report(id) {
    const tx = db.transaction('reports', 'readonly');
    const text = await promised(tx.objectStore('reports').get(id));
    return text ? JSON.parse(text) : null;
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
     * Keeps the results document `report` (an object), dropping the oldest unpinned runs if
     * needed; resolves to the new run's list entry, or null when it alone is over the limit.
     */
    save: (r) => keep(r),
    /** The results document of run `id`, or null. */
    report,
    /** Renames run `id` (an empty name goes back to its date). */
    rename: (id, name) => update(id, { name: String(name).trim().slice(0, 80) || null }),
    /** Pins run `id` (kept when room is made) or unpins it. */
    pin: (id, pinned) => update(id, { pinned: Boolean(pinned) }),
    /** This scope's runs with their documents, as an object for a file (`importAll` reads it). */
    async exportAll() {
      const runs = [];
      for (const e of await list()) runs.push({ saved: e.saved, name: e.name ?? null, pinned: Boolean(e.pinned), report: await report(e.id) });
      return { format: RUNS_FILE_FORMAT, version: 1, runs };
    },
    /**
     * Keeps the runs of a file `exportAll` wrote (already parsed), after `check(report)` (which
     * throws on a document this version cannot read) has accepted every one: a bad file adds
     * nothing. Resolves to the number kept.
     */
    async importAll(file, check) {
      if (file?.format !== RUNS_FILE_FORMAT || !Array.isArray(file.runs)) throw new Error(`not a file of kept runs (expected "format": "${RUNS_FILE_FORMAT}")`);
      file.runs.forEach((r, i) => {
        if (!r || typeof r.report !== 'object' || !r.report?.config) throw new Error(`run ${i + 1} has no results document`);
        try {
          check(r.report);
        } catch (e) {
          throw new Error(`run ${i + 1}: ${e.message || e}`, { cause: e });
        }
      });
      let kept = 0;
      for (const r of file.runs) if (await keep(r.report, r)) kept += 1;
      return kept;
    },
    close: () => db.close(),
  };
}
