"""Semantic versioning, enforced at review: each contract change must come with the bump it needs.

* A ``breaking`` change to a port within its major is **refused**: consumers of that major would
  break. The fix is a new major served side by side (a second ``outputPorts`` entry), the old one
  deprecated with a sunset. Removing a major that was never deprecated is refused for the same reason.
* A port's new or removed major is the product's: the product's major must grow with it (refused).
* An ``additive`` change without a minor bump, or a ``patch`` change without any bump, of the port or
  the product, is a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .contracts import ADDITIVE, BREAKING, KINDS, PATCH, PortChange, descriptors, port_changes, ports_by_major

REFUSED, WARNING = "refused", "warning"


@dataclass(frozen=True, order=True)
class VersionFinding:
    """A version that does not match its changes: refused (``meshplane diff`` fails) or a warning."""

    product: str
    port: str  # "<name> v<major>", or "" for the product itself
    level: str
    message: str


@dataclass
class ContractDiff:
    """Every port contract change between two plans, and what their versions say about them."""

    changes: list[PortChange] = field(default_factory=list)
    findings: list[VersionFinding] = field(default_factory=list)

    @property
    def refused(self) -> list[VersionFinding]:
        return [f for f in self.findings if f.level == REFUSED]


def compare_contracts(base: dict, head: dict) -> ContractDiff:
    """The contract changes of every product in both plans (new and removed products have none)."""
    old, new = descriptors(base), descriptors(head)
    result = ContractDiff()
    for pid in sorted(old.keys() & new.keys()):
        changes, findings = _product(pid, old[pid], new[pid])
        result.changes += changes
        result.findings += findings
    result.changes.sort()
    result.findings.sort()
    return result


def _product(pid: str, old: dict, new: dict) -> tuple[list[PortChange], list[VersionFinding]]:
    before, after = ports_by_major(old), ports_by_major(new)
    changes: list[PortChange] = []
    findings: list[VersionFinding] = []
    for key in sorted(before.keys() & after.keys()):
        found = port_changes(pid, before[key], after[key])
        changes += found
        findings += _port_version(pid, before[key], after[key], found)
    for name, major in sorted(before.keys() - after.keys()):
        changes.append(PortChange(pid, f"{name} v{major}", "port", "removed: its consumers lose it", BREAKING))
        if not before[(name, major)].get("deprecated"):
            findings.append(VersionFinding(pid, f"{name} v{major}", REFUSED, (
                f"{name} v{major} is removed without being deprecated first; expected a release that keeps it "
                "with a 'deprecation' (reason, successor, sunset) so its consumers get notice, then its removal")))
    served = {name for name, _ in before}
    for name, major in sorted(after.keys() - before.keys()):
        what = "new major, served side by side" if name in served else "new port"
        changes.append(PortChange(pid, f"{name} v{major}", "port", what, ADDITIVE))
    moved = (before.keys() - after.keys()) | {k for k in after.keys() - before.keys() if k[0] in served}
    if old.get("version") and new.get("version"):  # older descriptors carry no product version
        findings += _product_version(pid, old["version"], new["version"], changes, sorted(moved))
    return changes, findings


def _port_version(pid: str, old: dict, new: dict, changes: list[PortChange]) -> list[VersionFinding]:
    name, major = old["name"], _semver(old["version"])[0]
    port = f"{name} v{major}"
    breaking = [c for c in changes if c.kind == BREAKING]
    if breaking:
        what = "; ".join(f"{c.path} {c.what}" for c in breaking)
        return [VersionFinding(pid, port, REFUSED, (
            f"breaking change within major {major}: {what}. Keep {name} {old['version']} as it is and serve the "
            f"change as a new major side by side: a second outputPorts entry '{name}' with version "
            f"{major + 1}.0.0; deprecate v{major} with a sunset, and bump the product's major"))]
    versioned = [c for c in changes if c.path != "deprecation"]  # notice about the port, not a new port
    return _bump(pid, port, old["version"], new["version"], _needed(versioned))


def _product_version(pid: str, old: str, new: str, changes: list[PortChange],
                     moved: list[tuple[str, int]]) -> list[VersionFinding]:
    if moved and _semver(new)[0] <= _semver(old)[0]:
        majors = ", ".join(f"{name} v{major}" for name, major in moved)
        return [VersionFinding(pid, "", REFUSED, (
            f"a port major is added or removed ({majors}) but the product's major is not: given {old} -> {new}; "
            f"expected {_semver(old)[0] + 1}.0.0 (a port's major is the product's)"))]
    return _bump(pid, "", old, new, _needed(changes))


def _bump(pid: str, port: str, old: str, new: str, needed: str | None) -> list[VersionFinding]:
    was, now = _semver(old), _semver(new)
    what = f"{port} version" if port else "product version"
    if now < was:
        return [VersionFinding(pid, port, WARNING, f"{what} goes backwards: given {old} -> {new}")]
    if needed == ADDITIVE and now[:2] <= was[:2]:
        return [VersionFinding(pid, port, WARNING, f"additive change without a minor bump of the {what}: "
                               f"given {old} -> {new}; expected {was[0]}.{was[1] + 1}.0")]
    if needed == PATCH and now <= was:
        return [VersionFinding(pid, port, WARNING, f"changed without a new {what}: given {old} -> {new}; "
                               f"expected {was[0]}.{was[1]}.{was[2] + 1}")]
    return []


def _needed(changes: list[PortChange]) -> str | None:
    """The largest bump the changes need (breaking > additive > patch), or None."""
    kinds = {c.kind for c in changes}
    return next((k for k in KINDS if k in kinds), None)


def _semver(version: str) -> tuple[int, int, int]:
    """MAJOR.MINOR.PATCH as numbers (pre-release and build parts are not ordered here)."""
    numbers = re.match(r"(\d+)\.(\d+)\.(\d+)", str(version))
    return tuple(int(n) for n in numbers.groups()) if numbers else (0, 0, 0)  # type: ignore[return-value]
