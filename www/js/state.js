// The configuration as the page sees it. The schema, the clamping and the canonical query all
// come from the engine (Rust, via wasm), so the page, the URL and the CLI share one definition.

/** Parameters of the page itself, not of the experiment. */
export const PAGE_KEYS = ['autorun', 'hide', 'embed', 'workers', 'test_hooks', 'scenario', 'keep_runs'];

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

/** More parameters than this in one URL are not read (a URL may carry anything). */
export const MAX_PAIRS = 256;

/**
 * Parses settings, clamped: `{config, notices, query}`. The engine clamps each value and, when a
 * value that is fine alone is refused with the others (such as `patience` without a validation
 * split), falls back to that setting's default with a notice, so that a URL can never leave the
 * page without a usable configuration.
 */
export function readSettings(engine, source) {
  let pairs = toPairs(source);
  const notices = [];
  if (pairs.length > MAX_PAIRS) {
    notices.push(`read only the first ${MAX_PAIRS} of ${pairs.length} parameters`);
    pairs = pairs.slice(0, MAX_PAIRS);
  }
  const parsed = engine.parse_settings(pairs, PAGE_KEYS);
  return { ...parsed, notices: [...notices, ...parsed.notices] };
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
