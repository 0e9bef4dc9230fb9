// The configuration as the page sees it. The schema, the clamping and the canonical query all
// come from the engine (Rust, via wasm), so the page, the URL and the CLI share one definition.

/** Parameters of the page itself, not of the experiment. */
export const PAGE_KEYS = ['autorun', 'hide', 'embed'];

/** Turns `URLSearchParams` or an options object into `[name, value]` text pairs. */
export function toPairs(source) {
  const pairs = [];
  const entries = source instanceof URLSearchParams ? source.entries() : Object.entries(source || {});
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    // Long strings are cut here too: a URL may carry anything.
    pairs.push([String(key).slice(0, 64), Array.isArray(value) ? value.join(',') : String(value).slice(0, 512)]);
  }
  return pairs;
}

/** Parses settings, clamped; resolves to {config, notices, query}. */
export function readSettings(engine, source) {
  return engine.parse_settings(toPairs(source), PAGE_KEYS);
}

/** The panels and controls named in `hide` (comma-separated text or an array). */
export function hiddenSet(hide) {
  if (!hide) return new Set();
  const list = Array.isArray(hide) ? hide : String(hide).split(',');
  return new Set(list.map((s) => s.trim()).filter(Boolean).slice(0, 64));
}

export function isTrue(value) {
  return value === true || value === 1 || ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
}
