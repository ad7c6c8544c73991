"""Access compared by principal, from the declared access the plan documents carry (``access_ledger``):
who gains access to a port, who loses it, whose access changes (rows, raw or masked PII, purpose), and
whose access only moves because a port was renamed or moved: the port it read is removed in head and
a port of the same product is added (a rename pair of the contract diff), read on the same terms —
PII masked or raw, rows, and the same sensitive columns. A move is not counted as widened and
narrowed; any other switch to another port (one that existed before, or one exposing other sensitive
columns) is a gain and a loss."""

from __future__ import annotations

from dataclasses import dataclass, field

from .principal_names import is_service_agent

TERMS = ("pii", "rows", "sensitive")  # what must match for a lost and a gained port to be a move
Port = tuple[str, str]  # (product id, "name vMAJOR")


@dataclass
class PrincipalChange:
    """What changes for one principal, as records of ``access_ledger``."""

    principal: str
    gained: list[dict] = field(default_factory=list)
    lost: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)  # same port, other terms
    moved: list[tuple[dict, dict]] = field(default_factory=list)  # port renamed or moved: same product

    @property
    def widened(self) -> list[tuple[dict, dict]]:
        """Changes that let the principal see more: PII less masked, or other rows."""
        return [(o, n) for o, n in self.changed if widens(o, n)]

    @property
    def narrowed(self) -> list[tuple[dict, dict]]:
        """The other changes: PII more masked, fewer rows, or only the purpose (not a gain)."""
        return [(o, n) for o, n in self.changed if not widens(o, n)]

    @property
    def consumer(self) -> str:
        """The consuming product, when the principal is a product's runner."""
        return next((r["consumer"] for r in [*self.gained, *self.lost, *(n for _, n in self.moved)]
                     if r["consumer"]), "")


PII_RANK = {"none": 0, "masked": 1, "raw": 2}  # how much of the sensitive columns a reader sees
ALL_ROWS = "all rows"


def widens(old: dict, new: dict) -> bool:
    """Whether ``new`` lets its principal see more than ``old``: PII less masked, all rows instead of
    a filter, or another filter (rows it did not see before may pass it)."""
    more_pii = PII_RANK.get(new["pii"], 2) > PII_RANK.get(old["pii"], 2)
    more_rows = new["rows"] != old["rows"] and old["rows"] != ALL_ROWS
    return more_pii or more_rows


def compare_principals(base: list[dict], head: list[dict], removed: set[Port] = frozenset(),
                       added: set[Port] = frozenset()) -> list[PrincipalChange]:
    """The principals whose declared access differs between ``base`` and ``head``, sorted; ``removed``
    and ``added``: the ports the head no longer serves and the ports it newly serves (only a reader of a
    removed port that reads an added port of the same product on the same terms has moved)."""
    old, new = _index(base), _index(head)
    changes = []
    for principal in sorted({p for p, _, _ in old} | {p for p, _, _ in new}):
        change = _one(principal, {k: v for k, v in old.items() if k[0] == principal},
                      {k: v for k, v in new.items() if k[0] == principal}, removed, added)
        if change.gained or change.lost or change.changed or change.moved:
            changes.append(change)
    return changes


def _one(principal: str, old: dict, new: dict, removed: set[Port], added: set[Port]) -> PrincipalChange:
    change = PrincipalChange(principal)
    for key in sorted(old.keys() & new.keys()):
        if any(old[key].get(t) != new[key].get(t) for t in (*TERMS, "purpose")):
            change.changed.append((old[key], new[key]))
    lost = [old[k] for k in sorted(old.keys() - new.keys())]
    gained = [new[k] for k in sorted(new.keys() - old.keys())]
    for before in lost:
        after = None if (before["product"], before["port"]) not in removed else next(
            (g for g in gained if g["product"] == before["product"] and (g["product"], g["port"]) in added
             and all(g.get(t) == before.get(t) for t in TERMS)), None)
        if after is None:
            change.lost.append(before)
        else:
            gained.remove(after)
            change.moved.append((before, after))
    change.gained = gained
    return change


def _index(records: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(r["principal"], r["product"], r["port"]): r for r in records}


PLUMBING_PREFIXES = ("dataset:", "view:", "routine:")  # authorized datasets, views and routines


def undeclared_grants(result) -> list:
    """Grants a change adds that no declaration accounts for: to a principal the head does not declare
    a consumer of the product the resource belongs to (per principal and resource, not anywhere in the
    mesh), that is not one of the products' own identities nor a service agent: access the summary must
    not hide (e.g. ``allUsers``)."""
    from .diff_summary import owner  # the product of a resource, up its parent chain

    return [(change, g) for change in sorted(result.changes.values(), key=lambda c: c.urn) for g in change.gained
            if (g.principal, owner(change, result)) not in result.consumers and not _own(g.principal, result.own)
            and not g.principal.startswith(PLUMBING_PREFIXES) and not is_service_agent(g.principal)]


def _own(principal: str, own: set[str]) -> bool:
    """One of the products' identities, or an account in one of their projects (``@<project>...``)."""
    return principal in own or any(principal.endswith(o) for o in own if o.startswith("@"))
