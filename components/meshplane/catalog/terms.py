"""What a consumer should know before using a product, as text: its purpose, limitations and usage
restrictions, for the Dataplex catalog and the standards' ``description.limitations`` (pure, stable).

Dataplex documents no limit for a data product's description (the provider does not validate it;
the API says only "Optional"); ``CATALOG_MAX`` keeps it within the 2,000 characters Dataplex allows a
catalog entry's description. A longer text is cut at a fixed point with a pointer to the descriptor,
which always carries the whole terms.
"""

from __future__ import annotations

from ..declaration.model import DataProduct

CATALOG_MAX = 2000
RESTRICTIONS_LABEL = "Usage restrictions:"
BULLET = "- "
CUT = "… (cut: the full terms are in the product descriptor)"


def sentence(text: str) -> str:
    """``text`` stripped, ending with a full stop unless it ends with punctuation already."""
    text = " ".join(text.split())
    return text if text[-1:] in ".!?" else f"{text}."


def one_line(text: str) -> str:
    """``text`` stripped, its line breaks and runs of blanks as single spaces."""
    return " ".join(text.split())


def limitations_text(product: DataProduct) -> str | None:
    """The declared limitations, then the usage restrictions under their own line, one per line
    (``- <restriction>``, whitespace collapsed); None when there are neither."""
    parts = [product.description.limitations.strip()] if product.description.limitations else []
    restrictions = product.policies.usage_restrictions
    if restrictions:
        parts.append("\n".join([RESTRICTIONS_LABEL, *(f"{BULLET}{one_line(r)}" for r in restrictions)]))
    return "\n".join(parts) or None


def split_limitations(text: str) -> tuple[str | None, list[str]]:
    """``limitations_text`` read back: (limitations, restrictions). The restrictions are the ``- ``
    lines after the last line that is exactly the label; a label line followed by text (an older or
    foreign form) is kept whole as one restriction, as sentences cannot be split safely."""
    lines = text.strip().split("\n")
    for at in range(len(lines) - 1, -1, -1):
        line = lines[at].strip()
        tail = [x.strip() for x in lines[at + 1:]]
        if line == RESTRICTIONS_LABEL and tail and all(_is_item(x) for x in tail):
            return _head(lines[:at]), [x[len(BULLET):].strip() for x in tail]
        if line.startswith(RESTRICTIONS_LABEL) and line != RESTRICTIONS_LABEL and not tail:
            return _head(lines[:at]), [line.removeprefix(RESTRICTIONS_LABEL).strip()]
    return _head(lines), []


def _is_item(line: str) -> bool:
    return line.startswith(BULLET) or line == BULLET.strip()  # an empty restriction, stripped


def _head(lines: list[str]) -> str | None:
    return "\n".join(lines).strip() or None


def catalog_description(product: DataProduct) -> str:
    """The Dataplex data product's description: purpose, limitations, usage restrictions."""
    parts = [product.description.purpose.strip()]
    if product.description.limitations:
        parts.append(f"Limitations: {product.description.limitations.strip()}")
    if product.policies.usage_restrictions:
        restrictions = (f"{BULLET}{r.strip()}" for r in product.policies.usage_restrictions)
        parts.append("\n".join([RESTRICTIONS_LABEL, *restrictions]))
    text = "\n\n".join(parts)
    return text if len(text) <= CATALOG_MAX else text[:CATALOG_MAX - len(CUT)].rstrip() + CUT
