// (on an element) A styled radio whose input is not itself shown: its label takes the click.
(el.closest('label') || (el.labels && el.labels[0]) || el).click();
