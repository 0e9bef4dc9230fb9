// Files the reader can take away: the results document, the curves as CSV, any chart as PNG, the
// trained models (the engine's models file); and the side column's buttons that make them.
import { problemOf } from './errors.js';

export function download(name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function csvCell(v) {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CURVE_COLUMNS = ['test_accuracy', 'test_accuracy_std', 'train_accuracy', 'test_loss', 'train_loss', 'flops', 'val_accuracy'];

/** The report's curves as a table: one row per approach and epoch, the document's numbers as they are. */
export function curvesCsv(report) {
  const lines = [['approach', 'epoch', ...CURVE_COLUMNS].join(',')];
  const order = report.approach_order?.map((a) => a.id) ?? Object.keys(report.approaches);
  for (const id of order) {
    const a = report.approaches[id];
    for (const p of a?.curve ?? []) lines.push([id, p.epoch, ...CURVE_COLUMNS.map((c) => p[c] ?? '')].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Saves a canvas as PNG. */
export function downloadCanvas(canvas, name) {
  canvas.toBlob((blob) => blob && download(name, blob), 'image/png');
}

/**
 * Saves the canvases of a view panel as one PNG: a single chart as it is, several (the curves'
 * charts, the filter grids) composed at their places on screen, on white. Views own their
 * canvases, so this only looks for them. Returns false when the panel has nothing drawn.
 */
export function panelPng(container, name) {
  const canvases = [...container.querySelectorAll('canvas')].filter((c) => c.width > 0 && c.height > 0 && c.getClientRects().length > 0);
  if (canvases.length === 0) return false;
  if (canvases.length === 1) {
    downloadCanvas(canvases[0], name);
    return true;
  }
  const box = container.getBoundingClientRect();
  const rects = canvases.map((c) => c.getBoundingClientRect());
  const right = Math.max(...rects.map((r) => r.right - box.left));
  const bottom = Math.max(...rects.map((r) => r.bottom - box.top));
  const scale = Math.min(4, Math.max(1, window.devicePixelRatio || 1, ...canvases.map((c, i) => c.width / Math.max(1, rects[i].width))));
  const out = document.createElement('canvas');
  out.width = Math.ceil(right * scale);
  out.height = Math.ceil(bottom * scale);
  const g = out.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, out.width, out.height);
  // Small canvases (filters) are pixel grids shown enlarged: keep their pixels sharp.
  g.imageSmoothingEnabled = false;
  canvases.forEach((c, i) => {
    const r = rects[i];
    g.drawImage(c, (r.left - box.left) * scale, (r.top - box.top) * scale, r.width * scale, r.height * scale);
  });
  downloadCanvas(out, name);
  return true;
}

/**
 * Wires the export buttons of `ui` (the layout). `lab` gives `link()`, `report`, `modelsFile()`
 * (resolves to the models file's text) and `loadModels(text, name)` (resolves to how many it took).
 */
export function bindExports(ui, lab) {
  const { buttons, loadInput } = ui;
  buttons.link.addEventListener('click', async () => {
    const url = lab.link();
    try {
      await navigator.clipboard.writeText(url);
      ui.showNotices([`Link copied: ${url}`]);
    } catch {
      ui.showNotices([`Copy this link: ${url}`]);
    }
  });
  buttons.json.addEventListener('click', () => lab.report && download('ovr-lab-results.json', JSON.stringify(lab.report, null, 2), 'application/json'));
  buttons.csv.addEventListener('click', () => lab.report && download('ovr-lab-curves.csv', curvesCsv(lab.report), 'text/csv'));
  buttons.save.addEventListener('click', async () => {
    try {
      download('ovr-lab-models.json', await lab.modelsFile(), 'application/json');
    } catch (e) {
      ui.showError(problemOf(e).message);
    }
  });
  loadInput.addEventListener('change', async () => {
    const file = loadInput.files[0];
    if (!file) return;
    try {
      const count = await lab.loadModels(await file.text(), file.name);
      ui.showNotices([`Loaded ${count} trained models from ${file.name}; draw an image in "Draw and classify" to test them.`]);
    } catch (e) {
      ui.showError(problemOf(e).message);
    } finally {
      loadInput.value = '';
    }
  });
}
