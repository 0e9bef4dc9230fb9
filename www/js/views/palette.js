// One colour per approach, the same in every view, so a reader who learns "orange is one-vs-rest"
// in the curves finds it again in the bars and the tables. Muted (seaborn "deep") on purpose:
// the data, not the chrome, should draw the eye. Names and order come from the report
// (`approach_order`); the labels here are a fallback for a report that has none yet.

export const APPROACH_ORDER = ['shared', 'ovr', 'positive-only', 'trunk', 'shared-wide', 'shared-long', 'shared-ensemble'];

export const APPROACHES = {
  shared: { label: 'shared', color: '#4c72b0' },
  ovr: { label: 'one-vs-rest', color: '#dd8452' },
  'positive-only': { label: 'positive-only', color: '#c44e52' },
  trunk: { label: 'shared trunk', color: '#55a868' },
  'shared-wide': { label: 'shared, widened', color: '#8172b3' },
  'shared-long': { label: 'shared, K× epochs', color: '#937860' },
  'shared-ensemble': { label: 'shared ensemble', color: '#da8bc3' },
};

const FALLBACK = ['#8c8c8c', '#ccb974', '#64b5cd'];

/** The approach's display name: the report's label, else the fallback, else the id itself. */
export function approachLabel(id, report) {
  const named = report?.approach_order?.find((a) => a.id === id)?.label;
  return named ?? APPROACHES[id]?.label ?? String(id);
}

/** The approach's colour; unknown ids get a stable colour from the fallback list. */
export function approachColor(id) {
  if (APPROACHES[id]) return APPROACHES[id].color;
  let h = 0;
  for (const ch of String(id)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK[h % FALLBACK.length];
}

/** `#rrggbb` with an alpha, for bands and faint lines. */
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Position of approach `id` in the report's order (then the palette's, then unknown ids last). */
export function approachRank(report) {
  const order = [...(report?.approach_order ?? []).map((a) => a.id), ...APPROACH_ORDER];
  return (id) => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
}

/** The report's approaches in the run's order (`approach_order`), then any others by id. */
export function orderedApproaches(report) {
  const all = report?.approaches ? Object.values(report.approaches).filter(Boolean) : [];
  const rank = approachRank(report);
  return all.sort((a, b) => rank(a.id) - rank(b.id) || String(a.id).localeCompare(String(b.id)));
}

// Viridis stops (matplotlib), a perceptually even scale that survives greyscale printing: the
// sequential scale of the similarity views.
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** `[r, g, b]` of viridis at `t` in [0, 1]. */
export function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
}

/** A colour channel (0…255) as linear light, the sRGB curve of WCAG's relative luminance. */
const linear = (c) => (c <= 10 ? c / 255 / 12.92 : Math.pow((c / 255 + 0.055) / 1.055, 2.4));

/**
 * Whether a background `[r, g, b]` needs light text. Drawing only: a cell's text colour, chosen
 * from the colour it is painted, so that the printed value stays readable on the scale. White
 * wins where it contrasts more than black: a relative luminance (WCAG 2) below 0.179, where
 * (L + 0.05)² = 0.0525.
 */
export function isDark([r, g, b]) {
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b) < 0.179;
}
