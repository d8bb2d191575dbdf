// true once a link to a known AI form, or to a contact form that is not a known look-alike, is on the page (the
// box may be rendered after the rest). Only https links on Meta's hosts count, host and path compared apart, as
// detect._matches_form does (arg: {forms, lookalikes, suffixes, paths} from flows/meta.toml).
const on = (host, suffix) => host === suffix || host.endsWith('.' + suffix);
const matches = (host, path, list) => list.some((f) => {
  const cut = f.indexOf('/');
  return path === f.slice(cut).replace(/\/+$/, '') && on(host, f.slice(0, cut));
});
return [...document.querySelectorAll('a[href]')].some((a) => {
  let u;
  try { u = new URL(a.href); } catch (e) { return false; }
  const host = u.hostname.toLowerCase().replace(/\.$/, ''), path = u.pathname.replace(/\/+$/, '');
  if (u.protocol !== 'https:' || !arg.suffixes.some((s) => on(host, s))) return false;
  if (matches(host, path, arg.forms)) return true;
  const p = path.toLowerCase();
  return arg.paths.some((f) => p.includes(f) && !p.endsWith(f.replace(/\/+$/, '')))
    && !matches(host, path, arg.lookalikes);
});
