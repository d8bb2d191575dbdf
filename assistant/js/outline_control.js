// (on an element) The control an alternative names, outlined and scrolled to; never pressed.
outline(el, '4px solid #f59e0b', '4px');
el.scrollIntoView({block: 'center'});
return true;
