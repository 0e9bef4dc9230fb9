// What the lab loads next to this module when the page has not: its style sheets and Chart.js.
// Found relative to import.meta.url, so a lab copied under any path of any site finds them.
let chartLoading = null;

/** The lab's style sheets, next to this module, unless the page already links them. */
export function ensureStyles() {
  const have = new Set([...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.href));
  for (const name of ['lab.css', 'views.css']) {
    const href = new URL(`../css/${name}`, import.meta.url).href;
    if (have.has(href)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
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
