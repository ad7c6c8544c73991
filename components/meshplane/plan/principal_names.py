"""Principals in a short readable form for narrow tables; the full ids go to a folded appendix."""

from __future__ import annotations

from .review_format import escape

SA_DOMAIN = ".iam.gserviceaccount.com"
KINDS = {"group": "group", "user": "user", "serviceAccount": "service account", "domain": "domain"}
PII_WORDS = {"raw": "**raw (unmasked) PII**", "masked": "PII masked", "none": "no PII"}


def short_principal(principal: str, consumer: str = "") -> str:
    """``group:ad-sales@daff.example`` -> ``ad-sales@daff.example (group)``; a consuming product's
    runner -> ``playlist.year-in-review (its runner)``; a service account loses its domain."""
    if consumer:
        return f"`{consumer}` (its runner)"
    kind, _, name = principal.partition(":")
    if not name:
        return f"`{principal}`"
    name = name.removesuffix(SA_DOMAIN)
    return f"`{name}` ({KINDS.get(kind, kind)})"


def terms(record: dict) -> str:
    """What a consumer reads of a port: PII in words (raw or masked), and which rows."""
    return f"{PII_WORDS.get(record['pii'], record['pii'])}, {escape(record['rows'])}"
