// The object createLab() resolves to: the public embed API of docs/embedding.md (keep it stable;
// authors' pages call it), and the events it emits.

/** Listeners by event type; a listener that throws is logged and the others still run. */
export function createEvents() {
  const listeners = new Map();
  return {
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, []);
      listeners.get(type).push(fn);
    },
    off(type, fn) {
      listeners.set(type, (listeners.get(type) || []).filter((f) => f !== fn));
    },
    emit(type, detail) {
      for (const fn of listeners.get(type) || []) {
        try {
          fn(detail);
        } catch (e) {
          console.error(e);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}

/**
 * The public lab. `parts`: `element`, `events`, `settings`, `runner`, `run()`, `runs()`, `destroy()`, and
 * `testHooks` (an object for the browser tests, or null: see `test_hooks` in docs/embedding.md).
 */
export function publicLab({ element, events, settings, runner, run, runs, destroy, testHooks }) {
  const lab = {
    on(type, fn) {
      events.on(type, fn);
      return lab;
    },
    off(type, fn) {
      events.off(type, fn);
      return lab;
    },
    run,
    stop: () => runner.stop(),
    pause: () => runner.pause(),
    resume: () => runner.resume(),
    get config() {
      return settings.config;
    },
    get report() {
      return runner.report;
    },
    /** The largest wasm memory any worker reported (bytes): what one worker needs. */
    get peakWorkerMemory() {
      return runner.peakWorkerMemory;
    },
    get state() {
      return element.dataset.labState;
    },
    /** Changes settings (same names as the options); refused while running. */
    set: (values) => settings.set(values),
    /**
     * Changes settings as the reader does in the form: applied at once when no run is in
     * progress, otherwise the lab asks the reader whether to stop and restart with them.
     */
    propose: (values) => settings.propose(values),
    link: () => settings.link(),
    /** The runs kept in the browser by this lab (`keep_runs`), newest first; [] without. */
    runs,
    destroy,
  };
  if (testHooks) lab.testHooks = testHooks;
  return lab;
}
