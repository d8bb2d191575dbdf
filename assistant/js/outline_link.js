// The AI objection link outlined for the evidence screenshot, and the box around it (arg: {index} of the link
// among the page's a[href], {box, link} colours). false when the link is gone.
const a = document.querySelectorAll('a[href]')[arg.index];
if (!a) return false;
let box = a.parentElement;
const long = (el) => squash(el.innerText).length >= 160;
while (box && box !== document.body && !long(box)) box = box.parentElement;
outline(a, `4px solid ${arg.link}`, '2px');
if (box && box !== document.body) outline(box, `3px dashed ${arg.box}`, '6px');
a.scrollIntoView({block: 'center'});
return true;
