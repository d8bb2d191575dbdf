// The shared prelude of the assistant's in-page JavaScript: one normaliser, one idea of "shown", one label reader.
// Loaded in front of every script in this folder (assistant/pagejs.py); the Python twin of norm() is
// assistant.flows.normalise, and tests check that both agree.
const norm = (s) => (s || '').normalize('NFC')
  .replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d\u201e]/g, '"')
  .replace(/[\u00a0\u202f]/g, ' ').replace(/\u2011/g, '-')
  .replace(/\s+/g, ' ').trim().toLowerCase();
const shown = (el) => {
  if (!el || !el.getClientRects || el.getClientRects().length === 0) return false;
  const st = getComputedStyle(el);
  if (st.visibility === 'hidden' || st.display === 'none' || Number(st.opacity) === 0) return false;
  if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
  const b = el.getBoundingClientRect();
  return b.width >= 2 && b.height >= 2;
};
const says = (text, words) => { const t = norm(text); return (words || []).some((w) => w && t.includes(w)); };
const saysExactly = (text, words) => {
  const t = norm(text);
  return (words || []).some((w) => w && (t === w || (t.startsWith(w) && !/[\p{L}\p{N}]/u.test(t[w.length]))));
};
// The text of an element without the text of the controls inside it (a <label> wrapping a <select>).
const ownText = (el) => {
  if (!el) return '';
  const copy = el.cloneNode(true);
  copy.querySelectorAll('select, option, textarea, input, datalist, [role=listbox], [role=option], script, style')
    .forEach((x) => x.remove());
  return copy.textContent || '';
};
const labelOf = (el) => {
  const parts = [];
  for (const id of (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)) {
    const ref = document.getElementById(id);
    if (ref) parts.push(ownText(ref));
  }
  if (el.labels) for (const l of el.labels) parts.push(ownText(l));
  parts.push(el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '', el.getAttribute('title') || '');
  if (!parts.some((p) => norm(p))) {
    // Script-built forms without <label>: the short text just before the control (or before its wrapper).
    let node = el;
    for (let depth = 0; node && depth < 3 && !parts.some((p) => norm(p)); depth++, node = node.parentElement) {
      for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        const t = norm(ownText(prev));
        if (t && t.length <= 200) { parts.push(t); break; }
        if (t) break;
      }
    }
  }
  return norm(parts.filter((p) => norm(p)).join(' | '));
};
