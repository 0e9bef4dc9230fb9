// Draw (or drop) an image and see what every trained approach makes of it: the quickest way to
// feel that positive-only models say "yes" to anything while the others discriminate. The engine
// does the work: it prepares the drawing as a model input (`drawing_input`, src/data/drawing.rs)
// and scores it (`ctx.score`: each approach's probabilities and prediction, combined in Rust);
// this view only draws the pad and the answers.
import { approachColor, approachLabel, approachRank } from './palette.js';
import { el } from '../dom.js';
import { clear, fixed, makeCaption, pct } from './common.js';

const SIDE = 280;

const nameOf = (names, i) => names[i] ?? `class ${i}`;

/**
 * The engine's `drawing_input(rgba, width, height, outWidth, outHeight, channels)`: the page's
 * (`ctx.prepareDrawing`, e.g. in a worker) when it gives one, else the wasm module loaded here,
 * once, on the first drawing.
 */
let engine = null;
function prepareWith(ctx) {
  if (typeof ctx.prepareDrawing === 'function') return (...args) => ctx.prepareDrawing(...args);
  engine ??= import(new URL('../../pkg/ovr_lab.js', import.meta.url).href).then(async (m) => {
    await m.default();
    return m;
  });
  return async (...args) => (await engine).drawing_input(...args);
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
    el('p', { className: 'view-note', textContent: 'Draw with mouse, finger or pen, or drop an image (a mostly dark picture is read as light ink on a dark background and inverted).' }));
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
    previewNote.textContent = '';
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
      dirty = true;
      score();
    } catch (err) {
      status.textContent = `Could not read that file as an image (${err.message ?? err}).`;
    }
  });

  /** The model input the engine made, drawn dark on white like the pad. */
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
    previewNote.textContent = `${d.w} × ${d.h} px: the ink's box scaled to fit and centred by its centre of mass, as MNIST's digits were.`;
  }

  async function score() {
    const d = dims();
    if (!dirty || !d) return;
    const mine = ++seq;
    let pixels;
    try {
      const rgba = g.getImageData(0, 0, SIDE, SIDE).data;
      pixels = await prepareWith(ctx)(rgba, SIDE, SIDE, d.w, d.h, d.c);
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `The drawing could not be prepared: ${err.message ?? err}`;
      ctx.onError?.(`draw: the drawing could not be prepared: ${err.message ?? err}`);
      return;
    }
    if (mine !== seq || !pixels?.length) return;
    showPreview(pixels, d);
    if (typeof ctx.score !== 'function') {
      status.textContent = 'Scoring is not available on this page.';
      return;
    }
    status.textContent = 'Scoring…';
    try {
      const results = await ctx.score(pixels);
      if (mine !== seq) return;
      // The run's order, so the table reads like every other view whatever order the page uses.
      const rank = approachRank(report);
      lastResults = (Array.isArray(results) ? results : [])
        .filter((r) => Array.isArray(r?.probabilities))
        .sort((a, b) => rank(a.approach) - rank(b.approach));
      status.textContent = lastResults.length ? '' : 'No trained models yet: train first, then draw.';
      renderScores();
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `Scoring failed: ${err.message ?? err}`;
      ctx.onError?.(`draw: scoring failed: ${err.message ?? err}`);
    }
    setCaption();
  }

  const rowLabel = (r) => r.label ?? approachLabel(r.approach, report);

  function renderScores() {
    clear(table);
    const names = report?.dataset?.class_names ?? ctx.classNames ?? [];
    for (const r of lastResults ?? []) {
      const probs = r.probabilities;
      const top = Number.isInteger(r.predicted) ? r.predicted : -1;
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = approachColor(r.approach);
      const bars = el('div', { className: 'score-bars', role: 'img', 'aria-label': `${rowLabel(r)}: ${probs.map((p, i) => `${nameOf(names, i)} ${pct(p, 0)}`).join(', ')}` });
      probs.forEach((p, i) => {
        const bar = el('span', { className: 'score-bar' });
        bar.style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
        bar.style.backgroundColor = i === top ? approachColor(r.approach) : '#b8b8b8';
        bars.append(el('span', { className: `score-col${i === top ? ' predicted' : ''}`, title: `${nameOf(names, i)}: probability ${fixed(p, 3)}${i === top ? ' (predicted)' : ''}` },
          el('span', { className: 'score-track' }, bar), el('span', { className: 'score-name', textContent: nameOf(names, i) })));
      });
      table.append(el('div', { className: 'score-row' },
        el('div', { className: 'score-head' }, swatch, el('strong', { textContent: rowLabel(r) }),
          el('span', { className: 'score-pred', textContent: top >= 0 ? ` predicts "${nameOf(names, top)}" (${fixed(probs[top], 2)})` : ' –' })),
        bars));
    }
  }

  function setCaption() {
    const names = report?.dataset?.class_names ?? ctx.classNames ?? [];
    const out = ['Claim tested: "a model trained only on its own class learns to recognise it."',
      'Each approach\'s class probabilities, as the engine combines its outputs: the softmax of a shared network (averaged over an ensemble), the per-class sigmoids scaled to sum to 1 for one-vs-rest, positive-only and the shared trunk.'];
    if (!lastResults?.length) {
      out.push(names.length ? `Draw one of the ${names.length} classes (${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}) and each trained approach's answer appears here.` : 'Draw, and each trained approach\'s answer appears here.');
      caption.set(out);
      return;
    }
    const parts = lastResults.map((r) => `${rowLabel(r)} says "${nameOf(names, r.predicted)}" (${fixed(r.probabilities[r.predicted], 2)})`);
    out.push(`Your drawing: ${parts.join('; ')}.`);
    caption.set(out);
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
