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
