"""An inventory checked against every registered rule (``inventory_rules`` registers them on import)."""

from __future__ import annotations

from collections.abc import Iterable

from ..settings.platform import GovernanceSettings
from . import inventory_rules  # noqa: F401 - registers the rules (the retention rule with them)
from .inventory import RULES, Resource, Rule, Violation


def check_inventory(resources: Iterable[Resource], settings: GovernanceSettings,
                    rules: Iterable[Rule] | None = None) -> list[Violation]:
    """Every violation of ``rules`` (default: all registered rules), sorted."""
    items = list(resources)
    found = [Violation(r.name, r.level, urn, message)
             for r in (RULES if rules is None else rules) for urn, message in r.check(items, settings)]
    return sorted(set(found))
