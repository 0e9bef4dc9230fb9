// What the lab loads next to this module when the page has not: its style sheets and Chart.js.
// Found relative to import.meta.url, so a lab copied under any path of any site finds them.
let chartLoading = null;

/**
 * The lab's style sheets, next to this module, unless already linked: in the document's head, or
 * inside `root` when it is a shadow root (an `<ovr-lab>` element), where the page's styles and
 * the lab's cannot reach each other. Resolves when they have loaded (or failed to).
 */
export function ensureStyles(root = document) {
  const shadow = root instanceof ShadowRoot;
  const have = new Set([...(shadow ? root : document).querySelectorAll('link[rel=stylesheet]')].map((l) => l.href));
  const loading = [];
  for (const name of ['lab.css', 'views.css']) {
    const href = new URL(`../css/${name}`, import.meta.url).href;
    if (have.has(href)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    loading.push(new Promise((resolve) => {
      link.onload = resolve;
      link.onerror = resolve;
    }));
    if (shadow) root.prepend(link);
    else document.head.append(link);
  }
  return Promise.all(loading);
}

/**
 * The chart views need Chart.js as a classic script (window.Chart). index.html loads it; a page
 * that imports createLab from elsewhere gets it here, from next to this module.
 */
export function ensureChartJs() {
  if (window.Chart) return Promise.resolve();
  if (!chartLoading) {
    chartLoading = new Promise((resolve) => {
      const script = document.createElement('script');
      script.src = new URL('../vendor/chart.umd.min.js', import.meta.url).href;
      script.onload = () => resolve();
      // The views say so themselves (ctx.onError) when Chart.js is missing.
      script.onerror = () => resolve();
      document.head.append(script);
    });
  }
  return chartLoading;
}
