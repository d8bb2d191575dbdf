// How many links the page has (arg null); with arg {before}: whether that number has changed.
const n = document.querySelectorAll('a[href]').length;
return arg == null ? n : n !== arg.before;
