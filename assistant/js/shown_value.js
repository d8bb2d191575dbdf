// (on an element) What a combobox shows as chosen.
return el.value || el.textContent || '';
