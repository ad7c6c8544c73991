"""The product's terms in an ODCS contract read back: its limitations and usage restrictions.

A port cannot carry them (they are the product's ``description.limitations`` and
``policies.usageRestrictions``), so importing a contract as a port reports the restrictions the
declaration does not state yet, located in the contract.
"""

from __future__ import annotations

from ..declaration.problems import Problem
from ..declaration.yamlpos import Parsed
from ..catalog.terms import split_limitations


def read_terms(data: dict) -> tuple[str | None, list[str]]:
    """The product's limitations and usage restrictions a contract states: the limitations before the
    restrictions' line, and the restrictions of our custom property, else of that line."""
    description = data.get("description") if isinstance(data.get("description"), dict) else {}
    text = description.get("limitations")
    limitations, restrictions = split_limitations(text) if isinstance(text, str) else (None, [])
    hints = {c.get("property"): c.get("value") for c in description.get("customProperties") or []
             if isinstance(c, dict)}
    exact = hints.get("usageRestrictions")
    if isinstance(exact, list) and all(isinstance(x, str) for x in exact):
        restrictions = list(exact)
    return limitations, restrictions


def terms_notes(parsed: Parsed, file: str, declared: list[str] | None) -> list[Problem]:
    """Usage restrictions of the contract a port cannot carry: to state in the product's policies
    (``declared``: the --into declaration's; None without one)."""
    _, restrictions = read_terms(parsed.data)
    missing = [x for x in restrictions if declared is None or x not in declared]
    if not missing:
        return []
    where = "the product's" if declared is None else "the declaration's"
    description = parsed.data.get("description")
    path = ("description", "limitations") if isinstance(description, dict) and "limitations" in description \
        else ("description",)
    line, column = parsed.locate(path)
    return [Problem(file, line, column, ".".join(path), f"usage restrictions are the product's, not the port's; "
                    f"given {missing!r}; expected them in {where} policies.usageRestrictions")]
