// Small helpers shared by the page's modules and the views (no data-derived string is ever
// parsed as HTML).

/**
 * `el('p', { className: 'x', textContent: 'y', 'aria-live': 'polite', dataset: {k: 'v'} }, ...children)`.
 * A prop is set as a property when the element has one of that name (className, textContent,
 * hidden, type, width…), else as an attribute ('aria-label', tabindex…), where `true` is an empty
 * attribute and `false` none; `dataset` entries are copied; undefined and null are skipped.
 * Children are nodes or text, given as arguments or arrays; null, undefined and false are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else if (v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c);
  }
  return node;
}
