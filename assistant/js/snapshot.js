// What a page shows, for detect.py to decide on: links (visible text, accessible name, absolute href, whether
// shown, the text around them), headings, dialogs, password fields, alerts and the body text. Texts are squashed
// (whitespace only, as the person reads them); Python normalises them to compare.
const visible = (el) => {
  const r = el.getClientRects();
  const st = getComputedStyle(el);
  if (!(r.length > 0 && st.visibility !== 'hidden' && st.display !== 'none' && Number(st.opacity) !== 0)) {
    return false;
  }
  // A transparent or hidden ancestor, no size (a 1px "screen-reader" box), or pushed off the page: not shown.
  if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true, checkOpacity: true,
    checkVisibilityCSS: true})) return false;
  const b = el.getBoundingClientRect();
  return b.width >= 2 && b.height >= 2 && b.right + scrollX > 0 && b.bottom + scrollY > 0;
};
const nameOf = (el) => squash(el.getAttribute('aria-label') || el.innerText || el.textContent || el.value || '');
const contextOf = (a) => {
  let node = a.parentElement;
  while (node && node !== document.body && squash(node.innerText).length < 160) node = node.parentElement;
  node = node || document.body;
  const text = squash(node.innerText || node.textContent);
  if (text.length <= 1400) return text;
  const range = document.createRange();
  range.setStart(node, 0); range.setEndBefore(a);
  const at = squash(range.toString()).length;
  return text.slice(Math.max(0, at - 700), at + 700);
};
const links = [...document.querySelectorAll('a[href]')].map((a, i) => ({
  i, text: squash(a.innerText || a.textContent) || nameOf(a), name: nameOf(a), href: a.href, visible: visible(a),
  context: contextOf(a)}));
const headings = [...document.querySelectorAll('h1,h2,h3,h4,[role=heading]')]
  .filter(visible).map((h) => squash(h.innerText)).filter(Boolean).slice(0, 60);
const dialogs = [...document.querySelectorAll('[role=dialog],[role=alertdialog],dialog[open],[aria-modal=true]')]
  .filter(visible).map((d) => ({name: squash(d.getAttribute('aria-label') || ''), text: squash(d.innerText).slice(0, 600),
    buttons: [...d.querySelectorAll('button,[role=button]')].map(nameOf)}));
const passwords = [...document.querySelectorAll('input[type=password]')].filter(visible).length;
const alerts = [...document.querySelectorAll('[role=alert]')].filter(visible)
  .map((e) => squash(e.innerText)).filter(Boolean);
const body = squash(document.body ? document.body.innerText : '');
return {url: location.href, title: document.title, lang: document.documentElement.lang || '',
  links, headings, dialogs, passwords, alerts, text: body.slice(0, 4000), text_length: body.length};
