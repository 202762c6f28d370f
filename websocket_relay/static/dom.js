// The two DOM helpers every view uses: an element by id, and an element built from a tag,
// attributes (null and undefined left out) and children (text or nodes).
"use strict";

const NetraDom = (() => {
  const byId = (id) => document.getElementById(id);
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
    for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }
  return { byId, el };
})();
