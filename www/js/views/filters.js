// First-layer filters of every model as small images. If per-class training made filters
// specialise, the per-class models' filters should look different from each other and from the
// shared model's; the "at init" and "change from init" modes and each model's travel show how far
// training moved them.
import { approachColor, approachLabel, approachRank } from './palette.js';
import { el } from '../dom.js';
import { timeSlices } from '../tasks.js';
import {
  clear, findingsOf, fixed, makeCaption, pct, rovingGrid, waitingText,
} from './common.js';

const MODES = [['trained', 'trained'], ['init', 'at init'], ['change', 'change from init']];
const VALUES = { trained: 'trained', init: 'init', change: 'change' };

// ColorBrewer RdBu ends: blue negative, white zero, red positive.
const NEG = [33, 102, 172];
const POS = [178, 24, 43];

function diverging(v, m) {
  const t = m > 0 ? Math.max(-1, Math.min(1, v / m)) : 0;
  const end = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return end.map((c) => Math.round(255 + (c - 255) * a));
}

/**
 * Filter `f` as a kh × kw grid of values to draw. Drawing only: a filter with several input
 * channels is shown as one image, the average of its channels (the legend says so).
 */
function filterImage(w, shape, f) {
  const [kh, kw, channels, fc] = shape;
  const out = new Float32Array(kh * kw);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      let s = 0;
      for (let ch = 0; ch < channels; ch++) s += w[((y * kw + x) * channels + ch) * fc + f] ?? 0;
      out[y * kw + x] = s / channels;
    }
  }
  return out;
}

/** Under its approach's heading a per-class model is named by its class alone ("ovr · 3" -> "3"). */
function shortLabel(m) {
  const i = m.label.indexOf(' · ');
  return i >= 0 ? m.label.slice(i + 3) : m.label;
}

const validShape = (s) => Array.isArray(s) && s.length === 4 && s.every((v) => Number.isInteger(v) && v > 0);

export function createView(container) {
  let mode = 'trained';
  let lastReport = null;
  let lastLive = undefined;
  const root = el('div', { className: 'view view-filters' });
  const name = `filters-mode-${Math.random().toString(36).slice(2, 8)}`;
  const toggle = el('fieldset', { className: 'view-toggle' },
    el('legend', { textContent: 'weights' }),
    ...MODES.map(([v, t]) => el('label', {},
      el('input', { type: 'radio', name, value: v, checked: v === mode }), ` ${t}`)));
  const legendBar = el('canvas', { className: 'scale-bar', width: 160, height: 10, 'aria-hidden': 'true' });
  const legendText = el('p', { className: 'view-note scale-text' });
  const legend = el('div', { className: 'scale-legend' },
    el('div', { className: 'scale-bar-box' }, el('span', { className: 'scale-min' }), legendBar, el('span', { className: 'scale-max' })),
    legendText);
  const readout = el('p', { className: 'filter-readout', textContent: 'Hover or focus a filter to enlarge it.' });
  const groups = el('div', { className: 'filter-groups' });
  root.append(toggle, legend, readout, groups);
  container.append(root);
  const caption = makeCaption(root);

  let built = { key: '', canvases: new Map() };

  toggle.addEventListener('change', (e) => {
    if (e.target.name !== name) return;
    mode = e.target.value;
    update(lastReport, lastLive);
  });

  /** The models to draw: live weights while training, else the report's trained or init ones. */
  function collect(report, live) {
    const sets = report?.similarity?.filter_sets ?? [];
    const byIndex = new Map();
    for (const s of sets) {
      if (!validShape(s.shape)) continue;
      byIndex.set(s.index, { ...s, values: s[VALUES[mode]], live: false });
    }
    if (live?.running && live.filters?.size && mode === 'trained') {
      for (const m of live.models ?? []) {
        const w = live.filters.get(m.index);
        if (!w || !validShape(m.filter_shape)) continue;
        const prev = byIndex.get(m.index);
        byIndex.set(m.index, {
          index: m.index, label: m.label, approach: m.approach, member: m.member, shape: m.filter_shape,
          values: w, travel: prev?.travel, live: true,
        });
      }
    }
    const rank = approachRank(report);
    return [...byIndex.values()]
      .filter((s) => s.values?.length >= s.shape.reduce((p, v) => p * v, 1))
      .sort((a, b) => rank(a.approach) - rank(b.approach) || a.member - b.member || a.index - b.index);
  }

  function build(report, models) {
    clear(groups);
    built = { key: '', canvases: new Map(), travels: new Map() };
    const rows = [];
    const byApproach = new Map();
    for (const m of models) {
      if (!byApproach.has(m.approach)) byApproach.set(m.approach, []);
      byApproach.get(m.approach).push(m);
    }
    for (const [id, list] of byApproach) {
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = approachColor(id);
      const section = el('section', { className: 'filter-group' }, el('h4', {}, swatch, approachLabel(id, report)));
      for (const m of list) {
        const [kh, kw, , fc] = m.shape;
        const strip = el('div', { className: 'filter-strip' });
        const row = [];
        const canvases = [];
        for (let f = 0; f < fc; f++) {
          const c = el('canvas', { className: 'filter-cell', width: kw, height: kh, role: 'img', 'aria-label': `${m.label}, filter ${f + 1} of ${fc}` });
          c.addEventListener('mouseenter', () => describe(m, f));
          c.addEventListener('focus', () => describe(m, f));
          strip.append(c);
          row.push(c);
          canvases.push(c);
        }
        rows.push(row);
        const travel = el('span', { className: 'filter-travel' });
        section.append(el('div', { className: 'filter-model' },
          el('span', { className: 'filter-label', textContent: shortLabel(m), title: m.label }), strip, travel));
        built.canvases.set(m.index, canvases);
        built.travels.set(m.index, travel);
      }
      groups.append(section);
    }
    rovingGrid(rows);
  }

  let current = { models: [], scale: 0 };
  function describe(m, f) {
    const img = filterImage(m.values, m.shape, f);
    let lo = Infinity; let hi = -Infinity;
    for (const v of img) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const what = mode === 'change' ? 'change from init' : 'weights';
    readout.textContent = `${m.label}, filter ${f + 1}: ${what} ${fixed(lo, 3)} to ${fixed(hi, 3)} (scale ± ${fixed(current.scale, 3)})`;
  }

  // With many models (50 one-vs-rest networks: hundreds of canvases, each a getContext and a
  // putImageData), the grids are painted a slice of time per main-thread task; a newer report
  // abandons the rest of an older paint.
  let generation = 0;
  async function paint(models, scale) {
    const mine = ++generation;
    const slice = timeSlices();
    for (const m of models) {
      if (slice.due()) {
        await slice.next();
        if (mine !== generation) return;
      }
      const canvases = built.canvases.get(m.index);
      const [kh, kw] = m.shape;
      canvases.forEach((c, f) => {
        const img = filterImage(m.values, m.shape, f);
        const g = c.getContext('2d');
        const data = g.createImageData(kw, kh);
        img.forEach((v, i) => {
          const [r, gg, b] = diverging(v, scale);
          data.data.set([r, gg, b, 255], i * 4);
        });
        g.putImageData(data, 0, 0);
      });
      const t = m.travel;
      built.travels.get(m.index).textContent = m.live
        ? 'training…'
        : (t ? `cos to init ${fixed(t.cosine_to_init, 3)}, moved ${pct(t.relative_change, 0)}` : '');
    }
    // Tests and readers of the DOM wait on this: many grids are painted over several tasks.
    root.dataset.painted = String(mine);
  }

  function paintLegend(scale, models) {
    const g = legendBar.getContext('2d');
    for (let x = 0; x < legendBar.width; x++) {
      const [r, gg, b] = diverging((x / (legendBar.width - 1)) * 2 - 1, 1);
      g.fillStyle = `rgb(${r}, ${gg}, ${b})`;
      g.fillRect(x, 0, 1, legendBar.height);
    }
    legend.querySelector('.scale-min').textContent = `−${fixed(scale, 2)}`;
    legend.querySelector('.scale-max').textContent = `+${fixed(scale, 2)}`;
    const channels = [...new Set(models.map((m) => m.shape[2]))];
    const chText = channels.length === 1 && channels[0] === 1
      ? 'One input channel, shown as is.'
      : `Filters with several input channels show the mean over their ${channels.join('/')} channels.`;
    const what = mode === 'change' ? 'trained − initial weight' : (mode === 'init' ? 'initial weight' : 'weight');
    legendText.textContent = `Colour: ${what}. One colour scale for all ${models.length} grids shown: blue negative, white 0, red positive, symmetric around 0; ± ${fixed(scale, 3)} is the largest absolute value among them. ${chText}`;
  }

  function explain(report, models) {
    if (!models.length) return [waitingText('filters')];
    const out = ['Claim tested: "each per-class network\'s filters specialise." Under each model: the mean cosine of its filters with their initial values, and how far they moved (‖w − w₀‖ / ‖w₀‖).'];
    if (models.some((m) => m.live)) out.push(`Live: ${models.filter((m) => m.live).length} models still training, their filters redrawn as they learn.`);
    const init = report?.config?.init;
    if (init === 'same') out.push('All models started from the same weights (init = same), so differences between them were made by training.');
    else if (init === 'independent') out.push('Each model started from its own random weights (init = independent), so they differ even before training.');
    if (mode === 'init') out.push('Showing the weights at initialisation.');
    if (mode === 'change') out.push('Showing what training changed: trained minus initial weights.');
    return out;
  }

  function update(report, live) {
    lastReport = report;
    lastLive = live;
    const models = collect(report, live);
    const key = models.map((m) => `${m.index}:${m.shape.join('x')}:${m.label}`).join('|');
    if (key !== built.key) {
      build(report, models);
      built.key = key;
    }
    let scale = 0;
    for (const m of models) for (const v of m.values) if (Math.abs(v) > scale) scale = Math.abs(v);
    current = { models, scale };
    paint(models, scale).catch((e) => console.error('filters', e));
    legend.hidden = !models.length;
    toggle.hidden = !report?.similarity?.filter_sets?.length;
    readout.hidden = !models.length;
    if (models.length) paintLegend(scale, models);
    caption.set(explain(report, models), models.length ? findingsOf(report, 'filters') : []);
  }

  return {
    update,
    destroy() {
      root.remove();
    },
  };
}
