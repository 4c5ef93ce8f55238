"""One adapter per provider behind one interface: verify, parse, send."""
