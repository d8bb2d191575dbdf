// Resolves once the page has settled or has new links (arg: {quiet_ms, timeout_ms}): 'quiet' when the DOM has not
// changed for quiet_ms and no progress indicator (role=progressbar, aria-busy=true) is shown; 'links' as soon as
// the number of links changes (a late box may have arrived: the caller looks again); 'timeout' at timeout_ms.
// Pending network requests are the caller's to count (Python sees them without touching the page).
const busy = () => [...document.querySelectorAll('[role=progressbar], [aria-busy=true]')].some(shown);
const links = () => document.querySelectorAll('a[href]').length;
const before = links();
return new Promise((resolve) => {
  let quiet = null, limit = null, done = false;
  const finish = (state) => {
    if (done) return;
    done = true;
    observer.disconnect();
    clearTimeout(quiet);
    clearTimeout(limit);
    resolve(state);
  };
  const arm = () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => (busy() ? arm() : finish('quiet')), arg.quiet_ms);
  };
  const observer = new MutationObserver((records) => {
    if (records.some((r) => r.attributeName === 'href')
        || (records.some((r) => r.type === 'childList') && links() !== before)) {
      finish('links');
      return;
    }
    arm();
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  limit = setTimeout(() => finish('timeout'), Math.max(0, arg.timeout_ms));
  arm();
});
