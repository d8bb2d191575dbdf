// Collapsed sections that speak of AI at Meta (arg: words, normalised): a toggle with aria-expanded=false whose
// own name, or the region it controls, says one of them. Marked data-optout-toggle="N" for Python to press.
document.querySelectorAll('[data-optout-toggle]').forEach((e) => e.removeAttribute('data-optout-toggle'));
let n = 0;
const out = [];
for (const t of document.querySelectorAll('[aria-expanded=false]')) {
  if (!shown(t) || t.closest('header, nav, [role=banner], [role=navigation]')) continue;
  const region = (t.getAttribute('aria-controls') || '').split(/\s+/).map((id) => document.getElementById(id))
    .filter(Boolean).map((r) => r.textContent || '').join(' ');
  const name = (t.getAttribute('aria-label') || '') + ' ' + (t.innerText || t.textContent || '');
  if (says(name, arg) || says(region, arg)) {
    t.setAttribute('data-optout-toggle', String(++n));
    out.push({id: String(n), name: norm(name).slice(0, 120)});
  }
}
return out;
