// The page is the destination: a heading or the title says one of the words (arg: words, normalised).
const seen = [...document.querySelectorAll('h1,h2,h3,h4,[role=heading]')].map((h) => norm(h.innerText));
seen.push(norm(document.title));
return seen.some((h) => arg.some((w) => h === w || h.startsWith(w + ' ') || h.includes(w)));
