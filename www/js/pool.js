// A pool of module workers, one wasm instance each; models are independent jobs spread over it.
// The pool replaces a worker that crashes or goes silent, retries its job once, and reports a
// job that fails twice; the other jobs keep their progress.

// A worker reports after every batch at the latest; the largest allowed model takes a few
// seconds per batch of 256 on a slow machine, so silence this long means a crash.
const SILENCE_LIMIT_MS = 30000;

/**
 * Browsers refuse `new Worker(url, {type: 'module'})` when `url` is on another origin than the
 * page (a page that imports lab.js from another host). A worker made from a same-origin blob:
 * URL whose only line imports the real worker module is allowed, but that import — like the
 * wasm and data fetches that follow — is a cross-origin request: it only succeeds when the lab's
 * host sends CORS headers (Access-Control-Allow-Origin); under a Content-Security-Policy, the
 * page must allow `worker-src blob: <the lab's origin>` (a module worker's imports are fetched as
 * worker scripts). Embedding index.html in an iframe needs
 * none of this and works from any static host.
 */
export function isCrossOrigin(url) {
  return new URL(url, location.href).origin !== location.origin;
}

export class WorkerPool {
  /** @param {number} size workers; @param {URL} url the worker module */
  constructor(size, url = new URL('./worker.js', import.meta.url)) {
    this.size = Math.max(1, size);
    this.url = url;
    this.slots = [];
    this.run = null;
    this.paused = false;
    this.watchdog = null;
  }

  workerUrl() {
    return this.workerUrlFor(this.url);
  }

  /** A URL from which a module worker running `url` can be started (see `isCrossOrigin`). */
  workerUrlFor(url) {
    if (!isCrossOrigin(url)) return url;
    this.blobUrls ??= new Map();
    const href = new URL(url, location.href).href;
    if (!this.blobUrls.has(href)) {
      const code = `import ${JSON.stringify(href)};\n`;
      this.blobUrls.set(href, URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    }
    return this.blobUrls.get(href);
  }

  spawn(slot) {
    let worker;
    try {
      worker = new Worker(this.workerUrl(), { type: 'module' });
    } catch (e) {
      // A browser without module workers, or a page whose CSP forbids them: no worker at all.
      slot.worker = { postMessage() {}, terminate() {} };
      slot.ready = false;
      slot.task = null;
      slot.failures = 2;
      this.fatal(`the training workers could not be created: ${e.message || e}`);
      return;
    }
    slot.worker = worker;
    slot.ready = false;
    slot.task = null;
    slot.lastSeen = performance.now();
    worker.onmessage = ({ data }) => this.onMessage(slot, data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.onCrash(slot, event.message || 'the worker stopped with an error');
    };
    worker.onmessageerror = () => this.onCrash(slot, 'a message from the worker could not be read');
    if (this.paused) worker.postMessage({ type: 'pause' });
  }

  ensureWorkers() {
    while (this.slots.length < this.size) {
      const slot = { id: this.slots.length };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  /**
   * Runs `jobs` (model indices) with `payload` ({config, data, file, key}); `handlers` receive
   * progress, epoch, result and failure events. Resolves when every job has a result or failed.
   */
  start(jobId, jobs, payload, handlers) {
    this.cancel();
    if (this.fatalError) {
      // The workers could not start last time: try once more with fresh ones.
      this.fatalError = null;
      for (const slot of this.slots) {
        slot.worker.terminate();
        slot.failures = 0;
        this.spawn(slot);
      }
    }
    this.ensureWorkers();
    return new Promise((resolve) => {
      this.run = { jobId, queue: [...jobs], payload, handlers, attempts: new Map(), left: jobs.length, resolve };
      if (jobs.length === 0) {
        this.finishRun();
        return;
      }
      this.watchdog = setInterval(() => this.checkSilence(), 1000);
      for (const slot of this.slots) this.feed(slot);
    });
  }

  feed(slot) {
    const run = this.run;
    if (!run || !slot.ready || slot.task !== null) return;
    if (run.queue.length === 0) return;
    const index = run.queue.shift();
    slot.task = index;
    slot.lastSeen = performance.now();
    const { config, data, file, key } = run.payload;
    slot.worker.postMessage({ type: 'run', job: run.jobId, index, config, data, file, key });
  }

  onMessage(slot, msg) {
    slot.lastSeen = performance.now();
    if (msg.type === 'ready') {
      slot.ready = true;
      slot.failures = 0;
      this.feed(slot);
      return;
    }
    if (msg.type === 'error' && msg.fatal) {
      this.fatal(msg.error.message);
      return;
    }
    const run = this.run;
    if (!run || msg.job !== run.jobId) return; // a cancelled run's late message
    switch (msg.type) {
      case 'progress':
        run.handlers.progress?.(msg.index, msg.progress, msg.seconds);
        break;
      case 'epoch':
        run.handlers.epoch?.(msg.index, msg.progress, msg.snapshot, msg);
        break;
      case 'result':
        slot.task = null;
        run.handlers.result?.(msg.index, msg.result, msg);
        this.jobEnded();
        this.feed(slot);
        break;
      case 'error':
        this.onCrash(slot, msg.error.message);
        break;
      default:
        break;
    }
  }

  /** A worker failed: replace it, and retry its job once before reporting it failed. */
  onCrash(slot, message) {
    const run = this.run;
    const index = slot.task;
    const neverStarted = !slot.ready;
    slot.worker.terminate();
    slot.failures = (slot.failures || 0) + 1;
    // A worker that cannot even start (missing file, wasm that fails to load) would fail again:
    // give up instead of respawning forever.
    if (neverStarted && slot.failures >= 2) {
      slot.task = null;
      const cors = isCrossOrigin(this.url) ? ` (the lab is loaded from another origin, ${new URL(this.url, location.href).origin}: its server must send CORS headers, and a Content-Security-Policy of the page must allow worker-src blob: and that origin)` : '';
      this.fatal(`a worker could not start: ${message}${cors}`);
      return;
    }
    this.spawn(slot);
    if (!run || index === null) return;
    const tries = (run.attempts.get(index) || 0) + 1;
    run.attempts.set(index, tries);
    if (tries < 2) {
      run.handlers.retry?.(index, message);
      run.queue.unshift(index);
    } else {
      run.handlers.failed?.(index, message);
      this.jobEnded();
    }
  }

  checkSilence() {
    const now = performance.now();
    for (const slot of this.slots) {
      if (slot.task !== null && !this.paused && now - slot.lastSeen > SILENCE_LIMIT_MS) {
        this.onCrash(slot, `the worker stopped answering for ${SILENCE_LIMIT_MS / 1000} s`);
      }
    }
  }

  fatal(message) {
    const run = this.run;
    this.fatalError = message;
    if (run) {
      run.handlers.fatal?.(message);
      this.cancel();
    } else {
      this.onFatal?.(message);
    }
  }

  jobEnded() {
    const run = this.run;
    if (!run) return;
    run.left -= 1;
    if (run.left <= 0) this.finishRun();
  }

  finishRun() {
    const run = this.run;
    clearInterval(this.watchdog);
    this.run = null;
    run.resolve({ cancelled: false });
  }

  pause() {
    this.paused = true;
    for (const slot of this.slots) slot.worker.postMessage({ type: 'pause' });
  }

  resume() {
    this.paused = false;
    for (const slot of this.slots) {
      slot.lastSeen = performance.now();
      slot.worker.postMessage({ type: 'resume' });
    }
  }

  /** Drops the current run: its workers are replaced, so nothing of it keeps computing. */
  cancel() {
    const run = this.run;
    if (!run) return;
    clearInterval(this.watchdog);
    this.run = null;
    this.paused = false;
    for (const slot of this.slots) {
      if (slot.task !== null) {
        slot.worker.terminate();
        this.spawn(slot);
      } else {
        slot.worker.postMessage({ type: 'resume' });
      }
    }
    run.resolve({ cancelled: true });
  }

  /** For tests of the fault handling: terminates a busy worker as a crash would. */
  killBusyWorker() {
    const slot = this.slots.find((s) => s.task !== null);
    if (!slot) return false;
    slot.worker.terminate();
    slot.lastSeen = -Infinity;
    return true;
  }

  destroy() {
    this.cancel();
    for (const slot of this.slots) slot.worker.terminate();
    this.slots = [];
    for (const url of this.blobUrls?.values() || []) URL.revokeObjectURL(url);
    this.blobUrls = null;
  }
}

/**
 * One pool for several labs on a page (the `<ovr-lab>` elements): each lab holds a lease, which
 * has the pool's interface, and their runs take turns in the order they were started, each with
 * every worker, rather than sharing the cores and all finishing late. A run waiting for its turn
 * can be stopped like a running one; the pool goes when the last lease is given back.
 */
export class SharedPool {
  /** @param {number} size workers; @param {URL} url the worker module */
  constructor(size, url) {
    this.pool = new WorkerPool(size, url);
    this.leases = new Set();
    this.queue = [];
    this.active = null;
    // Workers that cannot start fail every lab on the page: each one says so.
    this.pool.onFatal = (message) => {
      for (const lease of this.leases) lease.onFatal?.(message);
    };
  }

  lease() {
    const lease = new PoolLease(this);
    this.leases.add(lease);
    return lease;
  }

  /** Starts the next waiting run when no run holds the pool. */
  next() {
    if (this.active || this.queue.length === 0) return;
    const turn = this.queue.shift();
    this.active = turn.lease;
    turn.go();
  }

  release(lease) {
    this.leases.delete(lease);
    if (this.leases.size === 0) {
      this.pool.destroy();
      this.onEmpty?.();
    }
  }
}

/** A lab's share of a SharedPool: what `createRunner` and `createLab` use of a WorkerPool. */
class PoolLease {
  constructor(share) {
    this.share = share;
    this.turn = null; // this lab's run, waiting for the pool or running on it
    this.paused = false;
    this.onFatal = null;
  }

  get holds() {
    return this.share.active === this;
  }

  start(jobId, jobs, payload, handlers) {
    this.cancel();
    const { share } = this;
    return new Promise((resolve) => {
      const turn = { lease: this, resolve };
      // Called by the share when the pool is free; pool.start resolves when the run ends (or is
      // cancelled), and the pool passes to the next run waiting.
      turn.go = () => {
        const started = share.pool.start(jobId, jobs, payload, handlers);
        if (this.paused) share.pool.pause();
        started.then((outcome) => {
          if (this.turn === turn) this.turn = null;
          share.active = null;
          share.next();
          resolve(outcome);
        });
      };
      this.turn = turn;
      share.queue.push(turn);
      share.next();
    });
  }

  pause() {
    this.paused = true;
    if (this.holds) this.share.pool.pause();
  }

  resume() {
    this.paused = false;
    if (this.holds) this.share.pool.resume();
  }

  /** Drops this lab's run: the pool's if it runs, its place in the queue if it waits. */
  cancel() {
    const turn = this.turn;
    this.paused = false;
    if (!turn) return;
    if (this.holds) {
      this.share.pool.cancel(); // its promise resolves, and the turn passes on
      return;
    }
    this.turn = null;
    this.share.queue = this.share.queue.filter((t) => t !== turn);
    turn.resolve({ cancelled: true });
  }

  ensureWorkers() {
    this.share.pool.ensureWorkers();
  }

  workerUrlFor(url) {
    return this.share.pool.workerUrlFor(url);
  }

  killBusyWorker() {
    return this.holds && this.share.pool.killBusyWorker();
  }

  destroy() {
    this.cancel();
    this.share.release(this);
  }
}
