"""Words and numbers in the reader's language: the catalogues, number style, column and code
labels, and text safety. A base layer: every other layer may use it; it uses none of them."""
