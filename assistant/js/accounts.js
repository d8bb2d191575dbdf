// The profiles an Accounts Center lists, by structure: items of a list (role=list/listitem, ul/ol/li) whose own
// lines name a platform (arg.platforms: {platform: [normalised names]}) next to a name and/or a username. Several
// lists: the one named by arg.lists (normalised) first, then the one with the most profiles. The chosen list is
// outlined for the screenshot. Returns {profiles: [{platform, name, username}], list: its name} or null.
const platformOf = (line) => {
  const n = norm(line);
  for (const [platform, names] of Object.entries(arg.platforms)) if (names.includes(n)) return platform;
  return null;
};
const handle = /^@?[\p{L}\p{N}._]{2,40}$/u;
const lists = new Map();
for (const item of document.querySelectorAll('[role=listitem], li')) {
  if (!shown(item) || item.closest('nav, [role=navigation], [role=banner], footer')) continue;
  const lines = String(item.innerText || '').split('\n').map(squash).filter((l) => l.length >= 2);
  const platforms = lines.map(platformOf).filter(Boolean);
  if (platforms.length !== 1) continue;
  const rest = lines.filter((l) => !platformOf(l));
  if (!rest.length || rest.length > 4) continue;
  const username = rest.slice(1).find((l) => handle.test(l)) || (rest.length === 1 && handle.test(rest[0]) ? rest[0] : null);
  const name = rest.find((l) => l !== username) || null;
  const list = item.parentElement.closest('[role=list], ul, ol') || item.parentElement;
  if (!lists.has(list)) lists.set(list, []);
  lists.get(list).push({platform: platforms[0], name, username: username ? username.replace(/^@/, '') : null});
}
if (!lists.size) return null;
const nameOf = (list) => {
  const by = list.getAttribute('aria-labelledby');
  const label = by ? by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
    .map((e) => e.innerText).join(' ') : list.getAttribute('aria-label') || '';
  return squash(label);
};
const ranked = [...lists.entries()].sort((a, b) =>
  (saysExactly(nameOf(b[0]), arg.lists) - saysExactly(nameOf(a[0]), arg.lists)) || (b[1].length - a[1].length));
const [list, profiles] = ranked[0];
outline(list, '3px solid #f59e0b', '4px');
list.scrollIntoView({block: 'center'});
return {profiles, list: nameOf(list)};
