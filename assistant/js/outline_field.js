// (on an element) A form field outlined for the evidence screenshot (arg: the colour).
outline(el, `3px solid ${arg}`, '2px');
