"""Global rules over a resource inventory: pure functions shared by ``meshplane plan`` and the
CrossGuard policy pack (``policies/``), so the review shows what ``pulumi preview`` enforces.

A rule takes the whole inventory (some rules relate resources, e.g. grants to their dataset) and
yields violations; each rule has an enforcement level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..settings.platform import GovernanceSettings

MANDATORY, ADVISORY = "mandatory", "advisory"


@dataclass(frozen=True)
class Resource:
    """One resource as the rules see it: from a plan document, or from CrossGuard's arguments."""

    urn: str
    type: str
    name: str
    inputs: dict
    protect: bool = False
    retain_on_delete: bool | None = False  # None: not known (CrossGuard does not pass it)
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()  # inputs written at creation only (e.g. a dataset's initial ACL)


@dataclass(frozen=True, order=True)
class Violation:
    """A rule broken by one resource."""

    rule: str
    level: str
    urn: str
    message: str


@dataclass(frozen=True)
class Rule:
    """A named check with its enforcement level and a one-line description."""

    name: str
    level: str
    description: str
    check: Callable[[list[Resource], GovernanceSettings], Iterator[tuple[str, str]]] = field(repr=False)


RULES: list[Rule] = []


def rule(name: str, level: str, description: str):
    """Register a rule function yielding ``(urn, message)`` for each violation."""
    def register(fn):
        RULES.append(Rule(name, level, description, fn))
        return fn
    return register


def resources_from_document(document: dict) -> list[Resource]:
    """The resources of a plan (preview JSON) document, without the stack and provider steps and deletions."""
    out = []
    for step in document.get("steps", []):
        state = step.get("newState") or {}
        if not state or state.get("type", "").startswith(("pulumi:pulumi:", "pulumi:providers:")):
            continue  # a deletion (no new state), the stack and providers
        out.append(Resource(urn=state["urn"], type=state["type"], name=state["urn"].rsplit("::", 1)[-1],
                            inputs=state.get("inputs", {}), protect=bool(state.get("protect")),
                            retain_on_delete=bool(state.get("retainOnDelete")),
                            parent=state.get("parent", ""),
                            dependencies=tuple(state.get("dependencies", [])),
                            ignore_changes=tuple(state.get("ignoreChanges", []))))
    return out
