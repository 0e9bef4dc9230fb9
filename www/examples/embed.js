// A minimal page that embeds a lab with the module API (docs/embedding.md).
import { createLab } from '../js/lab.js';

const lab = await createLab(document.getElementById('lab'), {
  dataset: 'animals28',
  classes: [2, 3, 4, 7], // cat, cow, dog, horse
  train_per_class: 150,
  epochs: 2,
  approaches: ['shared', 'ovr'],
  hide: 'controls,export,draw,confusion,filters,similarity',
  workers: 2,
});

// lab.link() carries the settings; the full lab is index.html with the same query.
document.getElementById('full-lab').href = new URL(`../index.html${new URL(lab.link()).search}`, import.meta.url).href;

const result = document.getElementById('result');
lab.on('progress', (e) => { result.textContent = `Training… ${Math.round(100 * e.overall)}%`; });
lab.on('error', (e) => { result.textContent = `Failed: ${e.message}`; });

const report = await lab.run(); // resolves with the results document when the run ends
if (lab.state === 'done') {
  const { shared, ovr } = report.approaches;
  result.textContent = `Done: shared ${(100 * shared.test_accuracy).toFixed(1)}%, one-vs-rest ${(100 * ovr.test_accuracy).toFixed(1)}% (one seed).`;
}
