// After a screenshot: the outlines' marks removed (the next screenshot is cut around its own element).
document.querySelectorAll('[data-optout-outline]').forEach((e) => e.removeAttribute('data-optout-outline'));
