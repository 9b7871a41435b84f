"""One package per built-in kind of challenge (table, lab), each a plugin loaded through the
``tiltyard.kinds`` entry-point group like any other package's (see :mod:`tiltyard.plugins`)."""
