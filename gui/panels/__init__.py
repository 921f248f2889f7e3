"""One package per panel; PANELS lists them in the order the window shows them."""
