// Meta's answer after a submission, read from the page's structure (arg: words normalised, the names and markers of
// the form's fields, the headings seen before). null while there is nothing to decide yet.
// kinds: password (re-authentication), code (an emailed-code step; refused: the code was not accepted),
// refused (the form is still there with an error), error_page (the form is gone, the page says something went
// wrong: whether Meta took it is not known), confirm (the form is gone and the page confirms).
const controls = [...document.querySelectorAll('input, select, textarea')]
  .filter((e) => !['hidden', 'submit', 'button', 'image', 'reset', 'checkbox', 'radio'].includes((e.type || '').toLowerCase()))
  .filter(shown);
const texts = (sel) => [...document.querySelectorAll(sel)].filter(shown).map((e) => (e.innerText || '').trim()).filter(Boolean);
const alerts = texts('[role=alert], [aria-live=assertive]');
const invalid = [...document.querySelectorAll('[aria-invalid=true]')].filter(shown);
const bodyText = document.body ? document.body.innerText : '';
const first = (list) => list.join(' ').replace(/\s+/g, ' ').trim().slice(0, 600);
const mainHeading = first(texts('h1, h2, [role=heading]').slice(0, 1));
if (controls.some((e) => e.type === 'password' || (e.getAttribute('autocomplete') || '').includes('current-password'))) {
  return {kind: 'password', text: mainHeading};
}
const isCode = (e) => {
  const ac = (e.getAttribute('autocomplete') || '').toLowerCase();
  const mode = (e.getAttribute('inputmode') || '').toLowerCase();
  const max = e.maxLength > 0 ? e.maxLength : 0;
  if (arg.code.autocomplete.some((t) => ac.includes(t))) return true;
  if (arg.code.inputmodes.includes(mode) && max && max <= arg.code.max_length) return true;
  return says(labelOf(e), arg.code.words) && e.tagName === 'INPUT' && (!max || max <= arg.code.max_length);
};
const formThere = controls.some((e) => e.hasAttribute('data-optout-id') && arg.marked.includes(e.getAttribute('data-optout-id')))
  || controls.some((e) => e.name && arg.names.includes(e.name))
  || controls.some((e) => e.tagName === 'TEXTAREA' || (e.type || '').toLowerCase() === 'email');
const refusal = alerts.length || invalid.length || says(bodyText.slice(0, 3000), arg.refusal);
const code = controls.find(isCode);
if (code && !controls.some((e) => e.tagName === 'TEXTAREA' || (e.type || '').toLowerCase() === 'email')) {
  return {kind: alerts.length || invalid.length ? 'code_refused' : 'code', text: first(alerts) || mainHeading};
}
if (formThere) {
  if (!refusal) return null;
  const near = invalid.map((e) => labelOf(e)).filter(Boolean);
  return {kind: 'refused', text: first(alerts) || first(near) || mainHeading};
}
const status = texts('[role=status]');
const headings = texts('h1, h2, h3, [role=heading]');
const fresh = headings.filter((h) => !arg.headings.includes(norm(h)));
const confirmWords = says(bodyText, arg.confirm);
if (!(confirmWords || status.length || (fresh.length && controls.length === 0))) return null;
if (!confirmWords && says(first(fresh) + ' ' + bodyText.slice(0, 1500), arg.refusal.concat(arg.unavailable))) {
  return {kind: 'error_page', text: first(fresh) || first(alerts) || bodyText.slice(0, 300)};
}
// Meta's message as the person reads it: the smallest block that holds a heading and the confirming words.
const blocks = [...document.querySelectorAll('main, [role=main], [role=status], section, article, div, p')].filter(shown)
  .filter((b) => (confirmWords ? says(b.innerText, arg.confirm) : (b.innerText || '').trim()));
const rich = blocks.filter((b) => b.querySelector('h1, h2, h3, [role=heading]') || b.getAttribute('role') === 'status');
const pick = (rich.length ? rich : blocks).sort((a, b) => a.innerText.length - b.innerText.length)[0];
const text = (pick ? pick.innerText : bodyText).replace(/[ \t]+/g, ' ').replace(/\n\s*\n+/g, '\n').trim();
return {kind: 'confirm', text: text.slice(0, 1500),
  signs: [confirmWords ? 'confirmation words' : '', status.length ? 'role=status' : '', fresh.length ? 'a new heading' : '']
    .filter(Boolean)};
