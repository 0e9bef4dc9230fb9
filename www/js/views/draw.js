// Draw (or drop) an image and see what every trained approach makes of it: the quickest way to
// feel that positive-only models say "yes" to anything while the others discriminate.
import { APPROACH_ORDER, approachColor, approachLabel } from './palette.js';
import { el } from '../dom.js';
import { clear, fixed, makeCaption, pct } from './common.js';

const PAD = 20; // side of a 28-px digit box, MNIST-style: the ink fits in 20 × 20, centred
const SIDE = 280;

const nameOf = (names, i) => names[i] ?? `class ${i}`;

/** Ink (0 background … 255 ink) of a canvas drawn dark on white. */
function inkOf(canvas) {
  const { width, height } = canvas;
  const d = canvas.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, width, height).data;
  const ink = new Uint8ClampedArray(width * height);
  for (let i = 0; i < ink.length; i++) {
    const lum = 0.299 * d[i * 4] + 0.587 * d[i * 4 + 1] + 0.114 * d[i * 4 + 2];
    ink[i] = 255 - lum;
  }
  return ink;
}

/**
 * The drawing as the models' input: the ink's bounding box scaled to fit a box of 20/28 of the
 * image, then shifted so its centre of mass is the image centre (how MNIST was prepared).
 */
export function toModelInput(canvas, width, height, channels) {
  const ink = inkOf(canvas);
  const W = canvas.width; const H = canvas.height;
  let x0 = W; let y0 = H; let x1 = -1; let y1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (ink[y * W + x] > 24) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1; const bh = y1 - y0 + 1;
  const box = Math.max(1, Math.round((Math.min(width, height) * PAD) / 28));
  const s = box / Math.max(bw, bh);
  const dw = Math.max(1, Math.round(bw * s)); const dh = Math.max(1, Math.round(bh * s));
  const small = document.createElement('canvas');
  small.width = dw; small.height = dh;
  const g = small.getContext('2d', { willReadFrequently: true });
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = 'high';
  g.fillStyle = '#fff';
  g.fillRect(0, 0, dw, dh);
  g.drawImage(canvas, x0, y0, bw, bh, 0, 0, dw, dh);
  const sink = inkOf(small);
  let m = 0; let cx = 0; let cy = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const v = sink[y * dw + x];
      m += v; cx += v * x; cy += v * y;
    }
  }
  cx = m ? cx / m : dw / 2; cy = m ? cy / m : dh / 2;
  const ox = Math.round(width / 2 - cx - 0.5); const oy = Math.round(height / 2 - cy - 0.5);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const tx = x + ox; const ty = y + oy;
      if (tx < 0 || ty < 0 || tx >= width || ty >= height) continue;
      for (let c = 0; c < channels; c++) out[(ty * width + tx) * channels + c] = sink[y * dw + x];
    }
  }
  return out;
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

function softmax(zs) {
  const m = Math.max(...zs);
  const e = zs.map((z) => Math.exp(z - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * Rows as the draw panel shows them, one per approach (and seed): `ctx.score` may already give
 * `{label, approach, scores, probabilities}`, or give each model's raw `{plan, scores}` (a
 * per-class model has one logit), which are grouped here with member k's logit as class k.
 * Probabilities follow each approach's own output layer: softmax for shared, sigmoids otherwise.
 */
export function normaliseScores(rows, k) {
  const out = [];
  const groups = new Map();
  const seeds = new Set((rows ?? []).map((r) => r?.plan?.seed));
  for (const r of rows ?? []) {
    if (!r || !Array.isArray(r.scores ?? r.probabilities)) continue;
    if (!r.plan) { out.push(r); continue; }
    const { approach, member, seed } = r.plan;
    const name = seeds.size > 1 ? `${approachLabel(approach)} · seed ${seed}` : approachLabel(approach);
    if (r.scores.length === 1 && k > 1) {
      const key = `${approach}|${seed}`;
      if (!groups.has(key)) {
        const row = { label: name, approach, scores: new Array(k).fill(Number.NaN) };
        groups.set(key, row);
        out.push(row);
      }
      groups.get(key).scores[member] = r.scores[0];
    } else {
      out.push({ label: name, approach, scores: r.scores });
    }
  }
  for (const r of out) {
    if (!r.probabilities) r.probabilities = r.approach === 'shared' ? softmax(r.scores) : r.scores.map(sigmoid);
  }
  return out;
}

export function createView(container, ctx) {
  const root = el('div', { className: 'view view-draw' });
  const pad = el('canvas', { className: 'draw-pad', width: SIDE, height: SIDE, 'aria-label': 'Drawing area: draw with mouse, finger or pen, or drop an image file here' });
  const clearBtn = el('button', { className: 'button', textContent: 'clear', type: 'button' });
  const preview = el('canvas', { className: 'draw-preview', width: 28, height: 28, role: 'img', 'aria-label': 'What the models see' });
  const previewNote = el('p', { className: 'view-note' });
  const status = el('p', { className: 'view-note draw-status', 'aria-live': 'polite' });
  const table = el('div', { className: 'score-table' });
  const left = el('div', { className: 'draw-left' }, pad, el('div', { className: 'draw-tools' }, clearBtn),
    el('p', { className: 'view-note', textContent: 'Draw with mouse, finger or pen, or drop an image (a light background is assumed; a mostly dark image is inverted).' }));
  const middle = el('div', { className: 'draw-mid' }, el('h4', { textContent: 'What the models see' }), preview, previewNote);
  const right = el('div', { className: 'draw-right' }, status, table);
  root.append(el('div', { className: 'draw-row' }, left, middle, right));
  container.append(root);
  const caption = makeCaption(root);

  const g = pad.getContext('2d', { willReadFrequently: true });
  let report = null;
  let dirty = false;
  let seq = 0;
  let lastResults = null;
  let lastKey = '';

  function blank() {
    g.fillStyle = '#fff';
    g.fillRect(0, 0, SIDE, SIDE);
    dirty = false;
  }
  blank();

  function dims() {
    const d = report?.dataset;
    return d && d.width > 0 && d.height > 0 ? { w: d.width, h: d.height, c: d.channels || 1 } : null;
  }

  // Drawing: pointer events cover mouse, touch and pen alike.
  let drawing = null;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIDE, ((e.clientY - r.top) / r.height) * SIDE];
  };
  pad.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = at(e);
    g.fillStyle = '#000';
    g.beginPath();
    g.arc(drawing[0], drawing[1], 10, 0, Math.PI * 2);
    g.fill();
    dirty = true;
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = at(e);
    g.strokeStyle = '#000';
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.lineWidth = e.pointerType === 'pen' && e.pressure > 0 ? 12 + 14 * e.pressure : 20;
    g.beginPath();
    g.moveTo(drawing[0], drawing[1]);
    g.lineTo(p[0], p[1]);
    g.stroke();
    drawing = p;
  });
  const end = () => {
    if (!drawing) return;
    drawing = null;
    score();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  clearBtn.addEventListener('click', () => {
    blank();
    seq++;
    lastResults = null;
    clear(table);
    preview.getContext('2d').clearRect(0, 0, preview.width, preview.height);
    status.textContent = '';
    setCaption();
  });

  pad.addEventListener('dragover', (e) => { e.preventDefault(); pad.classList.add('drop'); });
  pad.addEventListener('dragleave', () => pad.classList.remove('drop'));
  pad.addEventListener('drop', async (e) => {
    e.preventDefault();
    pad.classList.remove('drop');
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    try {
      const bmp = await createImageBitmap(file);
      blank();
      const s = Math.min(SIDE / bmp.width, SIDE / bmp.height);
      const w = bmp.width * s; const h = bmp.height * s;
      g.drawImage(bmp, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
      bmp.close?.();
      const ink = inkOf(pad);
      const mean = ink.reduce((a, v) => a + v, 0) / ink.length;
      if (mean > 128) {
        // Mostly "ink": a light drawing on a dark background (like MNIST itself); flip it.
        const img = g.getImageData(0, 0, SIDE, SIDE);
        for (let i = 0; i < img.data.length; i += 4) {
          for (let k = 0; k < 3; k++) img.data[i + k] = 255 - img.data[i + k];
        }
        g.putImageData(img, 0, 0);
      }
      dirty = true;
      score();
    } catch (err) {
      status.textContent = `Could not read that file as an image (${err.message ?? err}).`;
    }
  });

  function showPreview(pixels, d) {
    preview.width = d.w;
    preview.height = d.h;
    const p = preview.getContext('2d');
    const img = p.createImageData(d.w, d.h);
    for (let i = 0; i < d.w * d.h; i++) {
      const v = 255 - pixels[i * d.c];
      img.data.set([v, v, v, 255], i * 4);
    }
    p.putImageData(img, 0, 0);
    previewNote.textContent = `${d.w} × ${d.h} px, grey, ink scaled to fit and centred by its centre of mass.`;
  }

  async function score() {
    const d = dims();
    if (!dirty || !d) return;
    const pixels = toModelInput(pad, d.w, d.h, d.c);
    if (!pixels) return;
    showPreview(pixels, d);
    if (typeof ctx.score !== 'function') {
      status.textContent = 'Scoring is not available on this page.';
      return;
    }
    const mine = ++seq;
    status.textContent = 'Scoring…';
    try {
      const results = await ctx.score(pixels);
      if (mine !== seq) return;
      // The palette's order, so the table reads like every other view whatever order the page uses.
      const rank = (id) => (APPROACH_ORDER.includes(id) ? APPROACH_ORDER.indexOf(id) : APPROACH_ORDER.length);
      const k = (report?.dataset?.class_names ?? ctx.classNames ?? []).length;
      lastResults = normaliseScores(Array.isArray(results) ? results : [], k).sort((a, b) => rank(a.approach) - rank(b.approach));
      status.textContent = lastResults.length ? '' : 'No trained models yet: train first, then draw.';
      renderScores();
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `Scoring failed: ${err.message ?? err}`;
      ctx.onError?.(`draw: scoring failed: ${err.message ?? err}`);
    }
    setCaption();
  }

  function argmax(xs) {
    let best = -1;
    xs.forEach((v, i) => { if (Number.isFinite(v) && (best < 0 || v > xs[best])) best = i; });
    return best;
  }

  function renderScores() {
    clear(table);
    const names = report?.dataset?.class_names ?? ctx.classNames ?? [];
    for (const r of lastResults ?? []) {
      const probs = r.probabilities ?? [];
      const top = argmax(r.scores ?? probs);
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = approachColor(r.approach);
      const kind = r.approach === 'shared' ? 'softmax: sums to 1' : 'one sigmoid per class: need not sum to 1';
      const bars = el('div', { className: 'score-bars', role: 'img', 'aria-label': `${r.label}: ${probs.map((p, i) => `${nameOf(names, i)} ${pct(p, 0)}`).join(', ')}` });
      probs.forEach((p, i) => {
        const bar = el('span', { className: 'score-bar' });
        bar.style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
        bar.style.backgroundColor = i === top ? approachColor(r.approach) : '#b8b8b8';
        bars.append(el('span', { className: 'score-col', title: `${nameOf(names, i)}: probability ${fixed(p, 3)}, score ${fixed(r.scores?.[i], 2)}` },
          el('span', { className: 'score-track' }, bar), el('span', { className: 'score-name', textContent: nameOf(names, i) })));
      });
      table.append(el('div', { className: 'score-row' },
        el('div', { className: 'score-head' }, swatch, el('strong', { textContent: r.label ?? approachLabel(r.approach) }),
          el('span', { className: 'score-pred', textContent: top >= 0 ? ` predicts "${nameOf(names, top)}" (${fixed(probs[top], 2)})` : ' –' }),
          el('span', { className: 'score-kind', textContent: kind })),
        bars));
    }
  }

  function setCaption() {
    const names = report?.dataset?.class_names ?? ctx.classNames ?? [];
    const out = ['Claim tested: "a model trained only on its own class learns to recognise it."'];
    if (!lastResults?.length) {
      out.push(names.length ? `Draw one of the ${names.length} classes (${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}) and each trained approach's answer appears here.` : 'Draw, and each trained approach\'s answer appears here.');
      caption.set(...out);
      return;
    }
    const parts = lastResults.map((r) => {
      const probs = r.probabilities ?? [];
      const top = argmax(r.scores ?? probs);
      return `${r.label ?? approachLabel(r.approach)} says "${nameOf(names, top)}" (${fixed(probs[top], 2)})`;
    });
    out.push(`Your drawing: ${parts.join('; ')}.`);
    for (const r of lastResults) {
      if (r.approach !== 'positive-only') continue;
      const ps = (r.probabilities ?? []).filter(Number.isFinite);
      if (ps.length) out.push(`Positive-only gives the classes probabilities from ${fixed(Math.min(...ps), 2)} to ${fixed(Math.max(...ps), 2)}${Math.max(...ps) - Math.min(...ps) < 0.1 ? ': it cannot tell them apart' : ''}.`);
    }
    caption.set(...out);
  }

  return {
    update(next) {
      report = next;
      const d = dims();
      const done = Object.values(report?.approaches ?? {}).filter((a) => a?.complete).map((a) => a.id).join(',');
      if (!d) status.textContent = 'No dataset yet.';
      else if (status.textContent === 'No dataset yet.') status.textContent = '';
      if (done !== lastKey) {
        lastKey = done;
        if (dirty) score();
      }
      if (!lastResults) setCaption();
    },
    destroy() {
      seq++;
      root.remove();
    },
  };
}
