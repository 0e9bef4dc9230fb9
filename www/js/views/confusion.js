// Confusion matrices side by side: where each approach's mistakes go. Each cell is a button, so
// the images behind a count are one click (or Enter) away; that is what makes a count believable.
import { approachColor, approachLabel, isDark, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import { timeSlices } from '../tasks.js';
import {
  clear, classNames, findingsOf, hasApproaches, imageCanvas, int, makeCaption, pct, rovingGrid,
  seedsOf, waitingText,
} from './common.js';

const MAX_IMAGES = 48;
// Cells are built and painted a slice of time per main-thread task (`timeSlices`): 50 classes
// make 2,500 buttons per matrix, hundreds of milliseconds in one task.
// White to a dark slate: one sequential scale for every matrix.
const INK = [37, 52, 94];

function shade(f) {
  // Square root so that a handful of errors is visible next to a full diagonal (drawing only).
  const t = Math.sqrt(Math.max(0, Math.min(1, f)));
  const c = INK.map((v) => Math.round(255 + (v - 255) * t));
  return { bg: `rgb(${c.join(', ')})`, dark: isDark(c) };
}

const nameOf = (names, i) => names[i] ?? `class ${i}`;

export function createView(container, ctx) {
  const root = el('div', { className: 'view view-confusion' });
  const legend = el('p', { className: 'view-note' });
  const mats = el('div', { className: 'confusion-row' });
  const detail = el('section', { className: 'confusion-detail', 'aria-live': 'polite' });
  detail.hidden = true;
  root.append(legend, mats, detail);
  container.append(root);
  const caption = makeCaption(root);

  let built = { key: '', blocks: new Map() };
  let selected = null; // { id, t, p }
  let report = null;

  /** The cell's count, the row's images (the class's support) and the report's share of them. */
  function cellLabel(names, a, t, p) {
    const n = a.confusion[t]?.[p] ?? 0;
    const support = a.per_class?.[t]?.support;
    return `${approachLabel(a.id, report)}: true "${nameOf(names, t)}", predicted "${nameOf(names, p)}": ${int(n)} of ${int(support)} (${pct(a.confusion_rows?.[t]?.[p])})`;
  }

  /** Yields to the event loop once this task has built or painted cells for a slice; true if stale. */
  function pacer(mine) {
    const slice = timeSlices();
    return async () => {
      if (!slice.due()) return false;
      await slice.next();
      return mine !== generation;
    };
  }

  /** One matrix's grid; its cells answer clicks, hovers and focus through the grid (delegation). */
  async function buildGrid(names, a, pace) {
    const k = names.length;
    const readout = el('p', { className: 'confusion-readout', textContent: 'Hover or focus a cell for its count; click it for the images.' });
    const grid = el('div', { className: 'confusion-grid', role: 'group', 'aria-label': `${approachLabel(a.id, report)} confusion matrix: rows true class, columns predicted class; arrow keys move` });
    grid.style.gridTemplateColumns = `auto repeat(${k}, minmax(0, 1fr))`;
    grid.append(el('span', { className: 'confusion-corner', textContent: 'true ↓ pred →', 'aria-hidden': 'true' }));
    for (let p = 0; p < k; p++) grid.append(el('span', { className: 'confusion-col', textContent: nameOf(names, p), title: nameOf(names, p) }));
    const cellOf = (e) => e.target.closest?.('.confusion-cell');
    grid.addEventListener('click', (e) => {
      const b = cellOf(e);
      if (b) select(a.id, Number(b.dataset.t), Number(b.dataset.p));
    });
    const show = (e) => {
      const b = cellOf(e);
      if (b) readout.textContent = b.getAttribute('aria-label');
    };
    grid.addEventListener('mouseover', show);
    grid.addEventListener('focusin', show);
    const cells = [];
    for (let t = 0; t < k; t++) {
      const row = [el('span', { className: 'confusion-rowhead', textContent: nameOf(names, t), title: nameOf(names, t) })];
      const buttons = [];
      for (let p = 0; p < k; p++) {
        // Named now, not only when painted: the grid is shown before the paint, which yields
        // between rows, and a button without a name is nothing to a screen reader.
        const b = el('button', { className: `confusion-cell${t === p ? ' diag' : ''}`, type: 'button', 'aria-label': cellLabel(names, a, t, p) });
        b.dataset.t = String(t);
        b.dataset.p = String(p);
        buttons.push(b);
      }
      grid.append(...row, ...buttons);
      cells.push(buttons);
      if (await pace(k)) return null;
    }
    rovingGrid(cells);
    const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = approachColor(a.id);
    const title = el('h4', { className: 'confusion-title' }, swatch, approachLabel(a.id, report));
    return { cells, fig: el('figure', { className: 'confusion-block' }, title, grid, readout), readout, title };
  }

  /** Builds the matrices, across tasks when they are large; false if a newer report came. */
  async function build(names, approaches, pace) {
    const blocks = new Map();
    for (const a of approaches) {
      const block = await buildGrid(names, a, pace);
      if (!block) return false;
      blocks.set(a.id, block);
    }
    clear(mats);
    for (const b of blocks.values()) mats.append(b.fig);
    built = { key: keyOf(names, approaches), blocks };
    return true;
  }

  /** Shades and labels every cell, across tasks when they are many; false if a newer report came. */
  async function paint(names, approaches, pace = async () => false) {
    const k = names.length;
    for (const a of approaches) {
      const { cells } = built.blocks.get(a.id);
      for (let t = 0; t < k; t++) {
        const row = a.confusion?.[t] ?? [];
        const shares = a.confusion_rows?.[t] ?? [];
        for (let p = 0; p < k; p++) {
          const n = row[p] ?? 0;
          const { bg, dark } = shade(shares[p] ?? 0);
          const b = cells[t][p];
          b.style.backgroundColor = bg;
          b.classList.toggle('dark', dark);
          b.classList.toggle('selected', selected?.id === a.id && selected.t === t && selected.p === p);
          b.textContent = k <= 6 ? String(n) : '';
          b.setAttribute('aria-label', cellLabel(names, a, t, p));
        }
        if (await pace(k)) return false;
      }
    }
    return true;
  }

  function select(id, t, p) {
    selected = { id, t, p };
    if (report) {
      const names = classNames(report, ctx);
      paint(names, orderedApproaches(report).filter((a) => built.blocks.has(a.id)));
    }
    showImages().catch(imagesFailed);
  }

  function imagesFailed(e) {
    ctx.onError?.(`confusion: ${e.message ?? e}`);
  }

  let imagesSeq = 0;
  async function showImages() {
    const mine = ++imagesSeq;
    clear(detail);
    if (!selected || !report) { detail.hidden = true; return; }
    const a = report.approaches?.[selected.id];
    const names = classNames(report, ctx);
    detail.hidden = false;
    const close = el('button', { className: 'link-button', textContent: 'close', type: 'button' });
    close.addEventListener('click', () => {
      const back = built.blocks.get(selected.id)?.cells[selected.t]?.[selected.p];
      selected = null;
      showImages().catch(imagesFailed);
      if (report) paint(names, orderedApproaches(report).filter((x) => built.blocks.has(x.id)));
      back?.focus();
    });
    const head = el('h4', {}, `${approachLabel(selected.id, report)}: true "${nameOf(names, selected.t)}", predicted "${nameOf(names, selected.p)}" `, close);
    detail.append(head);
    const labels = ctx.testLabels;
    const preds = a?.test_predictions;
    if (!labels || !preds?.length || labels.length !== preds.length) {
      detail.append(el('p', { className: 'view-note', textContent: 'The test images behind this cell are not available (no test labels or predictions yet).' }));
      return;
    }
    const idx = [];
    for (let i = 0; i < preds.length; i++) if (labels[i] === selected.t && preds[i] === selected.p) idx.push(i);
    const cellCount = a.confusion?.[selected.t]?.[selected.p] ?? 0;
    const seeds = seedsOf(a);
    const shown = idx.slice(0, MAX_IMAGES);
    const seedNote = seeds > 1 ? ` The images are the first seed's; the matrix counts ${seeds} seeds (${int(cellCount)}).` : '';
    detail.append(el('p', { className: 'view-note', textContent: `${shown.length} of ${idx.length} shown.${seedNote}` }));
    if (!shown.length) return;
    let imgs;
    try {
      imgs = await ctx.testImages(shown);
    } catch (e) {
      ctx.onError?.(`confusion: test images unavailable: ${e.message ?? e}`);
      return;
    }
    if (mine !== imagesSeq) return; // another cell or report came meanwhile
    const { pixels, width, height, channels } = imgs;
    const size = width * height * channels;
    const strip = el('div', { className: 'image-strip' });
    shown.forEach((i, j) => {
      if ((j + 1) * size <= pixels.length) {
        strip.append(imageCanvas(pixels, j * size, width, height, channels, `test image ${i}, true "${nameOf(names, selected.t)}", predicted "${nameOf(names, selected.p)}"`));
      }
    });
    detail.append(strip);
  }

  function explain(approaches) {
    if (!approaches.length) return [waitingText('confusion matrices')];
    const out = ['Claim tested: "specialised models make fewer and different mistakes."'];
    const seeds = Math.max(...approaches.map(seedsOf));
    if (seeds > 1) out.push(`Counts are summed over ${seeds} seeds; the images behind a cell are the first seed's.`);
    return out;
  }

  const keyOf = (names, approaches) => `${names.length}|${approaches.map((a) => a.id).join(',')}|${names.join('\u0000')}`;
  let generation = 0;

  async function render(names, approaches) {
    const mine = ++generation;
    const pace = pacer(mine);
    if (keyOf(names, approaches) !== built.key) {
      // Keep keyboard focus across a rebuild: the same cell, if it still exists.
      const f = document.activeElement;
      const had = mats.contains(f) ? { id: [...built.blocks].find(([, b]) => b.fig.contains(f))?.[0], t: f.dataset?.t, p: f.dataset?.p } : null;
      if (!(await build(names, approaches, pace))) return;
      if (had?.id) built.blocks.get(had.id)?.cells[had.t]?.[had.p]?.focus();
    }
    if (!(await paint(names, approaches, pace))) return;
    if (selected && !built.blocks.has(selected.id)) selected = null;
    showImages().catch(imagesFailed);
    // Tests and readers of the DOM wait on this: a large matrix is drawn over several tasks.
    root.dataset.drawn = String(mine);
  }

  return {
    update(next) {
      report = next;
      const names = classNames(report, ctx);
      const approaches = hasApproaches(report)
        ? orderedApproaches(report).filter((a) => Array.isArray(a.confusion) && a.confusion.length === names.length && seedsOf(a) > 0)
        : [];
      legend.textContent = approaches.length
        ? 'Rows: true class; columns: predicted class. Shade: the share of the row\'s images in the cell (square-root scale, white 0% to dark 100%), the same scale for every matrix; each cell\'s count and share are in its label (hover or focus it).'
        : '';
      legend.hidden = !approaches.length;
      caption.set(explain(approaches), approaches.length ? findingsOf(report, 'confusion') : []);
      render(names, approaches).catch((e) => ctx.onError?.(`confusion: ${e.message ?? e}`));
    },
    destroy() {
      generation += 1;
      root.remove();
    },
  };
}
