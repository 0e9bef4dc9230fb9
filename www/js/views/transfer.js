// The transfer probe (fitted in Rust): a linear classifier for all classes on each model's frozen
// penultimate features. If a one-vs-rest network's features were specific to its class, they
// would serve the other classes worse than the shared network's do; the shared network at
// initialisation (random features) is the baseline every trained network must beat.
import { approachColor, approachLabel, approachRank } from './palette.js';
import { el } from '../dom.js';
import { dataTable, findingsOf, int, makeCaption, pct } from './common.js';

/** The probe's accuracy as a number and a bar on a fixed 0–100% scale (the number carries it). */
function accuracyCell(v, color) {
  const bar = el('span', { className: 'probe-bar', 'aria-hidden': 'true' });
  bar.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
  bar.style.backgroundColor = color;
  return el('td', { className: 'probe-cell' },
    el('span', { className: 'probe-value', textContent: pct(v) }),
    el('span', { className: 'probe-track' }, bar));
}

export function createView(container) {
  const root = el('div', { className: 'view view-transfer' });
  const empty = el('p', { className: 'view-note' });
  const body = el('div');
  root.append(empty, body);
  container.append(root);
  const caption = makeCaption(root);

  function render(report, t) {
    const rank = approachRank(report);
    const models = [...t.models].sort((a, b) => rank(a.approach) - rank(b.approach) || a.member - b.member);
    const row = (m, baseline = false) => {
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = baseline ? '#9a9a9a' : approachColor(m.approach);
      return el('tr', { className: baseline ? 'probe-baseline' : '', dataset: { approach: m.approach } },
        el('th', { scope: 'row', title: baseline ? 'random features: the baseline' : approachLabel(m.approach, report) },
          swatch, baseline ? `${m.label} (random features)` : m.label),
        accuracyCell(m.accuracy, baseline ? '#9a9a9a' : approachColor(m.approach)),
      el('td', { textContent: m.own_class == null ? '–' : pct(m.own_class) }),
        el('td', { textContent: m.other_classes == null ? '–' : pct(m.other_classes) }));
    };
    const rows = [...models.map((m) => row(m)), ...(t.init ? [row(t.init, true)] : [])];
    body.replaceChildren(dataTable('Transfer probe accuracy per model',
      ['model', ['probe accuracy', 'all classes, test images'], ['own class', 'one-vs-rest: its class\'s images'], ['other classes', 'the rest']],
      rows, 'probe-table'));
  }

  return {
    update(report) {
      const t = report?.transfer;
      const ok = Boolean(t?.models?.length);
      body.hidden = !ok;
      empty.hidden = ok;
      if (!ok) {
        empty.textContent = report?.complete === false
          ? 'The transfer probe runs once every model has finished.'
          : 'This run has no transfer probe: it needs networks with hidden layers (not arch=linear) and probe images (probe_size above 0).';
        body.replaceChildren();
        caption.set([]);
        return;
      }
      render(report, t);
      caption.set([
        'Claim tested: "classes share patterns": do one-vs-rest features serve the other classes as well as the shared network\'s? Bars: probe accuracy on a fixed 0–100% scale; the grey row is the baseline.',
        `Method: ${t.method}; fitted on ${int(t.train_images)} training images, scored on ${int(t.test_images)} test images (seed ${t.seed}).`,
      ], findingsOf(report, 'transfer'));
    },
    destroy() {
      root.remove();
    },
  };
}
