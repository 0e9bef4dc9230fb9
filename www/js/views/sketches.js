// Small sketches of what each view will draw, shown beside its one-line intro before the first run
// (panels.js). Pictures only: fixed shapes, no data. Each is a list of SVG elements on a 64×40
// box, stroked or filled in the panel's text colour ('c' = currentColor at the given opacity).

const NS = 'http://www.w3.org/2000/svg';

const line = (d, opacity = 1) => ['path', { d, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', opacity }];
const box = (x, y, w, h, opacity) => ['rect', { x, y, width: w, height: h, fill: 'currentColor', opacity }];
const grid = (cols, rows, shade) => {
  const out = [];
  const w = 56 / cols;
  const h = 36 / rows;
  for (let r = 0; r < rows; r += 1) for (let c = 0; c < cols; c += 1) out.push(box(4 + c * w, 2 + r * h, w - 1, h - 1, shade(r, c)));
  return out;
};
const bars = (heights, opacities) => heights.map((v, i) => box(6 + i * 7, 38 - v, 5, v, opacities[i % opacities.length]));

const SKETCHES = {
  curves: [line('M4 36 C14 18 26 10 60 6'), line('M4 36 C18 30 32 20 60 14', 0.45), line('M4 38H60', 0.25)],
  training: [line('M4 8H60', 0.3), line('M4 18H44', 0.6), line('M4 28H52', 0.6), line('M4 38H36', 0.6)],
  perclass: bars([30, 26, 22, 30, 16, 20, 28, 24], [1, 0.45]),
  confusion: grid(5, 5, (r, c) => (r === c ? 0.85 : 0.12 + 0.1 * ((r + 2 * c) % 3))),
  calibration: [line('M4 38L60 2', 0.3), line('M4 38H14V30H24V22H34V17H44V10H54V5H60')],
  cost: bars([6, 6, 30, 30, 12, 12], [1, 0.45]),
  filters: grid(7, 4, (r, c) => (0.15 + 0.12 * ((r * 3 + c * 5) % 7))),
  similarity: grid(6, 6, (r, c) => (r === c ? 0.9 : 0.2 + 0.12 * ((r + c) % 4))),
  representations: grid(8, 3, (r, c) => (0.85 - 0.08 * c - 0.1 * r)),
  transfer: [box(4, 4, 50, 7, 0.9), box(4, 16, 42, 7, 0.55), box(4, 28, 24, 7, 0.3)],
  ood: [line('M4 38C14 38 16 8 24 8S34 38 44 38', 1), line('M20 38C30 38 32 16 40 16S50 38 60 38', 0.45)],
  draw: [['rect', { x: 4, y: 2, width: 36, height: 36, fill: 'none', stroke: 'currentColor', opacity: 0.35 }], line('M14 30C16 14 24 8 30 12S28 30 22 30'), box(46, 22, 4, 16, 0.4), box(52, 10, 4, 28, 1), box(58, 30, 4, 8, 0.4)],
};

/** The sketch of view `id` as an <svg> (hidden from assistive technology: the intro says it), or null. */
export function sketchOf(id) {
  const parts = SKETCHES[id];
  if (!parts) return null;
  const svg = document.createElementNS(NS, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 64 40', width: 64, height: 40, 'aria-hidden': 'true', focusable: 'false', class: 'lab-sketch' })) svg.setAttribute(k, String(v));
  for (const [tag, attrs] of parts) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    svg.append(node);
  }
  return svg;
}
