// The assistant's own bar at the bottom of the page, in a shadow root: the page's styles cannot reach it, and it
// never covers the page's controls for good (the person can still scroll). A button click removes the bar and
// calls window[arg.callback](value). arg: {tag, label, heading, message, buttons: [{label, value, kind}], callback}.
if (window.top !== window) return false;
const {tag, label, heading, message, buttons, callback} = arg;
document.querySelectorAll(tag).forEach((old) => old.remove());
const host = document.createElement(tag);
host.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:2147483647;';
const root = host.attachShadow({mode: 'open'});
const style = document.createElement('style');
style.textContent = `
  .bar{font:15px/1.4 system-ui,sans-serif;background:#111827;color:#fff;padding:14px 20px;display:flex;
    gap:16px;align-items:center;box-shadow:0 -4px 16px rgba(0,0,0,.35);border-top:4px solid #f59e0b}
  .msg{flex:1} b{color:#fbbf24} button{font:600 15px system-ui,sans-serif;border:0;border-radius:6px;
    padding:10px 16px;cursor:pointer} .ok{background:#22c55e;color:#052e16} .no{background:#374151;color:#fff}`;
const bar = document.createElement('div');
bar.className = 'bar';
bar.setAttribute('role', buttons.length ? 'dialog' : 'status');
bar.setAttribute('aria-label', label);
const msg = document.createElement('div');
msg.className = 'msg';
const title = document.createElement('b');
title.textContent = heading;
msg.append(title, ' ', message);
bar.append(msg);
for (const b of buttons) {
  const el = document.createElement('button');
  el.type = 'button'; el.className = b.kind || 'ok'; el.textContent = b.label;
  el.addEventListener('click', () => { host.remove(); if (callback && window[callback]) window[callback](b.value); });
  bar.append(el);
}
root.append(style, bar);
document.documentElement.appendChild(host);
return true;
