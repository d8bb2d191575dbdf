// The shared prelude of the assistant's in-page JavaScript: one normaliser, one idea of "shown", one label reader,
// one outline. Loaded in front of every script in this folder (assistant/pagejs.py).
//
// squash(): whitespace of every kind (tabs, newlines, NBSP, narrow NBSP, BOM ...) as one space, trimmed: text as
// the person reads it, kept for the report. norm(): squash() after NFC and the typographic quotes and the
// non-breaking hyphen made plain, then lower-cased with the final sigma folded into sigma ("ΟΔΟΣ" and "οδος" are
// both "οδοσ"), like Python's casefold() for the scripts Meta's pages use (but ß stays ß): for comparing. The Python
// twins are assistant.flows.squash and assistant.flows.fold (tests/test_normalise.py checks they agree);
// assistant.flows.normalise, which the words handed to these scripts went through, further drops a trailing
// parenthesis ("(Opens in a new tab)").
const squash = (s) => String(s || '').replace(/[\s\u001c-\u001f\u0085]+/g, ' ').trim();
const norm = (s) => squash(String(s || '').normalize('NFC').replace(/[\u2018\u2019\u02bc]/g, "'")
  .replace(/[\u201c\u201d\u201e]/g, '"').replace(/\u2011/g, '-')).toLowerCase().replace(/\u03c2/g, '\u03c3');
// An element outlined for the evidence screenshot, and marked: a very long page's screenshot is cut around it.
const outline = (el, css, offset) => {
  el.setAttribute('data-optout-outline', '1');
  el.style.outline = css;
  el.style.outlineOffset = offset;
};
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
