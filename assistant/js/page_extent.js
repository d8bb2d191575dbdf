// The page's size, and where the outlined element is (the screenshot of a very long page is cut around it).
const marked = document.querySelector('[data-optout-outline]');
const top = marked ? marked.getBoundingClientRect().top + window.scrollY : 0;
return {height: document.documentElement.scrollHeight, width: document.documentElement.clientWidth, focus: top};
