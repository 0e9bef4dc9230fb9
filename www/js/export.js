// Files the reader can take away: the results document, the curves as CSV, any chart as PNG.

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

/** One row per approach and epoch, with every number of the curve. */
export function curvesCsv(report) {
  const cols = ['approach', 'epoch', 'test_accuracy', 'test_accuracy_std', 'train_accuracy', 'test_loss', 'train_loss', 'flops'];
  const lines = [cols.join(',')];
  for (const a of Object.values(report.approaches)) {
    for (const p of a.curve) lines.push([a.id, p.epoch, p.test_accuracy, p.test_accuracy_std, p.train_accuracy, p.test_loss, p.train_loss, p.flops].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Saves a canvas as PNG. */
export function downloadCanvas(canvas, name) {
  canvas.toBlob((blob) => blob && download(name, blob), 'image/png');
}
