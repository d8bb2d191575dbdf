// The page's switches and checkboxes, by structure: role=switch, role=checkbox, input[type=checkbox], anything with
// aria-checked. arg: {mode: 'list'} -> [{id, name, state, visible, disabled, kind}], each marked
// data-optout-switch=<id> and the element a person would press marked data-optout-switch-press=<id> (a visually
// hidden input is pressed through its label); {mode: 'wait', words} -> true once one is named by the words;
// {mode: 'outline', id} -> the switch (or what shows it) outlined for the evidence screenshot.
const SELECTOR = '[role=switch], [role=checkbox], input[type=checkbox], [aria-checked]';
const nearestText = (el) => {
  // No label of its own: the short text of the nearest ancestor that has some (the row the switch sits in).
  let node = el.parentElement;
  for (let depth = 0; node && depth < 4; depth++, node = node.parentElement) {
    const t = norm(ownText(node));
    if (t) return t.length <= 400 ? t : t.slice(0, 400);
  }
  return '';
};
const shownVia = (el) => {
  if (shown(el)) return el;
  for (const l of (el.labels || [])) if (shown(l)) return l;
  const wrap = el.closest('label');
  if (wrap && shown(wrap)) return wrap;
  return null;
};
const stateOf = (el) => {
  if (el.tagName === 'INPUT') return !!el.checked;
  const a = (el.getAttribute('aria-checked') || '').toLowerCase();
  return a === 'true' ? true : a === 'false' ? false : null;
};
const all = [...document.querySelectorAll(SELECTOR)];
const mode = (arg && arg.mode) || 'list';
if (mode === 'outline') {
  const el = document.querySelector(`[data-optout-switch="${arg.id}"]`);
  if (!el) return false;
  const target = shownVia(el) || el;
  // The row: the nearest ancestor that also holds what names the switch (its label or aria-labelledby element).
  const namers = [...(el.labels || [])].concat((el.getAttribute('aria-labelledby') || '').split(/\s+/)
    .filter(Boolean).map((id) => document.getElementById(id)).filter(Boolean));
  let row = target.closest('label') || target.parentElement || target;
  for (let up = row, depth = 0; up && depth < 5; up = up.parentElement, depth++) {
    if (namers.length && namers.every((n) => up.contains(n))) { row = up; break; }
  }
  outline(row, '3px solid #f59e0b', '4px');
  outline(target, '3px solid #dc2626', '2px');
  target.scrollIntoView({block: 'center'});
  return true;
}
const found = all.map((el, i) => {
  const name = labelOf(el) || nearestText(el);
  return {el, i, name, state: stateOf(el)};
});
if (mode === 'wait') return found.some((f) => f.state !== null && says(f.name, arg.words || []));
return found.map(({el, i, name, state}) => {
  const id = String(i);
  el.setAttribute('data-optout-switch', id);
  const press = shownVia(el) || el;
  press.setAttribute('data-optout-switch-press', id);
  return {id, name, state, visible: !!shownVia(el),
          disabled: !!el.disabled || (el.getAttribute('aria-disabled') || '') === 'true',
          kind: el.getAttribute('role') || (el.tagName === 'INPUT' ? 'checkbox' : el.tagName.toLowerCase())};
});
