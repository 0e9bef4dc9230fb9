// Yielding to the event loop, on the page and in workers: a message round trip is not clamped
// the way a nested setTimeout is, so long work can be cut into tasks at little cost.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();

/** Resolves in a new task, after the events already queued have run. */
export function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

/**
 * Work cut into slices of about `ms` of the main thread: `due()` once the current slice has run
 * that long, `next()` yields and starts a new one. A time, not a count of items: what an item
 * costs depends on the machine and on how many models the run has.
 */
export function timeSlices(ms = 10) {
  let start = performance.now();
  return {
    due: () => performance.now() - start >= ms,
    async next() {
      await nextTask();
      start = performance.now();
    },
  };
}
