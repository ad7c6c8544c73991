"""Free-text ODCS ``classification`` words as meshplane confidentiality levels.

ODCS leaves ``classification`` free ("confidential, restricted, public…"), so tools write their own
words. Known words map to the level that protects at least as much (``sensitive`` and ``pii`` to
confidential, ``secret`` to restricted); any other word is read as ``restricted`` (secure by default: a
classification from elsewhere never leaves a column unmasked) and said so. ``docs/interop.md`` lists
the words.
"""

from __future__ import annotations

from ..declaration.types import Confidentiality

C = Confidentiality
WORDS: dict[str, Confidentiality] = {
    "public": C.PUBLIC, "open": C.PUBLIC, "unrestricted": C.PUBLIC,
    "internal": C.INTERNAL, "internal use": C.INTERNAL, "internal only": C.INTERNAL, "general": C.INTERNAL,
    "confidential": C.CONFIDENTIAL, "sensitive": C.CONFIDENTIAL, "private": C.CONFIDENTIAL,
    "pii": C.CONFIDENTIAL, "personal": C.CONFIDENTIAL, "personal data": C.CONFIDENTIAL,
    "restricted": C.RESTRICTED, "secret": C.RESTRICTED, "highly confidential": C.RESTRICTED,
    "strictly confidential": C.RESTRICTED, "highly sensitive": C.RESTRICTED, "top secret": C.RESTRICTED,
    "spi": C.RESTRICTED, "phi": C.RESTRICTED,
}
PERSONAL = {"pii", "personal", "personal data", "spi", "phi"}
"""Words that say the column holds personal data: meshplane masks such a column only with ``pii: true``
(and the port's ``subjectKey``), which the import does not guess."""


def level_of(raw: object) -> tuple[Confidentiality | None, str | None]:
    """The level a classification word means and a note when the word says more (or nothing known)."""
    word = " ".join(str(raw).replace("_", " ").replace("-", " ").lower().split())
    level = WORDS.get(word)
    if level is None:
        known = ", ".join(sorted({w for w in WORDS if " " not in w}))
        return C.RESTRICTED, (f"unknown classification word: read as restricted, the strictest level "
                              f"(secure by default); for another level write one of: {known}")
    if word in PERSONAL:
        return level, (f"read as {level.value}; to mask the column for consumers add pii: true to it and "
                       "a subjectKey to the port in the declaration")
    return level, None if word == level.value else f"read as {level.value}"
