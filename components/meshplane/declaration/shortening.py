"""Names that must fit a length: a prefix and a hash of the whole name."""

from __future__ import annotations

import hashlib

HASH_LEN = 6


class NamingError(ValueError):
    """A name or naming input violates the mesh naming standards."""


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_LEN]


def shorten(name: str, max_len: int, sep: str = "-") -> str:
    """Return `name` if it fits in `max_len`, else a truncated prefix plus `sep` and a
    6-hex-char sha256 of the full name; the result is always <= `max_len`."""
    if len(name) <= max_len:
        return name
    keep = max_len - len(sep) - HASH_LEN
    if keep < 1:
        raise NamingError(f"cannot shorten {name!r} to {max_len} chars: limit too small for a hash suffix")
    head = name[:keep].rstrip("-_")
    return f"{head}{sep}{_hash(name)}" if head else _hash(name)
