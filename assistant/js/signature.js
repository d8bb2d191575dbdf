// Which controls are showing now: a form's next step changes it. With arg {before}: whether it has changed.
const now = [...document.querySelectorAll('input, select, textarea, [role=combobox]')]
  .filter((e) => shown(e) && !['hidden', 'submit', 'button'].includes((e.type || '').toLowerCase()))
  .map((e) => `${e.tagName}:${e.name || ''}:${e.getAttribute('data-optout-id') || ''}`).join('|');
return arg == null ? now : now !== arg.before;
