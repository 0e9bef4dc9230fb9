// Small helpers shared by the page's modules (no data-derived string is ever parsed as HTML).

/** An element with properties (or attributes), `dataset` entries, and children (nodes or text). */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}
