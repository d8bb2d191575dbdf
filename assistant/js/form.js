// The objection form by structure (arg: the hints of flows/forms.toml, label words normalised).
// Returns the form's container, every control with its kind and the reason for it, the submit and next-step
// controls, and a yes/no gate question in front of the form. Controls are marked data-optout-id="N" so that
// Python can reach them; nothing on the page is changed otherwise.
const H = arg.kinds;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const SKIP = new Set(['hidden', 'submit', 'button', 'image', 'reset', 'file', 'search', 'range', 'color', 'checkbox',
  'radio']);
const chrome = (el) => !!el.closest('header, nav, [role=banner], [role=navigation], [role=search], footer');
document.querySelectorAll('[data-optout-id]').forEach((e) => e.removeAttribute('data-optout-id'));
let counter = 0;
const mark = (el) => { const id = String(++counter); el.setAttribute('data-optout-id', id); return id; };
const tokens = (el, name) => (el.getAttribute(name) || '').toLowerCase().split(/\s+/).filter(Boolean);

const listOf = (el) => {
  // The options a control offers: a <select>'s, a datalist's, or the listbox a combobox controls.
  if (el.tagName === 'SELECT') return [...el.options].map((o) => ({value: o.value, text: norm(o.text)}));
  if (el.list) return [...el.list.options].map((o) => ({value: o.value, text: norm(o.value || o.text)}));
  const ids = [...tokens(el, 'aria-controls'), ...tokens(el, 'aria-owns')];
  for (const id of ids) {
    const box = document.getElementById(id) || [...document.querySelectorAll('[id]')].find((x) => x.id.toLowerCase() === id);
    if (box) return [...box.querySelectorAll('[role=option]')].map((o) => ({value: o.getAttribute('data-value') || '',
      text: norm(o.innerText || o.textContent)}));
  }
  return [];
};
const countryList = (options) => options.filter((o) => o.text).length >= H.country.min_options;

const classify = (el) => {
  const tag = el.tagName.toLowerCase();
  const type = tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : tag;
  const ac = tokens(el, 'autocomplete');
  const mode = (el.getAttribute('inputmode') || '').toLowerCase();
  const role = (el.getAttribute('role') || '').toLowerCase();
  const label = labelOf(el);
  const value = tag === 'select' ? '' : (el.value || el.textContent || '').trim();
  const maxlength = el.maxLength > 0 ? el.maxLength : 0;
  // The strongest reason first; a password is never anything else.
  if (H.password.types.includes(type) || ac.some((t) => H.password.autocomplete.includes(t))) return ['password', 'type'];
  for (const kind of ['email', 'code', 'country']) {
    if (ac.some((t) => H[kind].autocomplete.includes(t))) return [kind, 'autocomplete'];
  }
  if (H.email.types.includes(type)) return ['email', 'type'];
  if (H.email.inputmodes.includes(mode)) return ['email', 'inputmode'];
  if (tag === 'textarea' || role === 'textbox' && el.getAttribute('aria-multiline') === 'true') {
    return [says(label, H.extra.words) && !says(label, H.reason.words) ? 'extra' : 'text', 'textarea'];
  }
  const options = listOf(el);
  if ((tag === 'select' || role === 'combobox' || el.list) && countryList(options)) return ['country', 'list of countries'];
  if (EMAIL.test(value)) return ['email', 'value'];
  if (H.code.inputmodes.includes(mode) && maxlength && maxlength <= H.code.max_length) return ['code', 'inputmode'];
  if (says(label, H.email.words)) return ['email', 'label'];
  if (says(label, H.country.words)) return ['country', 'label'];
  if (says(label, H.code.words) && (maxlength === 0 || maxlength <= H.code.max_length)) return ['code', 'label'];
  if (says(label, H.reason.words)) return [tag === 'select' ? 'unknown' : 'text', 'label'];
  return ['unknown', ''];
};

const describe = (el) => {
  const [kind, why] = classify(el);
  const tag = el.tagName.toLowerCase();
  const role = (el.getAttribute('role') || '').toLowerCase();
  const widget = tag === 'select' ? 'select' : role === 'combobox' ? 'combobox' : el.list ? 'datalist'
    : tag === 'textarea' ? 'textarea' : tag === 'input' ? 'input' : 'other';
  return {
    id: mark(el), kind, why, widget, tag, type: (el.getAttribute('type') || '').toLowerCase(), name: el.name || '',
    label: labelOf(el).slice(0, 160), visible: shown(el),
    required: !!el.required || el.getAttribute('aria-required') === 'true',
    readonly: !!el.readOnly || el.getAttribute('aria-readonly') === 'true',
    disabled: !!el.disabled || el.getAttribute('aria-disabled') === 'true',
    value: tag === 'select' ? (el.value || '') : (el.value || ''),
    selected: tag === 'select' && el.selectedIndex >= 0 ? norm(el.options[el.selectedIndex].text) : '',
    maxlength: el.maxLength > 0 ? el.maxLength : 0,
  };
};

// -- the controls, and the form that holds them --------------------------------------------------------------
const raw = [...document.querySelectorAll('input, select, textarea, [role=combobox], [role=textbox]')]
  .filter((el) => !SKIP.has((el.getAttribute('type') || '').toLowerCase()) || el.tagName !== 'INPUT')
  .filter((el) => !(el.tagName !== 'INPUT' && el.getAttribute('role') === 'combobox' && el.querySelector('input')))
  .filter((el) => !chrome(el));
const ownerForm = (el) => el.form || el.closest('form');
const weight = (el) => ({email: 3, text: 3, country: 2, code: 2, unknown: 1}[classify(el)[0]] || 0);
const visibleRaw = raw.filter(shown);
let container = null;
const forms = new Map();
for (const el of visibleRaw) {
  const f = ownerForm(el);
  if (f) forms.set(f, (forms.get(f) || 0) + weight(el));
}
if (forms.size) container = [...forms.entries()].sort((a, b) => b[1] - a[1])[0][0];
if (!container && visibleRaw.length) {
  // A script-built page: the smallest element holding every visible control.
  container = visibleRaw[0].parentElement;
  while (container && !visibleRaw.every((el) => container.contains(el))) container = container.parentElement;
}
container = container || document.body;
const inForm = (el) => container.contains(el) || (container.id && el.getAttribute('form') === container.id);
const controls = raw.filter(inForm).map(describe);

// -- the gate: a yes/no question in front of the form --------------------------------------------------------
const G = arg.gate;
const optionLabel = (el) => norm(labelOf(el) || ownText(el.closest('label')) || el.value || '');
const gate = (() => {
  const groups = new Map();
  for (const r of document.querySelectorAll('input[type=radio], [role=radio]')) {
    if (chrome(r)) continue;
    const key = r.tagName === 'INPUT' && r.name ? `name:${r.name}` : r.closest('[role=radiogroup], fieldset') || r.parentElement;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const questionOf = (el) => {
    const box = el.closest('fieldset, [role=radiogroup]');
    if (box) {
      const legend = box.querySelector('legend');
      const named = (legend ? norm(ownText(legend)) : '') || norm(box.getAttribute('aria-label') || '')
        || norm((box.getAttribute('aria-labelledby') || '').split(/\s+/).map((id) => ownText(document.getElementById(id))).join(' '));
      if (named) return named;
    }
    let node = el;
    for (let i = 0; node && i < 5; i++, node = node.parentElement) {
      for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        const t = norm(ownText(prev));
        if (t) return t.slice(0, 300);
      }
    }
    return '';
  };
  const found = [];
  for (const members of groups.values()) {
    const options = members.map((r) => ({el: r, label: optionLabel(r),
      shown: shown(r) || shown(r.closest('label')) || (r.labels && [...r.labels].some(shown))}));
    if (options.length < 2 || options.length > 4 || !options.some((o) => o.shown)) continue;
    found.push({kind: 'radio', question: questionOf(members[0]), options});
  }
  for (const s of document.querySelectorAll('select')) {
    if (chrome(s) || !shown(s)) continue;
    const options = [...s.options].filter((o) => o.value !== '').map((o) => ({el: o, label: norm(o.text), value: o.value}));
    if (options.length >= 2 && options.length <= 4 && options.some((o) => saysExactly(o.label, G.yes))) {
      found.push({kind: 'select', question: labelOf(s) || questionOf(s), options, select: s});
    }
  }
  const buttons = [...document.querySelectorAll('button, [role=button], input[type=button]')]
    .filter((b) => !chrome(b) && shown(b));
  const yesButtons = buttons.filter((b) => saysExactly(b.innerText || b.value || b.getAttribute('aria-label'), G.yes));
  for (const yes of yesButtons) {
    const near = buttons.filter((b) => b !== yes && b.parentElement && b.parentElement.parentElement
      && b.parentElement.parentElement.contains(yes));
    const no = near.find((b) => saysExactly(b.innerText || b.value || b.getAttribute('aria-label'), G.no));
    if (no || G.no.length === 0) {
      found.push({kind: 'buttons', question: questionOf(yes),
        options: [{el: yes, label: norm(yes.innerText || yes.value)}, ...(no ? [{el: no, label: norm(no.innerText || no.value)}] : [])]});
    }
  }
  const objectionShown = controls.some((c) => c.visible && (c.kind === 'email' || c.kind === 'text'));
  for (const g of found) {
    g.asked = says(g.question, G.question);
    g.yes = g.options.findIndex((o) => saysExactly(o.label, G.yes));
    if (!(g.asked || (g.yes >= 0 && !objectionShown))) continue;
    const chosen = g.kind === 'select' ? norm(g.select.options[g.select.selectedIndex]?.text || '')
      : g.kind === 'radio' ? (g.options.find((o) => o.el.checked || o.el.getAttribute('aria-checked') === 'true') || {}).label : '';
    // The gate's own continue control: a submit button of the gate's form, when the gate is a form of its own.
    const gForm = (g.select || g.options[0].el).closest('form');
    const go = gForm && !controls.some((c) => c.visible && ['email', 'text'].includes(c.kind))
      ? [...gForm.querySelectorAll('button, input[type=submit]')].find((b) => shown(b) && (b.type || '') === 'submit')
      : null;
    return {kind: g.kind, question: g.question.slice(0, 300), asked: g.asked, yes: g.yes, chosen: chosen || '',
      select: g.select ? mark(g.select) : null, go: go ? mark(go) : null, go_text: go ? norm(go.innerText || go.value) : '',
      options: g.options.map((o) => ({id: mark(o.el), label: o.label, value: o.value || ''}))};
  }
  return null;
})();

// -- the buttons: submit, or the next step of a form in steps -------------------------------------------------
const gateEls = new Set(gate ? gate.options.map((o) => o.id) : []);
const nameOf = (b) => norm(b.innerText || b.value || b.getAttribute('aria-label') || '');
const isToggle = (b) => b.hasAttribute('aria-haspopup') || (b.hasAttribute('aria-expanded') && b.hasAttribute('aria-controls'));
const candidates = [...document.querySelectorAll('button, input[type=submit], input[type=image], input[type=button], [role=button]')]
  .filter((b) => inForm(b) && shown(b) && !chrome(b) && !isToggle(b) && !gateEls.has(b.getAttribute('data-optout-id')));
const native = candidates.filter((b) => (b.tagName === 'BUTTON' && b.type === 'submit' && b.form)
  || (b.tagName === 'INPUT' && ['submit', 'image'].includes(b.type)));
const others = candidates.filter((b) => !native.includes(b));
const hiddenControls = controls.filter((c) => !c.visible && c.type !== 'hidden').length;
let submit = null, next = null, submitWhy = '', nextWhy = '';
const pick = (list, words) => list.find((b) => saysExactly(nameOf(b), words)) || list.find((b) => says(nameOf(b), words));
if (native.length === 1) { submit = native[0]; submitWhy = 'the form\'s submit button'; }
else if (native.length > 1) {
  submit = pick(native, arg.send) || null;
  submitWhy = submit ? 'a submit button whose words say send' : '';
}
if (!submit && others.length) {
  const byNext = pick(others, arg.next);
  const bySend = pick(others, arg.send);
  if (bySend && bySend !== byNext) { submit = bySend; submitWhy = 'a button whose words say send'; }
  else if (others.length === 1 && !(hiddenControls && !bySend) && !byNext) { submit = others[0]; submitWhy = 'the form\'s only button'; }
  if (!submit && (byNext || (others.length === 1 && hiddenControls))) {
    next = byNext || others[0];
    nextWhy = byNext ? 'a button whose words say next' : 'the only button of a form with more fields to come';
  }
}
if (submit && native.length === 0 && hiddenControls && others.length > 1) {
  const byNext = pick(others.filter((b) => b !== submit), arg.next);
  if (byNext) { next = byNext; nextWhy = 'a button whose words say next'; }
}
const alerts = [...container.querySelectorAll('[role=alert], [aria-live=assertive]')].filter(shown)
  .map((e) => (e.innerText || '').trim()).filter(Boolean);
const heading = [...document.querySelectorAll('h1, h2, [role=heading]')].filter(shown).map((h) => (h.innerText || '').trim())
  .filter(Boolean);
return {
  container: mark(container), container_tag: container.tagName.toLowerCase(),
  action: container.tagName === 'FORM' ? (container.action || location.href) : '',
  method: container.tagName === 'FORM' ? (container.method || 'get') : '',
  controls, gate, hidden_controls: hiddenControls,
  submit: submit ? {id: submit.getAttribute('data-optout-id') || mark(submit), text: nameOf(submit), why: submitWhy} : null,
  next: next ? {id: next.getAttribute('data-optout-id') || mark(next), text: nameOf(next), why: nextWhy} : null,
  alerts, headings: heading.slice(0, 10), lang: (document.documentElement.lang || '').toLowerCase(), url: location.href,
  title: document.title,
};
