// Runs in the assistant's own isolated world (assistant/isolated.py): it shares the page's DOM, not its scripts.
// op 'watch': the person's own press of the form's submit control; op 'banner' / 'remove': the assistant's bar
// (assistant/banner.py, the only bar the assistant shows in a page: the guide's steps and consent's question).
// The page's scripts cannot call `arg.binding`, cannot reach the banner (a closed shadow root created here), and
// cannot fake what is reported: only trusted events (the person's own mouse and keyboard) are.
const tell = (message) => { try { window[arg.binding](JSON.stringify(message)); } catch (e) { /* world gone */ } };
const state = window.__optout || (window.__optout = {});
if (arg.op === 'watch') {
  // The person's own click (or Enter/Space) on the form's submit control, and Enter in one of the form's inputs.
  const submit = document.querySelector(`[data-optout-id="${arg.submit}"]`);
  state.submit = submit;
  state.form = document.querySelector(`[data-optout-id="${arg.container}"]`);
  if (!state.listening) {
    state.listening = true;
    window.addEventListener('click', (e) => {
      if (e.isTrusted && state.submit && e.composedPath().includes(state.submit)) tell({kind: 'submit', how: 'click'});
    }, true);
    window.addEventListener('keydown', (e) => {
      if (!e.isTrusted || !state.submit) return;
      const t = e.target;
      if ((e.key === 'Enter' || e.key === ' ') && state.submit.contains(t)) tell({kind: 'submit', how: 'key'});
      else if (e.key === 'Enter' && state.form && state.form.contains(t) && t.tagName === 'INPUT') {
        tell({kind: 'submit', how: 'enter'});
      }
    }, true);
  }
  return !!submit;
}
if (arg.op === 'banner') {
  if (state.banner) state.banner.remove();
  const host = document.createElement(arg.tag);
  host.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;';
  const root = host.attachShadow({mode: 'closed'});
  const style = document.createElement('style');
  style.textContent = `
    .bar{font:15px/1.4 system-ui,sans-serif;background:#111827;color:#fff;padding:14px 20px;display:flex;
      gap:16px;align-items:center;box-shadow:0 -4px 16px rgba(0,0,0,.35);border-top:4px solid #f59e0b}
    .msg{flex:1} b{color:#fbbf24} button{font:600 15px system-ui,sans-serif;border:0;border-radius:6px;
      padding:10px 16px;cursor:pointer} .ok{background:#22c55e;color:#052e16} .no{background:#374151;color:#fff}`;
  const bar = document.createElement('div');
  bar.className = 'bar';
  bar.setAttribute('role', arg.buttons.length ? 'dialog' : 'status');
  bar.setAttribute('aria-label', arg.label);
  const msg = document.createElement('div');
  msg.className = 'msg';
  const title = document.createElement('b');
  title.textContent = arg.heading;
  msg.append(title, ' ', arg.message);
  bar.append(msg);
  const made = [];
  for (const b of arg.buttons) {
    const el = document.createElement('button');
    el.type = 'button'; el.className = b.kind; el.textContent = b.label;
    el.addEventListener('click', (e) => { if (e.isTrusted) tell({kind: 'banner', value: b.value}); });
    bar.append(el);
    made.push([b.value, el]);
  }
  root.append(style, bar);
  document.documentElement.appendChild(host);
  state.banner = host;
  // Where each button is, for a person's stand-in in tests (the page can rewrite these, never the buttons).
  for (const [value, el] of made) {
    const r = el.getBoundingClientRect();
    host.setAttribute(`data-${value}-at`, `${Math.round(r.left + r.width / 2)},${Math.round(r.top + r.height / 2)}`);
  }
  return true;
}
if (arg.op === 'remove') {
  if (state.banner) { state.banner.remove(); state.banner = null; }
  state.submit = null;
  return true;
}
return false;
