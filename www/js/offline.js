// Offline after a first visit: the standalone pages (index.html, article.html) register the site's
// service worker (../sw.js, whose scope is the site's root). Nothing else does: not lab.js, not
// <ovr-lab>, not the examples, not index.html in an iframe. A worker is the site's, not a host
// page's: it would serve the host's own pages under its scope from the lab's cache.

/**
 * Registers the service worker once the page has loaded (so it never competes with the page's own
 * requests), when the browser has service workers. A failure (a host that forbids them, a private
 * window, a file: URL) is logged as a warning and changes nothing else: the page works online.
 */
export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const register = async () => {
    try {
      await navigator.serviceWorker.register(new URL('../sw.js', import.meta.url));
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      }
      reportUsed();
    } catch (e) {
      console.warn(`ovr-lab: no offline copy (the service worker could not be registered: ${e.message || e})`);
    }
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

/**
 * Tells the worker what this page fetched before it was controlled (on a first visit: its dataset,
 * the article's figures; also a request under way when it took control), so that those are kept
 * too (see sw.js). Requests that went through the worker are cached already; it skips them.
 */
function reportUsed() {
  const observer = new PerformanceObserver((list) => {
    const urls = list.getEntries().map((e) => e.name).filter((u) => new URL(u).origin === location.origin);
    if (urls.length) navigator.serviceWorker.controller?.postMessage({ type: 'used', urls });
  });
  observer.observe({ type: 'resource', buffered: true });
}
