// (on an element) Whether the field is (now) a password field, or has moved to another document: never typed into.
return el.type === 'password' || /current-password|new-password/.test(el.getAttribute('autocomplete') || '')
  || el.ownerDocument !== document;
