// The results: the table (views/summary.js) and one panel per view (its title, a PNG button once
// it has drawn a chart, and the view itself). A report is drawn one view per task, so that no
// main-thread task runs long while models train; and while they train, only the views on screen
// (or near it) are drawn: the others catch up when they scroll into view, and at the run's end.
import { el } from './dom.js';
import { nextTask } from './tasks.js';
import { VIEWS } from './views/index.js';
import * as summaryView from './views/summary.js';
import { panelPng } from './export.js';
import { sketchOf } from './views/sketches.js';

/**
 * @param {{summary: HTMLElement, panels: HTMLElement, showNotices: Function}} ui the layout
 * @param {Set<string>} hidden views not to create
 * @param {object} ctx the views' context (views/README.md)
 */
export function createPanels(ui, hidden, ctx) {
  const summary = summaryView.createView(ui.summary, ctx);
  const views = [];
  for (const view of VIEWS) {
    if (hidden.has(view.id)) continue;
    // Until it has a run's results to show, the panel says in a line (and a sketch) what it will
    // show, in place of its empty body.
    const container = el('div', { className: 'lab-view-body', hidden: true });
    const intro = el('div', { className: 'lab-panel-intro' }, sketchOf(view.id), el('p', { textContent: view.intro }));
    const png = el('button', { type: 'button', className: 'lab-png', textContent: 'PNG', title: `Save the ${view.title.toLowerCase()} chart as a PNG image`, hidden: true, 'aria-label': `Save ${view.title} as PNG` });
    png.addEventListener('click', () => {
      if (!panelPng(container, `ovr-lab-${view.id}.png`)) ui.showNotices([`${view.title}: nothing drawn yet to save.`]);
    });
    const section = el('section', { className: `lab-panel lab-view-${view.id}`, dataset: { panel: view.id } },
      el('div', { className: 'lab-panel-head' }, el('h2', { textContent: view.title }), png), intro, container);
    ui.panels.append(section);
    try {
      views.push({ id: view.id, instance: view.createView(container, ctx), png, container, section, intro, onScreen: false, behind: null });
    } catch (e) {
      console.error(e);
      container.textContent = `This view failed: ${e.message}`;
    }
  }

  function updateView(v, report, live) {
    const started = performance.now();
    v.behind = null;
    if (report && v.intro) {
      v.container.hidden = false;
      v.intro.hidden = true;
    }
    try {
      v.instance.update(report, live);
    } catch (e) {
      console.error(`view ${v.id}`, e);
    }
    // Named timings, so that a profile or `make bench` can tell where the time goes.
    performance.measure(`ovr-lab:view:${v.id}`, { start: started });
    v.png.hidden = !v.container.querySelector('canvas');
  }

  // Which views are on screen; one that comes into view with a report
  // it has not drawn yet draws it.
  const watcher = typeof IntersectionObserver === 'function' ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const v = views.find((x) => x.section === entry.target);
      if (!v) continue;
      v.onScreen = entry.isIntersecting;
      if (v.onScreen && v.behind) nextTask().then(() => v.behind && updateView(v, ...v.behind));
    }
  }) : null;
  for (const v of views) {
    if (watcher) watcher.observe(v.section);
    else v.onScreen = true;
  }

  return {
    /** Draws `report` with `live` (`{running, filters, models, failures}`) in the views. */
    async update(report, live) {
      // Not in the task that received the report: taking it from the worker (a structured clone of
      // every model's curves and predictions) is already tens of milliseconds of that task.
      await nextTask();
      updateView({ id: 'summary', instance: summary, png: {}, container: ui.summary }, report, live);
      for (const v of views) {
        if (live.running && !v.onScreen) {
          v.behind = [report, live];
          continue;
        }
        await nextTask();
        updateView(v, report, live);
      }
    },
    /** Draws `report` in the view `id` alone (the draw panel, after loading models). */
    updateOne(id, report, live) {
      for (const v of views) if (v.id === id) updateView(v, report, live);
    },
    destroy() {
      watcher?.disconnect();
      summary.destroy();
      for (const v of views) v.instance.destroy?.();
    },
  };
}
