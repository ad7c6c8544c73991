"""How commands end: exit codes, located problems on stderr, files written whole or not at all."""
