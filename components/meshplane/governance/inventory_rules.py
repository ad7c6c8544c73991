"""The global rules over inventories. Each yields ``(urn, message)`` per violating resource."""

from __future__ import annotations

from collections.abc import Iterator

from ..platform import GovernanceSettings
from .inventory import MANDATORY, Resource, rule

PUBLIC = ("allUsers", "allAuthenticatedUsers")


@rule("no-public-principals", MANDATORY, "No grant to allUsers or allAuthenticatedUsers.")
def no_public_principals(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    for r in resources:
        for value in _strings(r.inputs):
            if any(p in value for p in PUBLIC):
                yield r.urn, f"grants a public principal ({value})"
                break


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
