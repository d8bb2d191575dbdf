// What the page is (arg: {words, unavailable}, normalised): 'recognised' when a heading or the title says one of
// the destination's words (as recognise.js), 'unavailable' when its headings or the start of its text say the page
// is not available (as detect.unavailable, which Python asks again), else false: for wait_for_function.
const seen = [...document.querySelectorAll('h1,h2,h3,h4,[role=heading]')].map((h) => norm(h.innerText));
seen.push(norm(document.title));
if (seen.some((h) => arg.words.some((w) => h === w || h.startsWith(w + ' ') || h.includes(w)))) return 'recognised';
const start = seen.join(' ') + ' ' + squash(document.body ? document.body.innerText : '').slice(0, 800);
return says(start, arg.unavailable) ? 'unavailable' : false;
