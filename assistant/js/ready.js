// The objection form's fields are showing (arg.leave_out: the data-optout-id of a gate's own select); with
// arg.question, a question in front of the form counts too (radio buttons, or buttons outside the page's chrome).
const chrome = (e) => !!e.closest('header, nav, [role=banner], [role=navigation], [role=search], footer');
const fields = 'textarea, select, input[type=email], input[type=text], input:not([type]), input[autocomplete~=email], [role=combobox]';
if ([...document.querySelectorAll(fields)]
  .some((e) => shown(e) && (arg.leave_out == null || e.getAttribute('data-optout-id') !== arg.leave_out) && !chrome(e))) {
  return true;
}
if (!arg.question) return false;
return [...document.querySelectorAll('input[type=radio], [role=radio], button, [role=button]')]
  .some((e) => !chrome(e) && (shown(e) || shown(e.closest('label'))));
