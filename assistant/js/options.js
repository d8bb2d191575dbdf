// The options a country control offers now: a <select>'s, a datalist's, or the shown options of a combobox's listbox
// (arg: {id}, the control's data-optout-id). With arg.wanted (names, normalised): whether one of them is offered.
const el = document.querySelector(`[data-optout-id="${arg.id}"]`);
if (!el) return arg.wanted ? false : [];
const offered = (list) => (arg.wanted ? list.some((o) => arg.wanted.includes(norm(o.text))) : list);
if (el.tagName === 'SELECT') return offered([...el.options].map((o, i) => ({index: i, value: o.value, text: o.text.trim()})));
if (el.list) return offered([...el.list.options].map((o, i) => ({index: i, value: o.value, text: (o.value || o.text).trim()})));
const ids = (el.getAttribute('aria-controls') || el.getAttribute('aria-owns') || '').split(/\s+/).filter(Boolean);
const boxes = ids.map((id) => document.getElementById(id)).filter(Boolean);
const pool = boxes.length ? boxes.flatMap((b) => [...b.querySelectorAll('[role=option]')])
  : [...document.querySelectorAll('[role=listbox] [role=option]')];
return offered(pool.filter(shown).map((o, i) => {
  o.setAttribute('data-optout-option', String(i));
  return {index: i, value: o.getAttribute('data-value') || o.getAttribute('value') || '', text: (o.innerText || o.textContent).trim()};
}));
