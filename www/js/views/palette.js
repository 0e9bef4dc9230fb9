// One colour per approach, the same in every view, so a reader who learns "orange is one-vs-rest"
// in the curves finds it again in the bars and the tables. Muted (seaborn "deep") on purpose:
// the data, not the chrome, should draw the eye.

export const APPROACH_ORDER = ['shared', 'ovr', 'positive-only', 'trunk'];

export const APPROACHES = {
  shared: { label: 'shared', long: 'one shared network', color: '#4c72b0' },
  ovr: { label: 'one-vs-rest', long: 'one one-vs-rest network per class', color: '#dd8452' },
  'positive-only': { label: 'positive-only', long: 'one network per class, trained on its class only', color: '#c44e52' },
  trunk: { label: 'shared trunk', long: 'a shared trunk with one sigmoid head per class', color: '#55a868' },
};

const FALLBACK = ['#8172b3', '#937860', '#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd'];

/** The approach's display name; unknown ids (a newer schema) are shown as they are. */
export function approachLabel(id) {
  return APPROACHES[id]?.label ?? String(id);
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

/** The report's approaches in the canonical order, then any unknown ones by id. */
export function orderedApproaches(report) {
  const all = report?.approaches ? Object.values(report.approaches).filter(Boolean) : [];
  const rank = (id) => {
    const i = APPROACH_ORDER.indexOf(id);
    return i < 0 ? APPROACH_ORDER.length : i;
  };
  return all.sort((a, b) => rank(a.id) - rank(b.id) || String(a.id).localeCompare(String(b.id)));
}
