// The assistant's bar removed (arg: its tag).
document.querySelectorAll(arg).forEach((b) => b.remove());
