// Everything an evidence screenshot needs from the page, in one evaluation (arg: true for a full-page screenshot):
// the page's size, where the outlined element is (a very long page's screenshot is cut around it), and the boxes
// (CSS px) of every email address shown, in fields and in text, shadow roots included, relative to the page for a
// full-page screenshot and to the viewport otherwise. The outlines' marks are removed (the next screenshot is cut
// around its own element); the outlines themselves stay for this screenshot.
const email = /[\p{L}\p{N}_.!#$&'*+\/=?^`{|}~-]+(@|%40)(?:[\p{L}\p{N}_-]+\.)+[\p{L}\p{N}_-]{2,}/u;
const fullPage = !!arg;
const doc = document.documentElement;
const marked = document.querySelector('[data-optout-outline]');
const focus = marked ? marked.getBoundingClientRect().top + window.scrollY : 0;
document.querySelectorAll('[data-optout-outline]').forEach((e) => e.removeAttribute('data-optout-outline'));
const boxes = [];
const add = (r) => {
  if (r.width > 0 && r.height > 0) {
    boxes.push([r.left + (fullPage ? scrollX : 0), r.top + (fullPage ? scrollY : 0), r.width, r.height]);
  }
};
for (const el of document.querySelectorAll('input, textarea, select')) {
  if (email.test(el.value || '') || email.test(el.getAttribute('placeholder') || '')) add(el.getBoundingClientRect());
}
const walk = (root) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const text = node.nodeValue || '';
    const all = new RegExp(email.source, 'gu');
    for (let m; (m = all.exec(text));) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      for (const r of range.getClientRects()) add(r);
    }
  }
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
};
if (document.body) walk(document.body);
return {height: doc.scrollHeight, width: doc.clientWidth, fullWidth: Math.max(doc.scrollWidth, doc.clientWidth),
        focus, boxes: boxes.slice(0, 500), scale: window.devicePixelRatio || 1};
