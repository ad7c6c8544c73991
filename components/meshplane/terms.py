"""What a consumer should know before using a product, as text: its purpose, limitations and usage
restrictions, for the Dataplex catalog and the standards' ``description.limitations`` (pure, stable).

Dataplex documents no limit for a data product's description (the provider does not validate it;
the API says only "Optional"); ``CATALOG_MAX`` keeps it within the 2,000 characters Dataplex allows a
catalog entry's description. A longer text is cut at a fixed point with a pointer to the descriptor,
which always carries the whole terms.
"""

from __future__ import annotations

from .declaration.model import DataProduct

CATALOG_MAX = 2000
RESTRICTIONS_LABEL = "Usage restrictions:"
CUT = "… (cut: the full terms are in the product descriptor)"


def sentence(text: str) -> str:
    """``text`` stripped, ending with a full stop unless it ends with punctuation already."""
    text = " ".join(text.split())
    return text if text[-1:] in ".!?" else f"{text}."


def limitations_text(product: DataProduct) -> str | None:
    """The declared limitations, then a line with the usage restrictions as sentences; None when
    there are neither."""
    parts = [product.description.limitations.strip()] if product.description.limitations else []
    restrictions = product.policies.usage_restrictions
    if restrictions:
        parts.append(" ".join([RESTRICTIONS_LABEL, *map(sentence, restrictions)]))
    return "\n".join(parts) or None


def split_limitations(text: str) -> tuple[str | None, list[str]]:
    """``limitations_text`` read back: (limitations, restrictions); restrictions split at full stops."""
    head, found, tail = text.partition(RESTRICTIONS_LABEL)
    if not found:
        return (text.strip() or None), []
    restrictions = [f"{part.strip()}." for part in tail.strip().rstrip(".").split(". ") if part.strip()]
    return (head.strip() or None), restrictions


def catalog_description(product: DataProduct) -> str:
    """The Dataplex data product's description: purpose, limitations, usage restrictions."""
    parts = [product.description.purpose.strip()]
    if product.description.limitations:
        parts.append(f"Limitations: {product.description.limitations.strip()}")
    if product.policies.usage_restrictions:
        parts.append("\n".join([RESTRICTIONS_LABEL, *(f"- {r.strip()}" for r in product.policies.usage_restrictions)]))
    text = "\n\n".join(parts)
    return text if len(text) <= CATALOG_MAX else text[:CATALOG_MAX - len(CUT)].rstrip() + CUT
